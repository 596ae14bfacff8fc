import { describe, expect, it } from "vitest";
import { nextSort, sortOf } from "./gridSort";

describe("Grid sort", () => {
  it("goes ascending, descending, then none on the same column", () => {
    const ascending = nextSort([], "name");
    expect(ascending).toEqual([{ column: "name", descending: false }]);
    const descending = nextSort(ascending, "name");
    expect(descending).toEqual([{ column: "name", descending: true }]);
    expect(nextSort(descending, "name")).toEqual([]);
  });

  it("starts ascending on another column", () => {
    expect(nextSort([{ column: "name", descending: true }], "revenue")).toEqual([
      { column: "revenue", descending: false },
    ]);
  });

  it("says a column's direction", () => {
    expect(sortOf([], "name")).toBe("none");
    expect(sortOf([{ column: "name", descending: false }], "name")).toBe("ascending");
    expect(sortOf([{ column: "name", descending: true }], "name")).toBe("descending");
    expect(sortOf([{ column: "name", descending: true }], "revenue")).toBe("none");
  });
});
