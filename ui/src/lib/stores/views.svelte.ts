// A table's views for the Records screen's picker: read once as the screen opens, the default first.
import type { ErrorPayload, TableView, ViewRef } from "../../bindings";
import { errorPayload, viewsList } from "../api";

export class TableViews {
  readonly #connection: string;
  readonly #table: string;
  list = $state.raw<TableView[]>([]);
  /** Why they could not be read: the picker then offers the plain grid only. */
  failure = $state.raw<ErrorPayload | null>(null);
  #loading: Promise<TableView[]> | null = null;

  constructor(connection: string, table: string) {
    this.#connection = connection;
    this.#table = table;
  }

  /** Reads the views once; every later call shares that read. */
  load(): Promise<TableView[]> {
    this.#loading ??= viewsList(this.#connection, this.#table).then(
      (views) => (this.list = views),
      (err: unknown) => {
        this.failure = errorPayload(err);
        return [];
      },
    );
    return this.#loading;
  }

  find(view: ViewRef): TableView | undefined {
    return this.list.find((found) => sameView(found.view, view));
  }
}

export function sameView(one: ViewRef, other: ViewRef): boolean {
  return one.kind === other.kind && one.id === other.id;
}

/** The picker's value for a view: `kind:id` (the plain grid's is ""). */
export function viewKey(view: ViewRef): string {
  return `${view.kind}:${view.id}`;
}
