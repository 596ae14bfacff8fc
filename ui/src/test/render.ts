// Renders a screen or the sidebar as the shell does: with stores of its own in the context, the
// connections being loaded from the fake backend.
import { render } from "@testing-library/svelte";
import type { Component } from "svelte";
import { createStores, storesKey, type AppStores } from "../lib/stores";

export function renderWithStores(component: Component, stores: AppStores = createStores()) {
  void stores.connections.load();
  const view = render(component, { context: new Map([[storesKey, stores]]) });
  return { stores, ...view };
}
