import { describe, expect, it } from "vitest";
import type { CommitResult, PendingChange } from "../bindings";
import { commitEntry, appliedRecords, countsText, undoable } from "./commitHistory";

const update = (id: string, column: string): PendingChange => ({
  kind: "update",
  table: "account",
  id,
  etag: `W/"${id}"`,
  column,
  old: "before",
  new: "after",
});
const create: PendingChange = { kind: "create", table: "contact", key: "new-1", values: { lastname: "Ng" } };
const remove: PendingChange = { kind: "delete", table: "account", id: "c", etag: 'W/"c"', name: "Gone Ltd" };

describe("commitEntry", () => {
  const sent = [update("a", "name"), update("a", "telephone1"), update("b", "name"), create, remove];
  const results: CommitResult[] = [
    { changes: [0, 1], table: "account", record: "a", outcome: { outcome: "applied", id: null } },
    {
      changes: [2],
      table: "account",
      record: "b",
      outcome: { outcome: "refused", error: { kind: "api.bad_request", message: "No." } as never },
    },
    { changes: [3], table: "contact", record: "new-1", outcome: { outcome: "applied", id: "1111" } },
    { changes: [4], table: "account", record: "c", outcome: { outcome: "conflict" } as never },
  ];
  const entry = commitEntry(1, Date.parse("2026-12-01T10:00:00Z"), "record_by_record", sent, results);

  it("counts changes (not records) by outcome and records by table and id", () => {
    expect(entry.counts).toEqual({ applied: 3, refused: 1, conflict: 1, unknown: 0, not_applied: 0 });
    expect(entry.records).toBe(4);
    expect(entry.at).toBe("2026-12-01T10:00:00.000Z");
    expect(countsText(entry.counts)).toBe("3 applied, 1 refused, 1 in conflict");
  });

  it("keeps only what was applied, a new record with the id it got", () => {
    expect(entry.applied).toEqual([
      { change: sent[0], id: null },
      { change: sent[1], id: null },
      { change: create, id: "1111" },
    ]);
    expect(appliedRecords(entry)).toEqual(["account|a", "contact|1111"]);
  });

  it("can undo updates and creates, not a commit of deletions alone or one undone already", () => {
    expect(undoable(entry)).toBe(true);
    expect(undoable({ ...entry, undone: true })).toBe(false);
    const deletion = commitEntry(
      2,
      Date.now(),
      "atomic",
      [remove],
      [{ changes: [0], table: "account", record: "c", outcome: { outcome: "applied", id: null } }],
    );
    expect(undoable(deletion)).toBe(false);
    expect(countsText(commitEntry(3, Date.now(), "atomic", [], []).counts)).toBe("nothing sent");
  });
});
