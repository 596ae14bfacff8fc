// What a state or status reason editor needs of the rest of its record: the state staged or read (a
// status reason is offered only with its own state), and the status reason read, to stage the new state's
// default with it so the pair stays valid (Dataverse refuses another pair: 0x80048408).
import type { GridCell, GridColumn, Json, OptionValue } from "../../bindings";
import { recordGet } from "../api";
import { rawValue, sameValue } from "../cellEdit";
import { defaultStatus } from "../choiceEdit";
import type { PendingChanges } from "./pending.svelte";

export const STATE = "statecode";
export const STATUS = "statuscode";

export class StatusPair {
  /** The record's state as staged, else as read; null until known (or for a table without one). */
  state = $state<number | null>(null);
  /** The status reason read (state: a proposal follows the read's arrival). */
  #status = $state.raw<{ column: GridColumn; cell: GridCell } | undefined>();
  #etag: string | null = null;
  #name: string | undefined;
  readonly #pending: PendingChanges | undefined;
  readonly #table: string;
  readonly #id: string;

  constructor(pending: PendingChanges | undefined, table: string, id: string) {
    this.#pending = pending;
    this.#table = table;
    this.#id = id;
  }

  /** Reads the record's state and status reason (the staged state first). */
  async load(connection: string): Promise<void> {
    const staged = this.#pending?.update(this.#table, this.#id, STATE)?.new;
    let read;
    try {
      read = await recordGet(connection, this.#table, this.#id, []);
    } catch {
      return; // the editor offers every option; the core and the server still check the pair
    }
    const field = (name: string) => read.fields.find((f) => f.column.logical_name === name);
    const status = field(STATUS);
    this.#status = status && { column: status.column, cell: status.cell };
    this.#etag = read.etag;
    this.#name = read.fields.find((f) => f.group === "name")?.cell.text;
    const state = typeof staged === "number" ? staged : Number(rawValue(field(STATE)?.cell) ?? NaN);
    this.state = Number.isInteger(state) ? state : null;
  }

  /** The status reason staged, else read. */
  #currentStatus(): number | null {
    const staged = this.#pending?.update(this.#table, this.#id, STATUS)?.new;
    if (typeof staged === "number") return staged;
    const raw = rawValue(this.#status?.cell);
    return raw === null ? null : Number(raw);
  }

  /** The status reason `state` proposes, when the current one does not go with it. */
  proposal(state: OptionValue | undefined): OptionValue | undefined {
    const statuses = this.#status?.column.options ?? [];
    const current = statuses.find((o) => o.value === this.#currentStatus());
    if (!state || (current && current.state === state.value)) return undefined;
    return defaultStatus(state, statuses);
  }

  /** Stages the proposed status reason beside the state staged. */
  stage(status: OptionValue): void {
    const found = this.#status;
    if (!found || !this.#pending) return;
    const value: Json = status.value;
    this.#pending.stage(
      {
        kind: "update",
        table: this.#table,
        id: this.#id,
        etag: this.#etag,
        column: STATUS,
        old: rawValue(found.cell),
        new: value,
      },
      {
        label: found.column.label,
        shown: status.label,
        oldShown: found.cell.text,
        ...(this.#name ? { recordName: this.#name } : {}),
      },
      (old, next) => sameValue(found.column, old, next),
    );
  }
}
