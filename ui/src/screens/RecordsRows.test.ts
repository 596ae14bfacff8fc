import { fireEvent, screen, waitFor } from "@testing-library/svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { CommitResult, PendingChange } from "../bindings";
import { createStores } from "../lib/stores";
import { contact, prod, table } from "../test/fixtures";
import { fakeGrid, record } from "../test/grid";
import { mockBackend } from "../test/ipc";
import { renderWithStores } from "../test/render";
import RecordsScreen from "./RecordsScreen.svelte";

function cell(row: number, col: number): HTMLElement {
  const found = document.querySelector<HTMLElement>(
    `[data-testid=grid-cell][data-row="${String(row)}"][data-col="${String(col)}"]`,
  );
  if (!found) throw new Error(`no cell ${String(row)}, ${String(col)}`);
  return found;
}

function backend(connection = prod) {
  const grid = fakeGrid(10);
  const committed: PendingChange[][] = [];
  mockBackend({
    ...grid.handlers,
    connections_list: () => [connection],
    tables_list: () => [table, contact],
    views_list: () => [],
    record_get: (_c, _t, id) => ({ ...record(id), etag: `W/"v-${id}"` }),
    value_check: () => null,
    lookup_search: () => [],
    pending_save: () => null,
    changes_commit: (_c, changes): CommitResult[] => {
      committed.push(changes);
      return changes.map((change, index) => ({
        changes: [index],
        table: change.table,
        record: change.kind === "create" ? change.key : change.id,
        outcome: { outcome: "applied", id: null },
      }));
    },
  });
  const stores = createStores();
  stores.router.go({ name: "table", id: connection.id, table: "account" });
  renderWithStores(RecordsScreen, stores);
  return { committed };
}

beforeEach(() => {
  vi.spyOn(Element.prototype, "clientHeight", "get").mockReturnValue(400);
  vi.spyOn(Element.prototype, "clientWidth", "get").mockReturnValue(400);
});

describe("Whole records on the Records screen", () => {
  it("shows no new record, delete or Set column… on a read-only connection", async () => {
    backend(prod);
    await screen.findByTestId("grid-count");
    await waitFor(() => {
      expect(document.querySelector("[data-testid=grid-cell]")).not.toBeNull();
    });
    for (const control of ["grid-new", "grid-delete", "grid-set-column"]) {
      expect(screen.queryByTestId(control)).toBeNull();
    }
  });

  it("asks for a writable production connection's name before it commits", async () => {
    const { committed } = backend({ ...prod, read_only: false });
    await screen.findByTestId("grid-count");
    await waitFor(() => {
      expect(screen.queryByTestId("grid-new")).not.toBeNull();
    });
    await fireEvent.mouseDown(cell(2, 0));
    await fireEvent.click(screen.getByTestId("grid-delete"));
    await fireEvent.click(await screen.findByTestId("delete-records-confirm"));
    await fireEvent.click(screen.getByTestId("pending-toggle"));
    await fireEvent.click(await screen.findByTestId("pending-commit"));
    const typed = await screen.findByTestId("confirm-production-name");
    expect(committed).toHaveLength(0);
    await fireEvent.input(typed, { target: { value: "Contoso Prod" } });
    await fireEvent.click(screen.getByTestId("confirm-production-commit"));
    await waitFor(() => {
      expect(committed).toHaveLength(1);
    });
    expect(committed[0]).toEqual([
      { kind: "delete", table: "account", id: "id-2", etag: 'W/"v-id-2"', name: "Record id-2" },
    ]);
  });

  it("stages a pasted block and says which cells it could not", async () => {
    backend({ ...prod, tag: "dev", read_only: false });
    await screen.findByTestId("grid-count");
    await waitFor(() => {
      expect(screen.queryByTestId("grid-new")).not.toBeNull();
    });
    await fireEvent.mouseDown(cell(0, 0));
    await fireEvent.paste(screen.getByTestId("grid"), {
      clipboardData: { getData: () => "One\t12.5\tJo\r\nTwo\tlots\r\n" },
    });
    const summary = await screen.findByTestId("paste-summary");
    expect(summary.textContent).toBe("Pasted: 3 cells staged, 2 not.");
    const problems = screen.getAllByTestId("paste-problem").map((p) => p.textContent);
    expect(problems[0]).toContain("No record named 'Jo'");
    expect(problems[1]).toContain("'lots' is not a number");
    expect(screen.getByTestId("pending-toggle-count").textContent).toBe("3");
  });

  it("deletes the record shown in the record view, once its name is confirmed", async () => {
    const { committed } = backend({ ...prod, tag: "dev", read_only: false });
    await screen.findByTestId("grid-count");
    await waitFor(() => {
      expect(screen.queryByTestId("grid-new")).not.toBeNull();
    });
    await fireEvent.mouseDown(cell(4, 0));
    await fireEvent.keyDown(screen.getByTestId("grid"), { key: "Enter" });
    await fireEvent.click(await screen.findByTestId("record-delete"));
    expect((await screen.findByTestId("delete-records-question")).textContent).toContain("Record id-4");
    await fireEvent.click(screen.getByTestId("delete-records-confirm"));
    expect(screen.getByTestId("pending-toggle-count").textContent).toBe("1");
    expect(committed).toHaveLength(0);
    await waitFor(() => {
      expect(
        document.querySelector("[data-testid=grid-row][data-id=id-4]")?.getAttribute("data-deleting"),
      ).toBe("true");
    });
  });
});
