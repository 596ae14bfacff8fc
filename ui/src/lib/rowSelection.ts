// The rows a grid selection covers, for actions on whole records (delete, "Set column…"): the rows of
// the cell rectangle (Shift extends it, Ctrl/Cmd+A takes every row) and rows picked one by one with
// Ctrl/Cmd+click.

export type RowSelection = { top: number; bottom: number; picked: number[] };

/** The row indexes selected, in order, each once. */
export function selectedRows(selection: RowSelection): number[] {
  const rows = new Set<number>(selection.picked);
  for (let row = selection.top; row <= selection.bottom; row += 1) rows.add(row);
  return [...rows].sort((a, b) => a - b);
}

/** How many rows are selected (without listing them: Ctrl+A on 100,000 rows). */
export function selectedCount(selection: RowSelection): number {
  const outside = selection.picked.filter((row) => row < selection.top || row > selection.bottom);
  return selection.bottom - selection.top + 1 + new Set(outside).size;
}

/** `picked` with `row` added, or taken away when it was there. */
export function togglePicked(picked: number[], row: number): number[] {
  return picked.includes(row) ? picked.filter((found) => found !== row) : [...picked, row];
}
