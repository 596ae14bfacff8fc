import { describe, expect, it } from "vitest";
import type { FieldGroup, RecordField } from "../bindings";
import { gridColumn } from "../test/grid";
import { arrangeFields, rawBeside } from "./recordFields";

function field(column: string, label: string, group: FieldGroup, text = "x", raw?: string): RecordField {
  return {
    column: gridColumn(column, label),
    group,
    cell: raw === undefined ? { text } : { text, raw },
  };
}

describe("Record fields", () => {
  it("puts the name first, the grid's columns in its order, the rest A–Z, the empty ones apart", () => {
    const fields = [
      field("zeta", "Zeta", "other"),
      field("revenue", "Revenue", "shown"),
      field("fax", "Fax", "empty", ""),
      field("alpha", "alpha", "other"),
      field("name", "Name", "name"),
      field("city", "City", "shown"),
      field("bank", "Bank", "empty", ""),
    ];
    const { filled, empty } = arrangeFields(fields);
    expect(filled.map((found) => found.column.logical_name)).toEqual([
      "name",
      "revenue",
      "city",
      "alpha",
      "zeta",
    ]);
    expect(empty.map((found) => found.column.logical_name)).toEqual(["bank", "fax"]);
  });

  it("shows the raw value beside the text only where it differs", () => {
    expect(rawBeside(field("revenue", "Revenue", "shown", "$1,000.50", "1000.5000"))).toBe("1000.5000");
    expect(rawBeside(field("code", "Code", "shown", "42", "42"))).toBeNull();
    expect(rawBeside(field("name", "Name", "name", "Contoso"))).toBeNull();
    expect(rawBeside({ ...field("n", "N", "other"), cell: { text: "x", raw: null } })).toBeNull();
  });
});
