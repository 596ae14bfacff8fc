// The Web API console's last requests, per connection in localStorage, to send again: the method, path,
// headers and body as typed. Never a token: an Authorization header typed by hand is not kept.
import type { ConsoleHeader } from "../bindings";

export type ConsoleEntry = { method: string; path: string; headers: ConsoleHeader[]; body: string };

/** How many requests are kept per connection. */
export const HISTORY_SIZE = 20;

const prefix = "d365desk.console:";

export function consoleHistory(connection: string): ConsoleEntry[] {
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(prefix + connection) ?? "[]");
    return Array.isArray(stored) ? stored.filter(isEntry) : [];
  } catch {
    return [];
  }
}

/** Puts `entry` first (once: the same request sent again moves up) and keeps the last 20. */
export function rememberRequest(connection: string, entry: ConsoleEntry): ConsoleEntry[] {
  const kept: ConsoleEntry = {
    ...entry,
    headers: entry.headers.filter((header) => header.name.trim().toLowerCase() !== "authorization"),
  };
  const same = JSON.stringify(kept);
  const history = [kept, ...consoleHistory(connection).filter((found) => JSON.stringify(found) !== same)];
  const last = history.slice(0, HISTORY_SIZE);
  localStorage.setItem(prefix + connection, JSON.stringify(last));
  return last;
}

function isEntry(value: unknown): value is ConsoleEntry {
  if (typeof value !== "object" || value === null) return false;
  const entry = value as Record<string, unknown>;
  return (
    typeof entry.method === "string" &&
    typeof entry.path === "string" &&
    typeof entry.body === "string" &&
    Array.isArray(entry.headers) &&
    entry.headers.every(
      (header: unknown) =>
        typeof header === "object" &&
        header !== null &&
        typeof (header as Record<string, unknown>).name === "string" &&
        typeof (header as Record<string, unknown>).value === "string",
    )
  );
}
