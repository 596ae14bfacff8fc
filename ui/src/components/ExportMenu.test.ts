import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import type { Channel } from "@tauri-apps/api/core";
import type { SavedExport } from "../bindings";
import { failure } from "../test/fixtures";
import { mockBackend, refuse } from "../test/ipc";
import ExportMenu from "./ExportMenu.svelte";

const saved: SavedExport = {
  file: "/home/me/Account.csv",
  report: { rows: 1500, changed: 1500, deleted: 0, tracking: true },
};

/** An export that runs until `finish`, its progress sent through `write`. */
function pendingExport() {
  let channel: Channel<number> | null = null;
  let finish: (answer: SavedExport | null) => void = () => undefined;
  const backend = mockBackend({
    grid_export: (_grid, _name, _format, progress) =>
      new Promise<SavedExport | null>((resolve) => {
        channel = progress;
        finish = resolve;
      }),
    grid_export_cancel: () => true,
  });
  return {
    backend,
    write: (rows: number) => channel?.onmessage(rows),
    finish: (answer: SavedExport | null) => {
      finish(answer);
    },
  };
}

async function choose(label: string) {
  await fireEvent.click(screen.getByTestId("grid-export"));
  await fireEvent.click(screen.getByRole("menuitem", { name: label }));
}

describe("Export menu", () => {
  it("offers CSV, JSON Lines and Excel, and closes the menu on Escape", async () => {
    mockBackend();
    render(ExportMenu, { props: { grid: 3, name: "Account" } });
    const button = screen.getByTestId("grid-export");
    expect(screen.queryByRole("menu")).toBeNull();
    await fireEvent.click(button);
    expect(button.getAttribute("aria-expanded")).toBe("true");
    const items = screen.getAllByRole("menuitem").map((item) => item.textContent);
    expect(items).toEqual(["CSV", "JSON Lines", "Excel"]);
    await fireEvent.keyDown(button, { key: "Escape" });
    expect(screen.queryByRole("menu")).toBeNull();
  });

  it("exports the grid by the table's name, with the rows written so far, then says where it saved", async () => {
    const run = pendingExport();
    render(ExportMenu, { props: { grid: 3, name: "Account" } });
    await choose("JSON Lines");
    expect(screen.queryByRole("menu")).toBeNull();
    expect(run.backend.argsOf("grid_export")[0]?.slice(0, 3)).toEqual([3, "Account", "json_lines"]);
    expect(screen.getByTestId("grid-export-progress").textContent).toBe("Exported 0 rows…");
    expect(screen.queryByTestId("grid-export")).toBeNull();
    run.write(15000);
    await waitFor(() => {
      expect(screen.getByTestId("grid-export-progress").textContent).toBe("Exported 15,000 rows…");
    });
    run.finish(saved);
    expect((await screen.findByTestId("grid-export-done")).textContent).toBe(
      "Saved 1,500 rows to /home/me/Account.csv",
    );
    expect(screen.queryByTestId("grid-export-progress")).toBeNull();
    expect(screen.getByTestId("grid-export")).toBeTruthy();
  });

  it("says a single row is one", async () => {
    mockBackend({ grid_export: () => ({ ...saved, report: { ...saved.report, rows: 1 } }) });
    render(ExportMenu, { props: { grid: 3, name: "Account" } });
    await choose("Excel");
    expect((await screen.findByTestId("grid-export-done")).textContent).toBe(
      "Saved 1 row to /home/me/Account.csv",
    );
  });

  it("does nothing when the Save dialog is closed", async () => {
    const run = pendingExport();
    render(ExportMenu, { props: { grid: 3, name: "Account" } });
    await choose("CSV");
    run.finish(null);
    await screen.findByTestId("grid-export");
    expect(screen.queryByTestId("grid-export-done")).toBeNull();
    expect(screen.queryByRole("alert")).toBeNull();
    expect(run.backend.argsOf("grid_export")[0]?.[2]).toBe("csv");
  });

  it("cancels the export under way, and says so without an error", async () => {
    let cancel: () => void = () => undefined;
    const cancelled = new Promise<void>((resolve) => (cancel = resolve));
    mockBackend({
      grid_export: async () => {
        await cancelled;
        return refuse(failure("export.cancelled", "The export was cancelled.", null, "cancelled"));
      },
      grid_export_cancel: () => {
        cancel();
        return true;
      },
    });
    render(ExportMenu, { props: { grid: 3, name: "Account" } });
    await choose("CSV");
    await fireEvent.click(screen.getByTestId("grid-export-cancel"));
    expect((await screen.findByTestId("grid-export-cancelled")).textContent).toBe("Export cancelled");
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("shows why the export failed", async () => {
    mockBackend({ grid_export: () => refuse(failure("local.write", "The file could not be written.")) });
    render(ExportMenu, { props: { grid: 3, name: "Account" } });
    await choose("CSV");
    expect((await screen.findByTestId("grid-export-error")).textContent).toContain(
      "The file could not be written.",
    );
    expect(screen.queryByTestId("grid-export-done")).toBeNull();
  });

  it("waits for the grid to be open", () => {
    mockBackend();
    render(ExportMenu, { props: { grid: null, name: "Account" } });
    expect(screen.getByTestId<HTMLButtonElement>("grid-export").disabled).toBe(true);
  });
});
