// A block of cells pasted into the grid (from Excel or any spreadsheet), as pure functions: the
// tab-separated text split as Excel writes it, where each pasted cell lands from the cursor, and each
// cell's text read as the column's value the way a person types it (an option's label, yes/no, a number
// with its thousands separators, a day). What cannot be read is said, never guessed.
import type { GridColumn, Json } from "../bindings";
import { editorKind, numberProblem, plainNumber } from "./cellEdit";
import { multiText } from "./choiceEdit";
import { dateTimeValue } from "./dateTimeEdit";

/**
 * The rows and cells of tab-separated text as Excel puts it on the clipboard: rows end with CRLF (or LF,
 * or CR), the last one usually too; a cell holding a tab, a line break or a quote is quoted, its quotes
 * doubled. A quote anywhere but at a cell's start is a plain character.
 */
export function parseTsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let at = 0;
  let quoted = false;
  const endCell = () => {
    row.push(cell);
    cell = "";
  };
  const endRow = () => {
    endCell();
    rows.push(row);
    row = [];
  };
  while (at < text.length) {
    const char = text.charAt(at);
    if (quoted) {
      if (char === '"' && text.charAt(at + 1) === '"') {
        cell += '"';
        at += 2;
        continue;
      }
      if (char === '"') quoted = false;
      else cell += char;
      at += 1;
      continue;
    }
    if (char === '"' && cell === "") {
      quoted = true;
    } else if (char === "\t") {
      endCell();
    } else if (char === "\r" || char === "\n") {
      endRow();
      if (char === "\r" && text.charAt(at + 1) === "\n") at += 1;
    } else {
      cell += char;
    }
    at += 1;
  }
  // The trailing line break Excel adds ends the last row: no empty row after it.
  if (cell !== "" || row.length > 0 || quoted) endRow();
  return rows;
}

/**
 * What lands where: one value pasted over a selection of several cells fills each of them (as a
 * spreadsheet does); any other block starts at the cursor.
 */
export function pastePlacement(
  block: string[][],
  cursor: { row: number; col: number },
  selected: { top: number; left: number; bottom: number; right: number },
): { block: string[][]; at: { row: number; col: number } } {
  const one = block.length === 1 && block[0]?.length === 1;
  const many = selected.bottom > selected.top || selected.right > selected.left;
  if (!one || !many) return { block, at: cursor };
  const value = block[0]?.[0] ?? "";
  const width = selected.right - selected.left + 1;
  const filled = Array.from({ length: selected.bottom - selected.top + 1 }, () =>
    Array<string>(width).fill(value),
  );
  return { block: filled, at: { row: selected.top, col: selected.left } };
}

/** A pasted cell's place in the grid: the row index and the column, with the text it brings. */
export type PasteTarget = { row: number; col: number; column: GridColumn; text: string };

/** A pasted cell that is not staged, and why. */
export type PasteProblem = { row: number; col: number; column: string; text: string; reason: string };

/**
 * Where the block lands with its top-left cell at the cursor: the cells over editable columns, and
 * those left out (a column that cannot be edited here, past the last column or the last row read).
 */
export function pasteTargets(
  block: string[][],
  cursor: { row: number; col: number },
  columns: GridColumn[],
  rows: number,
): { targets: PasteTarget[]; skipped: PasteProblem[] } {
  const targets: PasteTarget[] = [];
  const skipped: PasteProblem[] = [];
  block.forEach((cells, down) => {
    const row = cursor.row + down;
    cells.forEach((text, across) => {
      const col = cursor.col + across;
      const column = columns[col];
      if (!column || row >= rows) {
        const where = column ? "past the last row read" : "past the grid's last column";
        skipped.push({ row, col, column: column?.label ?? "", text, reason: `Left out: ${where}.` });
      } else if (editorKind(column) === null) {
        skipped.push({
          row,
          col,
          column: column.label,
          text,
          reason: `${column.label} cannot be edited here.`,
        });
      } else {
        targets.push({ row, col, column, text });
      }
    });
  });
  return { targets, skipped };
}

/** A cell read as the column's value, or why it cannot be. */
export type PastedValue = { value: Json } | { problem: string };

const YES = ["yes", "true", "1", "y"];
const NO = ["no", "false", "0", "n"];

/**
 * The value a pasted cell stands for, as the core takes it (as `editedValue` gives a typed one); an
 * empty cell clears the column. A lookup's text is resolved elsewhere (it needs a search): here it is
 * kept as typed.
 */
export function pastedValue(column: GridColumn, text: string): PastedValue {
  const kind = editorKind(column);
  if (kind === "text") return { value: text === "" ? null : text };
  const typed = text.trim();
  if (typed === "") return { value: null };
  switch (kind) {
    case "number":
      return pastedNumber(column, typed);
    case "choice":
      return pastedChoice(column, typed);
    case "date":
      return pastedDate(typed);
    case "datetime":
      return pastedDateTime(column, typed);
    case "multi":
      return pastedChoices(column, typed);
    default:
      return { value: typed };
  }
}

/** A number as a spreadsheet shows it, in this computer's way of writing numbers: `1,234.50`,
 * `$1,234.50`, `(12)` for -12, `1 234`; where the decimal separator is a comma, `1.234,50`. */
function pastedNumber(column: GridColumn, typed: string): PastedValue {
  let plain = typed.replace(/[\s\u00a0]/g, "");
  let negative = false;
  const parens = /^\((.*)\)$/.exec(plain);
  if (parens) {
    negative = true;
    plain = parens[1] ?? "";
  }
  const sign = () => {
    if (!plain.startsWith("-")) return;
    negative = !negative;
    plain = plain.slice(1);
  };
  sign();
  plain = plain.replace(CURRENCY_BEFORE, "").replace(CURRENCY_AFTER, "");
  sign();
  plain = localeDigits(plain, SEPARATORS);
  const number = `${negative ? "-" : ""}${plain}`;
  const problem = plain === "" ? "It holds no digits." : numberProblem(column, number);
  if (problem) return { problem: `'${typed}' is not a number of ${column.label}: ${problem}` };
  return { value: plainNumber(number) };
}

/** This computer's digit grouping and decimal separators: a spreadsheet copies numbers as it shows them. */
const SEPARATORS = (() => {
  const parts = new Intl.NumberFormat().formatToParts(12345.6);
  return {
    group: parts.find((part) => part.type === "group")?.value ?? ",",
    decimal: parts.find((part) => part.type === "decimal")?.value ?? ".",
  };
})();

/** `plain` with the locale's grouping taken out and its decimal separator as a point (`1.234,5` → `1234.5`
 * where the decimal separator is a comma); anything else is left for the number check to refuse. */
export function localeDigits(plain: string, separators: { group: string; decimal: string }): string {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const [group, decimal] = [escape(separators.group), escape(separators.decimal)];
  const grouped = new RegExp(`^\\d{1,3}(${group}\\d{3})+(${decimal}\\d+)?$`);
  const text = grouped.test(plain) ? plain.replaceAll(separators.group, "") : plain;
  if (separators.decimal === ".") return text;
  return new RegExp(`^-?\\d+${decimal}\\d+$`).test(text) ? text.replace(separators.decimal, ".") : text;
}

/** A currency's symbol or code before or after the digits, as a money cell is shown. */
const CURRENCY_BEFORE = /^(?:[$€£¥₹]|[A-Z]{3})/;
const CURRENCY_AFTER = /(?:[$€£¥₹]|[A-Z]{3})$/;

function pastedChoice(column: GridColumn, typed: string): PastedValue {
  const lower = typed.toLowerCase();
  const byLabel = column.options.find((option) => option.label.toLowerCase() === lower);
  if (column.attribute_type === "Boolean") {
    if (byLabel) return { value: byLabel.value === 1 };
    if (YES.includes(lower)) return { value: true };
    if (NO.includes(lower)) return { value: false };
    return { problem: `'${typed}' is neither yes nor no.` };
  }
  if (byLabel) return { value: byLabel.value };
  const byValue = column.options.find((option) => String(option.value) === typed);
  if (byValue) return { value: byValue.value };
  const labels = column.options.map((option) => option.label).join(", ");
  return { problem: `'${typed}' is not an option of ${column.label}${labels ? ` (${labels})` : ""}.` };
}

/** A day: `2024-03-15` (a date and time keeps its day), `15.03.2024`, or with slashes when the order is
 * plain (`15/03/2024`, `3/15/2024`); `03/04/2024` could be either and is refused. */
function pastedDate(typed: string): PastedValue {
  const iso = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ].*)?$/.exec(typed);
  const dotted = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(typed);
  const slashed = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(typed);
  let day: [number, number, number] | null = null;
  if (iso) day = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  else if (dotted) day = [Number(dotted[3]), Number(dotted[2]), Number(dotted[1])];
  else if (slashed) {
    const first = Number(slashed[1]);
    const second = Number(slashed[2]);
    const year = Number(slashed[3]);
    if (first > 12 && second <= 12) day = [year, second, first];
    else if (second > 12 && first <= 12) day = [year, first, second];
    else if (first === second) day = [year, first, second];
    else return { problem: `'${typed}' could be day/month or month/day: paste it as YYYY-MM-DD.` };
  }
  if (!day || !realDay(...day)) return { problem: `'${typed}' is not a date (YYYY-MM-DD).` };
  const [year, month, date] = day;
  const pad = (n: number) => String(n).padStart(2, "0");
  return { value: `${String(year).padStart(4, "0")}-${pad(month)}-${pad(date)}` };
}

/** A date and time: its day as `pastedDate` reads one, then `HH:MM` (`:SS`, `AM`/`PM` too), in the
 * column's behaviour (local time for a user-local column). A day alone is refused: its time is not known. */
function pastedDateTime(column: GridColumn, typed: string): PastedValue {
  const found = /^(\S+)[ T](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*([AaPp][Mm])?(Z)?$/.exec(typed);
  if (!found) return { problem: `'${typed}' is not a date and time (YYYY-MM-DD HH:MM).` };
  const [, dayText = "", hours = "", minutes = "", seconds, half, utc] = found;
  const day = pastedDate(dayText);
  if ("problem" in day) return day;
  let hour = Number(hours);
  if (half) {
    if (hour < 1 || hour > 12) return { problem: `'${typed}' has no such hour.` };
    hour = (hour % 12) + (half.toLowerCase() === "pm" ? 12 : 0);
  }
  if (hour > 23 || Number(minutes) > 59 || Number(seconds ?? 0) > 59) {
    return { problem: `'${typed}' has no such time.` };
  }
  const clock = `${String(hour).padStart(2, "0")}:${minutes}${seconds ? `:${seconds}` : ""}`;
  const text = `${typeof day.value === "string" ? day.value : ""}T${clock}`;
  // A time in UTC (as an export writes it) is that instant, whatever the column's behaviour.
  if (utc) return { value: `${text}${seconds ? "" : ":00"}Z` };
  return { value: dateTimeValue(column, text) };
}

/** A multi-select's options, by label or number, separated by `;` (as Dataverse shows them) or `,`. */
function pastedChoices(column: GridColumn, typed: string): PastedValue {
  const chosen: number[] = [];
  for (const part of typed
    .split(/[;,]/)
    .map((p) => p.trim())
    .filter((p) => p !== "")) {
    const lower = part.toLowerCase();
    const option = column.options.find((o) => o.label.toLowerCase() === lower || String(o.value) === part);
    if (!option) {
      const labels = column.options.map((o) => o.label).join(", ");
      return { problem: `'${part}' is not an option of ${column.label}${labels ? ` (${labels})` : ""}.` };
    }
    chosen.push(option.value);
  }
  return { value: multiText(column, chosen) };
}

function realDay(year: number, month: number, day: number): boolean {
  const at = new Date(Date.UTC(year, month - 1, day));
  return at.getUTCFullYear() === year && at.getUTCMonth() === month - 1 && at.getUTCDate() === day;
}

const GUID = /^\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?$/i;

/** A record id pasted as a lookup's value (`{…}` as Excel may hold it), lower case; null for a name. */
export function pastedId(text: string): string | null {
  return GUID.exec(text.trim())?.[1]?.toLowerCase() ?? null;
}
