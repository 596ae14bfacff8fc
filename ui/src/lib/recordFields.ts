// The record view's fields in the order a person reads them: the name, then the grid's columns as the
// grid showed them, then the rest A–Z by label; empty ones apart, to be folded away.
import type { RecordField } from "../bindings";

export type ArrangedFields = { filled: RecordField[]; empty: RecordField[] };

export function arrangeFields(fields: RecordField[]): ArrangedFields {
  const of = (group: RecordField["group"]) => fields.filter((field) => field.group === group);
  // `of` makes a new array each time: sorting it in place sorts no one else's.
  const others = of("other").sort(byLabel);
  const empty = of("empty").sort(byLabel);
  return { filled: [...of("name"), ...of("shown"), ...others], empty };
}

/** The raw value beside the text shown, when it says something more (an id, an option's number). */
export function rawBeside(field: RecordField): string | null {
  const raw = field.cell.raw;
  return raw !== undefined && raw !== null && raw !== field.cell.text ? raw : null;
}

function byLabel(one: RecordField, other: RecordField): number {
  return one.column.label.localeCompare(other.column.label);
}
