import { describe, expect, it } from "vitest";
import { selectedCount, selectedRows, togglePicked } from "./rowSelection";

describe("The rows a selection covers", () => {
  it("lists the rectangle's rows and the rows picked, each once, in order", () => {
    expect(selectedRows({ top: 2, bottom: 4, picked: [] })).toEqual([2, 3, 4]);
    expect(selectedRows({ top: 2, bottom: 3, picked: [9, 3, 0] })).toEqual([0, 2, 3, 9]);
    expect(selectedRows({ top: 1, bottom: 0, picked: [5, 1] })).toEqual([1, 5]);
  });

  it("counts them without listing them", () => {
    expect(selectedCount({ top: 0, bottom: 99_999, picked: [] })).toBe(100_000);
    expect(selectedCount({ top: 2, bottom: 3, picked: [9, 3, 9] })).toBe(3);
    expect(selectedCount({ top: 1, bottom: 0, picked: [5, 1] })).toBe(2);
  });

  it("adds a row picked, and takes it away when picked again", () => {
    expect(togglePicked([1, 2], 5)).toEqual([1, 2, 5]);
    expect(togglePicked([1, 2, 5], 2)).toEqual([1, 5]);
  });
});
