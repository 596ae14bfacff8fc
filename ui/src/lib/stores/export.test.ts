import { describe, expect, it } from "vitest";
import type { SavedExport } from "../../bindings";
import { failure } from "../../test/fixtures";
import { mockBackend, refuse } from "../../test/ipc";
import { GridExport } from "./export.svelte";

const saved: SavedExport = {
  file: "/tmp/a.csv",
  report: { rows: 2, changed: 2, deleted: 0, tracking: true },
};

describe("Grid export", () => {
  it("runs one export at a time, and starts the next afresh", async () => {
    let finish: (answer: SavedExport | null) => void = () => undefined;
    let cancelled = true;
    const backend = mockBackend({
      grid_export: async () => {
        if (cancelled) return refuse(failure("export.cancelled", "Cancelled.", null, "cancelled"));
        return new Promise<SavedExport | null>((resolve) => (finish = resolve));
      },
    });
    const exporting = new GridExport();
    await exporting.start(1, "Account", "csv");
    expect(exporting.cancelled).toBe(true);
    expect(exporting.failure).toBeNull();
    cancelled = false;
    const running = exporting.start(1, "Account", "csv");
    expect(exporting.running).toBe(true);
    expect(exporting.cancelled).toBe(false);
    await exporting.start(1, "Account", "xlsx");
    finish(saved);
    await running;
    expect(exporting.saved).toEqual(saved);
    expect(exporting.running).toBe(false);
    expect(backend.argsOf("grid_export").map((args) => args[2])).toEqual(["csv", "csv"]);
  });

  it("cancels quietly even when Rust cannot say whether one ran", async () => {
    const backend = mockBackend({ grid_export_cancel: () => refuse(failure("app.x", "No.")) });
    const exporting = new GridExport();
    await exporting.cancel();
    expect(backend.called("grid_export_cancel")).toBe(true);
    expect(exporting.failure).toBeNull();
  });
});
