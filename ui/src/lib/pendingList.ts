// The staged changes of a connection as a list, as pure functions: staging an update (a cell changed again
// keeps the value first read; changed back, it is no change), reverting one change, a record's or all,
// grouping by record for the review, and what a commit's results leave staged.
import type { CommitOutcome, CommitResult, Json, PendingChange } from "../bindings";

export type UpdateChange = Extract<PendingChange, { kind: "update" }>;

/** The record a change is about: its table and id (a new record's key). */
export function recordOf(change: PendingChange): { table: string; record: string } {
  return { table: change.table, record: change.kind === "create" ? change.key : change.id };
}

/** One key per change: a column of a record is changed once, whatever was staged on it since. */
export function changeKey(change: PendingChange): string {
  const { table, record } = recordOf(change);
  return change.kind === "update"
    ? `update|${table}|${record}|${change.column}`
    : `${change.kind}|${table}|${record}`;
}

/** The keys of `list`'s changes, to look up many at once (a set: lists of thousands are compared). */
export function keysOf(list: PendingChange[]): ReadonlySet<string> {
  return new Set(list.map(changeKey));
}

/** Keys or ids as a set, for lookups in lists of thousands. */
export function keySet(keys: string[]): ReadonlySet<string> {
  return new Set(keys);
}

export function updateKey(table: string, id: string, column: string): string {
  return `update|${table}|${id}|${column}`;
}

/**
 * The list with `change` staged. A column changed before keeps the value and version first read (its
 * `old`, `etag`) with the new value; set back to what was read (`same`), it is no change any more.
 */
export function stageUpdate(
  list: PendingChange[],
  change: UpdateChange,
  same: (old: string | null, value: Json) => boolean,
): PendingChange[] {
  const key = changeKey(change);
  const at = list.findIndex((staged) => changeKey(staged) === key);
  const earlier = at >= 0 ? list[at] : undefined;
  const first = earlier?.kind === "update" ? earlier : change;
  const next: UpdateChange = { ...change, old: first.old, etag: first.etag };
  if (same(next.old, next.new)) return at >= 0 ? list.filter((_, index) => index !== at) : list;
  return at >= 0 ? list.map((staged, index) => (index === at ? next : staged)) : [...list, next];
}

/** The list without the change of `key`. */
export function revertChange(list: PendingChange[], key: string): PendingChange[] {
  return list.filter((change) => changeKey(change) !== key);
}

/** The list without any change of the record. */
export function revertRecord(list: PendingChange[], table: string, record: string): PendingChange[] {
  return list.filter((change) => {
    const of = recordOf(change);
    return of.table !== table || of.record !== record;
  });
}

export type RecordGroup = { table: string; record: string; changes: PendingChange[] };

/** The changes by record, in the order each record was first changed. */
export function byRecord(list: PendingChange[]): RecordGroup[] {
  const groups = new Map<string, RecordGroup>(); // insertion order: each record where first changed
  for (const change of list) {
    const { table, record } = recordOf(change);
    const key = `${table}|${record}`;
    const group = groups.get(key);
    if (group) group.changes.push(change);
    else groups.set(key, { table, record, changes: [change] });
  }
  return [...groups.values()];
}

/** What became of a change that is still staged after a commit. */
export type ChangeOutcome = Exclude<CommitOutcome, { outcome: "applied" }>;

/**
 * What a commit of `list` leaves staged: every change its result did not say was applied (the core keeps
 * the same ones in its journal), each with what became of it. A refusal naming a column is that column's
 * change's; the record's other changes were not applied because of it.
 */
export function afterCommit(
  list: PendingChange[],
  results: CommitResult[],
): { left: PendingChange[]; outcomes: Record<string, ChangeOutcome>; applied: number } {
  const outcomes: Record<string, ChangeOutcome> = {};
  const applied = new Set<number>();
  for (const result of results) {
    const outcome = result.outcome;
    if (outcome.outcome === "applied") {
      result.changes.forEach((index) => applied.add(index));
      continue;
    }
    const changes = result.changes.flatMap((index) => (list[index] ? [list[index]] : []));
    const column = outcome.outcome === "refused" ? outcome.error.column : null;
    const named = changes.some((change) => change.kind === "update" && change.column === column);
    for (const change of changes) {
      const concerned = !named || (change.kind === "update" && change.column === column);
      outcomes[changeKey(change)] = concerned
        ? outcome
        : { outcome: "not_applied", reason: "Another change of this record was refused." };
    }
  }
  const left = list.filter((_, index) => !applied.has(index));
  return { left, outcomes, applied: applied.size };
}

export type CreateChange = Extract<PendingChange, { kind: "create" }>;
export type DeleteChange = Extract<PendingChange, { kind: "delete" }>;

/** The list with a new record staged; staged again under its key, its values are replaced in place. */
export function stageCreate(list: PendingChange[], change: CreateChange): PendingChange[] {
  const key = changeKey(change);
  const at = list.findIndex((staged) => changeKey(staged) === key);
  return at >= 0 ? list.map((staged, index) => (index === at ? change : staged)) : [...list, change];
}

/** The list with each record's deletion staged once (a record already to delete keeps its first). */
export function stageDeletes(list: PendingChange[], changes: DeleteChange[]): PendingChange[] {
  const keys = new Set(list.map(changeKey));
  const added = changes.filter((change) => {
    const key = changeKey(change);
    if (keys.has(key)) return false;
    keys.add(key);
    return true;
  });
  return added.length > 0 ? [...list, ...added] : list;
}

/** The list with every update staged in order, as `stageUpdate` stages one (`same` per change). */
export function stageUpdates(
  list: PendingChange[],
  changes: UpdateChange[],
  same: (change: UpdateChange, old: string | null, value: Json) => boolean,
): PendingChange[] {
  // One pass with the list's keys at hand (a paste or "Set column…" stages thousands): each change as
  // `stageUpdate` would stage it, a change set back to its value read leaving a hole that is dropped.
  const next: (PendingChange | null)[] = [...list];
  const at = new Map(list.map((change, index) => [changeKey(change), index]));
  for (const change of changes) {
    const key = changeKey(change);
    const index = at.get(key);
    const earlier = index === undefined ? undefined : next[index];
    const first = earlier?.kind === "update" ? earlier : change;
    const staged: UpdateChange = { ...change, old: first.old, etag: first.etag };
    const unchanged = same(change, staged.old, staged.new);
    if (index === undefined) {
      if (!unchanged) at.set(key, next.push(staged) - 1);
    } else {
      next[index] = unchanged ? null : staged;
      if (unchanged) at.delete(key);
    }
  }
  return next.filter((change): change is PendingChange => change !== null);
}
