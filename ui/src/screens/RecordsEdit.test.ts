import { fireEvent, screen, waitFor } from "@testing-library/svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { PendingChange } from "../bindings";
import { createStores } from "../lib/stores";
import { contact, prod, table } from "../test/fixtures";
import { fakeGrid, record } from "../test/grid";
import { mockBackend } from "../test/ipc";
import { renderWithStores } from "../test/render";
import RecordsScreen from "./RecordsScreen.svelte";

function onSandbox() {
  const stores = createStores();
  stores.router.go({ name: "table", id: "sandbox", table: "account" });
  return stores;
}

function cell(row: number, col: number): HTMLElement {
  const found = document.querySelector<HTMLElement>(
    `[data-testid=grid-cell][data-row="${String(row)}"][data-col="${String(col)}"]`,
  );
  if (!found) throw new Error(`no cell ${String(row)}, ${String(col)}`);
  return found;
}

beforeEach(() => {
  vi.spyOn(Element.prototype, "clientHeight", "get").mockReturnValue(400);
  vi.spyOn(Element.prototype, "clientWidth", "get").mockReturnValue(400);
});

describe("Editing on the Records screen", () => {
  it("stages a cell, shows it marked and in the panel", async () => {
    const grid = fakeGrid(10);
    let journal: PendingChange[] = [];
    mockBackend({
      ...grid.handlers,
      tables_list: () => [table, contact],
      views_list: () => [],
      record_get: (_c, _t, id) => record(id),
      value_check: () => null,
      pending_save: (_c, changes) => {
        journal = changes;
        return null;
      },
    });
    renderWithStores(RecordsScreen, onSandbox());
    await screen.findByTestId("grid-count");
    await fireEvent.dblClick(cell(1, 0));
    const input = await screen.findByTestId<HTMLInputElement>("cell-editor-input");
    await fireEvent.input(input, { target: { value: "New name" } });
    await fireEvent.keyDown(input, { key: "Enter" });
    await waitFor(() => {
      expect(screen.getByTestId("pending-toggle-count").textContent).toBe("1");
    });
    await waitFor(() => {
      expect(cell(1, 0).dataset.changed).toBe("true");
    });
    expect(journal).toHaveLength(1);
  });

  it("restores the changes kept from before and opens the review on them", async () => {
    const grid = fakeGrid(10);
    const kept: PendingChange = {
      kind: "update",
      table: "account",
      id: "id-2",
      etag: 'W/"7"',
      column: "name",
      old: "Account 2",
      new: "Renamed",
    };
    mockBackend({
      ...grid.handlers,
      tables_list: () => [table],
      views_list: () => [],
      pending_load: () => [kept],
    });
    renderWithStores(RecordsScreen, onSandbox());
    expect((await screen.findByTestId("pending-restored")).textContent).toMatch(/1 change kept from before/);
    expect(screen.getByTestId("pending-toggle-count").textContent).toBe("1");
    await waitFor(() => {
      expect(cell(2, 0).dataset.changed).toBe("true");
    });
    expect(cell(2, 0).textContent.trim()).toBe("Renamed");
  });

  it("reopens the grid after a commit that applied something, to show the new values", async () => {
    const grid = fakeGrid(10);
    const stores = onSandbox();
    mockBackend({
      ...grid.handlers,
      tables_list: () => [table],
      views_list: () => [],
      pending_save: () => null,
      changes_commit: () => [
        { changes: [0], table: "account", record: "id-1", outcome: { outcome: "applied", id: null } },
      ],
    });
    stores.pending
      .for("sandbox")
      .stage(
        { kind: "update", table: "account", id: "id-1", etag: null, column: "name", old: "A", new: "B" },
        {},
        () => false,
      );
    renderWithStores(RecordsScreen, stores);
    await screen.findByTestId("grid-count");
    expect(grid.opened).toHaveLength(1);
    await fireEvent.click(screen.getByTestId("pending-toggle"));
    await fireEvent.click(screen.getByTestId("pending-commit"));
    await waitFor(() => {
      expect(grid.opened).toHaveLength(2);
    });
    expect(screen.getByTestId("pending-toggle-count").textContent).toBe("0");
  });

  it("opens no editor on a read-only connection", async () => {
    const grid = fakeGrid(10);
    const backend = mockBackend({
      ...grid.handlers,
      connections_list: () => [prod],
      views_list: () => [],
      record_get: (_c, _t, id) => record(id),
    });
    const stores = createStores();
    stores.router.go({ name: "table", id: prod.id, table: "account" });
    renderWithStores(RecordsScreen, stores);
    await screen.findByTestId("grid-count");
    await screen.findByText("Read-only"); // the connection is known, and known to be read-only
    await fireEvent.dblClick(cell(1, 0));
    expect(await screen.findByTestId("record-panel")).toBeTruthy();
    expect(screen.queryByTestId("cell-editor")).toBeNull();
    expect(backend.called("value_check")).toBe(false);
  });
});
