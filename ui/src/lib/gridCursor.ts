// The grid's cell cursor and rectangular selection, as plain values: where a key moves the cursor, which
// cells the selection covers, and how far to scroll to keep a cell in sight.

export type Cell = { row: number; col: number };
export type Rect = { top: number; left: number; bottom: number; right: number };

/** The grid's extent and how many rows a page holds. */
export type Extent = { rows: number; cols: number; page: number };

function clamp(value: number, max: number): number {
  return Math.max(0, Math.min(value, max));
}

/** Where `key` moves the cursor (null for a key that does not move it); `toEdge` is Ctrl/Cmd held. */
export function moved(cell: Cell, key: string, toEdge: boolean, extent: Extent): Cell | null {
  const lastRow = extent.rows - 1;
  const lastCol = extent.cols - 1;
  const at = (row: number, col: number): Cell => ({ row: clamp(row, lastRow), col: clamp(col, lastCol) });
  switch (key) {
    case "ArrowUp":
      return at(toEdge ? 0 : cell.row - 1, cell.col);
    case "ArrowDown":
      return at(toEdge ? lastRow : cell.row + 1, cell.col);
    case "ArrowLeft":
      return at(cell.row, toEdge ? 0 : cell.col - 1);
    case "ArrowRight":
      return at(cell.row, toEdge ? lastCol : cell.col + 1);
    case "PageUp":
      return at(cell.row - extent.page, cell.col);
    case "PageDown":
      return at(cell.row + extent.page, cell.col);
    case "Home":
      return at(toEdge ? 0 : cell.row, 0);
    case "End":
      return at(toEdge ? lastRow : cell.row, lastCol);
    default:
      return null;
  }
}

/** The rectangle between the selection's anchor and the cursor, both included. */
export function selection(anchor: Cell, cursor: Cell): Rect {
  return {
    top: Math.min(anchor.row, cursor.row),
    bottom: Math.max(anchor.row, cursor.row),
    left: Math.min(anchor.col, cursor.col),
    right: Math.max(anchor.col, cursor.col),
  };
}

export function covers(rect: Rect, row: number, col: number): boolean {
  return row >= rect.top && row <= rect.bottom && col >= rect.left && col <= rect.right;
}

/** The scroll position that brings `[start, start + size)` into `[scroll, scroll + view)`, moving as
 * little as it can; a span wider than the view shows its start. */
export function revealed(scroll: number, view: number, start: number, size: number): number {
  if (start < scroll || size > view) return start;
  if (start + size > scroll + view) return Math.max(0, start + size - view);
  return scroll;
}
