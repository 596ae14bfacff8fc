import { describe, expect, it } from "vitest";
import type { ErrorPayload, RecordView } from "../bindings";
import { contact, table } from "../test/fixtures";
import { gridColumn, record } from "../test/grid";
import { mockBackend, refuse } from "../test/ipc";
import { deleteChanges, pasteChanges, setColumnChanges } from "./bulkEdit";
import { pasteTargets } from "./gridPaste";

const gone: ErrorPayload = {
  kind: "api.not_found",
  category: "input",
  message: "account With Id = b Does Not Exist",
  hint: null,
  column: null,
  details: null,
};
const tooLong: ErrorPayload = {
  kind: "input.too_long",
  category: "input",
  message: "'Website' (websiteurl) takes at most 5 characters; this has 9.",
  hint: null,
  column: "websiteurl",
  details: null,
};

/** Account `id` read with its own version (`b` is gone). */
function versioned(id: string): RecordView {
  if (id === "b") refuse(gone);
  return { ...record(id), etag: `W/"v-${id}"` };
}

const website = gridColumn("websiteurl", "Website");
const industry = gridColumn("industrycode", "Industry", "Picklist", {
  options: [
    { value: 1, label: "Accounting" },
    { value: 33, label: "Software" },
  ],
});
const primary = gridColumn("primarycontactid", "Primary Contact", "Lookup", { targets: ["contact"] });

describe("Changes of many records", () => {
  it("sets a column on every record with its own version and the value it replaces", async () => {
    const backend = mockBackend({ record_get: (_c, _t, id) => versioned(id) });
    const { items, failed } = await setColumnChanges("c-1", "account", website, "x.org", "x.org", [
      "a",
      "b",
      "c",
    ]);
    expect(items.map((item) => item.change)).toEqual([
      {
        kind: "update",
        table: "account",
        id: "a",
        etag: 'W/"v-a"',
        column: "websiteurl",
        old: "contoso.com",
        new: "x.org",
      },
      {
        kind: "update",
        table: "account",
        id: "c",
        etag: 'W/"v-c"',
        column: "websiteurl",
        old: "contoso.com",
        new: "x.org",
      },
    ]);
    expect(items[0]?.note).toEqual({
      label: "Website",
      shown: "x.org",
      oldShown: "contoso.com",
      recordName: "Record a",
    });
    expect(failed).toEqual([
      { id: "b", reason: "Its version could not be read: account With Id = b Does Not Exist" },
    ]);
    expect(
      backend
        .argsOf("record_get")
        .map(([, , id]) => id)
        .sort(),
    ).toEqual(["a", "b", "c"]);
  });

  it("stages deletions with each record's version and name", async () => {
    mockBackend({ record_get: (_c, _t, id) => versioned(id) });
    const { changes, failed } = await deleteChanges("c-1", "account", ["a", "b"]);
    expect(changes).toEqual([
      { kind: "delete", table: "account", id: "a", etag: 'W/"v-a"', name: "Record a" },
    ]);
    expect(failed).toHaveLength(1);
  });
});

describe("A pasted block", () => {
  const columns = [gridColumn("name", "Account Name"), website, industry, primary];
  const ids = ["a", "c"];

  function backend() {
    return mockBackend({
      record_get: (_c, _t, id) => versioned(id),
      value_check: (_c, check) =>
        check.column === "websiteurl" && typeof check.value === "string" && check.value.length > 5
          ? refuse(tooLong)
          : null,
      lookup_search: (_c, _table, text) =>
        text === "Jo"
          ? [
              { table: "contact", id: "c-1", name: "Jo" },
              { table: "contact", id: "c-2", name: "Jo" },
            ]
          : text === "Ada Ng"
            ? [
                { table: "contact", id: "c-3", name: "Ada Ng" },
                { table: "contact", id: "c-4", name: "Ada Nguyen" },
              ]
            : [],
    });
  }

  it("stages each cell read as its column's value, checked, and says why each other one is not", async () => {
    backend();
    const block = [
      ["x.io", "software", "Ada Ng"],
      ["too-long.org", "Farming", "Jo"],
    ];
    const { targets } = pasteTargets(block, { row: 0, col: 1 }, columns, 2);
    const { items, problems } = await pasteChanges("c-1", "account", targets, (row) => ids[row], [
      table,
      contact,
    ]);
    expect(
      items.map((item) => [item.change.id, item.change.column, item.change.new, item.change.etag]),
    ).toEqual([
      ["a", "websiteurl", "x.io", 'W/"v-a"'],
      ["a", "industrycode", 33, 'W/"v-a"'],
      ["a", "primarycontactid", "contacts(c-3)", 'W/"v-a"'],
    ]);
    expect(items.map((item) => item.note.shown)).toEqual(["x.io", "Software", "Ada Ng"]);
    expect(problems.map((problem) => [problem.row, problem.col, problem.reason])).toEqual([
      [1, 1, tooLong.message],
      [1, 2, "'Farming' is not an option of Industry (Accounting, Software)."],
      [1, 3, "2 records are named 'Jo': pick one in the cell's editor."],
    ]);
  });

  it("says when a lookup's name names no record, and takes a record's id for a lookup of one table", async () => {
    backend();
    const { targets } = pasteTargets([["Nobody"], ["{C-5}"]], { row: 0, col: 3 }, columns, 2);
    const { problems } = await pasteChanges("c-1", "account", targets, (row) => ids[row], [table, contact]);
    expect(problems.map((problem) => problem.reason)).toEqual([
      "No record named 'Nobody' for Primary Contact.",
      "No record named '{C-5}' for Primary Contact.",
    ]);
    const id = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";
    const byId = pasteTargets([[id]], { row: 0, col: 3 }, columns, 1).targets;
    const { items } = await pasteChanges("c-1", "account", byId, (row) => ids[row], [table, contact]);
    expect(items[0]?.change.new).toBe(`contacts(${id})`);
  });
});
