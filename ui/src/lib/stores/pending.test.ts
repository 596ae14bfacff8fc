import { describe, expect, it } from "vitest";
import type { CommitResult, ErrorPayload, Json, PendingChange } from "../../bindings";
import { mockBackend, refuse } from "../../test/ipc";
import type { UpdateChange } from "../pendingList";
import { PendingChanges, PendingStore } from "./pending.svelte";

const same = (old: string | null, value: Json) => old === value;

function update(id: string, column: string, old: string | null, value: Json): UpdateChange {
  return { kind: "update", table: "account", id, etag: `W/"${id}"`, column, old, new: value };
}

const refusal: ErrorPayload = {
  kind: "http.404",
  category: "input",
  message: "contact With Id = 9 Does Not Exist",
  hint: null,
  column: "primarycontactid",
  details: null,
};

/** A backend whose journal is a list the test reads: every `pending_save` replaces it. */
function journaled(kept: PendingChange[] = [], commit?: (changes: PendingChange[]) => CommitResult[]) {
  const journal = { changes: kept, saves: 0 };
  const backend = mockBackend({
    pending_load: () => journal.changes,
    pending_save: (_connection, changes) => {
      journal.changes = changes;
      journal.saves += 1;
      return null;
    },
    changes_commit: (_connection, changes) => {
      const results = commit?.(changes) ?? [];
      // The core keeps in its journal only what was not applied.
      const applied = results.filter((r) => r.outcome.outcome === "applied").flatMap((r) => r.changes);
      journal.changes = changes.filter((_, index) => !applied.includes(index));
      return results;
    },
  });
  return { journal, backend };
}

describe("Staged changes", () => {
  it("journals the whole list on every change, the last save the latest list", async () => {
    const { journal, backend } = journaled();
    const pending = new PendingChanges("c-1");
    pending.stage(update("a", "name", "A", "B"), { label: "Account Name" }, same);
    pending.stage(update("b", "telephone1", null, "555"), {}, same);
    pending.stage(update("a", "name", "B", "C"), {}, same);
    await pending.saved();
    expect(journal.saves).toBe(3);
    expect(journal.changes).toEqual([update("a", "name", "A", "C"), update("b", "telephone1", null, "555")]);
    expect(backend.argsOf("pending_save").every(([connection]) => connection === "c-1")).toBe(true);
    expect(pending.update("account", "a", "name")?.new).toBe("C");
    expect(pending.update("account", "a", "telephone1")).toBeUndefined();
    pending.revert(update("b", "telephone1", null, "555"));
    pending.revertRecord("account", "a");
    await pending.saved();
    expect(journal.changes).toEqual([]);
    expect(pending.count).toBe(0);
  });

  it("keeps the value first read in its note, and forgets the note with its change", async () => {
    journaled();
    const pending = new PendingChanges("c-1");
    pending.stage(update("a", "name", "A", "B"), { label: "Name", shown: "B", oldShown: "A" }, same);
    pending.stage(update("a", "name", "B", "C"), { label: "Name", shown: "C", oldShown: "B" }, same);
    const [change] = pending.changes;
    expect(change && pending.note(change)).toEqual({ label: "Name", shown: "C", oldShown: "A" });
    pending.revertAll();
    expect(pending.notes).toEqual({});
    await pending.saved();
  });

  it("restores the journal once, ahead of what was staged since", async () => {
    const kept = [update("k", "name", "K", "L")];
    const { journal, backend } = journaled(kept);
    const pending = new PendingChanges("c-1");
    pending.stage(update("a", "name", "A", "B"), {}, same);
    await pending.restore();
    await pending.restore();
    expect(backend.argsOf("pending_load")).toEqual([["c-1"]]);
    expect(pending.restored).toBe(1);
    expect(pending.changes).toEqual([kept[0], update("a", "name", "A", "B")]);
    await pending.saved();
    expect(journal.changes).toEqual(pending.changes);
  });

  it("commits: the applied changes leave the list, a refused one stays with the server's message", async () => {
    const { journal, backend } = journaled([], () => [
      { changes: [0], table: "account", record: "a", outcome: { outcome: "applied", id: null } },
      { changes: [1, 2], table: "account", record: "b", outcome: { outcome: "refused", error: refusal } },
    ]);
    const pending = new PendingChanges("c-1");
    pending.stage(update("a", "name", "A", "B"), {}, same);
    pending.stage(update("b", "name", "X", "Y"), {}, same);
    pending.stage(update("b", "primarycontactid", null, "contacts(9)"), {}, same);
    expect(await pending.commit("record_by_record")).toBe(true);
    expect(backend.argsOf("changes_commit")[0]?.[2]).toBe("record_by_record");
    const left = [update("b", "name", "X", "Y"), update("b", "primarycontactid", null, "contacts(9)")];
    expect(pending.changes).toEqual(left);
    expect(journal.changes).toEqual(left);
    expect(pending.lastApplied).toBe(1);
    expect(pending.commits).toBe(1);
    expect(pending.outcome(left[1] as PendingChange)).toEqual({ outcome: "refused", error: refusal });
    expect(pending.outcome(left[0] as PendingChange)?.outcome).toBe("not_applied");
    // A change staged again is a new one: what became of the old one is forgotten.
    pending.stage(update("b", "primarycontactid", null, "contacts(8)"), {}, same);
    expect(pending.outcome(left[1] as PendingChange)).toBeUndefined();
    await pending.saved();
  });

  it("stages nothing while a commit runs, and keeps every change when the commit fails", async () => {
    let answer: (results: CommitResult[]) => void = () => undefined;
    mockBackend({
      pending_save: () => null,
      changes_commit: () => new Promise<CommitResult[]>((resolve) => (answer = resolve)),
    });
    const pending = new PendingChanges("c-1");
    pending.stage(update("a", "name", "A", "B"), {}, same);
    const committing = pending.commit("atomic");
    await Promise.resolve();
    expect(pending.committing).toBe(true);
    pending.stage(update("b", "name", "X", "Y"), {}, same);
    pending.revertAll();
    expect(pending.changes).toEqual([update("a", "name", "A", "B")]);
    await new Promise((resolve) => setTimeout(resolve, 0));
    answer([
      {
        changes: [0],
        table: "account",
        record: "a",
        outcome: { outcome: "conflict", etag: null, deleted: false, columns: [], others: [], unread: null },
      },
    ]);
    expect(await committing).toBe(true);
    expect(pending.committing).toBe(false);
    expect(pending.changes).toEqual([update("a", "name", "A", "B")]);
    expect(pending.commits).toBe(0);

    mockBackend({ pending_save: () => null, changes_commit: () => refuse(refusal) });
    expect(await pending.commit("atomic")).toBe(false);
    expect(pending.failure).toEqual(refusal);
    expect(pending.changes).toHaveLength(1);
  });

  it("is one list per connection, for as long as the app runs", () => {
    const store = new PendingStore();
    expect(store.for("c-1")).toBe(store.for("c-1"));
    expect(store.for("c-2")).not.toBe(store.for("c-1"));
  });
});
