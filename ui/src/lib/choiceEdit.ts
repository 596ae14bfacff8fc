// Choices that depend on more than one value: a status reason offered only with the state it belongs to
// (StatusOptionMetadata.State; Dataverse refuses another pair), a state's default status reason
// (StateOptionMetadata.DefaultStatus) proposed with it, and a multi-select choice's values ("1,3", as the
// Web API writes them; the labels joined by "; " as Dataverse formats them).
import type { GridColumn, OptionValue } from "../bindings";

/** The status reasons valid with `state` (all of them when the state or the options' states are unknown). */
export function statusOptions(column: GridColumn, state: number | null): OptionValue[] {
  if (state === null || !column.options.some((o) => o.state !== undefined && o.state !== null)) {
    return column.options;
  }
  return column.options.filter((option) => option.state === state);
}

/** The status reason a state proposes: its DefaultStatus, else the first reason of that state. */
export function defaultStatus(
  state: OptionValue | undefined,
  statuses: OptionValue[],
): OptionValue | undefined {
  if (!state) return undefined;
  const named = state.default_status;
  const of = (o: OptionValue) =>
    named === undefined || named === null ? o.state === state.value : o.value === named;
  return statuses.find(of);
}

/** A multi-select's raw value as the option values chosen. */
export function chosenValues(text: string): number[] {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .map(Number)
    .filter((n) => Number.isInteger(n));
}

/** The raw value for the values chosen, in the options' order; "" for none (which clears the column). */
export function multiText(column: GridColumn, chosen: number[]): string {
  return column.options
    .filter((option) => chosen.includes(option.value))
    .map((option) => String(option.value))
    .join(",");
}

/** The labels of a multi-select value, joined by "; " as Dataverse formats them. */
export function multiLabels(column: GridColumn, text: string): string {
  return chosenValues(text)
    .map((value) => column.options.find((option) => option.value === value)?.label ?? String(value))
    .join("; ");
}

/** Whether two multi-select values choose the same options, whatever their order. */
export function sameChoices(a: string, b: string): boolean {
  const [x, y] = [chosenValues(a).sort(), chosenValues(b).sort()];
  return x.length === y.length && x.every((value, i) => value === y[i]);
}
