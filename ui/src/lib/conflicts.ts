// A record that changed on the server since it was read (a 412 on commit): the person keeps their value
// (staged again on the record's version now) or takes the server's (their change leaves the list), per
// column. Nothing typed is lost until they choose; a kept value's `old` becomes the server's value, so the
// review and an undo say what it replaces.
import type { Json, PendingChange } from "../bindings";
import { recordOf } from "./pendingList";

export type ConflictChoice = "mine" | "theirs";

/** The choice for a staged deletion of the record (it is not a column). */
export const DELETION = "(deletion)";

/** Raw text as the grid keeps it: what a change's `old` holds. */
export function rawText(value: Json): string | null {
  if (value === null) return null;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/**
 * The list once the conflict on `table`/`record` is resolved: each of its changes the person keeps is
 * staged on `etag` (an update's `old` set to `theirs` of its column); each they give up leaves. A column
 * with no choice is kept (nothing typed is dropped by omission).
 */
export function resolveConflict(
  list: PendingChange[],
  table: string,
  record: string,
  etag: string,
  theirs: Record<string, Json>,
  choices: Record<string, ConflictChoice>,
): PendingChange[] {
  return list.flatMap((change): PendingChange[] => {
    const of = recordOf(change);
    if (of.table !== table || of.record !== record || change.kind === "create") return [change];
    const column = change.kind === "update" ? change.column : DELETION;
    if (choices[column] === "theirs") return [];
    if (change.kind === "delete") return [{ ...change, etag }];
    const now = column in theirs ? rawText(theirs[column] ?? null) : change.old;
    return [{ ...change, etag, old: now }];
  });
}
