// Hash routes, so that the bundled page never asks the webview to load another document:
// `#/connections` (the default), `#/connection/<id>` (its tables) and `#/connection/<id>/table/<name>`
// (a table's records). A route is a typed value; `href` is the only place that spells its address.

export type Route =
  { name: "connections" } | { name: "connection"; id: string } | { name: "table"; id: string; table: string };

const connectionPrefix = "#/connection/";

/** The route an address names; anything unknown is the Connections screen. */
export function parseRoute(hash: string): Route {
  if (!hash.startsWith(connectionPrefix)) return { name: "connections" };
  // Each part is encoded, so a `/` in an id or a name never splits it.
  const parts = hash.slice(connectionPrefix.length).split("/").map(decoded);
  const [id, word, table] = parts;
  if (!id) return { name: "connections" };
  if (parts.length === 1) return { name: "connection", id };
  if (parts.length === 3 && word === "table" && table) return { name: "table", id, table };
  return { name: "connections" };
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
    case "table":
      return `${connectionPrefix}${encodeURIComponent(route.id)}/table/${encodeURIComponent(route.table)}`;
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
