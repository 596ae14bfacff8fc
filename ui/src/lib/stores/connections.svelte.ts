// The saved connections, loaded once by the shell and refreshed after every change; the sidebar and the
// Connections screen both read this one list.
import type { ConnectionView, ErrorPayload } from "../../bindings";
import { errorPayload, listConnections } from "../api";

export class ConnectionsStore {
  list = $state<ConnectionView[]>([]);
  /** Why the last load failed; the list shown stays the one loaded before. */
  failure = $state<ErrorPayload | null>(null);
  loading = $state(false);
  /** A first answer came (the list, or a failure): an empty list now means there are none. */
  loaded = $state(false);
  #ticket = 0;

  /** Loads the list; when loads overlap, the last one started wins. */
  async load(): Promise<void> {
    const ticket = ++this.#ticket;
    this.loading = true;
    try {
      const list = await listConnections();
      if (ticket !== this.#ticket) return;
      this.list = list;
      this.failure = null;
    } catch (err) {
      if (ticket !== this.#ticket) return;
      this.failure = errorPayload(err);
    }
    this.loading = false;
    this.loaded = true;
  }

  find(id: string): ConnectionView | undefined {
    return this.list.find((connection) => connection.id === id);
  }
}
