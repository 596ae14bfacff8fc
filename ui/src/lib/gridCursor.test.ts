import { describe, expect, it } from "vitest";
import { covers, moved, revealed, selection, type Cell } from "./gridCursor";

const extent = { rows: 100, cols: 5, page: 10 };
const middle: Cell = { row: 50, col: 2 };

describe("Grid cursor", () => {
  it.each<[string, boolean, Cell]>([
    ["ArrowUp", false, { row: 49, col: 2 }],
    ["ArrowDown", false, { row: 51, col: 2 }],
    ["ArrowLeft", false, { row: 50, col: 1 }],
    ["ArrowRight", false, { row: 50, col: 3 }],
    ["PageUp", false, { row: 40, col: 2 }],
    ["PageDown", false, { row: 60, col: 2 }],
    ["Home", false, { row: 50, col: 0 }],
    ["End", false, { row: 50, col: 4 }],
    ["ArrowUp", true, { row: 0, col: 2 }],
    ["ArrowDown", true, { row: 99, col: 2 }],
    ["ArrowLeft", true, { row: 50, col: 0 }],
    ["ArrowRight", true, { row: 50, col: 4 }],
    ["Home", true, { row: 0, col: 0 }],
    ["End", true, { row: 99, col: 4 }],
  ])("moves with %s (to the edge: %s)", (key, toEdge, cell) => {
    expect(moved(middle, key, toEdge, extent)).toEqual(cell);
  });

  it("stays within the grid", () => {
    expect(moved({ row: 0, col: 0 }, "ArrowUp", false, extent)).toEqual({ row: 0, col: 0 });
    expect(moved({ row: 0, col: 0 }, "ArrowLeft", false, extent)).toEqual({ row: 0, col: 0 });
    expect(moved({ row: 3, col: 0 }, "PageUp", false, extent)).toEqual({ row: 0, col: 0 });
    expect(moved({ row: 95, col: 4 }, "PageDown", false, extent)).toEqual({ row: 99, col: 4 });
    expect(moved({ row: 99, col: 4 }, "ArrowDown", false, extent)).toEqual({ row: 99, col: 4 });
    expect(moved({ row: 99, col: 4 }, "ArrowRight", false, extent)).toEqual({ row: 99, col: 4 });
  });

  it("ignores the keys that do not move it", () => {
    expect(moved(middle, "a", false, extent)).toBeNull();
    expect(moved(middle, "Enter", true, extent)).toBeNull();
  });

  it("selects the rectangle between the anchor and the cursor, either way round", () => {
    const rect = { top: 2, left: 1, bottom: 5, right: 3 };
    expect(selection({ row: 2, col: 1 }, { row: 5, col: 3 })).toEqual(rect);
    expect(selection({ row: 5, col: 3 }, { row: 2, col: 1 })).toEqual(rect);
    expect(selection({ row: 5, col: 1 }, { row: 2, col: 3 })).toEqual(rect);
    expect(covers(rect, 2, 1)).toBe(true);
    expect(covers(rect, 5, 3)).toBe(true);
    expect(covers(rect, 1, 2)).toBe(false);
    expect(covers(rect, 6, 2)).toBe(false);
    expect(covers(rect, 3, 0)).toBe(false);
    expect(covers(rect, 3, 4)).toBe(false);
  });

  it("scrolls as little as it can to bring a span into view", () => {
    expect(revealed(100, 300, 150, 28)).toBe(100);
    expect(revealed(100, 300, 100, 28)).toBe(100);
    expect(revealed(100, 300, 372, 28)).toBe(100);
    expect(revealed(100, 300, 50, 28)).toBe(50);
    expect(revealed(100, 300, 373, 28)).toBe(101);
    expect(revealed(0, 10, 0, 28)).toBe(0);
    expect(revealed(0, 10, 5, 28)).toBe(5);
    expect(revealed(0, 28, 5, 28)).toBe(5);
    expect(revealed(40, 28, 5, 28)).toBe(5);
  });
});
