// Hash routes, so that the bundled page never asks the webview to load another document:
// `#/connections` (the default) and `#/connection/<id>`. A route is a typed value; `href` is the only
// place that spells its address.

export type Route = { name: "connections" } | { name: "connection"; id: string };

const connectionPrefix = "#/connection/";

/** The route an address names; anything unknown is the Connections screen. */
export function parseRoute(hash: string): Route {
  if (hash.startsWith(connectionPrefix)) {
    const id = decoded(hash.slice(connectionPrefix.length));
    if (id) return { name: "connection", id };
  }
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
  return route.name === "connection" ? connectionPrefix + encodeURIComponent(route.id) : "#/connections";
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
