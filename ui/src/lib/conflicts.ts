// A record that changed on the server since it was read (a 412 on commit): the person keeps their value
// (staged again on the record's version now) or takes the server's (their change leaves the list), per
// column. Nothing typed is lost until they choose; a kept value's `old` becomes the server's value, so the
// review and an undo say what it replaces.
import type { PendingChange } from "../bindings";
import { recordOf } from "./pendingList";

export type ConflictChoice = "mine" | "theirs";

/** The choice for a staged deletion of the record (it is not a column). */
export const DELETION = "(deletion)";

/**
 * The list once the conflict on `table`/`record` is resolved: each of its changes the person keeps is
 * staged on `etag` (an update's `old` set to `theirs` of its column: the server's exact text, never a
 * rounded number); each they give up leaves. A column with no choice is kept (nothing typed is dropped by
 * omission).
 */
export function resolveConflict(
  list: PendingChange[],
  table: string,
  record: string,
  etag: string,
  theirs: Record<string, string | null>,
  choices: Record<string, ConflictChoice>,
): PendingChange[] {
  return list.flatMap((change): PendingChange[] => {
    const of = recordOf(change);
    if (of.table !== table || of.record !== record || change.kind === "create") return [change];
    const column = change.kind === "update" ? change.column : DELETION;
    if (choices[column] === "theirs") return [];
    if (change.kind === "delete") return [{ ...change, etag }];
    const now = column in theirs ? (theirs[column] ?? null) : change.old;
    return [{ ...change, etag, old: now }];
  });
}
