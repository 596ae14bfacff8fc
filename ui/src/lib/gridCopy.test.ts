import { describe, expect, it } from "vitest";
import { tabSeparated } from "./gridCopy";

describe("Grid copy", () => {
  it("puts cells between tabs and rows on lines", () => {
    expect(
      tabSeparated([
        ["a", "b"],
        ["c", "d"],
      ]),
    ).toBe("a\tb\nc\td");
    expect(tabSeparated([["1,234.50"]])).toBe("1,234.50");
    expect(tabSeparated([])).toBe("");
  });

  it("quotes a value holding a tab, a line break or a quote, so that it stays one cell", () => {
    expect(tabSeparated([["a\tb", "line\nbreak", "cr\r", 'say "hi"', "plain"]])).toBe(
      '"a\tb"\t"line\nbreak"\t"cr\r"\t"say ""hi"""\tplain',
    );
  });
});
