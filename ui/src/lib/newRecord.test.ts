import { describe, expect, it } from "vitest";
import { table } from "../test/fixtures";
import { gridColumn } from "../test/grid";
import { newRecordColumns, refusedColumn } from "./newRecord";

describe("A new record's fields", () => {
  it("puts the required columns first, then the grid's, then those added, each once", () => {
    const name = gridColumn("name", "Account Name", "String", { required: true });
    const phone = gridColumn("telephone1", "Main Phone");
    const city = gridColumn("address1_city", "City");
    const owner = gridColumn("ownerid", "Owner", "Owner", { required: true, targets: ["systemuser"] });
    const status = gridColumn("statuscode", "Status Reason", "Status", { required: true });
    const created = gridColumn("createdon", "Created On", "DateTime", { editable: false });
    const available = [city, created, phone, owner, status, name];
    const fields = newRecordColumns(
      table,
      available,
      [phone, created, name],
      ["address1_city", "telephone1"],
    );
    expect(fields.map((f) => f.logical_name)).toEqual(["name", "telephone1", "address1_city"]);
  });

  it("leaves out the table's id", () => {
    const id = gridColumn(table.primary_id, "Id", "String", { required: true });
    expect(newRecordColumns(table, [id], [id], [])).toEqual([]);
  });
});

describe("The column a refused new record is about", () => {
  const change = {
    kind: "create" as const,
    table: "account",
    key: "new-1",
    values: { name: "Zz", primarycontactid: "contacts(DA53-1)" },
  };
  const error = (message: string, column: string | null = null) => ({
    kind: "http.404",
    category: "input" as const,
    message,
    hint: null,
    column,
    details: null,
  });

  it("is the one the refusal names, its lookup's binding named as the column", () => {
    expect(refusedColumn(change, error("too long", "name"))).toBe("name");
    expect(refusedColumn(change, error("gone", "primarycontactid@odata.bind"))).toBe("primarycontactid");
  });

  it("is the lookup whose record the message names, else none", () => {
    expect(refusedColumn(change, error("contact With Id = da53-1 Does Not Exist"))).toBe("primarycontactid");
    expect(refusedColumn(change, error("Something else failed"))).toBeNull();
  });
});
