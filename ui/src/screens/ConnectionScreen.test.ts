import { screen } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { createStores } from "../lib/stores";
import { failure, table, me, pasted, prod } from "../test/fixtures";
import { mockBackend, refuse } from "../test/ipc";
import { renderWithStores } from "../test/render";
import ConnectionScreen from "./ConnectionScreen.svelte";

function opened(id: string) {
  const stores = createStores();
  stores.router.go({ name: "connection", id });
  return stores;
}

describe("Connection screen", () => {
  it("shows the opened connection's name, host and kind, and what comes here", async () => {
    mockBackend({ connections_list: () => [prod, me] });
    renderWithStores(ConnectionScreen, opened(prod.id));
    expect(await screen.findByRole("heading", { level: 1, name: "Contoso Prod" })).toBeTruthy();
    expect(screen.getByTestId("connection-host").textContent).toBe("contoso.crm.dynamics.com");
    expect(screen.getByTestId("connection-kind").textContent).toBe("Organisation");
    const details = screen.getByTestId("connection-screen").textContent;
    expect(details).toContain("PROD");
    expect(details).toContain("Read-only");
    expect(screen.getByRole("note").textContent).toContain("Tables and records come here");
    expect(screen.getByRole("link", { name: "← All connections" }).getAttribute("href")).toBe(
      "#/connections",
    );
  });

  it("leaves out the tag and read-only when the connection has neither", async () => {
    mockBackend({ connections_list: () => [pasted] });
    renderWithStores(ConnectionScreen, opened(pasted.id));
    await screen.findByRole("heading", { level: 1, name: "Pasted token" });
    const details = screen.getByTestId("connection-screen").textContent;
    expect(details).not.toContain("Environment");
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
    mockBackend({ connections_list: () => [prod] });
    const stores = opened(prod.id);
    stores.metadata.open("another");
    stores.metadata.tables = [table];
    renderWithStores(ConnectionScreen, stores);
    await screen.findByRole("heading", { level: 1, name: "Contoso Prod" });
    expect(stores.metadata.connectionId).toBe(prod.id);
    expect(stores.metadata.tables).toEqual([]);
  });
});
