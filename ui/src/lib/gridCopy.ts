// A selection of cells as the clipboard takes it: tab-separated, a line per row, as spreadsheets paste
// it. A value holding a tab, a line break or a quote is quoted (its quotes doubled) so that it stays one
// cell.

function field(text: string): string {
  return /[\t\n\r"]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function tabSeparated(rows: string[][]): string {
  return rows.map((cells) => cells.map(field).join("\t")).join("\n");
}
