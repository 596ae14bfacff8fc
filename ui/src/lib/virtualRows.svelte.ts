// A runes wrapper around @tanstack/virtual-core for rows of known heights (one for all, or one per row):
// it follows a scroll element and says which rows are in sight (with a few more either side), so that a
// grid of 100,000 rows, or a list of 10,000 staged changes, keeps only a screenful in the DOM.
import {
  observeElementOffset,
  observeElementRect,
  Virtualizer,
  type VirtualItem,
} from "@tanstack/virtual-core";

export type VirtualRowsOptions = {
  /** Every row's height, or each row's by its index (set by CSS to exactly that: rows are not measured). */
  rowHeight: number | ((index: number) => number);
  /** Rows rendered beyond each edge of the view, so a scroll does not show blanks first. */
  overscan: number;
  /** Where the rows start in the scroll element (below a sticky header). */
  offsetTop: number;
};

export class VirtualRows {
  /** The rows to render: their index and top (from the first row). */
  items = $state.raw<{ index: number; top: number }[]>([]);
  readonly #virtualizer: Virtualizer<HTMLElement, HTMLElement>;
  #element: HTMLElement | null = null;

  constructor(options: VirtualRowsOptions) {
    this.#virtualizer = new Virtualizer<HTMLElement, HTMLElement>({
      count: 0,
      getScrollElement: () => this.#element,
      estimateSize:
        typeof options.rowHeight === "number" ? () => options.rowHeight as number : options.rowHeight,
      overscan: options.overscan,
      scrollMargin: options.offsetTop,
      observeElementRect,
      observeElementOffset,
      // Set directly: jsdom has no scrollTo, and the grid scrolls its cursor into sight itself.
      scrollToFn: (offset, _options, instance) => {
        if (instance.scrollElement) instance.scrollElement.scrollTop = offset;
      },
      onChange: () => {
        this.#publish();
      },
    });
  }

  /** Follows `element` until the function returned is called. */
  attach(element: HTMLElement): () => void {
    this.#element = element;
    const detach = this.#virtualizer._didMount();
    this.#virtualizer._willUpdate();
    this.#publish();
    return () => {
      detach();
      this.#element = null;
    };
  }

  /** The number of rows there are. */
  setCount(count: number): void {
    this.#virtualizer.setOptions({ ...this.#virtualizer.options, count });
    this.#virtualizer._willUpdate();
    this.#publish();
  }

  /** The rows changed (their heights with them): `count` rows, measured again. */
  reset(count: number): void {
    this.#virtualizer.setOptions({ ...this.#virtualizer.options, count });
    this.#virtualizer.measure();
    this.#virtualizer._willUpdate();
    this.#publish();
  }

  #publish(): void {
    const margin = this.#virtualizer.options.scrollMargin;
    this.items = this.#virtualizer
      .getVirtualItems()
      .map((item: VirtualItem) => ({ index: item.index, top: item.start - margin }));
  }
}
