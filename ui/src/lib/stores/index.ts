// The app's stores, made once by the shell (App.svelte) and handed down through Svelte's context, so
// that every test renders with stores of its own.
import { getContext, setContext } from "svelte";
import { HashRouter } from "../router.svelte";
import { ActiveConnection } from "./active.svelte";
import { DataActivity } from "./activity.svelte";
import { ConnectionsStore } from "./connections.svelte";
import { MetadataStore } from "./metadata.svelte";
import { PendingStore } from "./pending.svelte";

export type AppStores = {
  router: HashRouter;
  connections: ConnectionsStore;
  active: ActiveConnection;
  metadata: MetadataStore;
  activity: DataActivity;
  /** Each connection's staged changes, kept while the screens come and go. */
  pending: PendingStore;
};

export function createStores(): AppStores {
  const router = new HashRouter();
  const connections = new ConnectionsStore();
  return {
    router,
    connections,
    active: new ActiveConnection(router, connections),
    metadata: new MetadataStore(),
    activity: new DataActivity(),
    pending: new PendingStore(),
  };
}

/** The context key; tests hand their own stores to a component under it. */
export const storesKey = Symbol("stores");

export function setStores(stores: AppStores): void {
  setContext(storesKey, stores);
}

export function getStores(): AppStores {
  const stores = getContext<AppStores | undefined>(storesKey);
  if (!stores) throw new Error("no stores in the context: render inside App, or pass them in a test");
  return stores;
}
