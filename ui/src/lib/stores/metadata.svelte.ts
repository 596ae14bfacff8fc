// What the active connection's environment holds, for the data screens. A placeholder for now: the
// shape is ready (the core's TableInfo), the command that fills it comes with the tables screen.
import type { ErrorPayload, TableInfo } from "../../bindings";

export class MetadataStore {
  /** The connection these tables belong to. */
  connectionId = $state<string | null>(null);
  tables = $state<TableInfo[]>([]);
  loading = $state(false);
  failure = $state<ErrorPayload | null>(null);

  /** Starts over for another connection (or none): nothing of the previous environment is kept. */
  open(connectionId: string | null): void {
    if (connectionId === this.connectionId) return;
    this.connectionId = connectionId;
    this.tables = [];
    this.loading = false;
    this.failure = null;
  }
}
