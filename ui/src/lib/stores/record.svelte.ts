// The record open in the Records screen's side panel: one record read whole, and the lookups followed
// from it (a link opens the record it points to in the same panel, and Back returns along the trail).
import type { ErrorPayload, RecordView } from "../../bindings";
import { errorPayload, recordGet } from "../api";

export type RecordAddress = { table: string; id: string; shown: string[] };

export class OpenRecord {
  readonly connection: string;
  /** The record asked for last; null while the panel is closed. */
  address = $state.raw<RecordAddress | null>(null);
  record = $state.raw<RecordView | null>(null);
  failure = $state.raw<ErrorPayload | null>(null);
  /** The records followed here from, the one opened from the grid first: where Back goes. */
  trail = $state.raw<RecordAddress[]>([]);
  #ticket = 0;

  constructor(connection: string) {
    this.connection = connection;
  }

  get isOpen(): boolean {
    return this.address !== null;
  }

  get canGoBack(): boolean {
    return this.trail.length > 0;
  }

  /** Reads the record into the panel, a trail of its own; `shown` are the grid's columns, listed after
   * its name. */
  open(table: string, id: string, shown: string[] = []): Promise<void> {
    this.trail = [];
    return this.#read({ table, id, shown });
  }

  /** Follows a lookup: its record replaces this one, which Back returns to. */
  follow(table: string, id: string): Promise<void> {
    const from = this.address;
    if (from && from.table === table && from.id === id) return Promise.resolve();
    if (from) this.trail = [...this.trail, from];
    return this.#read({ table, id, shown: [] });
  }

  /** The record followed from, read again (it may have changed). */
  back(): Promise<void> {
    const previous = this.trail.at(-1);
    if (!previous) return Promise.resolve();
    this.trail = this.trail.slice(0, -1);
    return this.#read(previous);
  }

  async #read(address: RecordAddress): Promise<void> {
    const ticket = ++this.#ticket;
    this.address = address;
    this.record = null;
    this.failure = null;
    try {
      const record = await recordGet(this.connection, address.table, address.id, address.shown);
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
    this.trail = [];
  }
}
