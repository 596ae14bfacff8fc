import { describe, expect, it } from "vitest";
import type { Json, PendingChange } from "../bindings";
import { stageCreate, stageDeletes, stageUpdates, type DeleteChange, type UpdateChange } from "./pendingList";

function update(id: string, column: string, old: string | null, value: Json): UpdateChange {
  return { kind: "update", table: "account", id, etag: `W/"${id}"`, column, old, new: value };
}

function deletion(id: string): DeleteChange {
  return { kind: "delete", table: "account", id, etag: `W/"${id}"`, name: `Account ${id}` };
}

describe("Whole records and many rows in the staged list", () => {
  it("stages a new record once under its key, its values replaced when staged again", () => {
    const first: PendingChange = {
      kind: "create",
      table: "contact",
      key: "new-1",
      values: { lastname: "Ng" },
    };
    const again: PendingChange = { ...first, values: { lastname: "Ngo", firstname: "Ada" } };
    const other: PendingChange = { kind: "create", table: "contact", key: "new-2", values: {} };
    expect(stageCreate(stageCreate(stageCreate([], first), other), again)).toEqual([again, other]);
  });

  it("stages each record's deletion once, and is the same list when nothing is new", () => {
    const list = stageDeletes([update("a", "name", "A", "B")], [deletion("a"), deletion("b"), deletion("a")]);
    expect(list.map((change) => change.kind)).toEqual(["update", "delete", "delete"]);
    expect(stageDeletes(list, [deletion("b")])).toBe(list);
  });

  it("stages many updates as one does each: first value read kept, one set back dropped", () => {
    const same = (_: UpdateChange, old: string | null, value: Json) => old === value;
    const list = stageUpdates(
      [update("a", "name", "A", "X")],
      [update("a", "name", "X", "Y"), update("b", "name", "B", "C"), update("c", "name", "C", "C")],
      same,
    );
    expect(list).toEqual([update("a", "name", "A", "Y"), update("b", "name", "B", "C")]);
  });
});
