// The visual filter's logic, apart from its components: what each operator is called, which value
// editor fits a column, what a number may look like as it is typed, the conditions a builder's rows
// make (or why they make none yet), and the conditions as the route's `where` keeps them. The core
// types, escapes and checks each value: nothing here writes OData.
import type { FilterCondition, FilterOperator, GridColumn } from "../bindings";

/** Every operator, with what the filter bar calls it. */
export const OPERATOR_LABELS: Record<FilterOperator, string> = {
  eq: "equals",
  ne: "does not equal",
  contains: "contains",
  does_not_contain: "does not contain",
  begins_with: "begins with",
  ends_with: "ends with",
  gt: "is greater than",
  ge: "is at least",
  lt: "is less than",
  le: "is at most",
  on: "is on",
  on_or_after: "on or after",
  on_or_before: "on or before",
  null: "is empty",
  not_null: "has a value",
};

const OPERATORS = Object.keys(OPERATOR_LABELS) as FilterOperator[];

export function isOperator(text: unknown): text is FilterOperator {
  return typeof text === "string" && (OPERATORS as string[]).includes(text);
}

/** `is empty` and `has a value` ask nothing more; every other operator needs a value. */
export function takesValue(operator: FilterOperator): boolean {
  return operator !== "null" && operator !== "not_null";
}

/** The editor a column's value is given with. */
export type Editor = "choice" | "date" | "number" | "whole" | "lookup" | "text";

const CHOICES = ["Picklist", "State", "Status", "Boolean"];
const WHOLE = ["Integer", "BigInt"];
const DECIMAL = ["Decimal", "Double", "Money"];
const LOOKUPS = ["Lookup", "Customer", "Owner"];

export function editorFor(column: GridColumn): Editor {
  const type = column.attribute_type;
  // A multi-select's "contains" takes one of its options (the core asks ContainValues for it).
  const choices = CHOICES.includes(type) || column.multi_select;
  if (choices && column.options.length > 0) return "choice";
  if (type === "DateTime") return "date";
  if (WHOLE.includes(type)) return "whole";
  if (DECIMAL.includes(type)) return "number";
  if (LOOKUPS.includes(type) && column.targets.length > 0) return "lookup";
  return "text";
}

/** An option as the condition holds it: its value's text, or for a yes/no `"true"` / `"false"`. */
export function optionValue(column: GridColumn, value: number): string {
  if (column.attribute_type === "Boolean") return value === 0 ? "false" : "true";
  return String(value);
}

/** Whether `text` may be a number on its way: a sign first, digits, and (unless `whole`) one point. */
export function numberTyping(text: string, whole: boolean): boolean {
  return (whole ? /^[+-]?\d*$/ : /^[+-]?\d*\.?\d*$/).test(text);
}

/** Whether `text` is a number (a whole one if `whole`): a digit at least, a point only beside digits. */
export function isNumber(text: string, whole: boolean): boolean {
  return (whole ? /^[+-]?\d+$/ : /^[+-]?(\d+(\.\d*)?|\.\d+)$/).test(text);
}

/** One row of the builder, as the person fills it in. A lookup's `value` is the id, `label` its name. */
export type Draft = {
  column: string;
  operator: FilterOperator | "";
  value: string;
  label: string;
};

/** A condition kept in the route: the core's condition, and a lookup's record name to show. */
export type KeptCondition = FilterCondition & { label?: string };

/** The builder's rows as conditions to apply, or the first row's problem in the person's words. */
export function conditionsOf(
  drafts: Draft[],
  available: GridColumn[],
): { conditions: KeptCondition[] } | { problem: string } {
  const conditions: KeptCondition[] = [];
  for (const draft of drafts) {
    const column = available.find((candidate) => candidate.logical_name === draft.column);
    if (!column) return { problem: "Choose a column for each condition." };
    if (!draft.operator) return { problem: `Choose what ${column.label} should be.` };
    if (!takesValue(draft.operator)) {
      conditions.push({ column: column.logical_name, operator: draft.operator });
      continue;
    }
    const value = draft.value.trim();
    if (!value) return { problem: `Give a value to filter ${column.label} by.` };
    const editor = editorFor(column);
    if ((editor === "number" || editor === "whole") && !isNumber(value, editor === "whole")) {
      return {
        problem: `'${value}' is not ${editor === "whole" ? "a whole number" : "a number"} (${column.label}).`,
      };
    }
    const condition: KeptCondition = { column: column.logical_name, operator: draft.operator, value };
    if (editor === "lookup" && draft.label) condition.label = draft.label;
    conditions.push(condition);
  }
  return { conditions };
}

/** The conditions as the core takes them (no names). */
export function coreConditions(kept: KeptCondition[]): FilterCondition[] {
  return kept.map(({ column, operator, value }) =>
    value === undefined ? { column, operator } : { column, operator, value },
  );
}

/** The conditions a builder shows again (from the route). */
export function draftsOf(kept: KeptCondition[]): Draft[] {
  return kept.map((condition) => ({
    column: condition.column,
    operator: condition.operator,
    value: condition.value ?? "",
    label: condition.label ?? "",
  }));
}

/** The conditions as the route's `where` spells them: JSON. */
export function encodeWhere(kept: KeptCondition[]): string {
  return JSON.stringify(kept);
}

/** The route's `where`, read back; anything that is not a list of conditions is none. */
export function decodeWhere(text: string | null): KeptCondition[] {
  if (!text) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  const kept: KeptCondition[] = [];
  for (const item of parsed as unknown[]) {
    const condition = keptCondition(item);
    if (!condition) return [];
    kept.push(condition);
  }
  return kept;
}

function keptCondition(item: unknown): KeptCondition | null {
  if (typeof item !== "object" || item === null) return null;
  const { column, operator, value, label } = item as Record<string, unknown>;
  if (typeof column !== "string" || !column || !isOperator(operator)) return null;
  const condition: KeptCondition = { column, operator };
  if (typeof value === "string") condition.value = value;
  else if (value !== undefined && value !== null) return null;
  if (typeof label === "string" && label) condition.label = label;
  return condition;
}

/** The columns whose label or logical name holds `query` (any case), in their order. */
export function matchingColumns(available: GridColumn[], query: string): GridColumn[] {
  const wanted = query.trim().toLowerCase();
  return available.filter(
    (column) =>
      column.label.toLowerCase().includes(wanted) || column.logical_name.toLowerCase().includes(wanted),
  );
}

/** The row a column picked starts: its most used operator, no value yet. */
export function draftFor(column: GridColumn): Draft {
  return { column: column.logical_name, operator: column.operators[0] ?? "", value: "", label: "" };
}

/** The row with another operator: a value kept where the new one takes one too. */
export function withOperator(draft: Draft, operator: FilterOperator): Draft {
  return takesValue(operator) ? { ...draft, operator } : { ...draft, operator, value: "", label: "" };
}
