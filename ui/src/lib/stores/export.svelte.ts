// An export of the Records screen's grid: Rust asks where to save it (the system's Save dialog) and
// writes every row; this keeps how far it is, where it went, or why it failed.
import type { ErrorPayload, Format, SavedExport } from "../../bindings";
import { errorPayload, gridExport, gridExportCancel } from "../api";

export class GridExport {
  running = $state(false);
  /** Rows written so far by the export under way. */
  written = $state(0);
  saved = $state.raw<SavedExport | null>(null);
  cancelled = $state(false);
  failure = $state.raw<ErrorPayload | null>(null);

  /** Exports grid `grid` as `name`; a closed Save dialog ends it with nothing to say. */
  async start(grid: number, name: string, format: Format): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.written = 0;
    this.saved = null;
    this.cancelled = false;
    this.failure = null;
    try {
      this.saved = await gridExport(grid, name, format, (rows) => {
        this.written = rows;
      });
    } catch (err) {
      const error = errorPayload(err);
      // Cancel's own answer is no failure to show.
      if (error.category === "cancelled") this.cancelled = true;
      else this.failure = error;
    }
    this.running = false;
  }

  async cancel(): Promise<void> {
    await gridExportCancel().catch(() => false);
  }
}
