import { describe, expect, it } from "vitest";
import type { PendingChange } from "../bindings";
import { DELETION, resolveConflict } from "./conflicts";

const update = (id: string, column: string, old: string | null, value: string): PendingChange => ({
  kind: "update",
  table: "account",
  id,
  etag: 'W/"1"',
  column,
  old,
  new: value,
});

describe("resolveConflict", () => {
  const list = [
    update("a", "name", "A", "Mine"),
    update("b", "name", "B", "Other"),
    update("a", "revenue", "1", "2"),
  ];

  it("stages the kept values on the new version with the server's value as the one replaced", () => {
    const resolved = resolveConflict(
      list,
      "account",
      "a",
      'W/"7"',
      { name: "Theirs", revenue: "5.0000" },
      {
        name: "mine",
        revenue: "theirs",
      },
    );
    expect(resolved).toEqual([
      { ...list[0], etag: 'W/"7"', old: "Theirs" },
      list[1], // another record: untouched, its version too
    ]);
  });

  it("keeps a column with no choice, and a deletion chosen as mine on the new version", () => {
    const deletion: PendingChange = { kind: "delete", table: "account", id: "a", etag: 'W/"1"', name: "A" };
    const resolved = resolveConflict([list[0] as PendingChange, deletion], "account", "a", 'W/"9"', {}, {});
    expect(resolved).toEqual([
      { ...list[0], etag: 'W/"9"' }, // no value known now: `old` stays
      { ...deletion, etag: 'W/"9"' },
    ]);
    expect(resolveConflict([deletion], "account", "a", 'W/"9"', {}, { [DELETION]: "theirs" })).toEqual([]);
  });

  it("keeps the server's exact text as the value replaced, every digit of a large amount", () => {
    const money = update("a", "revenue", "1", "2");
    const [kept] = resolveConflict([money], "account", "a", 'W/"8"', { revenue: "922337203685477.5807" }, {});
    expect(kept).toEqual({ ...money, etag: 'W/"8"', old: "922337203685477.5807" });
  });
});
