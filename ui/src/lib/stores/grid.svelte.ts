// One table's records as the Records screen shows them. The rows stay in Rust: this keeps the grid's
// handle, its columns and progress, and the blocks of rows the window has asked for so far. Reopening (a
// filter, a sort, Refresh) opens a new grid and closes the old one once the new one is there, so that a
// refused filter leaves the rows shown as they were.
import { SvelteMap } from "svelte/reactivity";
import type {
  ErrorPayload,
  GridProgress,
  GridRequest,
  GridRow,
  GridView,
  Json,
  RecordRead,
} from "../../bindings";
import { errorPayload, gridClose, gridLoadMore, gridOpen, gridRows } from "../api";

/** Rows fetched at once for the visible window: a few screens' worth. */
export const BLOCK_SIZE = 200;
/** How often Load all shows how far it is. */
const PROGRESS_EVERY_MS = 250;
/** Blocks kept around the window shown (10,000 rows). */
export const KEPT_BLOCKS = 50;
/** The most `grid_rows` sends at once. */
const MOST_ROWS = 1000;

type Change = Partial<Pick<GridRequest, "filter" | "conditions" | "sort" | "columns" | "view">>;

export class GridSession {
  readonly connection: string;
  /** The request the rows shown answer. */
  request = $state.raw<GridRequest>({ table: "", filter: null, sort: [] });
  view = $state.raw<GridView | null>(null);
  progress = $state.raw<GridProgress | null>(null);
  opening = $state(false);
  loadingAll = $state(false);
  /** Why the grid could not be opened or read. */
  failure = $state.raw<ErrorPayload | null>(null);
  /** Why the filter typed was refused: shown beside the filter bar, the rows staying as they were. */
  filterFailure = $state.raw<ErrorPayload | null>(null);

  /** Reactive, so that what needs an open grid (Export) follows it. */
  #handle = $state<number | null>(null);
  #ticket = 0;
  #closed = false;
  #cancelled = false;
  #loadingNext = false;
  readonly #blocks = new SvelteMap<number, GridRow[]>();
  /** Blocks asked for (answered or not): the visible window asks again on every scroll. Bookkeeping,
   * not shown, so not reactive (the window's effect must not rerun when it changes). */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #requested = new Set<number>();

  constructor(connection: string, table: string) {
    this.connection = connection;
    this.request = { table, filter: null, sort: [] };
  }

  /** Opens the grid again with `change` applied to the request; false when it was refused. */
  async open(change: Change = {}): Promise<boolean> {
    const request = plain({ ...this.request, ...change });
    const ticket = ++this.#ticket;
    this.#cancelled = true; // a load-all of the grid being replaced stops there
    this.opening = true;
    let opened;
    try {
      opened = await gridOpen(this.connection, request);
    } catch (err) {
      if (ticket !== this.#ticket) return false;
      const error = errorPayload(err);
      // What was typed or built is the likely culprit of a refused request that has a filter.
      if (error.category === "input" && (request.filter || request.conditions)) this.filterFailure = error;
      else this.failure = error;
      this.opening = false;
      return false;
    }
    if (ticket !== this.#ticket || this.#closed) {
      closeQuietly(opened.grid); // superseded, or the screen was left meanwhile
      return false;
    }
    if (this.#handle !== null) closeQuietly(this.#handle);
    this.#handle = opened.grid;
    this.#blocks.clear();
    this.#requested.clear();
    this.request = request;
    this.view = opened.view;
    this.progress = opened.view.progress;
    this.loadingAll = false;
    this.opening = false;
    this.failure = null;
    this.filterFailure = null;
    return true;
  }

  /** The grid's handle in Rust (for an export), null until it is open. */
  get grid(): number | null {
    return this.#handle;
  }

  /** A view runs with its own filter and order: the filter bar and the headers' sort wait. */
  get viewRunning(): boolean {
    return Boolean(this.request.view);
  }

  /** Row `index` of those loaded, if it has been fetched. */
  row(index: number): GridRow | undefined {
    const first = this.view?.rows ?? [];
    if (index < first.length) return first[index];
    return this.#blocks.get(Math.floor(index / BLOCK_SIZE))?.[index % BLOCK_SIZE];
  }

  /** The rows of `ids` the window holds, as read (each column's raw text): what a commit sends so that
   * a conflict can tell the columns someone else changed since. */
  reads(ids: ReadonlySet<string>): RecordRead[] {
    const view = this.view;
    if (!view || ids.size === 0) return [];
    const found: RecordRead[] = [];
    for (const rows of [view.rows, ...this.#blocks.values()]) {
      for (const row of rows) {
        if (!ids.has(row.id)) continue;
        const values: Record<string, Json> = {};
        view.columns.forEach((column, at) => {
          const cell = row.cells[at];
          // The raw text is kept only where it differs from the text shown; an empty cell is no value.
          values[column.logical_name] = cell ? (cell.raw ?? (cell.text === "" ? null : cell.text)) : null;
        });
        found.push({ table: this.request.table, id: row.id, values });
      }
    }
    return found;
  }

  /** Fetches the blocks of rows `start..end` not fetched yet (the visible window asks). */
  want(start: number, end: number): void {
    const handle = this.#handle;
    const loaded = this.progress?.loaded ?? 0;
    // Not after a failed read: it would be asked for again at every scroll (Retry or Refresh asks).
    if (end + BLOCK_SIZE >= loaded && !this.failure) void this.#loadNext();
    const first = this.view?.rows.length ?? 0;
    const last = Math.min(end, loaded) - 1;
    for (let block = Math.floor(start / BLOCK_SIZE); block * BLOCK_SIZE <= last; block++) {
      const from = block * BLOCK_SIZE;
      const count = Math.min(BLOCK_SIZE, loaded - from);
      // The first rows came with the view: a window within them needs no block.
      const needed = Math.min(from + count, end);
      if (handle === null || needed <= first || this.#requested.has(block)) continue;
      this.#requested.add(block);
      void this.#fetch(handle, block, from, count);
    }
    this.#forgetFarBlocks(Math.floor(start / BLOCK_SIZE));
  }

  /** Drops the blocks far from the window shown, so the page holds about as many rows as it shows, not
   * every row ever scrolled past (they stay in Rust and are asked for again when scrolled back to). */
  #forgetFarBlocks(near: number): void {
    if (this.#blocks.size <= KEPT_BLOCKS) return;
    for (const block of [...this.#blocks.keys()]) {
      if (Math.abs(block - near) > KEPT_BLOCKS / 2) {
        this.#blocks.delete(block);
        this.#requested.delete(block);
      }
    }
  }

  async #fetch(handle: number, block: number, from: number, count: number): Promise<void> {
    const loadedThen = this.progress?.loaded;
    try {
      const rows = await gridRows(handle, from, count);
      if (handle !== this.#handle) return;
      this.#blocks.set(block, rows);
      // The last block, asked for before more rows were loaded, came short: ask again for the rest.
      if (this.progress?.loaded !== loadedThen) this.#forgetShortBlocks();
    } catch (err) {
      if (handle !== this.#handle) return;
      this.#requested.delete(block); // the next scroll asks again
      this.failure = errorPayload(err);
    }
  }

  /** Scrolling near the end of the rows read reads the next page, as a spreadsheet scrolls on; Load all
   * reads every page. One page at a time. */
  async #loadNext(): Promise<void> {
    const handle = this.#handle;
    if (handle === null || this.loadingAll || this.#loadingNext || this.progress?.complete !== false) return;
    this.#loadingNext = true;
    try {
      const progress = await gridLoadMore(handle);
      if (handle !== this.#handle) return;
      this.progress = progress;
      this.#forgetShortBlocks();
    } catch (err) {
      if (handle === this.#handle) this.failure = errorPayload(err);
    } finally {
      this.#loadingNext = false;
    }
  }

  /** Lets the blocks that more rows have lengthened be asked for again (they stay shown until then). */
  #forgetShortBlocks(): void {
    const loaded = this.progress?.loaded ?? 0;
    for (const block of [...this.#requested]) {
      const rows = this.#blocks.get(block);
      if (rows && rows.length < Math.min(BLOCK_SIZE, loaded - block * BLOCK_SIZE)) {
        this.#requested.delete(block);
        this.want(block * BLOCK_SIZE, (block + 1) * BLOCK_SIZE);
      }
    }
  }

  /** Rows `start..end` for copying: those fetched, the others asked for now (not kept). */
  async rows(start: number, end: number): Promise<GridRow[]> {
    const handle = this.#handle;
    const cached: GridRow[] = [];
    for (let index = start; index < end; index++) {
      const row = this.row(index);
      if (!row) break;
      cached.push(row);
    }
    if (cached.length === end - start || handle === null) return cached;
    const rows: GridRow[] = [];
    for (let from = start; from < end; from += MOST_ROWS) {
      rows.push(...(await gridRows(handle, from, Math.min(MOST_ROWS, end - from))));
    }
    return rows;
  }

  /** Reads page after page until every row is read, or `cancelLoadAll` (which stops between pages). */
  async loadAll(): Promise<void> {
    const handle = this.#handle;
    if (handle === null || this.loadingAll) return;
    this.#cancelled = false;
    this.loadingAll = true;
    let latest = this.progress;
    let shownAt = performance.now();
    try {
      while (!this.#cancelRequested() && latest?.complete === false) {
        latest = await gridLoadMore(handle);
        if (handle !== this.#handle) return; // reopened meanwhile: that grid is gone
        // Shown a few times a second, not at every page: each showing lays out the grid's height anew,
        // which would cost the read more than the read itself.
        const now = performance.now();
        if (latest.complete || now - shownAt >= PROGRESS_EVERY_MS) {
          this.#show(latest);
          shownAt = now;
        }
      }
    } catch (err) {
      if (handle !== this.#handle) return;
      this.failure = errorPayload(err);
    }
    if (latest && latest !== this.progress) this.#show(latest);
    this.loadingAll = false;
  }

  /** Read afresh at every page (awaiting lets a Cancel click set it). */
  #cancelRequested(): boolean {
    return this.#cancelled;
  }

  #show(progress: GridProgress): void {
    this.progress = progress;
    this.#forgetShortBlocks();
  }

  cancelLoadAll(): void {
    this.#cancelled = true;
  }

  /** Forgets the grid's rows in Rust: the screen is left. An open still on its way is closed as it comes. */
  close(): void {
    this.#closed = true;
    this.#cancelled = true;
    this.#ticket += 1;
    if (this.#handle !== null) closeQuietly(this.#handle);
    this.#handle = null;
  }
}

/** The request without the parts that say nothing (no view, the default columns, no conditions), as Rust
 * reads it. */
function plain(request: GridRequest): GridRequest {
  const { view, columns, conditions, ...rest } = request;
  return {
    ...rest,
    ...(view ? { view } : {}),
    ...(columns && columns.length > 0 ? { columns } : {}),
    ...(conditions && conditions.length > 0 ? { conditions } : {}),
  };
}

/** Closing is housekeeping: a grid Rust has already dropped is no failure to show. */
function closeQuietly(grid: number): void {
  gridClose(grid).catch(() => undefined);
}
