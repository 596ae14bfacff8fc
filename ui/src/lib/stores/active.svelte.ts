// The connection the route opened: its id from the address, its view from the connections list (or the
// built-in sandbox's, which is never in that list).
import type { ConnectionView } from "../../bindings";
import type { HashRouter } from "../router.svelte";
import { sandboxConnection, sandboxId } from "../sandbox";
import type { ConnectionsStore } from "./connections.svelte";

export class ActiveConnection {
  readonly #router: HashRouter;
  readonly #connections: ConnectionsStore;

  constructor(router: HashRouter, connections: ConnectionsStore) {
    this.#router = router;
    this.#connections = connections;
  }

  /** The id in the address, or null on a screen of no connection. */
  readonly id = $derived.by((): string | null => {
    const route = this.#router.route;
    return route.name === "connections" ? null : route.id;
  });

  readonly connection = $derived.by((): ConnectionView | null => {
    if (this.id === sandboxId) return sandboxConnection;
    return this.id === null ? null : (this.#connections.find(this.id) ?? null);
  });

  /** The address names a connection the loaded list does not have (deleted, or typed by hand). */
  readonly missing = $derived.by(
    (): boolean => this.id !== null && this.#connections.loaded && this.connection === null,
  );
}
