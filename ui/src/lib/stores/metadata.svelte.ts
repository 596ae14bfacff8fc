// What the active connection's environment holds, for the data screens: its tables, kept per connection
// so that going back from a table's records shows the list at once.
import type { ErrorPayload, TableInfo } from "../../bindings";
import { errorPayload, tablesList } from "../api";

export class MetadataStore {
  /** The connection these tables belong to. */
  connectionId = $state<string | null>(null);
  tables = $state.raw<TableInfo[]>([]);
  /** Nothing to show yet: the cached list has not come. */
  loading = $state(false);
  /** The list shown is being read again from the environment. */
  refreshing = $state(false);
  failure = $state.raw<ErrorPayload | null>(null);
  #ticket = 0;

  /** Starts over for another connection (or none): nothing of the previous environment is kept. */
  open(connectionId: string | null): void {
    if (connectionId === this.connectionId) return;
    this.#ticket += 1; // answers still on their way are for the previous one
    this.connectionId = connectionId;
    this.tables = [];
    this.loading = false;
    this.refreshing = false;
    this.failure = null;
  }

  /** The cached tables at once, then the environment's in the background. */
  async load(): Promise<void> {
    const id = this.connectionId;
    if (id === null) return;
    const ticket = ++this.#ticket;
    const current = () => ticket === this.#ticket;
    this.loading = this.tables.length === 0;
    this.failure = null;
    try {
      const cached = await tablesList(id, false);
      if (!current()) return;
      this.tables = cached;
    } catch (err) {
      if (!current()) return;
      this.failure = errorPayload(err);
    }
    this.loading = false;
    this.refreshing = true;
    try {
      const fresh = await tablesList(id, true);
      if (!current()) return;
      this.tables = fresh;
      this.failure = null;
    } catch (err) {
      if (!current()) return;
      this.failure = errorPayload(err);
    }
    this.refreshing = false;
  }

  find(logicalName: string): TableInfo | undefined {
    return this.tables.find((table) => table.logical_name === logicalName);
  }
}
