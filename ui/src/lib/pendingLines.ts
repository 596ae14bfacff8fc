// The Pending changes list as lines of fixed heights (a record's heading, then each of its changes; a change
// with an outcome is taller), so that the panel renders only the lines in sight: 10,000 staged changes
// from a paste or "Set column…" stay a screenful of DOM.
import type { PendingChange } from "../bindings";
import type { RecordGroup } from "./pendingList";

export type PendingLine =
  | { kind: "record"; group: RecordGroup; key: string }
  | { kind: "change"; change: PendingChange; group: RecordGroup; key: string; outcome: boolean };

/** Heights in px, kept by the panel's CSS (the list is not measured). */
export const LINE_HEIGHT = { record: 40, change: 44, outcome: 48 } as const;

/** The lines of `groups`; `hasOutcome` tells a change whose last commit's outcome is shown under it. */
export function pendingLines(
  groups: RecordGroup[],
  changeKey: (change: PendingChange) => string,
  hasOutcome: (change: PendingChange) => boolean,
): PendingLine[] {
  const lines: PendingLine[] = [];
  for (const group of groups) {
    lines.push({ kind: "record", group, key: `record|${group.table}|${group.record}` });
    for (const change of group.changes) {
      lines.push({ kind: "change", change, group, key: changeKey(change), outcome: hasOutcome(change) });
    }
  }
  return lines;
}

export function lineHeight(line: PendingLine): number {
  if (line.kind === "record") return LINE_HEIGHT.record;
  return LINE_HEIGHT.change + (line.outcome ? LINE_HEIGHT.outcome : 0);
}
