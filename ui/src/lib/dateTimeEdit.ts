// A date and time as its column's behaviour says (Learn: "Behavior and format of the Date and Time
// column", DateTimeBehavior). UserLocal: stored in UTC, edited in this computer's local time and sent as
// UTC ISO. TimeZoneIndependent: the clock time as entered, edited and sent as typed, never shifted (its
// raw value's `Z` means nothing). DateOnly columns have a day editor of their own.
import type { GridColumn } from "../bindings";

/** The behaviour of a date-time column (UserLocal when the metadata does not say). */
export function zoneIndependent(column: GridColumn): boolean {
  return column.date_behavior === "TimeZoneIndependent";
}

const pad = (n: number) => String(n).padStart(2, "0");

/** An `<input type="datetime-local">`'s text (`2026-05-01T09:30`) for a raw value read or staged. */
export function dateTimeText(column: GridColumn, raw: string): string {
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(raw)) return raw; // already the editor's text
  if (zoneIndependent(column)) return raw.slice(0, 16);
  const at = new Date(raw);
  if (Number.isNaN(at.getTime())) return raw;
  const day = `${String(at.getFullYear())}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
  return `${day}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

/** The value sent for the editor's text: UTC ISO for a user-local column, the clock as typed (with `Z`,
 * which Dataverse stores unshifted) for a time-zone-independent one. */
export function dateTimeValue(column: GridColumn, text: string): string {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(text)) return text; // the core says what is wrong
  const seconds = text.length === 16 ? `${text}:00` : text;
  if (zoneIndependent(column)) return `${seconds}Z`;
  const at = new Date(seconds); // no offset: local time
  return Number.isNaN(at.getTime()) ? text : at.toISOString().replace(/\.000Z$/, "Z");
}

/** Whether two raw values are the same instant (or, time-zone-independent, the same clock time). */
export function sameDateTime(a: string, b: string): boolean {
  const [x, y] = [Date.parse(a), Date.parse(b)];
  return !Number.isNaN(x) && x === y;
}

/** How the grid shows a staged date and time: local for a user-local column, as typed otherwise. */
export function shownDateTime(column: GridColumn, value: string): string {
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) return value;
  const options: Intl.DateTimeFormatOptions = { dateStyle: "short", timeStyle: "short" };
  if (zoneIndependent(column)) options.timeZone = "UTC";
  return new Intl.DateTimeFormat(undefined, options).format(at);
}
