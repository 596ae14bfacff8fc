import { describe, expect, it } from "vitest";
import type { PendingChange } from "../bindings";
import { byRecord, changeKey } from "./pendingList";
import { LINE_HEIGHT, lineHeight, pendingLines } from "./pendingLines";

const update = (id: string, column: string): PendingChange => ({
  kind: "update",
  table: "account",
  id,
  etag: null,
  column,
  old: null,
  new: "x",
});

describe("pendingLines", () => {
  it("puts each record's heading before its changes, a change with an outcome taller", () => {
    const list = [update("a", "name"), update("b", "name"), update("a", "telephone1")];
    const lines = pendingLines(byRecord(list), changeKey, (change) => change === list[1]);
    expect(lines.map((line) => line.key)).toEqual([
      "record|account|a",
      "update|account|a|name",
      "update|account|a|telephone1",
      "record|account|b",
      "update|account|b|name",
    ]);
    expect(lines.map(lineHeight)).toEqual([
      LINE_HEIGHT.record,
      LINE_HEIGHT.change,
      LINE_HEIGHT.change,
      LINE_HEIGHT.record,
      LINE_HEIGHT.change + LINE_HEIGHT.outcome,
    ]);
  });

  it("groups 10,000 records, a heading and a change each", () => {
    const list = Array.from({ length: 10_000 }, (_, n) => update(`r${String(n)}`, "name"));
    const groups = byRecord(list);
    expect(groups).toHaveLength(10_000);
    expect(pendingLines(groups, changeKey, () => false)).toHaveLength(20_000);
  });
});
