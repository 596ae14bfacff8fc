import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { ErrorPayload, GridColumn, PendingChange, TableInfo } from "../bindings";
import { GridSession } from "../lib/stores/grid.svelte";
import { PendingChanges } from "../lib/stores/pending.svelte";
import { contact } from "../test/fixtures";
import { fakeGrid, gridColumn, record } from "../test/grid";
import { mockBackend, refuse, type FakeBackend } from "../test/ipc";
import RecordsGrid from "./RecordsGrid.svelte";

const tooLong: ErrorPayload = {
  kind: "input.too_long",
  category: "input",
  message: "'Account Name' (name) takes at most 10 characters; this has 11.",
  hint: null,
  column: "name",
  details: null,
};
const tables: TableInfo[] = [contact];

type Shown = { backend: FakeBackend; pending: PendingChanges; saved: PendingChange[][]; onopen: () => void };

async function editable(options: { editing?: boolean; columns?: GridColumn[] } = {}): Promise<Shown> {
  const grid = fakeGrid(10);
  const saved: PendingChange[][] = [];
  const backend = mockBackend({
    ...grid.handlers,
    record_get: (_connection, _table, id) => record(id),
    value_check: (_connection, check) =>
      check.column === "name" && typeof check.value === "string" && check.value.length > 10
        ? refuse(tooLong)
        : null,
    pending_save: (_connection, changes) => {
      saved.push(changes);
      return null;
    },
  });
  const session = new GridSession("c-1", "account");
  await session.open();
  const pending = new PendingChanges("c-1");
  const onopen = vi.fn();
  render(RecordsGrid, {
    props: {
      session,
      columns: options.columns ?? session.view?.columns ?? [],
      edits: options.editing === false ? null : { pending, tables },
      onopen,
    },
  });
  return { backend, pending, saved, onopen };
}

function cell(row: number, col: number): HTMLElement {
  const found = document.querySelector<HTMLElement>(
    `[data-testid=grid-cell][data-row="${String(row)}"][data-col="${String(col)}"]`,
  );
  if (!found) throw new Error(`no cell ${String(row)}, ${String(col)}`);
  return found;
}

function input(): HTMLInputElement {
  return screen.getByTestId<HTMLInputElement>("cell-editor-input");
}

async function type(text: string) {
  await fireEvent.input(input(), { target: { value: text } });
}

beforeEach(() => {
  vi.spyOn(Element.prototype, "clientHeight", "get").mockReturnValue(400);
  vi.spyOn(Element.prototype, "clientWidth", "get").mockReturnValue(400);
});

describe("Editing in the grid", () => {
  it("stages a text typed in a cell with the record's version and the value read with it", async () => {
    const { pending, saved, backend, onopen } = await editable();
    await fireEvent.dblClick(cell(3, 0));
    expect(onopen).not.toHaveBeenCalled(); // a double-click on an editable cell edits it, nothing else
    expect(input().value).toBe("Account 3");
    expect(screen.getByTestId("cell-editor-counter").textContent).toBe("9/100");
    await type("Contoso");
    expect(screen.getByTestId("cell-editor-counter").textContent).toBe("7/100");
    await fireEvent.keyDown(input(), { key: "Enter" });
    await waitFor(() => {
      expect(pending.count).toBe(1);
    });
    expect(backend.argsOf("record_get")).toEqual([["c-1", "account", "id-3", []]]);
    const change = {
      kind: "update",
      table: "account",
      id: "id-3",
      etag: 'W/"1234"',
      column: "name",
      old: "Record id-3",
      new: "Contoso",
    };
    expect(pending.changes).toEqual([change]);
    await pending.saved();
    expect(saved).toEqual([[change]]);
    expect(screen.queryByTestId("cell-editor")).toBeNull();
    expect(cell(3, 0).dataset.changed).toBe("true");
    expect(cell(3, 0).textContent.trim()).toBe("Contoso");
    expect(cell(3, 0).title).toBe("Was: Record id-3");
    expect(cell(2, 0).dataset.changed).toBeUndefined();
  });

  it("gives up on Escape, and closes with nothing staged when nothing changed", async () => {
    const { pending } = await editable();
    await fireEvent.dblClick(cell(1, 0));
    await type("Other");
    await fireEvent.keyDown(input(), { key: "Escape" });
    expect(screen.queryByTestId("cell-editor")).toBeNull();
    await fireEvent.keyDown(screen.getByTestId("grid-body"), { key: "F2" });
    expect(input().value).toBe("Account 0");
    await fireEvent.keyDown(input(), { key: "Enter" });
    await waitFor(() => {
      expect(screen.queryByTestId("cell-editor")).toBeNull();
    });
    expect(pending.count).toBe(0);
  });

  it("shows the core's refusal under the editor as typed, and never stages the refused value", async () => {
    const { pending, backend } = await editable();
    await fireEvent.dblClick(cell(1, 0));
    await type("A name too long");
    expect((await screen.findByTestId("cell-editor-problem")).textContent).toBe(tooLong.message);
    expect(input().getAttribute("aria-invalid")).toBe("true");
    await fireEvent.keyDown(input(), { key: "Enter" });
    await waitFor(() => {
      expect(backend.argsOf("value_check").length).toBeGreaterThanOrEqual(2);
    });
    expect(screen.getByTestId("cell-editor")).toBeTruthy();
    expect(pending.count).toBe(0);
  });

  it("keeps a number's exact text, and says what is wrong with one before asking the core", async () => {
    const { pending, backend } = await editable();
    await fireEvent.dblClick(cell(2, 1));
    expect(input().value).toBe("2.0000"); // the raw value, not the formatted $2.00
    await type("12x");
    expect(screen.getByTestId("cell-editor-problem").textContent).toMatch(/A number/);
    await fireEvent.keyDown(input(), { key: "Enter" });
    expect(pending.count).toBe(0);
    await type("922337203685477.0001");
    await fireEvent.keyDown(input(), { key: "Tab" });
    await waitFor(() => {
      expect(pending.count).toBe(1);
    });
    expect(pending.changes[0]).toMatchObject({ column: "revenue", new: "922337203685477.0001" });
    expect(backend.argsOf("value_check").map(([, check]) => check.value)).not.toContain("12x");
  });

  it("opens no editor on a column that cannot be changed, nor on a read-only grid", async () => {
    const columns = [gridColumn("name", "Account Name", "String", { editable: false })];
    const { onopen } = await editable({ columns });
    await fireEvent.dblClick(cell(1, 0));
    expect(screen.queryByTestId("cell-editor")).toBeNull();
    expect(onopen).toHaveBeenCalledWith(1); // a cell that cannot be edited opens its record
  });

  it("opens the record on Enter, and the editor on F2, never both", async () => {
    const { onopen } = await editable();
    await fireEvent.mouseDown(cell(2, 0));
    await fireEvent.keyDown(screen.getByTestId("grid-body"), { key: "Enter" });
    expect(onopen).toHaveBeenCalledWith(2);
    expect(screen.queryByTestId("cell-editor")).toBeNull();
    await fireEvent.keyDown(screen.getByTestId("grid-body"), { key: "F2" });
    expect(input().value).toBe("Account 2");
    expect(onopen).toHaveBeenCalledTimes(1); // only the Enter's
  });

  it("edits nothing without edits (a read-only connection): Enter and a double-click open the record", async () => {
    const { onopen } = await editable({ editing: false });
    await fireEvent.dblClick(cell(1, 0));
    await fireEvent.keyDown(screen.getByTestId("grid-body"), { key: "F2" });
    expect(screen.queryByTestId("cell-editor")).toBeNull();
    expect(onopen).toHaveBeenCalledWith(1);
  });

  it("keys in the editor are its own: arrows do not move the grid's cursor", async () => {
    await editable();
    await fireEvent.mouseDown(cell(2, 0));
    await fireEvent.dblClick(cell(2, 0));
    await fireEvent.keyDown(input(), { key: "ArrowDown" });
    expect(document.querySelector(".cell.cursor")?.getAttribute("data-row")).toBe("2");
  });
});
