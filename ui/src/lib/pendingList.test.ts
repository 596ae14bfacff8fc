import { describe, expect, it } from "vitest";
import type { CommitResult, Json, PendingChange } from "../bindings";
import {
  afterCommit,
  byRecord,
  changeKey,
  revertChange,
  revertRecord,
  stageUpdate,
  stageUpdates,
  updateKey,
  type UpdateChange,
} from "./pendingList";

const same = (old: string | null, value: Json) => old === value;

function update(
  id: string,
  column: string,
  old: string | null,
  value: Json,
  etag = `W/"${id}"`,
): UpdateChange {
  return { kind: "update", table: "account", id, etag, column, old, new: value };
}

describe("stageUpdate", () => {
  it("adds a change, and a column changed again keeps the value and version first read", () => {
    let list: PendingChange[] = stageUpdate([], update("a", "name", "A", "B"), same);
    list = stageUpdate(list, update("b", "name", "X", "Y"), same);
    list = stageUpdate(list, update("a", "name", "B", "C", 'W/"later"'), same);
    expect(list).toEqual([update("a", "name", "A", "C"), update("b", "name", "X", "Y")]);
  });

  it("forgets a change set back to what was read, and stages nothing for the value read", () => {
    let list: PendingChange[] = stageUpdate([], update("a", "name", "A", "B"), same);
    list = stageUpdate(list, update("a", "name", "B", "A"), same);
    expect(list).toEqual([]);
    expect(stageUpdate(list, update("a", "name", "A", "A"), same)).toEqual([]);
  });
});

describe("reverting and grouping", () => {
  const list: PendingChange[] = [
    update("a", "name", "A", "B"),
    update("b", "telephone1", null, "555"),
    update("a", "telephone1", "1", "2"),
  ];

  it("reverts one change by its key, or every change of a record", () => {
    expect(changeKey(list[2] as PendingChange)).toBe(updateKey("account", "a", "telephone1"));
    expect(revertChange(list, updateKey("account", "a", "name"))).toEqual([list[1], list[2]]);
    expect(revertRecord(list, "account", "a")).toEqual([list[1]]);
    expect(revertRecord(list, "contact", "a")).toEqual(list);
  });

  it("groups by record in the order each was first changed", () => {
    expect(byRecord(list)).toEqual([
      { table: "account", record: "a", changes: [list[0], list[2]] },
      { table: "account", record: "b", changes: [list[1]] },
    ]);
  });
});

describe("afterCommit", () => {
  const list: PendingChange[] = [
    update("a", "name", "A", "B"),
    update("a", "telephone1", "1", "2"),
    update("b", "primarycontactid", null, "contacts(00000000-0000-0000-0000-000000000001)"),
  ];
  const error = {
    kind: "http.404",
    category: "input" as const,
    message: "contact With Id = 1 Does Not Exist",
    hint: null,
    column: "primarycontactid",
    details: null,
  };

  it("leaves only what was not applied, with what became of each", () => {
    const results: CommitResult[] = [
      { changes: [0, 1], table: "account", record: "a", outcome: { outcome: "applied", id: null } },
      {
        changes: [2],
        table: "account",
        record: "b",
        outcome: { outcome: "conflict", etag: null, deleted: false, columns: [], others: [], unread: null },
      },
    ];
    const done = afterCommit(list, results);
    expect(done.left).toEqual([list[2]]);
    expect(done.applied).toBe(2);
    expect(done.outcomes).toEqual({
      [changeKey(list[2] as PendingChange)]: {
        outcome: "conflict",
        etag: null,
        deleted: false,
        columns: [],
        others: [],
        unread: null,
      },
    });
  });

  it("puts a refusal beside the column it names; the record's other changes were not applied", () => {
    const refusedRecord: PendingChange[] = [update("b", "name", "X", "Y"), list[2] as PendingChange];
    const done = afterCommit(refusedRecord, [
      { changes: [0, 1], table: "account", record: "b", outcome: { outcome: "refused", error } },
    ]);
    expect(done.left).toEqual(refusedRecord);
    expect(done.applied).toBe(0);
    expect(done.outcomes[changeKey(refusedRecord[1] as PendingChange)]).toEqual({
      outcome: "refused",
      error,
    });
    expect(done.outcomes[changeKey(refusedRecord[0] as PendingChange)]?.outcome).toBe("not_applied");
  });

  it("puts a refusal naming no column of the record beside each of its changes", () => {
    const anywhere = { ...error, column: null };
    const done = afterCommit(list, [
      { changes: [0, 1], table: "account", record: "a", outcome: { outcome: "refused", error: anywhere } },
      { changes: [2], table: "account", record: "b", outcome: { outcome: "not_applied", reason: "atomic" } },
    ]);
    expect(done.left).toEqual(list);
    expect(done.outcomes[changeKey(list[0] as PendingChange)]).toEqual({
      outcome: "refused",
      error: anywhere,
    });
    expect(done.outcomes[changeKey(list[1] as PendingChange)]).toEqual({
      outcome: "refused",
      error: anywhere,
    });
    expect(done.outcomes[changeKey(list[2] as PendingChange)]).toEqual({
      outcome: "not_applied",
      reason: "atomic",
    });
  });
});

describe("stageUpdates", () => {
  it("stages many as stageUpdate stages each in turn, in one pass", () => {
    const list: PendingChange[] = [update("a", "name", "A", "B"), update("b", "name", "X", "Y")];
    const many = [
      update("a", "name", "B", "C", 'W/"later"'), // keeps the first value and version read
      update("c", "name", "Q", "R"),
      update("b", "name", "Y", "X"), // set back to what was read: no change
      update("c", "name", "R", "S"),
    ];
    const folded = many.reduce<PendingChange[]>((staged, change) => stageUpdate(staged, change, same), list);
    expect(stageUpdates(list, many, (_, old, value) => same(old, value))).toEqual(folded);
    expect(folded).toEqual([update("a", "name", "A", "C"), update("c", "name", "Q", "S")]);
  });
});
