// A column header's sort: a click sorts ascending, the next descending, the next not at all. One column
// at a time, as the header shows it.
import type { GridSort } from "../bindings";

export type SortDirection = "ascending" | "descending" | "none";

export function sortOf(sort: GridSort[], column: string): SortDirection {
  const first = sort[0];
  if (first?.column !== column) return "none";
  return first.descending ? "descending" : "ascending";
}

export function nextSort(sort: GridSort[], column: string): GridSort[] {
  switch (sortOf(sort, column)) {
    case "none":
      return [{ column, descending: false }];
    case "ascending":
      return [{ column, descending: true }];
    case "descending":
      return [];
  }
}
