import { describe, expect, it } from "vitest";
import type { GridProgress, GridRow, OpenedGrid } from "../../bindings";
import { failure } from "../../test/fixtures";
import { fakeGrid, row } from "../../test/grid";
import { mockBackend, refuse } from "../../test/ipc";
import { BLOCK_SIZE, GridSession, KEPT_BLOCKS } from "./grid.svelte";

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("Grid session", () => {
  it("opens the table's grid with no filter or sort, and shows its first rows", async () => {
    const grid = fakeGrid(500);
    const backend = mockBackend(grid.handlers);
    const session = new GridSession("c-1", "account");
    const opening = session.open();
    expect(session.opening).toBe(true);
    expect(await opening).toBe(true);
    expect(backend.argsOf("grid_open")).toEqual([["c-1", { table: "account", filter: null, sort: [] }]]);
    expect(session.opening).toBe(false);
    expect(session.view?.columns.map((column) => column.logical_name)).toEqual([
      "name",
      "revenue",
      "primarycontactid",
    ]);
    expect(session.progress).toEqual({
      loaded: 500,
      total: 500,
      total_is_lower_bound: false,
      complete: true,
    });
    expect(session.row(0)).toEqual(row(0));
    expect(session.row(99)).toEqual(row(99));
    expect(session.row(100)).toBeUndefined();
  });

  it("fetches the blocks a window asks for, once each, beyond the first rows", async () => {
    const grid = fakeGrid(1000);
    const backend = mockBackend(grid.handlers);
    const session = new GridSession("c-1", "account");
    await session.open();
    session.want(0, 50);
    expect(backend.called("grid_rows")).toBe(false);
    session.want(150, 450);
    session.want(190, 210);
    await settle();
    expect(backend.argsOf("grid_rows")).toEqual([
      [1, 0, BLOCK_SIZE],
      [1, 200, BLOCK_SIZE],
      [1, 400, BLOCK_SIZE],
    ]);
    expect(session.row(150)).toEqual(row(150));
    expect(session.row(399)).toEqual(row(399));
    expect(session.row(450)).toEqual(row(450));
    expect(session.row(600)).toBeUndefined();
  });

  it("asks for no row past those loaded, and a short last block", async () => {
    const grid = fakeGrid(350);
    const backend = mockBackend(grid.handlers);
    const session = new GridSession("c-1", "account");
    await session.open();
    session.want(300, 900);
    await settle();
    expect(backend.argsOf("grid_rows")).toEqual([[1, 200, 150]]);
    expect(session.row(349)).toEqual(row(349));
  });

  it("loads all, page by page, then reads the blocks the loading lengthened again", async () => {
    const grid = fakeGrid(12000, false);
    const backend = mockBackend(grid.handlers);
    const session = new GridSession("c-1", "account");
    await session.open();
    session.want(0, 100);
    await settle();
    expect(session.progress).toMatchObject({ loaded: 5000, total_is_lower_bound: true });
    const loading = session.loadAll();
    expect(session.loadingAll).toBe(true);
    await loading;
    expect(backend.argsOf("grid_load_more")).toEqual([[1], [1]]);
    expect(session.progress).toEqual({
      loaded: 12000,
      total: 5000,
      total_is_lower_bound: true,
      complete: true,
    });
    expect(session.loadingAll).toBe(false);
    session.want(11900, 12000);
    await settle();
    expect(session.row(11999)).toEqual(row(11999));
    await session.loadAll();
    expect(backend.argsOf("grid_load_more")).toHaveLength(2);
  });

  it("reads the next page, once, when the window nears the end of the rows read", async () => {
    const grid = fakeGrid(12000, false);
    const backend = mockBackend(grid.handlers);
    const session = new GridSession("c-1", "account");
    await session.open();
    session.want(4000, 4100);
    await settle();
    expect(backend.called("grid_load_more")).toBe(false);
    session.want(4700, 4800);
    session.want(4750, 4850);
    await settle();
    expect(backend.argsOf("grid_load_more")).toEqual([[1]]);
    expect(session.progress).toMatchObject({ loaded: 10000, complete: false });
    session.want(9850, 9950);
    await settle();
    expect(backend.argsOf("grid_load_more")).toEqual([[1], [1]]);
    expect(session.progress).toMatchObject({ loaded: 12000, complete: true });
    session.want(11900, 12000);
    await settle();
    expect(backend.argsOf("grid_load_more")).toHaveLength(2);
    expect(session.row(11999)).toEqual(row(11999));
  });

  it("does not read the next page again and again after it failed", async () => {
    const grid = fakeGrid(12000, false);
    let tries = 0;
    const backend = mockBackend({
      ...grid.handlers,
      grid_load_more: () => {
        tries += 1;
        return refuse(failure("api.throttled", "Dataverse asked to wait."));
      },
    });
    const session = new GridSession("c-1", "account");
    await session.open();
    session.want(4900, 5000);
    await settle();
    expect(session.failure?.kind).toBe("api.throttled");
    session.want(4950, 5000);
    session.want(4990, 5000);
    await settle();
    expect(tries).toBe(1);
    expect(backend.argsOf("grid_load_more")).toHaveLength(1);
  });

  it("keeps only the blocks near the window shown, and asks again for one scrolled back to", async () => {
    const grid = fakeGrid(60000);
    const backend = mockBackend({
      ...grid.handlers,
      grid_open: (connection, request) => {
        const opened = grid.handlers.grid_open?.(connection, request) as OpenedGrid;
        return {
          ...opened,
          view: {
            ...opened.view,
            progress: { loaded: 60000, total: 60000, total_is_lower_bound: false, complete: true },
          },
        };
      },
      grid_rows: (_grid, start, count) => Array.from({ length: count }, (_, index) => row(start + index)),
    });
    const session = new GridSession("c-1", "account");
    await session.open();
    for (let block = 1; block <= KEPT_BLOCKS + 20; block++) {
      session.want(block * BLOCK_SIZE, block * BLOCK_SIZE + 50);
      await settle();
    }
    const last = (KEPT_BLOCKS + 20) * BLOCK_SIZE;
    expect(session.row(last)).toEqual(row(last));
    expect(session.row(BLOCK_SIZE)).toBeUndefined();
    const asked = backend.argsOf("grid_rows").length;
    session.want(BLOCK_SIZE, BLOCK_SIZE + 50);
    await settle();
    expect(backend.argsOf("grid_rows")).toHaveLength(asked + 1);
    expect(session.row(BLOCK_SIZE)).toEqual(row(BLOCK_SIZE));
  });

  it("asks again for a short block that more rows have lengthened since", async () => {
    const grid = fakeGrid(6000);
    let answer: (rows: GridRow[]) => void = () => undefined;
    const backend = mockBackend({
      ...grid.handlers,
      grid_open: (connection, request) => {
        const opened = grid.handlers.grid_open?.(connection, request) as OpenedGrid;
        return { ...opened, view: { ...opened.view, progress: { ...opened.view.progress, loaded: 250 } } };
      },
      grid_rows: (_grid, start, count) =>
        start === 200 && count === 50
          ? new Promise<GridRow[]>((resolve) => (answer = resolve))
          : Array.from({ length: count }, (_, index) => row(start + index)),
      grid_load_more: (): GridProgress => ({
        loaded: 6000,
        total: 6000,
        total_is_lower_bound: false,
        complete: true,
      }),
    });
    const session = new GridSession("c-1", "account");
    await session.open();
    session.want(200, 250);
    await session.loadAll();
    answer(Array.from({ length: 50 }, (_, index) => row(200 + index)));
    await settle();
    expect(backend.argsOf("grid_rows")).toEqual([
      [1, 200, 50],
      [1, 200, BLOCK_SIZE],
    ]);
    expect(session.row(399)).toEqual(row(399));
  });

  it("stops loading all between pages when cancelled", async () => {
    const grid = fakeGrid(30000);
    let pages = 0;
    const backend = mockBackend({
      ...grid.handlers,
      grid_load_more: (handle) => {
        pages += 1;
        if (pages === 2) session.cancelLoadAll();
        return grid.handlers.grid_load_more?.(handle) as GridProgress;
      },
    });
    const session = new GridSession("c-1", "account");
    await session.open();
    await session.loadAll();
    expect(backend.argsOf("grid_load_more")).toHaveLength(2);
    expect(session.progress).toMatchObject({ loaded: 15000, complete: false });
    expect(session.loadingAll).toBe(false);
  });

  it("shows why a page could not be read, and stops there", async () => {
    const grid = fakeGrid(30000);
    mockBackend({ ...grid.handlers, grid_load_more: () => refuse(failure("net.dns", "Unreachable.")) });
    const session = new GridSession("c-1", "account");
    await session.open();
    await session.loadAll();
    expect(session.failure?.message).toBe("Unreachable.");
    expect(session.loadingAll).toBe(false);
    expect(session.progress?.loaded).toBe(5000);
  });

  it("reopens with a filter and a sort, closing the grid it replaces", async () => {
    const grid = fakeGrid(300);
    const backend = mockBackend(grid.handlers);
    const session = new GridSession("c-1", "account");
    await session.open();
    session.want(100, 300);
    await settle();
    await session.open({ filter: "revenue gt 10" });
    await session.open({ sort: [{ column: "name", descending: true }] });
    expect(grid.opened.slice(1)).toEqual([
      { table: "account", filter: "revenue gt 10", sort: [] },
      { table: "account", filter: "revenue gt 10", sort: [{ column: "name", descending: true }] },
    ]);
    expect(grid.closed).toEqual([1, 2]);
    expect(session.request.sort).toEqual([{ column: "name", descending: true }]);
    session.want(100, 300);
    await settle();
    expect(backend.argsOf("grid_rows").map((args) => args[0])).toEqual([1, 1, 3, 3]);
  });

  it("keeps the rows shown when a filter is refused, and says why beside the filter", async () => {
    const grid = fakeGrid(300);
    mockBackend({
      ...grid.handlers,
      grid_open: (connection, request) =>
        request.filter
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
    const session = new GridSession("c-1", "account");
    await session.open();
    expect(await session.open({ filter: "nmae eq 'x'" })).toBe(false);
    expect(session.filterFailure?.message).toContain("did you mean 'name'");
    expect(session.failure).toBeNull();
    expect(session.request.filter).toBeNull();
    expect(session.row(0)).toEqual(row(0));
    expect(session.opening).toBe(false);
    expect(grid.closed).toEqual([]);
    await session.open({ filter: null });
    expect(session.filterFailure).toBeNull();
  });

  it("sends the conditions with the filter, and none at all when there are none", async () => {
    const grid = fakeGrid(10);
    mockBackend(grid.handlers);
    const session = new GridSession("c-1", "account");
    const conditions = [{ column: "name", operator: "contains" as const, value: "Con" }];
    await session.open({ filter: "revenue gt 5", conditions });
    expect(grid.opened[0]).toEqual({ table: "account", filter: "revenue gt 5", sort: [], conditions });
    expect(session.request.conditions).toEqual(conditions);
    await session.open({ sort: [{ column: "name", descending: false }] });
    expect(grid.opened[1]?.conditions).toEqual(conditions);
    await session.open({ conditions: [] });
    expect(grid.opened[2]).toEqual({
      table: "account",
      filter: "revenue gt 5",
      sort: [{ column: "name", descending: false }],
    });
  });

  it("says beside the filter why conditions were refused, the rows kept", async () => {
    const grid = fakeGrid(10);
    mockBackend({
      ...grid.handlers,
      grid_open: (connection, request) =>
        request.conditions
          ? refuse(failure("input.invalid", "'x' is not a number (Annual Revenue).", null, "input"))
          : (grid.handlers.grid_open?.(connection, request) as OpenedGrid),
    });
    const session = new GridSession("c-1", "account");
    await session.open();
    expect(await session.open({ conditions: [{ column: "revenue", operator: "eq", value: "x" }] })).toBe(
      false,
    );
    expect(session.filterFailure?.message).toBe("'x' is not a number (Annual Revenue).");
    expect(session.failure).toBeNull();
    expect(session.request.conditions).toBeUndefined();
    expect(session.row(0)).toEqual(row(0));
  });

  it("says why the grid could not be opened when it is not the filter's fault", async () => {
    let fail = true;
    const grid = fakeGrid(10);
    mockBackend({
      ...grid.handlers,
      grid_open: (connection, request) =>
        fail
          ? refuse(failure("net.dns", "Unreachable.", null, "network"))
          : (grid.handlers.grid_open?.(connection, request) as OpenedGrid),
    });
    const session = new GridSession("c-1", "account");
    await session.open({ filter: "name eq 'x'" });
    expect([session.failure?.message, session.filterFailure]).toEqual(["Unreachable.", null]);
    await session.open({ filter: null });
    expect(session.failure?.kind).toBe("net.dns");
    fail = false;
    await session.open();
    expect(session.failure).toBeNull();
  });

  it("takes the last of overlapping opens, closing the one superseded", async () => {
    const grid = fakeGrid(10);
    const answers: (() => void)[] = [];
    mockBackend({
      ...grid.handlers,
      grid_open: (connection, request) =>
        new Promise<OpenedGrid>((resolve) =>
          answers.push(() => {
            resolve(grid.handlers.grid_open?.(connection, request) as OpenedGrid);
          }),
        ),
    });
    const session = new GridSession("c-1", "account");
    const first = session.open({ filter: "a" });
    const second = session.open({ filter: "b" });
    await settle();
    answers[1]?.();
    expect(await second).toBe(true);
    answers[0]?.();
    expect(await first).toBe(false);
    await settle();
    expect(session.request.filter).toBe("b");
    expect(grid.closed).toEqual([2]);
  });

  it("closes its grid as the screen is left, and one that opens after", async () => {
    const grid = fakeGrid(10);
    let answer: () => void = () => undefined;
    mockBackend({
      ...grid.handlers,
      grid_open: (connection, request) =>
        new Promise<OpenedGrid>((resolve) => {
          answer = () => {
            resolve(grid.handlers.grid_open?.(connection, request) as OpenedGrid);
          };
        }),
    });
    const session = new GridSession("c-1", "account");
    const opening = session.open();
    await settle();
    session.close();
    answer();
    expect(await opening).toBe(false);
    await settle();
    expect(grid.closed).toEqual([1]);
    expect(session.view).toBeNull();
  });

  it("closes the grid it has when closed", async () => {
    const grid = fakeGrid(10);
    mockBackend(grid.handlers);
    const session = new GridSession("c-1", "account");
    await session.open();
    session.close();
    await settle();
    expect(grid.closed).toEqual([1]);
    session.close();
    expect(grid.closed).toEqual([1]);
  });

  it("drops the rows of a grid replaced while they were on their way", async () => {
    const grid = fakeGrid(1000);
    let answer: (rows: GridRow[]) => void = () => undefined;
    mockBackend({
      ...grid.handlers,
      grid_rows: () => new Promise<GridRow[]>((resolve) => (answer = resolve)),
    });
    const session = new GridSession("c-1", "account");
    await session.open();
    session.want(200, 300);
    await settle();
    await session.open();
    answer([row(999)]);
    await settle();
    expect(session.row(200)).toBeUndefined();
  });

  it("says why rows could not be read, and asks again on the next scroll", async () => {
    const grid = fakeGrid(1000);
    let fail = true;
    const backend = mockBackend({
      ...grid.handlers,
      grid_rows: (handle, start, count) =>
        fail
          ? refuse(failure("net.dns", "Unreachable."))
          : (grid.handlers.grid_rows?.(handle, start, count) as GridRow[]),
    });
    const session = new GridSession("c-1", "account");
    await session.open();
    session.want(200, 300);
    await settle();
    expect(session.failure?.message).toBe("Unreachable.");
    fail = false;
    session.want(200, 300);
    await settle();
    expect(backend.argsOf("grid_rows")).toHaveLength(2);
    expect(session.row(250)).toEqual(row(250));
  });

  it("gives the rows to copy from those fetched, or asks for them 1000 at a time", async () => {
    const grid = fakeGrid(5000);
    const backend = mockBackend(grid.handlers);
    const session = new GridSession("c-1", "account");
    expect(await session.rows(0, 3)).toEqual([]);
    await session.open();
    expect(await session.rows(10, 12)).toEqual([row(10), row(11)]);
    expect(backend.called("grid_rows")).toBe(false);
    const rows = await session.rows(50, 2550);
    expect(rows).toHaveLength(2500);
    expect(rows[0]).toEqual(row(50));
    expect(rows[2499]).toEqual(row(2549));
    expect(backend.argsOf("grid_rows")).toEqual([
      [1, 50, 1000],
      [1, 1050, 1000],
      [1, 2050, 500],
    ]);
  });

  it("runs a view with its columns, and drops the view and the default columns from a plain request", async () => {
    const grid = fakeGrid(10);
    const backend = mockBackend(grid.handlers);
    const session = new GridSession("c-1", "account");
    expect(session.grid).toBeNull();
    const view = { kind: "system" as const, id: "v-1" };
    await session.open({ view, columns: ["name"] });
    expect(session.viewRunning).toBe(true);
    expect(session.grid).toBe(1);
    expect(session.progress?.total).toBeNull();
    await session.open({ view: null, columns: [] });
    expect(session.viewRunning).toBe(false);
    expect(session.grid).toBe(2);
    expect(backend.argsOf("grid_open").map(([, request]) => request)).toEqual([
      { table: "account", filter: null, sort: [], view, columns: ["name"] },
      { table: "account", filter: null, sort: [] },
    ]);
    expect(Object.keys(session.request)).toEqual(["table", "filter", "sort"]);
  });
});
