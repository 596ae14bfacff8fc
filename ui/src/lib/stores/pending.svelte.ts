// The changes staged on a connection, kept above the screens (the app's stores hold one per connection),
// so that sorting, filtering, paging or another table or view never drops them. Every change to the list
// is journaled to disk (`pending_save`, the whole list, one save after the other) and the journal is read
// back when the connection's data is opened again (`restore`), after a crash or a closed window. A commit
// sends the list; what was applied leaves it, the rest stays with what became of it.
import type { CommitMode, ErrorPayload, Json, PendingChange, RecordRead } from "../../bindings";
import { changesCommit, changesInverse, errorPayload, pendingLoad, pendingSave } from "../api";
import { commitEntry, type CommitEntry } from "../commitHistory";
import { resolveConflict, type ConflictChoice } from "../conflicts";
import {
  afterCommit,
  changeKey,
  keySet,
  keysOf,
  recordOf,
  revertChange,
  revertRecord,
  stageCreate,
  stageDeletes,
  stageUpdate,
  stageUpdates,
  updateKey,
  type ChangeOutcome,
  type CreateChange,
  type DeleteChange,
  type UpdateChange,
} from "../pendingList";

/** What the window knew of a change as it was staged (none of it is journaled): for the cell and review. */
export type ChangeNote = {
  /** The column's label. */
  label?: string;
  /** The record's primary name. */
  recordName?: string;
  /** The new value as the cell shows it (an option's label, a record's name). */
  shown?: string;
  /** The value read as the cell showed it. */
  oldShown?: string;
  /** A new record's values as its form showed them (an option's label, a record's name), by column. */
  shownValues?: Record<string, string>;
};

export class PendingChanges {
  readonly connection: string;
  changes = $state.raw<PendingChange[]>([]);
  /** By change key: what the window knew of each change. */
  notes = $state.raw<Record<string, ChangeNote>>({});
  /** By change key: what the last commit did with each change still staged. */
  outcomes = $state.raw<Record<string, ChangeOutcome>>({});
  committing = $state(false);
  /** An undo reads the versions its inverse is staged on: no commit starts until it is staged. */
  undoing = $state(false);
  /** Why the last commit could not be made at all, or the journal not read. */
  failure = $state.raw<ErrorPayload | null>(null);
  /** Why the journal could not be written (the changes are still staged in the window). */
  saveFailure = $state.raw<ErrorPayload | null>(null);
  /** How many changes the last commit applied; null before any. */
  lastApplied = $state<number | null>(null);
  /** Changes read back from the journal (0 when there were none). */
  restored = $state(0);
  /** Counts what made the grid's rows stale (a commit that applied something, a conflict resolved on the
   * record's version now): the grid reopens to show the values as they are. */
  commits = $state(0);
  /** This session's commits on the connection, the latest first. */
  history = $state.raw<CommitEntry[]>([]);
  /** The rows as the window read them (the grid's), so that a conflict lists the other columns someone
   * changed since: set by the screen that shows them; a record it does not hold is left out. */
  readSource: ((table: string, ids: ReadonlySet<string>) => RecordRead[]) | null = null;
  /** What the last undo staged, and what it could not undo or found changed since. */
  undoReport = $state.raw<{ staged: number; notes: string[] } | null>(null);
  /** A production connection's name: a commit waits for the person to type it (`confirm`). */
  confirmName = $state<string | null>(null);
  /** A commit waiting for the production name to be typed (ConfirmProduction shows while it is set). */
  confirming = $state(false);
  #answer: ((go: boolean) => void) | null = null;

  /** The changes by key, for the list they were made of. Not a `$derived`: a store made while a screen's
   * derived runs would have its deriveds torn down with that screen, and this one lives on. */
  #index: { of: PendingChange[]; byKey: Record<string, PendingChange> } | null = null;
  #restoring: Promise<void> | null = null;
  #saving: Promise<void> = Promise.resolve();

  constructor(connection: string) {
    this.connection = connection;
  }

  get count(): number {
    return this.changes.length;
  }

  /** The update staged on a record's column, if any. */
  update(table: string, id: string, column: string): UpdateChange | undefined {
    const found = this.#byKey(updateKey(table, id, column));
    return found?.kind === "update" ? found : undefined;
  }

  /** Whether the record's deletion is staged. */
  deleting(table: string, id: string): boolean {
    return this.#byKey(`delete|${table}|${id}`) !== undefined;
  }

  /** The new records staged on `table`, in the order they were staged. */
  creates(table: string): CreateChange[] {
    return this.changes.filter(
      (change): change is CreateChange => change.kind === "create" && change.table === table,
    );
  }

  #byKey(key: string): PendingChange | undefined {
    const changes = this.changes; // read as state: what shows a change follows the list
    if (this.#index?.of !== changes) {
      this.#index = {
        of: changes,
        byKey: Object.fromEntries(changes.map((change) => [changeKey(change), change])),
      };
    }
    return this.#index.byKey[key];
  }

  note(change: PendingChange): ChangeNote {
    return this.notes[changeKey(change)] ?? {};
  }

  outcome(change: PendingChange): ChangeOutcome | undefined {
    return this.outcomes[changeKey(change)];
  }

  /** Reads the journal once: the changes kept from before come back ahead of any staged since. */
  restore(): Promise<void> {
    this.#restoring ??= this.#load();
    return this.#restoring;
  }

  async #load(): Promise<void> {
    try {
      const kept = await pendingLoad(this.connection);
      if (kept.length === 0) return;
      const since = this.changes;
      const keys = keysOf(since);
      this.changes = [...kept.filter((change) => !keys.has(changeKey(change))), ...since];
      this.restored = kept.length;
      if (since.length > 0) this.#journal();
    } catch (err) {
      this.failure = errorPayload(err);
      this.#restoring = null; // asked again on the next opening
    }
  }

  /** Stages a column's new value (`same` tells the value read from a change); nothing while committing. */
  stage(change: UpdateChange, note: ChangeNote, same: (old: string | null, value: Json) => boolean): void {
    if (this.committing) return;
    const key = changeKey(change);
    const earlier = this.notes[key];
    this.#set(stageUpdate(this.changes, change, same));
    if (this.#byKey(key) === undefined) return; // set back to the value read: no change, no note
    // The value read stays the one first read, as its change does.
    const oldShown = earlier?.oldShown ?? note.oldShown;
    this.notes = { ...this.notes, [key]: { ...note, ...(oldShown === undefined ? {} : { oldShown }) } };
    this.#forgetOutcome([key]);
  }

  /** Stages many updates at once (a bulk "Set column…", a paste): one list, one journal write. */
  stageMany(
    items: { change: UpdateChange; note: ChangeNote }[],
    same: (change: UpdateChange, old: string | null, value: Json) => boolean,
  ): void {
    if (this.committing || items.length === 0) return;
    const notes = { ...this.notes };
    for (const { change, note } of items) {
      const key = changeKey(change);
      const oldShown = notes[key]?.oldShown ?? note.oldShown;
      notes[key] = { ...note, ...(oldShown === undefined ? {} : { oldShown }) };
    }
    this.#set(
      stageUpdates(
        this.changes,
        items.map((item) => item.change),
        same,
      ),
    );
    this.notes = Object.fromEntries(Object.entries(notes).filter(([key]) => this.#byKey(key) !== undefined));
    this.#forgetOutcome(items.map((item) => changeKey(item.change)));
  }

  /** Stages a new record (again under its key: its values replaced). */
  stageCreate(change: CreateChange, note: ChangeNote): void {
    if (this.committing) return;
    this.#set(stageCreate(this.changes, change));
    this.notes = { ...this.notes, [changeKey(change)]: note };
    this.#forgetOutcome([changeKey(change)]);
  }

  /** Stages the deletion of each record (its name is in the change, for the review). */
  stageDeletes(changes: DeleteChange[]): void {
    if (this.committing) return;
    this.#set(stageDeletes(this.changes, changes));
    const notes = { ...this.notes };
    for (const change of changes) notes[changeKey(change)] = { recordName: change.name };
    this.notes = notes;
  }

  revert(change: PendingChange): void {
    if (this.committing) return;
    this.#set(revertChange(this.changes, changeKey(change)));
  }

  revertRecord(table: string, record: string): void {
    if (this.committing) return;
    this.#set(revertRecord(this.changes, table, record));
  }

  revertAll(): void {
    if (this.committing) return;
    this.#set([]);
  }

  /** A conflict resolved: the record's changes kept are staged on its version `etag`, the others leave. */
  resolveConflict(
    table: string,
    record: string,
    etag: string,
    theirs: Record<string, string | null>,
    choices: Record<string, ConflictChoice>,
  ): void {
    if (this.committing) return;
    const ofRecord = this.changes.filter((change) => {
      const of = recordOf(change);
      return of.table === table && of.record === record;
    });
    this.#set(resolveConflict(this.changes, table, record, etag, theirs, choices));
    this.#forgetOutcome(ofRecord.map(changeKey));
    this.commits += 1; // the grid's rows are stale: it reopens and shows the record as it is now
  }

  /** Stages the inverse of a commit of this session (its applied changes' old values; its new records
   * deleted), for review; `undoReport` says what could not be undone and what changed since. */
  async undo(entry: CommitEntry): Promise<void> {
    if (this.committing || this.undoing || entry.undone) return;
    this.undoing = true; // no commit starts meanwhile: it would send a list the undo is about to change
    this.undoReport = null;
    try {
      const inverse = await changesInverse(this.connection, entry.applied);
      const keys = keysOf(inverse.changes);
      this.#set([...this.changes.filter((change) => !keys.has(changeKey(change))), ...inverse.changes]);
      this.history = this.history.map((e) => (e.seq === entry.seq ? { ...e, undone: true } : e));
      this.undoReport = {
        staged: inverse.changes.length,
        notes: [...inverse.not_undoable.map((n) => n.reason), ...inverse.notes.map((n) => n.note)],
      };
    } catch (err) {
      this.failure = errorPayload(err);
    } finally {
      this.undoing = false;
    }
  }

  /** Sends every staged change; false when the commit could not be made (`failure` says why). */
  async commit(mode: CommitMode): Promise<boolean> {
    if (this.#cannotCommit()) return false;
    // A production connection: the person types its name first (and may give up).
    if (this.confirmName !== null && (!(await this.#confirmed()) || this.#cannotCommit())) return false;
    this.committing = true;
    this.failure = null;
    this.lastApplied = null;
    const sent = this.changes;
    try {
      await this.#saving; // the journal the commit rewrites is not overwritten by an older save after it
      const results = await changesCommit(this.connection, sent, mode, this.#reads(sent));
      const done = afterCommit(sent, results);
      this.changes = done.left;
      this.#journal(); // as Rust rewrote it; again, in case that write failed after the commit applied
      this.outcomes = done.outcomes;
      const left = keysOf(done.left);
      this.notes = Object.fromEntries(Object.entries(this.notes).filter(([key]) => left.has(key)));
      this.lastApplied = done.applied;
      if (done.applied > 0) this.commits += 1;
      const entry = commitEntry(this.history.length + 1, Date.now(), mode, sent, results);
      this.history = [entry, ...this.history];
      return true;
    } catch (err) {
      this.failure = errorPayload(err);
      return false;
    } finally {
      this.committing = false;
    }
  }

  /** The rows read of the records `changes` update. */
  #reads(changes: PendingChange[]): RecordRead[] {
    const source = this.readSource;
    if (!source) return [];
    const byTable: Record<string, string[]> = {};
    for (const change of changes)
      if (change.kind === "update") (byTable[change.table] ??= []).push(change.id);
    return Object.entries(byTable).flatMap(([table, ids]) => source(table, keySet(ids)));
  }

  #cannotCommit(): boolean {
    return this.committing || this.undoing || this.confirming || this.changes.length === 0;
  }

  /** Waits for the person's answer to the production question (`confirm`). */
  #confirmed(): Promise<boolean> {
    this.confirming = true;
    return new Promise<boolean>((resolve) => {
      this.#answer = resolve;
    }).finally(() => {
      this.confirming = false;
      this.#answer = null;
    });
  }

  /** The answer to a commit waiting on a production connection: go on (the name typed) or not. */
  confirm(go: boolean): void {
    this.#answer?.(go);
  }

  #set(changes: PendingChange[]): void {
    if (changes === this.changes) return;
    // Sets, not arrays: thousands of changes are staged by a paste or "Set column…".
    const kept = keysOf(changes);
    const gone = this.changes.map(changeKey).filter((key) => !kept.has(key));
    this.changes = changes;
    this.notes = Object.fromEntries(Object.entries(this.notes).filter(([key]) => kept.has(key)));
    this.#forgetOutcome(gone);
    this.lastApplied = null;
    this.#journal();
  }

  #forgetOutcome(keys: string[]): void {
    if (!keys.some((key) => key in this.outcomes)) return;
    const forget: ReadonlySet<string> = keySet(keys);
    this.outcomes = Object.fromEntries(Object.entries(this.outcomes).filter(([key]) => !forget.has(key)));
  }

  /** Writes the list as it is now, after the saves before it (so the last one written is the latest). */
  #journal(): void {
    const changes = this.changes;
    this.#saving = this.#saving
      .then(() => pendingSave(this.connection, changes))
      .then(
        () => {
          this.saveFailure = null;
        },
        (err: unknown) => {
          this.saveFailure = errorPayload(err);
        },
      );
  }

  /** Resolves once every journal write asked for so far is done. */
  saved(): Promise<void> {
    return this.#saving;
  }
}

/** One `PendingChanges` per connection, for the app's lifetime. */
export class PendingStore {
  /** Not reactive: each connection's changes are, and the set of connections only grows. */
  readonly #byConnection: Record<string, PendingChanges> = {};

  for(connection: string): PendingChanges {
    this.#byConnection[connection] ??= new PendingChanges(connection);
    return this.#byConnection[connection];
  }

  /** The connections with changes staged now (for the question before the window closes). */
  withChanges(): PendingChanges[] {
    return Object.values(this.#byConnection).filter((changes) => changes.count > 0);
  }
}
