import { fireEvent, screen, waitFor } from "@testing-library/svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { PendingChange } from "../bindings";
import { createStores } from "../lib/stores";
import { contact, table } from "../test/fixtures";
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
});
