// Hash routes, so that the bundled page never asks the webview to load another document:
// `#/connections` (the default), `#/connection/<id>` (its tables) and `#/connection/<id>/table/<name>`
// (a table's records, with an optional `?view=<kind>:<id>` to run, `&filter=<$filter>` to apply and
// `&where=<JSON>` for the visual filter's conditions),
// `#/connection/<id>/console` (its Web API console).
// A route is a typed value; `href` is the only place that spells its address.
import type { ViewRef } from "../bindings";
import { decodeWhere, encodeWhere, type KeptCondition } from "./filterBuilder";

export type TableRoute = {
  name: "table";
  id: string;
  table: string;
  view?: ViewRef;
  filter?: string;
  /** The visual filter's conditions (never empty when present). */
  where?: KeptCondition[];
};
export type Route =
  { name: "connections" } | { name: "connection"; id: string } | { name: "console"; id: string } | TableRoute;

const connectionPrefix = "#/connection/";

/** The route an address names; anything unknown is the Connections screen. */
export function parseRoute(hash: string): Route {
  if (!hash.startsWith(connectionPrefix)) return { name: "connections" };
  const [path, query] = splitAt(hash.slice(connectionPrefix.length), "?");
  // Each part is encoded, so a `/` in an id or a name never splits it.
  const parts = path.split("/").map(decoded);
  const [id, word, table] = parts;
  if (!id) return { name: "connections" };
  if (parts.length === 1) return { name: "connection", id };
  if (parts.length === 2 && word === "console") return { name: "console", id };
  if (parts.length === 3 && word === "table" && table) return tableRoute(id, table, query);
  return { name: "connections" };
}

function tableRoute(id: string, table: string, search: string): TableRoute {
  const query = new URLSearchParams(search);
  const route: TableRoute = { name: "table", id, table };
  const view = viewOf(query.get("view"));
  if (view) route.view = view;
  const filter = query.get("filter");
  if (filter) route.filter = filter;
  const where = decodeWhere(query.get("where"));
  if (where.length > 0) route.where = where;
  return route;
}

/** `system:<id>` or `personal:<id>`; anything else is no view (the plain grid). */
function viewOf(text: string | null): ViewRef | null {
  const [kind, id] = splitAt(text ?? "", ":");
  if ((kind === "system" || kind === "personal") && id) return { kind, id };
  return null;
}

/** The text before the first `separator` and the rest after it (`split` with a limit drops the rest). */
function splitAt(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + 1)];
}

function decoded(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null; // a malformed escape, typed by hand into the address
  }
}

export function href(route: Route): string {
  switch (route.name) {
    case "connections":
      return "#/connections";
    case "connection":
      return connectionPrefix + encodeURIComponent(route.id);
    case "console":
      return `${connectionPrefix}${encodeURIComponent(route.id)}/console`;
    case "table": {
      const path = `${connectionPrefix}${encodeURIComponent(route.id)}/table/${encodeURIComponent(route.table)}`;
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- built once, spelled, dropped
      const query = new URLSearchParams();
      if (route.view) query.set("view", `${route.view.kind}:${route.view.id}`);
      if (route.filter) query.set("filter", route.filter);
      if (route.where && route.where.length > 0) query.set("where", encodeWhere(route.where));
      const text = query.toString();
      return text ? `${path}?${text}` : path;
    }
  }
}

/** The route in the address bar, kept current while it `listen`s. */
export class HashRouter {
  route = $state<Route>(parseRoute(window.location.hash));

  /** Follows the address bar (links, back and forward); returns the function that stops it. */
  listen(): () => void {
    const follow = () => {
      this.route = parseRoute(window.location.hash);
    };
    window.addEventListener("hashchange", follow);
    return () => {
      window.removeEventListener("hashchange", follow);
    };
  }

  /** Navigates as a link would: the address changes, the route with it (and the history keeps both). */
  go(route: Route): void {
    window.location.hash = href(route);
    this.route = route;
  }
}
