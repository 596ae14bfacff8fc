// What an inline editor of the grid does with a column's value, as pure functions: which editor a column
// gets, the text it starts from (the cell's raw value, exact), the value it stages (as the core takes it:
// numbers as their exact text, an option's number, true/false, a lookup's `<entity set>(<id>)`, null to
// clear), whether that value is the one read, and the text the grid shows for a staged value.
import type { GridCell, GridColumn, Json, OptionValue, TableInfo } from "../bindings";
import { multiLabels, sameChoices } from "./choiceEdit";
import { dateTimeText, dateTimeValue, sameDateTime, shownDateTime } from "./dateTimeEdit";

/** A memo (multi-line text) is a "text" editor too, drawn as a text area: see `multiline`. */
export type EditorKind = "text" | "number" | "choice" | "date" | "datetime" | "multi" | "lookup";

const WHOLE = ["Integer", "BigInt"];
const NUMBERS = [...WHOLE, "Decimal", "Double", "Money"];

/** The editor a column gets, or null when it cannot be changed in the grid. */
export function editorKind(column: GridColumn): EditorKind | null {
  if (!column.editable) return null;
  const type = column.attribute_type;
  if (type === "String" || type === "Memo") return "text";
  if (NUMBERS.includes(type)) return "number";
  if (["Boolean", "Picklist", "State", "Status"].includes(type)) return "choice";
  // A day for a date-only column; a date and time as its behaviour says (see dateTimeEdit).
  if (type === "DateTime") return column.date_only ? "date" : "datetime";
  if (type === "Virtual" && column.multi_select) return "multi";
  if (["Lookup", "Customer", "Owner"].includes(type)) return "lookup";
  return null;
}

/** Text that keeps its line breaks: a memo column's editor is a text area. */
export function multiline(column: GridColumn): boolean {
  return column.attribute_type === "Memo";
}

/** A money cell's currency symbol, from how the environment formatted it (`$1,000.00`, `1.000,00 €`):
 * the record's currency is not in the column's metadata. */
export function currencySymbol(column: GridColumn, cell: GridCell | undefined): string {
  if (column.attribute_type !== "Money" || !cell?.text) return "";
  return cell.text.replace(/[\d.,\s\u00a0\u202f'()+-]/g, "");
}

/** The cell's raw value as the core read it (null when empty): `raw` where it differs from the text. */
export function rawValue(cell: GridCell | undefined): string | null {
  if (!cell) return null;
  const raw = cell.raw ?? cell.text;
  return raw === "" ? null : raw;
}

/** A yes/no column's options are 0 (no) and 1 (yes); its values true and false. */
function isBoolean(column: GridColumn): boolean {
  return column.attribute_type === "Boolean";
}

/** The text an editor starts from. A lookup's is its reference; a date's the day of its raw value. */
export function editorText(column: GridColumn, cell: GridCell | undefined, tables: TableInfo[]): string {
  const raw = rawValue(cell);
  if (raw === null) return "";
  switch (editorKind(column)) {
    case "choice":
      if (isBoolean(column)) return raw === "true" ? "1" : raw === "false" ? "0" : raw;
      return raw;
    case "date":
      return raw.slice(0, 10);
    case "datetime":
      return dateTimeText(column, raw);
    case "lookup": {
      const target = cell?.target ?? column.targets[0] ?? "";
      return lookupReference(tables, target, raw);
    }
    default:
      return raw;
  }
}

/** `contacts(<id>)`: a lookup's value, by the entity set of its table (the logical name if unknown). */
export function lookupReference(tables: TableInfo[], table: string, id: string): string {
  const set = tables.find((info) => info.logical_name === table)?.entity_set ?? table;
  return `${set}(${id})`;
}

/** The record id inside a lookup's reference (`contacts(<id>)` or a bare id). */
export function referencedId(reference: string): string {
  const found = /\(([^()]*)\)$/.exec(reference);
  return (found?.[1] ?? reference).toLowerCase();
}

/** Why what is typed in a number's editor is not a number of the column's kind yet, or null. */
export function numberProblem(column: GridColumn, text: string): string | null {
  const typed = text.trim();
  if (typed === "") return null;
  if (WHOLE.includes(column.attribute_type)) {
    return /^-?\d+$/.test(typed) ? null : "A whole number: digits, and a minus sign if it is negative.";
  }
  return /^-?\d+(\.\d+)?$/.test(typed)
    ? null
    : "A number: digits, a point before any decimals, and a minus sign if it is negative.";
}

/** `1234567.5` → `1,234,567.5`: a bound's exact text with its thousands grouped. */
function grouped(text: string): string {
  const [whole = "", fraction] = text.split(".");
  const digits = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return fraction === undefined ? digits : `${digits}.${fraction}`;
}

/** What a number's editor takes, from its metadata: `From 0 to 100, a whole number`. */
export function numberHint(column: GridColumn): string | null {
  const { min_value: min, max_value: max, places } = column;
  const parts: string[] = [];
  if (min !== null && max !== null) parts.push(`From ${grouped(min)} to ${grouped(max)}`);
  if (places === 0) parts.push("a whole number");
  else if (places !== null)
    parts.push(`up to ${String(places)} decimal ${places === 1 ? "place" : "places"}`);
  if (parts.length === 0) return null;
  const text = parts.join(", ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The value the editor's text stands for, as the core takes it; null clears the column. */
export function editedValue(column: GridColumn, text: string): Json {
  const kind = editorKind(column);
  if (kind === "text") return text === "" ? null : text;
  const typed = text.trim();
  if (typed === "") return null;
  if (kind === "choice") return isBoolean(column) ? typed === "1" : Number(typed);
  if (kind === "datetime") return dateTimeValue(column, typed);
  return typed; // numbers as their exact text; a date; a lookup's reference
}

/** A number's text with no sign of zero, no leading zeros and no trailing decimal zeros: `-0012.50` → `-12.5`. */
export function plainNumber(text: string): string {
  let typed = text.trim();
  const negative = typed.startsWith("-");
  if (negative || typed.startsWith("+")) typed = typed.slice(1);
  const [whole = "", fraction = ""] = typed.split(".");
  const digits = whole.replace(/^0+(?=\d)/, "") || "0";
  const decimals = fraction.replace(/0+$/, "");
  const plain = decimals ? `${digits}.${decimals}` : digits;
  return negative && plain !== "0" ? `-${plain}` : plain;
}

/** Whether `value` is the value read (`old`, the raw text): staging it changes nothing. */
export function sameValue(column: GridColumn, old: string | null, value: Json): boolean {
  if (value === null || old === null) return value === null && old === null;
  switch (editorKind(column)) {
    case "number":
      return typeof value === "string" && plainNumber(value) === plainNumber(old);
    case "choice":
      return (typeof value === "number" || typeof value === "boolean") && String(value) === old;
    case "lookup":
      return typeof value === "string" && referencedId(value) === old.toLowerCase();
    case "datetime":
      return typeof value === "string" && sameDateTime(value, old);
    case "multi":
      return typeof value === "string" && sameChoices(value, old);
    default:
      return value === old;
  }
}

function optionLabel(options: OptionValue[], value: number): string | undefined {
  return options.find((option) => option.value === value)?.label;
}

/** What the grid shows for a staged value: an option's label, a record's name (when known), the text. */
export function shownValue(column: GridColumn, value: Json, name?: string): string {
  if (value === null) return "";
  if (typeof value === "boolean") return optionLabel(column.options, value ? 1 : 0) ?? (value ? "Yes" : "No");
  if (typeof value === "number") return optionLabel(column.options, value) ?? String(value);
  if (typeof value === "string") {
    const kind = editorKind(column);
    if (kind === "lookup") return name || value;
    if (kind === "datetime") return shownDateTime(column, value);
    if (kind === "multi") return multiLabels(column, value);
    return value;
  }
  return JSON.stringify(value);
}

/** The editor's text for a value staged before (to edit it again). */
export function stagedText(value: Json): string {
  if (value === null) return "";
  if (typeof value === "boolean") return value ? "1" : "0";
  if (typeof value === "number" || typeof value === "string") return String(value);
  return JSON.stringify(value);
}

/** Characters as the core counts them against a column's max length (Unicode code points, as Rust's
 * `chars`): an emoji is one, though JavaScript's `length` says two. */
export function characters(text: string): number {
  return Array.from(text).length;
}
