// The fields a new record's form offers, from the metadata the grid has: the required columns first
// (those Dataverse sets itself left out: the owner, the status), then the grid's columns, then any the
// person added; only columns with an editor.
import type { ErrorPayload, GridColumn, TableInfo } from "../bindings";
import { editorKind, referencedId } from "./cellEdit";
import type { CreateChange } from "./pendingList";

/** Set by Dataverse on create, though marked required. */
const SET_BY_DATAVERSE = ["Owner", "State", "Status"];

export function newRecordColumns(
  table: TableInfo,
  available: GridColumn[],
  shown: GridColumn[],
  added: string[],
): GridColumn[] {
  const usable = (column: GridColumn) =>
    editorKind(column) !== null &&
    column.logical_name !== table.primary_id &&
    !SET_BY_DATAVERSE.includes(column.attribute_type);
  const required = available.filter((column) => column.required && usable(column));
  const picked = added.flatMap((name) => available.filter((column) => column.logical_name === name));
  const fields: GridColumn[] = [];
  for (const column of [...required, ...shown.filter(usable), ...picked.filter(usable)]) {
    if (!fields.some((found) => found.logical_name === column.logical_name)) fields.push(column);
  }
  return fields;
}

/** A new record's key until it exists (`new-` and 32 random hex digits): the core creates the record
 * with these as its id, so a create sent again after an answer that never came is not a second record.
 * `crypto.randomUUID` is not there outside a secure context, which a webview's custom scheme may not be. */
export function newKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `new-${Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * The column of a new record a commit's refusal is about: the one it names, else the lookup whose record
 * its message names (a record that does not exist: the server names the record, not the column).
 */
export function refusedColumn(change: CreateChange, error: ErrorPayload): string | null {
  const named = error.column?.replace(/@odata\.bind$/, "") ?? null;
  if (named) return named;
  const message = error.message.toLowerCase();
  const found = Object.entries(change.values).find(
    ([, value]) =>
      typeof value === "string" && /\(.+\)$/.test(value) && message.includes(referencedId(value)),
  );
  return found?.[0] ?? null;
}
