import { fireEvent, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import type { TableInfo } from "../bindings";
import { createStores } from "../lib/stores";
import { contact, failure, table, me, pasted, project, prod } from "../test/fixtures";
import { mockBackend, refuse } from "../test/ipc";
import { renderWithStores } from "../test/render";
import ConnectionScreen from "./ConnectionScreen.svelte";

function opened(id: string) {
  const stores = createStores();
  stores.router.go({ name: "connection", id });
  return stores;
}

describe("Connection screen", () => {
  it("shows the opened connection's name, host and kind above its tables", async () => {
    mockBackend({ connections_list: () => [prod, me], tables_list: () => [table] });
    renderWithStores(ConnectionScreen, opened(prod.id));
    expect(await screen.findByRole("heading", { level: 1, name: "Contoso Prod" })).toBeTruthy();
    expect(screen.getByTestId("connection-host").textContent).toBe("contoso.crm.dynamics.com");
    expect(screen.getByTestId("connection-kind").textContent).toBe("Organisation");
    const details = screen.getByTestId("connection-screen").textContent;
    expect(details).toContain("PROD");
    expect(details).toContain("Read-only");
    expect(screen.getByRole("heading", { level: 2 }).textContent).toContain("Tables");
    expect(screen.queryByTestId("data-screens-notice")).toBeNull();
    expect((await screen.findByTestId("table-item")).textContent).toContain("Account");
    expect(screen.getByRole("link", { name: "← All connections" }).getAttribute("href")).toBe(
      "#/connections",
    );
  });

  it("leaves out the tag and read-only when the connection has neither", async () => {
    mockBackend({ connections_list: () => [pasted], tables_list: () => [] });
    renderWithStores(ConnectionScreen, opened(pasted.id));
    await screen.findByRole("heading", { level: 1, name: "Pasted token" });
    const details = screen.getByTestId("connection-header").textContent;
    expect(details).not.toContain("PROD");
    expect(details).not.toContain("Read-only");
    expect(screen.getByTestId("connection-kind").textContent).toBe("Bearer token");
  });

  it("says it is opening until the list is there", () => {
    mockBackend({ connections_list: () => new Promise(() => undefined) });
    renderWithStores(ConnectionScreen, opened(prod.id));
    expect(screen.getByRole("status").textContent).toContain("Opening the connection");
  });

  it("says so when the connection is not there", async () => {
    mockBackend({ connections_list: () => [me] });
    renderWithStores(ConnectionScreen, opened(prod.id));
    expect(await screen.findByRole("heading", { level: 1, name: "No such connection" })).toBeTruthy();
    expect(screen.getByRole("link", { name: "Back to all connections" }).getAttribute("href")).toBe(
      "#/connections",
    );
  });

  it("shows why the connections could not be read", async () => {
    mockBackend({
      connections_list: () => refuse(failure("vault.locked", "The keyring is locked.", "Unlock it.")),
    });
    renderWithStores(ConnectionScreen, opened(prod.id));
    expect((await screen.findByTestId("connection-error")).textContent).toContain("The keyring is locked.");
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("The connection cannot be opened");
  });

  it("keeps the metadata of the opened connection only", async () => {
    mockBackend({ connections_list: () => [prod], tables_list: () => new Promise(() => undefined) });
    const stores = opened(prod.id);
    stores.metadata.open("another");
    stores.metadata.tables = [table];
    renderWithStores(ConnectionScreen, stores);
    await screen.findByRole("heading", { level: 1, name: "Contoso Prod" });
    expect(stores.metadata.connectionId).toBe(prod.id);
    expect(stores.metadata.tables).toEqual([]);
  });

  it("lists the cached tables at once, then the environment's", async () => {
    let answerFresh: (tables: TableInfo[]) => void = () => undefined;
    const backend = mockBackend({
      connections_list: () => [me],
      tables_list: (_id, refresh) =>
        refresh ? new Promise<TableInfo[]>((resolve) => (answerFresh = resolve)) : [table],
    });
    renderWithStores(ConnectionScreen, opened(me.id));
    expect((await screen.findAllByTestId("table-item")).map((item) => item.dataset.table)).toEqual([
      "account",
    ]);
    expect(screen.getByTestId("tables-refreshing").textContent).toBe("Refreshing…");
    answerFresh([table, contact, project]);
    await waitFor(() => {
      expect(screen.getAllByTestId("table-item")).toHaveLength(3);
    });
    expect(screen.queryByTestId("tables-refreshing")).toBeNull();
    expect(backend.argsOf("tables_list")).toEqual([
      [me.id, false],
      [me.id, true],
    ]);
  });

  it("browses the built-in sandbox, which is no saved connection", async () => {
    const backend = mockBackend({ connections_list: () => [prod], tables_list: () => [table] });
    renderWithStores(ConnectionScreen, opened("sandbox"));
    expect(await screen.findByRole("heading", { level: 1, name: "D365 Desk Sandbox" })).toBeTruthy();
    expect(screen.getByTestId("connection-kind").textContent).toBe("Sandbox");
    await screen.findByTestId("table-item");
    expect(backend.argsOf("tables_list")[0]).toEqual(["sandbox", false]);
    expect(screen.queryByTestId("connection-missing")).toBeNull();
  });

  it("shows why the tables could not be read, and reads them again on Try again", async () => {
    let fail = true;
    mockBackend({
      connections_list: () => [me],
      tables_list: () => (fail ? refuse(failure("net.dns", "The environment cannot be reached.")) : [table]),
    });
    renderWithStores(ConnectionScreen, opened(me.id));
    const error = await screen.findByTestId("tables-error");
    expect(error.textContent).toContain("The environment cannot be reached.");
    fail = false;
    await fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByTestId("table-item")).toBeTruthy();
    await waitFor(() => {
      expect(screen.queryByTestId("tables-error")).toBeNull();
    });
  });

  it("does not ask for the tables of a connection that is not there", async () => {
    const backend = mockBackend({ connections_list: () => [me], tables_list: () => [table] });
    renderWithStores(ConnectionScreen, opened(prod.id));
    await screen.findByTestId("connection-missing");
    expect(backend.called("tables_list")).toBe(false);
  });
});
