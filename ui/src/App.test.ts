// The shell: the layout, the status bar's app info, and the screen each route names. UI unit tests run in
// jsdom against a fake backend (src/test/ipc.ts); the real bridge is exercised by tests/e2e.
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import App from "./App.svelte";
import { href } from "./lib/router.svelte";
import { me, prod, table } from "./test/fixtures";
import { fakeGrid } from "./test/grid";
import { mockBackend } from "./test/ipc";

describe("App shell", () => {
  it("shows the Connections screen in the layout", () => {
    mockBackend();
    render(App);
    expect(screen.getByRole("heading", { level: 1, name: "Connections" })).toBeTruthy();
    expect(screen.getByRole("complementary", { name: "Side bar" })).toBeTruthy();
    expect(screen.getByRole("main", { name: "Main area" })).toBeTruthy();
    expect(screen.getByRole("contentinfo", { name: "Status bar" })).toBeTruthy();
  });

  it("shows the version the app_info command returns", async () => {
    const backend = mockBackend();
    render(App);
    expect(await screen.findByText("D365 Desk 9.9.9")).toBeTruthy();
    expect(screen.getByText("linux · x86_64")).toBeTruthy();
    expect(backend.called("app_info")).toBe(true);
  });

  it("says so when the app info cannot be read", async () => {
    mockBackend({ app_info: undefined });
    render(App);
    const alert = await screen.findByText(/Could not read app info/);
    expect(alert.getAttribute("role")).toBe("alert");
    expect(screen.queryByText("Starting…")).toBeNull();
  });

  it("says it is starting until the app info comes", () => {
    mockBackend({ app_info: () => new Promise(() => undefined) });
    render(App);
    expect(screen.getByText("Starting…")).toBeTruthy();
  });

  it("loads the connections once, for the sidebar and the screen", async () => {
    const backend = mockBackend({ connections_list: () => [prod] });
    render(App);
    await screen.findByRole("article", { name: "Contoso Prod" });
    const sidebar = screen.getByRole("complementary", { name: "Side bar" });
    expect(within(sidebar).getByRole("link", { name: /Contoso Prod/ })).toBeTruthy();
    expect(backend.argsOf("connections_list")).toHaveLength(1);
  });
});

describe("Routes", () => {
  it("opens the connection the address names, and goes back to all of them", async () => {
    mockBackend({ connections_list: () => [prod, me] });
    window.location.hash = href({ name: "connection", id: me.id });
    render(App);
    expect(await screen.findByRole("heading", { level: 1, name: me.name })).toBeTruthy();
    expect(screen.getByTestId("connection-host").textContent).toBe(me.host);
    await fireEvent.click(screen.getByRole("link", { name: "← All connections" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Connections" })).toBeTruthy();
    expect(window.location.hash).toBe("#/connections");
  });

  it("follows a connection picked in the sidebar", async () => {
    mockBackend({ connections_list: () => [prod, me] });
    render(App);
    const sidebar = screen.getByRole("complementary", { name: "Side bar" });
    await fireEvent.click(await within(sidebar).findByRole("link", { name: /Contoso Prod/ }));
    expect(await screen.findByRole("heading", { level: 1, name: prod.name })).toBeTruthy();
    expect(window.location.hash).toBe(`#/connection/${prod.id}`);
    const current = within(sidebar).getByRole("link", { current: "page" });
    expect(current.textContent).toContain("Contoso Prod");
  });

  it("opens a connection from its card", async () => {
    mockBackend({ connections_list: () => [prod] });
    render(App);
    const card = await screen.findByRole("article", { name: "Contoso Prod" });
    await fireEvent.click(within(card).getByRole("link", { name: "Open" }));
    expect(await screen.findByRole("heading", { level: 1, name: prod.name })).toBeTruthy();
  });

  it("says so when the connection in the address is not there", async () => {
    mockBackend({ connections_list: () => [prod] });
    window.location.hash = "#/connection/gone";
    render(App);
    expect(await screen.findByRole("heading", { level: 1, name: "No such connection" })).toBeTruthy();
  });

  it("browses the sandbox from its card: its tables, then a table's records, and back", async () => {
    const grid = fakeGrid(3);
    mockBackend({ tables_list: () => [table], ...grid.handlers });
    render(App);
    await fireEvent.click(screen.getByTestId("sandbox-browse"));
    expect(await screen.findByRole("heading", { level: 1, name: "D365 Desk Sandbox" })).toBeTruthy();
    await fireEvent.click(await screen.findByTestId("table-item"));
    expect(await screen.findByTestId("records-screen")).toBeTruthy();
    expect(window.location.hash).toBe("#/connection/sandbox/table/account");
    expect((await screen.findByTestId("grid-count")).textContent).toBe("3 rows");
    expect(grid.opened[0]?.table).toBe("account");
    await fireEvent.click(screen.getByRole("link", { name: "← Tables" }));
    expect(await screen.findByTestId("table-search")).toBeTruthy();
    expect(grid.closed).toEqual([1]);
  });
});

describe("Status bar's data activity", () => {
  it("starts the watch once and says how long Dataverse asked us to wait, never as an alert", async () => {
    const backend = mockBackend({
      data_watch: (events) => {
        events.onmessage({
          connection: me.id,
          event: { event: "retrying", reason: "throttled", attempt: 1, wait_ms: 30000 },
        });
        return null;
      },
    });
    render(App);
    const wait = await screen.findByTestId("status-wait");
    expect(wait.textContent).toBe("Dataverse asked us to wait 30 s");
    expect(wait.getAttribute("role")).toBe("status");
    expect(screen.queryByRole("alert")).toBeNull();
    expect(backend.argsOf("data_watch")).toHaveLength(1);
  });

  it("says nothing while no client waits", async () => {
    const backend = mockBackend();
    render(App);
    await screen.findByText("D365 Desk 9.9.9");
    expect(backend.called("data_watch")).toBe(true);
    expect(screen.queryByTestId("status-wait")).toBeNull();
  });
});

describe("Console route", () => {
  it("opens a connection's Web API console from its header", async () => {
    mockBackend({ connections_list: () => [me] });
    window.location.hash = href({ name: "connection", id: me.id });
    render(App);
    const link = await screen.findByTestId("connection-console");
    expect(link.getAttribute("href")).toBe(`#/connection/${me.id}/console`);
    window.location.hash = link.getAttribute("href") ?? "";
    expect(await screen.findByTestId("console-screen")).toBeTruthy();
  });
});

describe("Records routes", () => {
  it("opens a table's records filtered as the address says, the filter in the bar, as a screen of its own", async () => {
    const grid = fakeGrid(3);
    mockBackend({ ...grid.handlers, views_list: () => [] });
    window.location.hash = href({ name: "table", id: "sandbox", table: "account" });
    render(App);
    await screen.findByTestId("grid-count");
    window.location.hash = href({ name: "table", id: "sandbox", table: "account", filter: "name eq 'A'" });
    await waitFor(() => {
      expect(screen.getByTestId<HTMLInputElement>("grid-filter").value).toBe("name eq 'A'");
    });
    await waitFor(() => {
      expect(grid.opened.at(-1)?.filter).toBe("name eq 'A'");
    });
    await waitFor(() => {
      expect(grid.closed).toContain(1);
    });
  });
});
