import { fireEvent, render, screen } from "@testing-library/svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { RowSelection } from "../lib/rowSelection";
import { GridSession } from "../lib/stores/grid.svelte";
import { PendingChanges } from "../lib/stores/pending.svelte";
import { fakeGrid } from "../test/grid";
import { mockBackend } from "../test/ipc";
import RecordsGrid from "./RecordsGrid.svelte";

async function shown(editing = true) {
  const grid = fakeGrid(10);
  mockBackend({ ...grid.handlers, pending_save: () => null });
  const session = new GridSession("c-1", "account");
  await session.open();
  const pending = new PendingChanges("c-1");
  const onselect = vi.fn<(rows: RowSelection) => void>();
  const ondelete = vi.fn();
  const onpaste = vi.fn();
  render(RecordsGrid, {
    props: {
      session,
      columns: session.view?.columns ?? [],
      edits: editing ? { pending, tables: [] } : null,
      onselect,
      ondelete,
      onpaste,
    },
  });
  return { pending, onselect, ondelete, onpaste };
}

function cell(row: number, col: number): HTMLElement {
  const found = document.querySelector<HTMLElement>(
    `[data-testid=grid-cell][data-row="${String(row)}"][data-col="${String(col)}"]`,
  );
  if (!found) throw new Error(`no cell ${String(row)}, ${String(col)}`);
  return found;
}

const last = (onselect: ReturnType<typeof vi.fn<(rows: RowSelection) => void>>) =>
  onselect.mock.lastCall?.[0];

beforeEach(() => {
  vi.spyOn(Element.prototype, "clientHeight", "get").mockReturnValue(400);
  vi.spyOn(Element.prototype, "clientWidth", "get").mockReturnValue(400);
});

describe("Rows selected in the grid", () => {
  it("are the rectangle's rows, rows picked with Ctrl+click, or every row with Ctrl+A", async () => {
    const { onselect } = await shown();
    await fireEvent.mouseDown(cell(2, 0));
    await fireEvent.mouseDown(cell(4, 1), { shiftKey: true });
    expect(last(onselect)).toEqual({ top: 2, bottom: 4, picked: [] });
    await fireEvent.mouseDown(cell(7, 0), { ctrlKey: true });
    expect(last(onselect)).toEqual({ top: 1, bottom: 0, picked: [2, 3, 4, 7] });
    await fireEvent.mouseDown(cell(3, 2), { metaKey: true });
    expect(last(onselect)?.picked).toEqual([2, 4, 7]);
    expect(cell(3, 0).getAttribute("aria-selected")).toBe("false");
    expect(cell(7, 2).getAttribute("aria-selected")).toBe("true");
    await fireEvent.keyDown(screen.getByTestId("grid"), { key: "a", ctrlKey: true });
    expect(last(onselect)).toEqual({ top: 0, bottom: 9, picked: [] });
    await fireEvent.mouseDown(cell(5, 0));
    expect(last(onselect)).toEqual({ top: 5, bottom: 5, picked: [] });
  });

  it("ask to be deleted with the Delete key, and are marked once their deletion is staged", async () => {
    const { pending, ondelete } = await shown();
    await fireEvent.mouseDown(cell(1, 0));
    await fireEvent.keyDown(screen.getByTestId("grid"), { key: "Delete" });
    expect(ondelete).toHaveBeenCalledOnce();
    pending.stageDeletes([{ kind: "delete", table: "account", id: "id-1", etag: null, name: "Account 1" }]);
    await Promise.resolve();
    const row = document.querySelector<HTMLElement>("[data-testid=grid-row][data-id=id-1]");
    expect(row?.dataset.deleting).toBe("true");
  });

  it("take a paste at the cursor's cell", async () => {
    const { onpaste } = await shown();
    await fireEvent.mouseDown(cell(3, 1));
    await fireEvent.paste(screen.getByTestId("grid"), {
      clipboardData: { getData: (type: string) => (type === "text/plain" ? "a\tb\r\n" : "") },
    });
    expect(onpaste).toHaveBeenCalledWith(
      "a\tb\r\n",
      { row: 3, col: 1 },
      { top: 3, left: 1, bottom: 3, right: 1 },
    );
  });

  it("offer nothing to edit on a read-only connection", async () => {
    const { onpaste, ondelete } = await shown(false);
    await fireEvent.mouseDown(cell(3, 1));
    await fireEvent.keyDown(screen.getByTestId("grid"), { key: "Delete" });
    await fireEvent.paste(screen.getByTestId("grid"), { clipboardData: { getData: () => "a" } });
    expect(ondelete).not.toHaveBeenCalled();
    expect(onpaste).not.toHaveBeenCalled();
    expect(screen.queryByTestId("grid-paste-catcher")).toBeNull();
  });
});
