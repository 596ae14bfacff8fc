import { render } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import type { ConnectionView, TableInfo } from "../../bindings";
import { contact, failure, table, me, prod } from "../../test/fixtures";
import { mockBackend, refuse } from "../../test/ipc";
import { createStores } from ".";
import Sidebar from "../../components/Sidebar.svelte";
import { ConnectionsStore } from "./connections.svelte";
import { MetadataStore } from "./metadata.svelte";

describe("Connections store", () => {
  it("loads the list, and says when it is loading and once it has loaded", async () => {
    mockBackend({ connections_list: () => [prod, me] });
    const store = new ConnectionsStore();
    expect([store.loading, store.loaded]).toEqual([false, false]);
    const loading = store.load();
    expect(store.loading).toBe(true);
    await loading;
    expect(store.list).toEqual([prod, me]);
    expect([store.loading, store.loaded, store.failure]).toEqual([false, true, null]);
    expect(store.find(me.id)).toEqual(me);
    expect(store.find("nope")).toBeUndefined();
  });

  it("keeps the list it had when a refresh fails, and clears the failure on the next success", async () => {
    let fail = false;
    mockBackend({ connections_list: () => (fail ? refuse(failure("vault.locked", "Locked.")) : [prod]) });
    const store = new ConnectionsStore();
    await store.load();
    fail = true;
    await store.load();
    expect(store.list).toEqual([prod]);
    expect(store.failure?.message).toBe("Locked.");
    expect([store.loading, store.loaded]).toEqual([false, true]);
    fail = false;
    await store.load();
    expect(store.failure).toBeNull();
  });

  it("keeps the answer of the last load when loads overlap", async () => {
    const answers: ((list: ConnectionView[]) => void)[] = [];
    const refusals: ((reason: unknown) => void)[] = [];
    mockBackend({
      connections_list: () =>
        new Promise((resolve, reject) => {
          answers.push(resolve);
          refusals.push(reject);
        }),
    });
    const store = new ConnectionsStore();
    const first = store.load();
    const second = store.load();
    await new Promise((resolve) => setTimeout(resolve, 0));
    answers[1]?.([me]);
    await second;
    expect(store.list).toEqual([me]);
    answers[0]?.([prod]);
    await first;
    expect(store.list).toEqual([me]);
    const third = store.load();
    const fourth = store.load();
    await new Promise((resolve) => setTimeout(resolve, 0));
    answers[3]?.([prod]);
    await fourth;
    refusals[2]?.(failure("late", "A late failure."));
    await third;
    expect(store.failure).toBeNull();
    expect(store.list).toEqual([prod]);
  });
});

describe("Stores in the context", () => {
  it("are required: a screen outside the shell (or a test without stores) says so", () => {
    expect(() => render(Sidebar)).toThrow("no stores in the context");
  });
});

describe("Active connection", () => {
  it("is the connection the route names, once the list has it", async () => {
    mockBackend({ connections_list: () => [prod, me] });
    const { router, connections, active } = createStores();
    expect([active.id, active.connection, active.missing]).toEqual([null, null, false]);
    router.go({ name: "connection", id: me.id });
    expect([active.id, active.connection, active.missing]).toEqual([me.id, null, false]);
    await connections.load();
    expect(active.connection).toEqual(me);
    expect(active.missing).toBe(false);
    router.go({ name: "connection", id: "gone" });
    expect([active.connection, active.missing]).toEqual([null, true]);
    router.go({ name: "table", id: me.id, table: "account" });
    expect([active.id, active.connection, active.missing]).toEqual([me.id, me, false]);
    router.go({ name: "connections" });
    expect([active.id, active.missing]).toEqual([null, false]);
  });

  it("is the built-in sandbox under its id, listed or not", async () => {
    mockBackend({ connections_list: () => [prod] });
    const { router, connections, active } = createStores();
    router.go({ name: "table", id: "sandbox", table: "account" });
    expect(active.connection?.name).toBe("D365 Desk Sandbox");
    await connections.load();
    expect([active.id, active.missing]).toEqual(["sandbox", false]);
    expect(active.connection).toMatchObject({ id: "sandbox", kind: "sandbox", tag: null, read_only: false });
  });
});

describe("Metadata store", () => {
  it("starts over for each connection opened, and keeps what it has for the same one", () => {
    const metadata = new MetadataStore();
    expect([metadata.connectionId, metadata.tables, metadata.loading, metadata.failure]).toEqual([
      null,
      [],
      false,
      null,
    ]);
    metadata.open("a");
    metadata.tables = [table];
    metadata.loading = true;
    metadata.failure = failure("x", "y");
    metadata.open("a");
    expect(metadata.tables).toHaveLength(1);
    metadata.open("b");
    expect(metadata.connectionId).toBe("b");
    expect([metadata.tables, metadata.loading, metadata.failure]).toEqual([[], false, null]);
    metadata.open(null);
    expect(metadata.connectionId).toBeNull();
  });

  it("reads the cached tables, then the environment's, for the opened connection", async () => {
    const backend = mockBackend({ tables_list: (_id, refresh) => (refresh ? [table, contact] : [table]) });
    const metadata = new MetadataStore();
    await metadata.load();
    expect(backend.called("tables_list")).toBe(false);
    metadata.open("c-1");
    const loading = metadata.load();
    expect([metadata.loading, metadata.refreshing]).toEqual([true, false]);
    await loading;
    expect(metadata.tables).toEqual([table, contact]);
    expect([metadata.loading, metadata.refreshing, metadata.failure]).toEqual([false, false, null]);
    expect(backend.argsOf("tables_list")).toEqual([
      ["c-1", false],
      ["c-1", true],
    ]);
    expect(metadata.find("contact")).toEqual(contact);
    expect(metadata.find("lead")).toBeUndefined();
  });

  it("shows the cached list while the environment's is read, and keeps it when that fails", async () => {
    let refuseFresh: (reason: unknown) => void = () => undefined;
    mockBackend({
      tables_list: (_id, refresh) =>
        refresh ? new Promise<TableInfo[]>((_resolve, reject) => (refuseFresh = reject)) : [table],
    });
    const metadata = new MetadataStore();
    metadata.open("c-1");
    const loading = metadata.load();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(metadata.tables).toEqual([table]);
    expect([metadata.loading, metadata.refreshing]).toEqual([false, true]);
    refuseFresh(failure("net.dns", "Unreachable."));
    await loading;
    expect(metadata.tables).toEqual([table]);
    expect(metadata.failure?.message).toBe("Unreachable.");
    expect(metadata.refreshing).toBe(false);
  });

  it("says why the cache could not be read, and clears it when the environment answers", async () => {
    let answerFresh: (tables: TableInfo[]) => void = () => undefined;
    mockBackend({
      tables_list: (_id, refresh) =>
        refresh
          ? new Promise<TableInfo[]>((resolve) => (answerFresh = resolve))
          : refuse(failure("cache", "Bad cache.")),
    });
    const metadata = new MetadataStore();
    metadata.open("c-1");
    const loading = metadata.load();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(metadata.failure?.message).toBe("Bad cache.");
    expect([metadata.loading, metadata.refreshing]).toEqual([false, true]);
    answerFresh([table]);
    await loading;
    expect([metadata.tables, metadata.failure]).toEqual([[table], null]);
  });

  it("shows the tables it has at once when loading again, not a loading state", () => {
    mockBackend({ tables_list: () => new Promise(() => undefined) });
    const metadata = new MetadataStore();
    metadata.open("c-1");
    metadata.tables = [table];
    void metadata.load();
    expect(metadata.loading).toBe(false);
  });

  it("drops the answers for a connection no longer opened", async () => {
    const answers: ((tables: TableInfo[]) => void)[] = [];
    mockBackend({ tables_list: () => new Promise<TableInfo[]>((resolve) => answers.push(resolve)) });
    const metadata = new MetadataStore();
    metadata.open("a");
    const first = metadata.load();
    await new Promise((resolve) => setTimeout(resolve, 0));
    metadata.open("b");
    answers[0]?.([table]);
    await first;
    expect(metadata.tables).toEqual([]);
    const second = metadata.load();
    await new Promise((resolve) => setTimeout(resolve, 0));
    answers[1]?.([contact]);
    await new Promise((resolve) => setTimeout(resolve, 0));
    metadata.open("c");
    answers[2]?.([table]);
    await second;
    expect([metadata.tables, metadata.refreshing]).toEqual([[], false]);
  });
});
