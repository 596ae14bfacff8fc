import { describe, expect, it } from "vitest";
import { gridColumn } from "../test/grid";
import { parseTsv, pastedId, pastedValue, pastePlacement, pasteTargets, localeDigits } from "./gridPaste";

const industry = gridColumn("industrycode", "Industry", "Picklist", {
  options: [
    { value: 1, label: "Accounting" },
    { value: 33, label: "Software" },
  ],
});
const credit = gridColumn("creditonhold", "Credit Hold", "Boolean", {
  options: [
    { value: 0, label: "No" },
    { value: 1, label: "Yes" },
  ],
});
const employees = gridColumn("numberofemployees", "Number of Employees", "Integer");
const revenue = gridColumn("revenue", "Annual Revenue", "Money");
const birthday = gridColumn("birthdate", "Birthday", "DateTime", { date_only: true });
const name = gridColumn("name", "Account Name");

describe("Tab-separated text as Excel copies it", () => {
  it("splits CRLF rows and tabbed cells, without an empty row for the trailing line break", () => {
    expect(parseTsv("a\tb\r\nc\td\r\n")).toEqual([
      ["a", "b"],
      ["c", "d"],
    ]);
    expect(parseTsv("a\tb\nc\td")).toEqual([
      ["a", "b"],
      ["c", "d"],
    ]);
    expect(parseTsv("one")).toEqual([["one"]]);
    expect(parseTsv("")).toEqual([]);
  });

  it("keeps empty cells, at the end of a row too", () => {
    expect(parseTsv("a\t\t\r\n\tb\r\n")).toEqual([
      ["a", "", ""],
      ["", "b"],
    ]);
  });

  it("reads quoted cells with tabs, line breaks and doubled quotes inside", () => {
    expect(parseTsv('"two\r\nlines"\t"a\ttab"\r\n"say ""hi"""\tplain\r\n')).toEqual([
      ["two\r\nlines", "a\ttab"],
      ['say "hi"', "plain"],
    ]);
  });

  it("keeps a quote that does not open the cell as it is", () => {
    expect(parseTsv('5" screen\tx"y\r\n')).toEqual([['5" screen', 'x"y']]);
  });
});

describe("Where a pasted block lands", () => {
  it("fills a selection of several cells with one value, and starts any other block at the cursor", () => {
    const cursor = { row: 4, col: 2 };
    const selected = { top: 2, left: 1, bottom: 4, right: 2 };
    expect(pastePlacement([["x"]], cursor, selected)).toEqual({
      block: [
        ["x", "x"],
        ["x", "x"],
        ["x", "x"],
      ],
      at: { row: 2, col: 1 },
    });
    expect(pastePlacement([["x", "y"]], cursor, selected)).toEqual({ block: [["x", "y"]], at: cursor });
    const single = { top: 4, left: 2, bottom: 4, right: 2 };
    expect(pastePlacement([["x"]], cursor, single)).toEqual({ block: [["x"]], at: cursor });
  });

  it("goes right and down from the cursor, leaving out what is past the grid or not editable", () => {
    const columns = [name, gridColumn("createdon", "Created On", "DateTime", { editable: false }), revenue];
    const { targets, skipped } = pasteTargets(
      [
        ["A", "2024-01-01", "1", "extra"],
        ["B", "2024-01-02", "2", "extra"],
      ],
      { row: 4, col: 0 },
      columns,
      5,
    );
    expect(targets.map((t) => [t.row, t.col, t.text])).toEqual([
      [4, 0, "A"],
      [4, 2, "1"],
    ]);
    expect(skipped.map((s) => [s.row, s.col, s.reason])).toEqual([
      [4, 1, "Created On cannot be edited here."],
      [4, 3, "Left out: past the grid's last column."],
      [5, 0, "Left out: past the last row read."],
      [5, 1, "Left out: past the last row read."],
      [5, 2, "Left out: past the last row read."],
      [5, 3, "Left out: past the grid's last column."],
    ]);
  });
});

describe("A pasted cell read as its column's value", () => {
  it("takes an option by its label (any case) or its number, and says which options there are", () => {
    expect(pastedValue(industry, "software")).toEqual({ value: 33 });
    expect(pastedValue(industry, "1")).toEqual({ value: 1 });
    expect(pastedValue(industry, "Farming")).toEqual({
      problem: "'Farming' is not an option of Industry (Accounting, Software).",
    });
  });

  it("takes yes/no by label, yes/no, true/false or 1/0", () => {
    expect(pastedValue(credit, "Yes")).toEqual({ value: true });
    expect(pastedValue(credit, "FALSE")).toEqual({ value: false });
    expect(pastedValue(credit, "0")).toEqual({ value: false });
    expect(pastedValue(credit, "maybe")).toEqual({ problem: "'maybe' is neither yes nor no." });
  });

  it("reads numbers as a spreadsheet shows them, exactly, and refuses what is not one", () => {
    expect(pastedValue(revenue, "$1,234,567.50")).toEqual({ value: "1234567.5" });
    expect(pastedValue(revenue, "(12.00)")).toEqual({ value: "-12" });
    expect(pastedValue(revenue, "12345678901234.5678")).toEqual({ value: "12345678901234.5678" });
    expect(pastedValue(revenue, "EUR 7")).toEqual({ value: "7" });
    expect(pastedValue(employees, "1 200")).toEqual({ value: "1200" });
    expect(pastedValue(employees, "12.5")).toHaveProperty("problem");
    expect(pastedValue(revenue, "1,5")).toHaveProperty("problem");
    expect(pastedValue(revenue, "12abc")).toHaveProperty("problem");
  });

  it("reads a day in ISO, dotted or an unambiguous slashed form, and refuses an ambiguous one", () => {
    expect(pastedValue(birthday, "2024-03-15")).toEqual({ value: "2024-03-15" });
    expect(pastedValue(birthday, "2024-03-15T10:00:00Z")).toEqual({ value: "2024-03-15" });
    expect(pastedValue(birthday, "15.03.2024")).toEqual({ value: "2024-03-15" });
    expect(pastedValue(birthday, "15/03/2024")).toEqual({ value: "2024-03-15" });
    expect(pastedValue(birthday, "3/15/2024")).toEqual({ value: "2024-03-15" });
    expect(pastedValue(birthday, "03/04/2024")).toEqual({
      problem: "'03/04/2024' could be day/month or month/day: paste it as YYYY-MM-DD.",
    });
    expect(pastedValue(birthday, "2024-02-30")).toHaveProperty("problem");
  });

  it("reads a date and time in the column's behaviour, and refuses a day without its time", () => {
    const independent = gridColumn("checkin", "Check-in", "DateTime", {
      date_behavior: "TimeZoneIndependent",
    });
    expect(pastedValue(independent, "2024-03-15 09:30")).toEqual({ value: "2024-03-15T09:30:00Z" });
    expect(pastedValue(independent, "15/03/2024 9:30 PM")).toEqual({ value: "2024-03-15T21:30:00Z" });
    expect(pastedValue(independent, "2024-03-15T09:30:15Z")).toEqual({ value: "2024-03-15T09:30:15Z" });
    const local = gridColumn("scheduled", "Scheduled", "DateTime");
    expect(pastedValue(local, "2024-03-15 09:30")).toEqual({
      value: new Date("2024-03-15T09:30:00").toISOString().replace(/\.000Z$/, "Z"),
    });
    expect(pastedValue(local, "2024-03-15")).toHaveProperty("problem");
    expect(pastedValue(local, "2024-03-15 25:00")).toHaveProperty("problem");
  });

  it("reads a multi-select's options by label or number, and names one that is not an option", () => {
    const hobbies = gridColumn("hobbies", "Hobbies", "Virtual", {
      multi_select: true,
      options: [
        { value: 1, label: "Chess" },
        { value: 3, label: "Golf" },
      ],
    });
    expect(pastedValue(hobbies, "golf; Chess")).toEqual({ value: "1,3" });
    expect(pastedValue(hobbies, "3")).toEqual({ value: "3" });
    expect(pastedValue(hobbies, "Chess; Polo")).toEqual({
      problem: "'Polo' is not an option of Hobbies (Chess, Golf).",
    });
  });

  it("keeps text as pasted and clears with an empty cell", () => {
    expect(pastedValue(name, "  Contoso  ")).toEqual({ value: "  Contoso  " });
    expect(pastedValue(name, "")).toEqual({ value: null });
    expect(pastedValue(revenue, " ")).toEqual({ value: null });
  });

  it("tells a record id from a name", () => {
    expect(pastedId("{3F2504E0-4F89-11D3-9A0C-0305E82C3301}")).toBe("3f2504e0-4f89-11d3-9a0c-0305e82c3301");
    expect(pastedId("Contoso")).toBeNull();
  });
});

describe("Numbers in this computer's way of writing them", () => {
  it("takes the grouping out and reads the decimal separator the locale uses", () => {
    const english = { group: ",", decimal: "." };
    const german = { group: ".", decimal: "," };
    expect(localeDigits("1,234.5", english)).toBe("1234.5");
    expect(localeDigits("1.234", english)).toBe("1.234");
    expect(localeDigits("1.234,5", german)).toBe("1234.5");
    expect(localeDigits("1.234", german)).toBe("1234");
    expect(localeDigits("1,5", german)).toBe("1.5");
    expect(localeDigits("1,2,3", german)).toBe("1,2,3"); // left for the number check to refuse
  });
});
