import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { flushSync } from "svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { GridSession } from "../lib/stores/grid.svelte";
import { fakeGrid, type FakeGrid } from "../test/grid";
import { mockBackend } from "../test/ipc";
import RecordsGrid from "./RecordsGrid.svelte";

const ROW = 28;
const HEADER = 32;

async function shown(
  total: number,
  loadAll = false,
  more: { onopen?: () => void; onfollow?: () => void } = {},
) {
  const grid = fakeGrid(total);
  const backend = mockBackend(grid.handlers);
  const session = new GridSession("c-1", "account");
  await session.open();
  if (loadAll) await session.loadAll();
  render(RecordsGrid, { props: { session, columns: session.view?.columns ?? [], ...more } });
  return { grid, backend, session, element: screen.getByTestId("grid") };
}

function rowIndexes(): number[] {
  return screen.getAllByTestId("grid-row").map((row) => Number(row.dataset.row));
}

function cell(row: number, col: number): HTMLElement {
  const found = document.querySelector<HTMLElement>(
    `[data-testid=grid-cell][data-row="${String(row)}"][data-col="${String(col)}"]`,
  );
  if (!found) throw new Error(`no cell ${String(row)}, ${String(col)} in the DOM`);
  return found;
}

function cursorAt(): [number, number] {
  const found = document.querySelector<HTMLElement>(".cell.cursor");
  return [Number(found?.dataset.row), Number(found?.dataset.col)];
}

function selectedCells(): string[] {
  return [...document.querySelectorAll<HTMLElement>("[data-testid=grid-cell][aria-selected=true]")].map(
    (found) => `${found.dataset.row ?? ""},${found.dataset.col ?? ""}`,
  );
}

function headers(): HTMLElement[] {
  return screen.getAllByTestId("grid-header");
}

async function key(element: HTMLElement, init: KeyboardEventInit) {
  await fireEvent.keyDown(element, init);
}

beforeEach(() => {
  vi.spyOn(Element.prototype, "clientHeight", "get").mockReturnValue(400);
  vi.spyOn(Element.prototype, "clientWidth", "get").mockReturnValue(400);
});

describe("Records grid", () => {
  it("keeps only the rows in sight (and a few more) in the DOM, over a body as tall as all of them", async () => {
    const { element } = await shown(100000, true);
    const indexes = rowIndexes();
    expect(indexes[0]).toBe(0);
    expect(indexes.length).toBeGreaterThan(10);
    expect(indexes.length).toBeLessThan(40);
    expect(screen.getByTestId("grid-body").style.height).toBe(`${String(100000 * ROW)}px`);
    expect(element.getAttribute("aria-rowcount")).toBe("100001");
    expect(element.getAttribute("aria-colcount")).toBe("3");
    const second = screen.getAllByTestId("grid-row")[1];
    expect(second?.style.transform).toBe(`translateY(${String(ROW)}px)`);
    expect(second?.getAttribute("aria-rowindex")).toBe("3");
    expect(cell(0, 0).textContent.trim()).toBe("Account 0");
    expect(cell(1, 2).textContent.trim()).toBe("Contact 1");
  });

  it("renders the rows scrolled to and fetches their block", async () => {
    const { element, backend } = await shown(100000, true);
    element.scrollTop = HEADER + 50000 * ROW;
    await fireEvent.scroll(element);
    await waitFor(() => {
      expect(rowIndexes()).toContain(50000);
    });
    expect(rowIndexes()).not.toContain(0);
    expect(Math.max(...rowIndexes()) - Math.min(...rowIndexes())).toBeLessThan(40);
    const row = screen.getAllByTestId("grid-row").find((found) => found.dataset.row === "50000");
    expect(row?.style.transform).toBe(`translateY(${String(50000 * ROW)}px)`);
    await waitFor(() => {
      expect(cell(50000, 0).textContent.trim()).toBe("Account 50000");
    });
    expect(backend.argsOf("grid_rows").map((args) => args[1])).toContain(50000 - (50000 % 200));
    expect(backend.argsOf("grid_rows").every((args) => args[2] <= 200)).toBe(true);
  });

  it("shows a row not fetched yet as pending", async () => {
    const grid = fakeGrid(1000);
    mockBackend({ ...grid.handlers, grid_rows: () => new Promise(() => undefined) });
    const session = new GridSession("c-1", "account");
    await session.open();
    render(RecordsGrid, { props: { session, columns: session.view?.columns ?? [] } });
    expect(cell(0, 0).closest(".row")?.classList.contains("pending")).toBe(false);
    const element = screen.getByTestId("grid");
    element.scrollTop = HEADER + 500 * ROW;
    await fireEvent.scroll(element);
    await waitFor(() => {
      expect(rowIndexes()).toContain(500);
    });
    expect(cell(500, 0).textContent.trim()).toBe("");
    expect(cell(500, 0).closest(".row")?.classList.contains("pending")).toBe(true);
  });

  it("right-aligns the numeric columns", async () => {
    await shown(10);
    expect(cell(0, 1).classList.contains("numeric")).toBe(true);
    expect(cell(0, 0).classList.contains("numeric")).toBe(false);
    expect(headers()[1]?.classList.contains("numeric")).toBe(true);
    expect(headers()[0]?.classList.contains("numeric")).toBe(false);
  });

  it("sorts by a header: ascending, descending, then not at all, with its arrow", async () => {
    const { grid } = await shown(10);
    const button = () => headers()[0]?.querySelector("button") as HTMLButtonElement;
    const arrow = () => headers()[0]?.querySelector("[data-testid=grid-sort-arrow]")?.textContent;
    expect(headers().map((header) => header.getAttribute("aria-sort"))).toEqual(["none", "none", "none"]);
    expect(headers()[0]?.textContent).toContain("Account Name");
    await fireEvent.click(button());
    await waitFor(() => {
      expect(headers()[0]?.getAttribute("aria-sort")).toBe("ascending");
    });
    expect(arrow()).toBe("▲");
    expect(headers()[1]?.getAttribute("aria-sort")).toBe("none");
    await fireEvent.click(button());
    await waitFor(() => {
      expect(headers()[0]?.getAttribute("aria-sort")).toBe("descending");
    });
    expect(arrow()).toBe("▼");
    await fireEvent.click(button());
    await waitFor(() => {
      expect(headers()[0]?.getAttribute("aria-sort")).toBe("none");
    });
    expect(arrow()).toBe("");
    expect(grid.opened.map((request) => request.sort)).toEqual([
      [],
      [{ column: "name", descending: false }],
      [{ column: "name", descending: true }],
      [],
    ]);
  });

  it("resizes a column by dragging its header's edge, header and rows alike, no narrower than 48px", async () => {
    await shown(10);
    const template = () => screen.getAllByTestId("grid-row")[0]?.style.gridTemplateColumns;
    const headerRow = () => headers()[0]?.parentElement?.style.gridTemplateColumns;
    expect(template()).toBe("180px 130px 180px");
    const edge = screen.getAllByTestId("grid-resize")[0] as HTMLElement;
    await fireEvent.mouseDown(edge, { clientX: 100 });
    await fireEvent.mouseMove(window, { clientX: 160.4 });
    expect(template()).toBe("240px 130px 180px");
    expect(headerRow()).toBe("240px 130px 180px");
    await fireEvent.mouseMove(window, { clientX: -500 });
    expect(template()).toBe("48px 130px 180px");
    await fireEvent.mouseUp(window);
    await fireEvent.mouseMove(window, { clientX: 300 });
    expect(template()).toBe("48px 130px 180px");
    await fireEvent.mouseDown(screen.getAllByTestId("grid-resize")[2] as HTMLElement, { clientX: 0 });
    await fireEvent.mouseMove(window, { clientX: 20 });
    expect(template()).toBe("48px 130px 200px");
  });

  it("keeps a column's width through a sort", async () => {
    await shown(10);
    await fireEvent.mouseDown(screen.getAllByTestId("grid-resize")[1] as HTMLElement, { clientX: 0 });
    await fireEvent.mouseMove(window, { clientX: 70 });
    await fireEvent.mouseUp(window);
    await fireEvent.click(headers()[0]?.querySelector("button") as HTMLButtonElement);
    await waitFor(() => {
      expect(headers()[0]?.getAttribute("aria-sort")).toBe("ascending");
    });
    expect(screen.getAllByTestId("grid-row")[0]?.style.gridTemplateColumns).toBe("180px 200px 180px");
  });

  it("moves a cell cursor by click and keys, within the grid, keeping it in sight", async () => {
    const { element } = await shown(1000);
    expect(cursorAt()).toEqual([0, 0]);
    await fireEvent.mouseDown(cell(2, 1));
    expect(cursorAt()).toEqual([2, 1]);
    await key(element, { key: "ArrowDown" });
    await key(element, { key: "ArrowRight" });
    expect(cursorAt()).toEqual([3, 2]);
    await key(element, { key: "ArrowRight" });
    expect(cursorAt()).toEqual([3, 2]);
    await key(element, { key: "ArrowLeft" });
    await key(element, { key: "ArrowUp" });
    expect(cursorAt()).toEqual([2, 1]);
    await key(element, { key: "Home" });
    expect(cursorAt()).toEqual([2, 0]);
    await key(element, { key: "End" });
    expect(cursorAt()).toEqual([2, 2]);
    // A page is what the view holds below the header: (400 - 32) / 28 rows.
    await key(element, { key: "PageDown" });
    expect(cursorAt()).toEqual([15, 2]);
    expect(element.scrollTop).toBe(HEADER + 16 * ROW - 400);
    await key(element, { key: "PageUp" });
    expect(cursorAt()).toEqual([2, 2]);
    expect(element.scrollTop).toBe(2 * ROW);
    await key(element, { key: "End", ctrlKey: true });
    await fireEvent.scroll(element);
    await waitFor(() => {
      expect(cursorAt()).toEqual([999, 2]);
    });
    expect(element.scrollTop).toBe(HEADER + 1000 * ROW - 400);
    expect(element.scrollLeft).toBe(180 + 130 + 180 - 400);
    await key(element, { key: "Home", metaKey: true });
    await fireEvent.scroll(element);
    await waitFor(() => {
      expect(cursorAt()).toEqual([0, 0]);
    });
    expect([element.scrollTop, element.scrollLeft]).toEqual([0, 0]);
  });

  it("leaves the keys that do not move the cursor to the page", async () => {
    const { element } = await shown(10);
    const press = (init: KeyboardEventInit) =>
      element.dispatchEvent(new KeyboardEvent("keydown", { bubbles: true, cancelable: true, ...init }));
    expect(press({ key: "x" })).toBe(true);
    expect(press({ key: "ArrowDown" })).toBe(false);
    flushSync();
    expect(cursorAt()).toEqual([1, 0]);
  });

  it("extends a rectangular selection with Shift, from keys or a click, and a plain move drops it", async () => {
    const { element } = await shown(10);
    await fireEvent.mouseDown(cell(1, 0));
    await key(element, { key: "ArrowDown", shiftKey: true });
    await key(element, { key: "ArrowRight", shiftKey: true });
    expect(selectedCells()).toEqual(["1,0", "1,1", "2,0", "2,1"]);
    expect(cell(2, 1).classList.contains("selected")).toBe(true);
    await fireEvent.mouseDown(cell(3, 2), { shiftKey: true });
    expect(selectedCells()).toEqual(["1,0", "1,1", "1,2", "2,0", "2,1", "2,2", "3,0", "3,1", "3,2"]);
    await key(element, { key: "ArrowUp" });
    expect(selectedCells()).toEqual(["2,2"]);
    // Keys sent to the body (focusable, out of the tab order) reach the grid.
    expect(screen.getByTestId("grid-body").getAttribute("tabindex")).toBe("-1");
    await key(screen.getByTestId("grid-body"), { key: "ArrowLeft", shiftKey: true });
    expect(selectedCells()).toEqual(["2,1", "2,2"]);
    await fireEvent.mouseDown(screen.getByTestId("grid-body"));
    expect(cursorAt()).toEqual([2, 1]);
    expect(selectedCells()).toEqual(["2,1", "2,2"]);
  });

  it("copies the selection as tab-separated text, rows by lines, with Ctrl+C or Cmd+C", async () => {
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    const { element } = await shown(10);
    await fireEvent.mouseDown(cell(3, 1));
    await key(element, { key: "ArrowDown", shiftKey: true });
    await key(element, { key: "ArrowRight", shiftKey: true });
    await key(element, { key: "c", ctrlKey: true });
    await waitFor(() => {
      expect(writeText).toHaveBeenCalledWith("$3.00\tContact 3\n$4.00\tContact 4");
    });
    expect((await screen.findByText("Copied 4 cells")).dataset.testid).toBe("grid-copied");
    await key(element, { key: "ArrowLeft" });
    await key(element, { key: "C", metaKey: true });
    await waitFor(() => {
      expect(writeText).toHaveBeenLastCalledWith("$4.00");
    });
    expect(await screen.findByText("Copied 1 cell")).toBeTruthy();
  });

  it("copies rows not fetched yet by asking Rust for them", async () => {
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    const { element, backend } = await shown(300);
    await key(element, { key: "End", ctrlKey: true, shiftKey: true });
    await key(element, { key: "c", ctrlKey: true });
    await waitFor(() => {
      expect(writeText).toHaveBeenCalled();
    });
    const text = (writeText.mock.calls[0] as unknown as [string])[0];
    const lines = text.split("\n");
    expect(lines).toHaveLength(300);
    expect(lines[0]).toBe("Account 0\t$0.00\tContact 0");
    expect(lines[299]).toBe("Account 299\t$299.00\tContact 299");
    expect(backend.argsOf("grid_rows")).toContainEqual([1, 0, 300]);
  });

  it("says so when the clipboard refuses", async () => {
    const writeText = vi.fn(() => Promise.reject(new Error("no permission")));
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    const { element } = await shown(10);
    await key(element, { key: "c", ctrlKey: true });
    expect((await screen.findByTestId("grid-copied")).textContent).toBe("The clipboard refused the copy");
  });

  it("copies nothing from an empty grid, and its cursor stays put", async () => {
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    const { element } = await shown(0);
    await key(element, { key: "c", ctrlKey: true });
    await key(element, { key: "ArrowDown" });
    expect(writeText).not.toHaveBeenCalled();
    expect(screen.queryAllByTestId("grid-row")).toHaveLength(0);
  });

  it("keeps the cursor within a grid reopened shorter", async () => {
    const grid: FakeGrid = fakeGrid(50);
    let total = 50;
    mockBackend({
      ...grid.handlers,
      grid_open: (connection, request) => {
        const opened = fakeGrid(total).handlers.grid_open?.(connection, request);
        if (!opened || opened instanceof Promise) throw new Error("the fake grid answers at once");
        return opened;
      },
    });
    const session = new GridSession("c-1", "account");
    await session.open();
    render(RecordsGrid, { props: { session, columns: session.view?.columns ?? [] } });
    const element = screen.getByTestId("grid");
    await key(element, { key: "End", ctrlKey: true });
    await fireEvent.scroll(element);
    await waitFor(() => {
      expect(cursorAt()).toEqual([49, 2]);
    });
    total = 5;
    await session.open({ filter: "x" });
    await waitFor(() => {
      expect(cursorAt()).toEqual([4, 2]);
    });
  });

  it("makes a lookup's name a link that opens its record, by click or its own keys, not the row", async () => {
    const onopen = vi.fn();
    const onfollow = vi.fn();
    await shown(10, false, { onopen, onfollow });
    const link = cell(3, 2).querySelector<HTMLButtonElement>("[data-testid=grid-lookup]");
    expect(link?.textContent).toBe("Contact 3");
    expect(link?.closest<HTMLElement>("[data-testid=grid-row]")?.dataset.id).toBe("id-3");
    expect(link?.tagName).toBe("BUTTON");
    expect(link?.tabIndex).toBe(0);
    expect(cell(3, 0).querySelector("[data-testid=grid-lookup]")).toBeNull();
    expect(cell(3, 1).querySelector("[data-testid=grid-lookup]")).toBeNull();
    await fireEvent.click(link as HTMLElement);
    expect(onfollow.mock.calls).toEqual([["contact", "c-3"]]);
    await key(link as HTMLElement, { key: "Enter" });
    await key(link as HTMLElement, { key: " " });
    await fireEvent.dblClick(link as HTMLElement);
    expect(onopen).not.toHaveBeenCalled();
    await key(screen.getByTestId("grid-body"), { key: "Enter" });
    expect(onopen).toHaveBeenCalledTimes(1);
    await fireEvent.dblClick(cell(3, 2));
    expect(onopen.mock.calls).toEqual([[0], [3]]);
  });
});
