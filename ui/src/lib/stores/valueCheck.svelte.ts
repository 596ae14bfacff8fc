// An inline editor's value checked by the core as it is typed (once typing pauses, the latest answer the
// only one kept), and checked again at once before it is staged: a value the core refuses is not staged.
import type { ErrorPayload, Json } from "../../bindings";
import { errorPayload, valueCheck } from "../api";

/** How long typing must pause before the value is checked. */
export const CHECK_DELAY_MS = 250;

export class ValueChecker {
  readonly connection: string;
  readonly table: string;
  readonly column: string;
  /** The core's refusal of the latest value checked; null when it took it. */
  problem = $state.raw<ErrorPayload | null>(null);
  /** A check is waiting for typing to pause, or for its answer. */
  checking = $state(false);
  /** The record's other values the value must go with (a status reason's state), sent with each check. */
  row: Record<string, Json> = {};
  readonly #delay: number;
  #ticket = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(connection: string, table: string, column: string, delay = CHECK_DELAY_MS) {
    this.connection = connection;
    this.table = table;
    this.column = column;
    this.#delay = delay;
  }

  /** Checks `value` once typing pauses. */
  check(value: Json): void {
    const ticket = this.#restart();
    this.checking = true;
    this.#timer = setTimeout(() => void this.#run(ticket, value), this.#delay);
  }

  /** Checks `value` now: the core's refusal, or null when it takes it. */
  async settle(value: Json): Promise<ErrorPayload | null> {
    const ticket = this.#restart();
    this.checking = true;
    return this.#run(ticket, value);
  }

  async #run(ticket: number, value: Json): Promise<ErrorPayload | null> {
    let problem: ErrorPayload | null = null;
    try {
      await valueCheck(this.connection, { table: this.table, column: this.column, value, row: this.row });
    } catch (err) {
      problem = errorPayload(err);
    }
    if (ticket === this.#ticket) {
      this.problem = problem;
      this.checking = false;
    }
    return problem;
  }

  /** Forgets the check waiting or on its way (the editor closed, or a local problem replaced it). */
  cancel(): void {
    this.#restart();
    this.problem = null;
  }

  #restart(): number {
    clearTimeout(this.#timer);
    this.checking = false;
    return ++this.#ticket;
  }
}
