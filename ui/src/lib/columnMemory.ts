// The columns picked for a table's plain grid, remembered per connection and table in localStorage, so
// that the grid opens with them next time. Logical names only: nothing of the records.

const prefix = "d365desk.columns:";

function keyOf(connection: string, table: string): string {
  // JSON keeps the two apart whatever characters the id or the name hold.
  return prefix + JSON.stringify([connection, table]);
}

/** The columns remembered, or [] (the table's defaults) when none are, or what is stored is not ours. */
export function rememberedColumns(connection: string, table: string): string[] {
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(keyOf(connection, table)) ?? "[]");
    return Array.isArray(stored) && stored.every((name) => typeof name === "string") ? stored : [];
  } catch {
    return [];
  }
}

/** Remembers `columns`; [] forgets them (the defaults again). */
export function rememberColumns(connection: string, table: string, columns: string[]): void {
  if (columns.length === 0) localStorage.removeItem(keyOf(connection, table));
  else localStorage.setItem(keyOf(connection, table), JSON.stringify(columns));
}
