// This session's commits, as a list a person can read back ("14:02, 3 records, 5 changes applied, 1
// refused") and undo: each entry keeps the changes that were applied (a new record with the id it got), so
// their inverse can be staged for review. Kept in memory only: what was applied is on the server, and an
// undo is reviewed and committed like any other change.
import type { AppliedChange, CommitMode, CommitResult, PendingChange } from "../bindings";
import { recordOf } from "./pendingList";

export type CommitCounts = {
  applied: number;
  refused: number;
  conflict: number;
  unknown: number;
  not_applied: number;
};

export type CommitEntry = {
  /** Unique within the session, in the order the commits ran. */
  seq: number;
  /** When the commit ended (ISO). */
  at: string;
  mode: CommitMode;
  /** The records the commit touched. */
  records: number;
  /** Changes by what became of them. */
  counts: CommitCounts;
  applied: AppliedChange[];
  /** Staged as an undo already (its inverse is pending or was committed). */
  undone: boolean;
};

/** What one commit of `sent` did, by its results. */
export function commitEntry(
  seq: number,
  /** When it ended, in ms since the epoch. */
  at: number,
  mode: CommitMode,
  sent: PendingChange[],
  results: CommitResult[],
): CommitEntry {
  const counts: CommitCounts = { applied: 0, refused: 0, conflict: 0, unknown: 0, not_applied: 0 };
  const applied: AppliedChange[] = [];
  for (const result of results) {
    const changes = result.changes.flatMap((index) => (sent[index] ? [sent[index]] : []));
    counts[result.outcome.outcome] += changes.length;
    if (result.outcome.outcome !== "applied") continue;
    const id = result.outcome.id;
    for (const change of changes) {
      applied.push({ change, id: change.kind === "create" ? id : null });
    }
  }
  const records = new Set(results.map((result) => `${result.table}|${result.record}`)).size;
  return { seq, at: new Date(at).toISOString(), mode, records, counts, applied, undone: false };
}

/** "3 applied, 1 refused" — only the outcomes that happened. */
export function countsText(counts: CommitCounts): string {
  const parts: [number, string][] = [
    [counts.applied, "applied"],
    [counts.refused, "refused"],
    [counts.conflict, "in conflict"],
    [counts.unknown, "unknown"],
    [counts.not_applied, "not applied"],
  ];
  const said = parts.filter(([n]) => n > 0).map(([n, what]) => `${String(n)} ${what}`);
  return said.length > 0 ? said.join(", ") : "nothing sent";
}

/** Whether an entry has anything to undo: an applied update or a new record (a deletion cannot be). */
export function undoable(entry: CommitEntry): boolean {
  return !entry.undone && entry.applied.some(({ change }) => change.kind !== "delete");
}

/** The records an entry's applied changes touched, as `table|record` keys (a new record by its id). */
export function appliedRecords(entry: CommitEntry): string[] {
  const keys = entry.applied.map(({ change, id }) => {
    const { table, record } = recordOf(change);
    return `${table}|${id ?? record}`;
  });
  return [...new Set(keys)];
}
