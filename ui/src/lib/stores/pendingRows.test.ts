import { describe, expect, it } from "vitest";
import type { CommitResult, Json, PendingChange } from "../../bindings";
import { mockBackend } from "../../test/ipc";
import type { UpdateChange } from "../pendingList";
import { PendingChanges, PendingStore } from "./pending.svelte";

function update(id: string, column: string, old: string | null, value: Json): UpdateChange {
  return { kind: "update", table: "account", id, etag: `W/"${id}"`, column, old, new: value };
}

function backend(results: (changes: PendingChange[]) => CommitResult[] = () => []) {
  const saved: PendingChange[][] = [];
  const fake = mockBackend({
    pending_save: (_connection, changes) => {
      saved.push(changes);
      return null;
    },
    changes_commit: (_connection, changes) => results(changes),
  });
  return { saved, fake };
}

const applied = (changes: PendingChange[]): CommitResult[] =>
  changes.map((change, index) => ({
    changes: [index],
    table: change.table,
    record: change.kind === "create" ? change.key : change.id,
    outcome: { outcome: "applied", id: null },
  }));

describe("Staging many changes and whole records", () => {
  it("stages a bulk change in one journal write, each with its note; one the same as read is no change", async () => {
    const { saved } = backend();
    const pending = new PendingChanges("c-1");
    pending.stageMany(
      [
        {
          change: update("a", "address1_city", "Paris", "Bulkville"),
          note: { label: "City", recordName: "A" },
        },
        { change: update("b", "address1_city", "Bulkville", "Bulkville"), note: { label: "City" } },
        { change: update("c", "address1_city", null, "Bulkville"), note: { label: "City", oldShown: "" } },
      ],
      (_, old, value) => old === value,
    );
    await pending.saved();
    expect(saved).toHaveLength(1);
    expect(pending.changes.map((change) => (change.kind === "update" ? change.id : ""))).toEqual(["a", "c"]);
    expect(pending.note(update("a", "address1_city", "Paris", "Bulkville"))).toEqual({
      label: "City",
      recordName: "A",
    });
    expect(Object.keys(pending.notes)).toHaveLength(2);
  });

  it("stages a new record and deletions, and tells which rows are to delete", async () => {
    const { saved } = backend();
    const pending = new PendingChanges("c-1");
    pending.stageCreate(
      { kind: "create", table: "contact", key: "new-1", values: { lastname: "Ng" } },
      { recordName: "Ng" },
    );
    pending.stageDeletes([{ kind: "delete", table: "account", id: "a", etag: 'W/"1"', name: "Contoso" }]);
    await pending.saved();
    expect(saved.at(-1)?.map((change) => change.kind)).toEqual(["create", "delete"]);
    expect(pending.creates("contact").map((change) => change.key)).toEqual(["new-1"]);
    expect(pending.creates("account")).toEqual([]);
    expect(pending.deleting("account", "a")).toBe(true);
    expect(pending.deleting("account", "b")).toBe(false);
    expect(pending.note(pending.changes[1] as PendingChange).recordName).toBe("Contoso");
  });

  it("waits for a production connection's name before it commits, and commits nothing when refused", async () => {
    const { fake } = backend(applied);
    const pending = new PendingChanges("c-1");
    pending.confirmName = "Contoso Prod";
    pending.stage(update("a", "name", "A", "B"), {}, (old, value) => old === value);

    const refused = pending.commit("atomic");
    expect(pending.confirming).toBe(true);
    expect(pending.committing).toBe(false);
    pending.confirm(false);
    expect(await refused).toBe(false);
    expect(pending.confirming).toBe(false);
    expect(fake.called("changes_commit")).toBe(false);
    expect(pending.count).toBe(1);

    const going = pending.commit("atomic");
    expect(await pending.commit("atomic")).toBe(false); // one question at a time
    pending.confirm(true);
    expect(await going).toBe(true);
    expect(fake.argsOf("changes_commit")).toHaveLength(1);
    expect(pending.count).toBe(0);
  });

  it("commits at once on a connection that is not production", async () => {
    const { fake } = backend(applied);
    const pending = new PendingChanges("c-1");
    pending.stage(update("a", "name", "A", "B"), {}, (old, value) => old === value);
    expect(await pending.commit("atomic")).toBe(true);
    expect(pending.confirming).toBe(false);
    expect(fake.called("changes_commit")).toBe(true);
  });

  it("lists the connections that have changes staged", () => {
    backend();
    const store = new PendingStore();
    store.for("c-1");
    store.for("c-2").stage(update("a", "name", "A", "B"), {}, (old, value) => old === value);
    expect(store.withChanges().map((changes) => changes.connection)).toEqual(["c-2"]);
  });
});
