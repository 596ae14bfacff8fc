import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { GridProgress, OpenedGrid } from "../bindings";
import { createStores } from "../lib/stores";
import { contact, failure, me, prod } from "../test/fixtures";
import { fakeGrid, record, views } from "../test/grid";
import { mockBackend, refuse } from "../test/ipc";
import { renderWithStores } from "../test/render";
import RecordsScreen from "./RecordsScreen.svelte";

function onTable(id = me.id, table = "account") {
  const stores = createStores();
  stores.router.go({ name: "table", id, table });
  return stores;
}

async function count(): Promise<string> {
  return (await screen.findByTestId("grid-count")).textContent;
}

beforeEach(() => {
  vi.spyOn(Element.prototype, "clientHeight", "get").mockReturnValue(400);
});

/** Pages read far apart in time: Load all shows its progress after each (it shows it a few times a
 * second, and these pages wait for the test). */
function slowPages() {
  let now = 0;
  vi.spyOn(performance, "now").mockImplementation(() => (now += 1000));
}

describe("Records screen", () => {
  it("opens the route's table and titles it, under its connection", async () => {
    const grid = fakeGrid(500);
    const backend = mockBackend({ connections_list: () => [me], ...grid.handlers });
    renderWithStores(RecordsScreen, onTable());
    expect(await count()).toBe("500 rows");
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Account");
    expect(backend.argsOf("grid_open")).toEqual([[me.id, { table: "account", filter: null, sort: [] }]]);
    expect(screen.getByRole("link", { name: "← Tables" }).getAttribute("href")).toBe(`#/connection/${me.id}`);
    expect((await screen.findByTestId("connection-host")).textContent).toBe(me.host);
    expect(screen.getAllByTestId("grid-row").length).toBeGreaterThan(0);
  });

  it("titles the table by its logical name until anything names it", () => {
    mockBackend({ connections_list: () => [prod], grid_open: () => new Promise(() => undefined) });
    renderWithStores(RecordsScreen, onTable(prod.id, "new_thing"));
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("new_thing");
    expect(screen.getByRole("status").textContent).toBe("Opening…");
    expect(screen.queryByTestId("grid")).toBeNull();
  });

  it("titles the table from the metadata while the grid opens", () => {
    mockBackend({ grid_open: () => new Promise(() => undefined) });
    const stores = onTable("sandbox", "contact");
    stores.metadata.open("sandbox");
    stores.metadata.tables = [contact];
    renderWithStores(RecordsScreen, stores);
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Contact");
    expect(screen.getByTestId("connection-header").textContent).toContain("D365 Desk Sandbox");
  });

  it("says 5,000+ while Dataverse's count is a lower bound, and loads all with the progress shown", async () => {
    slowPages();
    const grid = fakeGrid(12000, false);
    let release: () => void = () => undefined;
    const backend = mockBackend({
      ...grid.handlers,
      grid_load_more: (handle) =>
        new Promise<GridProgress>((resolve) => {
          release = () => {
            resolve(grid.handlers.grid_load_more?.(handle) as GridProgress);
          };
        }),
    });
    renderWithStores(RecordsScreen, onTable());
    expect(await count()).toBe("5,000+ rows");
    await fireEvent.click(screen.getByTestId("grid-load-all"));
    expect(await count()).toBe("Loading 5,000…");
    expect(screen.queryByTestId("grid-load-all")).toBeNull();
    release();
    await waitFor(async () => {
      expect(await count()).toBe("Loading 10,000…");
    });
    release();
    await waitFor(async () => {
      expect(await count()).toBe("12,000 rows");
    });
    expect(backend.argsOf("grid_load_more")).toHaveLength(2);
    const loadAll = screen.getByTestId<HTMLButtonElement>("grid-load-all");
    expect(loadAll.disabled).toBe(true);
  });

  it("says how far loading all is against an exact count, and stops on Cancel", async () => {
    slowPages();
    const grid = fakeGrid(100000);
    let release: () => void = () => undefined;
    const backend = mockBackend({
      ...grid.handlers,
      grid_load_more: (handle) =>
        new Promise<GridProgress>((resolve) => {
          release = () => {
            resolve(grid.handlers.grid_load_more?.(handle) as GridProgress);
          };
        }),
    });
    renderWithStores(RecordsScreen, onTable());
    expect(await count()).toBe("100,000 rows");
    await fireEvent.click(screen.getByTestId("grid-load-all"));
    release();
    await waitFor(async () => {
      expect(await count()).toBe("Loading 10,000 of 100,000…");
    });
    await fireEvent.click(screen.getByTestId("grid-cancel"));
    release();
    await waitFor(() => {
      expect(screen.getByTestId<HTMLButtonElement>("grid-load-all").disabled).toBe(false);
    });
    expect(await count()).toBe("100,000 rows");
    expect(backend.argsOf("grid_load_more")).toHaveLength(2);
  });

  it("reopens on Refresh, closing the grid it had", async () => {
    const grid = fakeGrid(10);
    mockBackend(grid.handlers);
    renderWithStores(RecordsScreen, onTable());
    await count();
    await fireEvent.click(screen.getByTestId("grid-refresh"));
    await waitFor(() => {
      expect(grid.closed).toEqual([1]);
    });
    expect(grid.opened).toHaveLength(2);
  });

  it("closes the grid as the screen is left", async () => {
    const grid = fakeGrid(10);
    mockBackend(grid.handlers);
    const { unmount } = renderWithStores(RecordsScreen, onTable());
    await count();
    unmount();
    await waitFor(() => {
      expect(grid.closed).toEqual([1]);
    });
  });

  it("shows why the grid could not be opened, and opens it on Try again", async () => {
    let fail = true;
    const grid = fakeGrid(10);
    mockBackend({
      ...grid.handlers,
      grid_open: (connection, request) =>
        fail
          ? refuse(failure("net.dns", "The environment cannot be reached.", "Check the network."))
          : (grid.handlers.grid_open?.(connection, request) as OpenedGrid),
    });
    renderWithStores(RecordsScreen, onTable());
    const error = await screen.findByTestId("grid-error");
    expect(error.textContent).toContain("The environment cannot be reached.");
    fail = false;
    await fireEvent.click(within(error).getByRole("button", { name: "Try again" }));
    expect(await count()).toBe("10 rows");
    expect(screen.queryByTestId("grid-error")).toBeNull();
  });

  it("applies a filter on Enter, shows a refused one beside the bar with the text kept, and clears", async () => {
    const grid = fakeGrid(10);
    mockBackend({
      ...grid.handlers,
      grid_open: (connection, request) =>
        request.filter?.startsWith("nmae")
          ? refuse(
              failure(
                "query.unknown_column",
                "There is no column 'nmae'; did you mean 'name'?",
                null,
                "input",
              ),
            )
          : (grid.handlers.grid_open?.(connection, request) as OpenedGrid),
    });
    renderWithStores(RecordsScreen, onTable());
    await count();
    const bar = screen.getByTestId<HTMLInputElement>("grid-filter");
    await fireEvent.input(bar, { target: { value: "  revenue gt 5 " } });
    await fireEvent.keyDown(bar, { key: "a" });
    expect(grid.opened).toHaveLength(1);
    await fireEvent.keyDown(bar, { key: "Enter" });
    await waitFor(() => {
      expect(grid.opened.at(-1)?.filter).toBe("revenue gt 5");
    });
    await fireEvent.input(bar, { target: { value: "nmae eq 'x'" } });
    await fireEvent.click(screen.getByTestId("grid-filter-apply"));
    const refused = await screen.findByTestId("grid-filter-error");
    expect(refused.textContent).toContain("did you mean 'name'");
    expect(bar.value).toBe("nmae eq 'x'");
    expect(bar.getAttribute("aria-invalid")).toBe("true");
    expect(screen.queryByTestId("grid-error")).toBeNull();
    await fireEvent.click(screen.getByTestId("grid-filter-clear"));
    expect(bar.value).toBe("");
    expect(screen.queryByTestId("grid-filter-error")).toBeNull();
    await waitFor(() => {
      expect(grid.opened.at(-1)?.filter).toBeNull();
    });
    expect(grid.opened).toHaveLength(3); // the refused one never opened
    expect(document.activeElement).toBe(bar);
  });

  it("clears without reopening when no filter is applied", async () => {
    const grid = fakeGrid(10);
    mockBackend(grid.handlers);
    renderWithStores(RecordsScreen, onTable());
    await count();
    const bar = screen.getByTestId<HTMLInputElement>("grid-filter");
    await fireEvent.input(bar, { target: { value: "typed only" } });
    await fireEvent.click(screen.getByTestId("grid-filter-clear"));
    expect(bar.value).toBe("");
    expect(grid.opened).toHaveLength(1);
    await fireEvent.input(bar, { target: { value: "   " } });
    await fireEvent.keyDown(bar, { key: "Enter" });
    await waitFor(() => {
      expect(grid.opened).toHaveLength(2);
    });
    expect(grid.opened[1]?.filter).toBeNull();
  });

  it("focuses the filter on Ctrl+F or Cmd+F, and leaves other shortcuts alone", async () => {
    const grid = fakeGrid(10);
    mockBackend(grid.handlers);
    renderWithStores(RecordsScreen, onTable());
    await count();
    const bar = screen.getByTestId("grid-filter");
    const press = (init: KeyboardEventInit) =>
      window.dispatchEvent(new KeyboardEvent("keydown", { bubbles: true, cancelable: true, ...init }));
    expect(press({ key: "f" })).toBe(true);
    expect(press({ key: "g", ctrlKey: true })).toBe(true);
    expect(document.activeElement).not.toBe(bar);
    expect(press({ key: "f", ctrlKey: true })).toBe(false);
    expect(document.activeElement).toBe(bar);
    bar.blur();
    expect(press({ key: "F", metaKey: true })).toBe(false);
    expect(document.activeElement).toBe(bar);
  });
});

describe("Records screen's views", () => {
  function withViews(total = 10) {
    const grid = fakeGrid(total);
    const backend = mockBackend({ ...grid.handlers, views_list: () => views });
    return { grid, backend };
  }

  function picker(): HTMLSelectElement {
    return screen.getByTestId<HTMLSelectElement>("grid-views");
  }

  it("offers the table's views after the plain grid, and runs the one picked with its columns", async () => {
    const { grid, backend } = withViews();
    const stores = onTable();
    renderWithStores(RecordsScreen, stores);
    await count();
    await screen.findByRole("option", { name: "Active Accounts" });
    const names = within(picker())
      .getAllByRole("option")
      .map((option) => option.textContent);
    expect(names).toEqual(["All columns (no view)", "Active Accounts", "My Big Accounts"]);
    expect(picker().value).toBe("");
    expect(backend.argsOf("views_list")).toEqual([[me.id, "account"]]);
    await fireEvent.change(picker(), { target: { value: "personal:v-mine" } });
    await waitFor(() => {
      expect(grid.opened).toHaveLength(2);
    });
    expect(grid.opened[1]).toEqual({
      table: "account",
      filter: null,
      sort: [],
      columns: ["name"],
      view: { kind: "personal", id: "v-mine" },
    });
    expect(window.location.hash).toBe(`#/connection/${me.id}/table/account?view=personal%3Av-mine`);
    expect(stores.router.route).toEqual({
      name: "table",
      id: me.id,
      table: "account",
      view: { kind: "personal", id: "v-mine" },
    });
    expect(await count()).toBe("10 rows");
  });

  it("opens the route's view, with the filter bar and the headers' sort waiting meanwhile", async () => {
    const { grid } = withViews();
    const stores = createStores();
    stores.router.go({
      name: "table",
      id: me.id,
      table: "account",
      view: { kind: "system", id: "v-active" },
    });
    renderWithStores(RecordsScreen, stores);
    await count();
    expect(grid.opened).toEqual([
      {
        table: "account",
        filter: null,
        sort: [],
        columns: ["name", "revenue"],
        view: { kind: "system", id: "v-active" },
      },
    ]);
    expect(picker().value).toBe("system:v-active");
    expect(screen.getByTestId("grid-view-note").textContent).toBe("A view brings its own filter and order.");
    expect(screen.getByTestId<HTMLInputElement>("grid-filter").disabled).toBe(true);
    expect(screen.getByTestId<HTMLButtonElement>("grid-filter-apply").disabled).toBe(true);
    expect(screen.getByTestId<HTMLButtonElement>("grid-filter-clear").disabled).toBe(true);
    const sortButton = within(screen.getAllByTestId("grid-header")[0] as HTMLElement).getByRole("button");
    expect((sortButton as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(screen.getByTestId("grid-refresh"));
    await waitFor(() => {
      expect(grid.opened).toHaveLength(2);
    });
    expect(grid.opened[1]?.view).toEqual({ kind: "system", id: "v-active" });
  });

  it("goes back to the plain grid with All columns, the bar and the sort usable again", async () => {
    const { grid } = withViews();
    const stores = createStores();
    stores.router.go({
      name: "table",
      id: me.id,
      table: "account",
      view: { kind: "system", id: "v-active" },
    });
    renderWithStores(RecordsScreen, stores);
    await count();
    await fireEvent.change(picker(), { target: { value: "" } });
    await waitFor(() => {
      expect(grid.opened).toHaveLength(2);
    });
    expect(grid.opened[1]).toEqual({ table: "account", filter: null, sort: [] });
    expect(stores.router.route).toEqual({ name: "table", id: me.id, table: "account" });
    await waitFor(() => {
      expect(screen.queryByTestId("grid-view-note")).toBeNull();
    });
    expect(screen.getByTestId<HTMLInputElement>("grid-filter").disabled).toBe(false);
    const sortButton = within(screen.getAllByTestId("grid-header")[0] as HTMLElement).getByRole("button");
    expect((sortButton as HTMLButtonElement).disabled).toBe(false);
  });

  it("opens the plain grid for a view the table does not have, or views that cannot be read", async () => {
    const grid = fakeGrid(10);
    mockBackend({ ...grid.handlers, views_list: () => refuse(failure("net.dns", "Unreachable.")) });
    const stores = createStores();
    stores.router.go({ name: "table", id: me.id, table: "account", view: { kind: "system", id: "gone" } });
    renderWithStores(RecordsScreen, stores);
    await count();
    expect(grid.opened).toEqual([{ table: "account", filter: null, sort: [] }]);
    expect(within(picker()).getAllByRole("option")).toHaveLength(1);
  });

  it("applies the route's filter as it opens, and shows it in the bar", async () => {
    const { grid } = withViews();
    const stores = createStores();
    stores.router.go({ name: "table", id: me.id, table: "account", filter: "_parentaccountid_value eq a-1" });
    renderWithStores(RecordsScreen, stores);
    await count();
    expect(grid.opened).toEqual([{ table: "account", filter: "_parentaccountid_value eq a-1", sort: [] }]);
    expect(screen.getByTestId<HTMLInputElement>("grid-filter").value).toBe("_parentaccountid_value eq a-1");
  });
});

describe("Records screen's record panel", () => {
  function withRecords() {
    const grid = fakeGrid(10);
    const backend = mockBackend({
      ...grid.handlers,
      views_list: () => views,
      record_get: (_connection, _table, id) => record(id),
    });
    return { grid, backend };
  }

  it("opens the cursor's row on Enter with the grid's columns, and closes on Escape", async () => {
    const { backend } = withRecords();
    renderWithStores(RecordsScreen, onTable());
    await count();
    const body = screen.getByTestId("grid-body");
    await fireEvent.keyDown(body, { key: "ArrowDown" });
    await fireEvent.keyDown(body, { key: "Enter" });
    expect((await screen.findByTestId("record-id")).textContent).toBe("id-1");
    expect(backend.argsOf("record_get")).toEqual([
      [me.id, "account", "id-1", ["name", "revenue", "primarycontactid"]],
    ]);
    await fireEvent.keyDown(window, { key: "Escape" });
    expect(screen.queryByTestId("record-panel")).toBeNull();
  });

  it("opens the row double-clicked", async () => {
    withRecords();
    renderWithStores(RecordsScreen, onTable());
    await count();
    const cell = document.querySelector('[data-testid=grid-cell][data-row="3"][data-col="1"]') as HTMLElement;
    await fireEvent.dblClick(cell);
    expect((await screen.findByTestId("record-id")).textContent).toBe("id-3");
  });

  it("opens a relationship's records as their table's grid, filtered to the record", async () => {
    withRecords();
    const stores = onTable();
    renderWithStores(RecordsScreen, stores);
    await count();
    await fireEvent.dblClick(screen.getAllByTestId("grid-cell")[0] as HTMLElement);
    const related = await screen.findAllByTestId("record-related-item");
    await fireEvent.click(related[0] as HTMLElement);
    expect(stores.router.route).toEqual({
      name: "table",
      id: me.id,
      table: "contact",
      filter: "_parentcustomerid_value eq id-0",
    });
  });
});

describe("Records screen's export", () => {
  it("exports the open grid under the table's display name", async () => {
    const grid = fakeGrid(10);
    const backend = mockBackend({
      ...grid.handlers,
      grid_export: () => ({
        file: "/tmp/Account.xlsx",
        report: { rows: 10, changed: 10, deleted: 0, tracking: false },
      }),
    });
    renderWithStores(RecordsScreen, onTable());
    await count();
    await fireEvent.click(screen.getByTestId("grid-export"));
    await fireEvent.click(screen.getByRole("menuitem", { name: "Excel" }));
    expect((await screen.findByTestId("grid-export-done")).textContent).toBe(
      "Saved 10 rows to /tmp/Account.xlsx",
    );
    expect(backend.argsOf("grid_export")[0]?.slice(0, 3)).toEqual([1, "Account", "xlsx"]);
  });
});

describe("Records screen's columns", () => {
  afterEach(() => {
    localStorage.clear();
  });

  it("reopens with the columns picked and remembers them for the table on this connection", async () => {
    const grid = fakeGrid(10);
    mockBackend(grid.handlers);
    const { unmount } = renderWithStores(RecordsScreen, onTable());
    await count();
    await fireEvent.click(screen.getByTestId("grid-columns"));
    await fireEvent.click(screen.getByRole("checkbox", { name: "Account Name" }));
    await fireEvent.click(screen.getByTestId("grid-columns-apply"));
    await waitFor(() => {
      expect(grid.opened).toHaveLength(2);
    });
    expect(grid.opened[1]).toEqual({
      table: "account",
      filter: null,
      sort: [],
      columns: ["revenue", "primarycontactid"],
    });
    unmount();
    renderWithStores(RecordsScreen, onTable());
    await count();
    expect(grid.opened[2]?.columns).toEqual(["revenue", "primarycontactid"]);
    renderWithStores(RecordsScreen, onTable(prod.id));
    await waitFor(() => {
      expect(grid.opened).toHaveLength(4);
    });
    expect(grid.opened[3]?.columns).toBeUndefined();
  });

  it("offers no column picker while a view runs", async () => {
    const grid = fakeGrid(10);
    mockBackend({ ...grid.handlers, views_list: () => views });
    const stores = createStores();
    stores.router.go({
      name: "table",
      id: me.id,
      table: "account",
      view: { kind: "system", id: "v-active" },
    });
    renderWithStores(RecordsScreen, stores);
    await count();
    expect(screen.queryByTestId("grid-columns")).toBeNull();
  });
});
