// The visual filter's record picker: the records of a lookup's table whose name holds what is typed,
// asked for once typing pauses, the answer to the latest text the only one shown.
import type { ErrorPayload, LookupCandidate } from "../../bindings";
import { errorPayload, lookupSearch } from "../api";

/** How long typing must pause before the records are asked for. */
export const SEARCH_DELAY_MS = 250;

export class LookupSearch {
  readonly connection: string;
  /** The records that answer the latest text. */
  results = $state.raw<LookupCandidate[]>([]);
  /** A search is waiting for typing to pause, or for its answer. */
  searching = $state(false);
  failure = $state.raw<ErrorPayload | null>(null);
  readonly #delay: number;
  #ticket = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(connection: string, delay = SEARCH_DELAY_MS) {
    this.connection = connection;
    this.#delay = delay;
  }

  /** Asks for `table`'s records named like `text` once typing pauses; blank text asks nothing. */
  search(table: string, text: string): void {
    const ticket = this.#restart();
    const wanted = text.trim();
    this.failure = null;
    if (!wanted) {
      this.results = [];
      return;
    }
    this.searching = true;
    this.#timer = setTimeout(() => void this.#run(ticket, table, wanted), this.#delay);
  }

  async #run(ticket: number, table: string, text: string): Promise<void> {
    try {
      const found = await lookupSearch(this.connection, table, text);
      if (ticket !== this.#ticket) return;
      this.results = found;
    } catch (err) {
      if (ticket !== this.#ticket) return;
      this.results = [];
      this.failure = errorPayload(err);
    }
    this.searching = false;
  }

  /** Forgets the search: nothing waiting, no answer still to come shown. */
  cancel(): void {
    this.#restart();
    this.results = [];
    this.failure = null;
  }

  #restart(): number {
    clearTimeout(this.#timer);
    this.searching = false;
    return ++this.#ticket;
  }
}
