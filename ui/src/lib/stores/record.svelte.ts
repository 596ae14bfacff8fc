// The record open in the Records screen's side panel: one record read whole, and the lookups followed
// from it (a link opens the record it points to in the same panel).
import type { ErrorPayload, RecordView } from "../../bindings";
import { errorPayload, recordGet } from "../api";

export type RecordAddress = { table: string; id: string; shown: string[] };

export class OpenRecord {
  readonly connection: string;
  /** The record asked for last; null while the panel is closed. */
  address = $state.raw<RecordAddress | null>(null);
  record = $state.raw<RecordView | null>(null);
  failure = $state.raw<ErrorPayload | null>(null);
  #ticket = 0;

  constructor(connection: string) {
    this.connection = connection;
  }

  get isOpen(): boolean {
    return this.address !== null;
  }

  /** Reads the record into the panel; `shown` are the grid's columns, listed after its name. */
  async open(table: string, id: string, shown: string[] = []): Promise<void> {
    const ticket = ++this.#ticket;
    this.address = { table, id, shown };
    this.record = null;
    this.failure = null;
    try {
      const record = await recordGet(this.connection, table, id, shown);
      if (ticket === this.#ticket) this.record = record;
    } catch (err) {
      if (ticket === this.#ticket) this.failure = errorPayload(err);
    }
  }

  close(): void {
    this.#ticket += 1; // a read still on its way is dropped
    this.address = null;
    this.record = null;
    this.failure = null;
  }
}
