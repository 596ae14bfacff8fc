// Changes of many records at once (a "Set column…" over a selection, a block pasted into the grid, a
// deletion of several): each record's version read first, a few at a time, so that every change carries
// the ETag and the value read with it, as an edit in a cell does. What cannot be staged is said, with its
// reason; nothing is staged without its version.
import type { ErrorPayload, GridCell, GridColumn, Json, TableInfo } from "../bindings";
import { errorPayload, lookupSearch, recordGet, valueCheck } from "./api";
import { lookupReference, rawValue, shownValue } from "./cellEdit";
import { pastedId, pastedValue, type PasteProblem, type PasteTarget } from "./gridPaste";
import type { DeleteChange, UpdateChange } from "./pendingList";
import type { ChangeNote } from "./stores/pending.svelte";

/** A record as read now: its version, its primary name and its cells by column. */
export type RecordVersion = { etag: string | null; name: string; cells: Record<string, GridCell> };

/** How many records are read at once. */
const PARALLEL = 4;

/** Runs `work` on every item, `PARALLEL` at a time (a paste of thousands of cells is not thousands of
 * calls at once). */
async function inTurn<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const worker = async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, queue.length) }, worker));
}

/** Each record's version (or why it could not be read), by id. */
export async function readVersions(
  connection: string,
  table: string,
  ids: string[],
): Promise<Map<string, RecordVersion | ErrorPayload>> {
  const read = new Map<string, RecordVersion | ErrorPayload>();
  await inTurn([...new Set(ids)], async (id) => {
    try {
      const record = await recordGet(connection, table, id, []);
      read.set(id, {
        etag: record.etag,
        name: record.fields.find((field) => field.group === "name")?.cell.text ?? "",
        cells: Object.fromEntries(record.fields.map((field) => [field.column.logical_name, field.cell])),
      });
    } catch (err) {
      read.set(id, errorPayload(err));
    }
  });
  return read;
}

function isVersion(read: RecordVersion | ErrorPayload | undefined): read is RecordVersion {
  return read !== undefined && "cells" in read;
}

export type StagedItem = { change: UpdateChange; note: ChangeNote };

/** The update of `column` on one record as it was read (its version, the value replaced). */
function updateOf(
  table: string,
  id: string,
  column: GridColumn,
  value: Json,
  shown: string,
  version: RecordVersion,
): StagedItem {
  const old = version.cells[column.logical_name];
  return {
    change: {
      kind: "update",
      table,
      id,
      etag: version.etag,
      column: column.logical_name,
      old: rawValue(old),
      new: value,
    },
    note: {
      label: column.label,
      shown,
      oldShown: old?.text ?? "",
      ...(version.name ? { recordName: version.name } : {}),
    },
  };
}

/** "Set column…": the same value on every record, each with its own version and old value. */
export async function setColumnChanges(
  connection: string,
  table: string,
  column: GridColumn,
  value: Json,
  shown: string,
  ids: string[],
): Promise<{ items: StagedItem[]; failed: { id: string; reason: string }[] }> {
  const versions = await readVersions(connection, table, ids);
  const items: StagedItem[] = [];
  const failed: { id: string; reason: string }[] = [];
  for (const id of ids) {
    const version = versions.get(id);
    if (isVersion(version)) items.push(updateOf(table, id, column, value, shown, version));
    else failed.push({ id, reason: `Its version could not be read: ${version?.message ?? "no answer"}` });
  }
  return { items, failed };
}

/** The deletions of the records, each with its version and name (for the confirmation and review). */
export async function deleteChanges(
  connection: string,
  table: string,
  ids: string[],
): Promise<{ changes: DeleteChange[]; failed: { id: string; reason: string }[] }> {
  const versions = await readVersions(connection, table, ids);
  const changes: DeleteChange[] = [];
  const failed: { id: string; reason: string }[] = [];
  for (const id of ids) {
    const version = versions.get(id);
    if (isVersion(version))
      changes.push({ kind: "delete", table, id, etag: version.etag, name: version.name || id });
    else failed.push({ id, reason: `It could not be read: ${version?.message ?? "no answer"}` });
  }
  return { changes, failed };
}

/** A lookup's pasted text as its reference: a record id (of its only table), or a primary name that
 * names exactly one record of its tables. */
async function pastedLookup(
  connection: string,
  column: GridColumn,
  text: string,
  tables: TableInfo[],
): Promise<{ value: Json; name: string } | { problem: string }> {
  const typed = text.trim();
  const id = pastedId(typed);
  if (id) {
    const [only] = column.targets;
    if (column.targets.length !== 1 || !only) {
      return { problem: `${column.label} points to several tables: paste the record's name, not its id.` };
    }
    return { value: lookupReference(tables, only, id), name: typed };
  }
  const found = (
    await Promise.all(column.targets.map((target) => lookupSearch(connection, target, typed)))
  ).flat();
  const exact = found.filter((candidate) => candidate.name.toLowerCase() === typed.toLowerCase());
  const [match] = exact;
  if (exact.length === 1 && match) {
    return { value: lookupReference(tables, match.table, match.id), name: match.name };
  }
  if (exact.length > 1) {
    return {
      problem: `${String(exact.length)} records are named '${typed}': pick one in the cell's editor.`,
    };
  }
  return { problem: `No record named '${typed}' for ${column.label}.` };
}

/**
 * The pasted cells as updates: each read as its column's value, checked by the core as a typed value is,
 * with its record's version. Every cell that is not staged is in `problems`, with its reason.
 */
export async function pasteChanges(
  connection: string,
  table: string,
  targets: PasteTarget[],
  idOf: (row: number) => string | undefined,
  tables: TableInfo[],
): Promise<{ items: StagedItem[]; problems: PasteProblem[] }> {
  const problems: PasteProblem[] = [];
  const read: { target: PasteTarget; id: string; value: Json; shown: string }[] = [];
  const refuse = (target: PasteTarget, reason: string): void => {
    problems.push({
      row: target.row,
      col: target.col,
      column: target.column.label,
      text: target.text,
      reason,
    });
  };
  await inTurn(targets, async (target) => {
    const id = idOf(target.row);
    if (!id) {
      refuse(target, "Its row is not read yet.");
      return;
    }
    const { column, text } = target;
    let value: Json;
    let shown: string;
    try {
      const lookup = ["Lookup", "Customer", "Owner"].includes(column.attribute_type) && text.trim() !== "";
      if (lookup) {
        const found = await pastedLookup(connection, column, text, tables);
        if ("problem" in found) {
          refuse(target, found.problem);
          return;
        }
        value = found.value;
        shown = found.name;
      } else {
        const parsed = pastedValue(column, text);
        if ("problem" in parsed) {
          refuse(target, parsed.problem);
          return;
        }
        value = parsed.value;
        shown = shownValue(column, value);
      }
      await valueCheck(connection, { table, column: column.logical_name, value });
    } catch (err) {
      const problem = errorPayload(err);
      refuse(target, [problem.message, problem.hint].filter(Boolean).join(" "));
      return;
    }
    read.push({ target, id, value, shown });
  });
  const versions = await readVersions(
    connection,
    table,
    read.map((cell) => cell.id),
  );
  const items: StagedItem[] = [];
  for (const cell of read) {
    const version = versions.get(cell.id);
    if (isVersion(version))
      items.push(updateOf(table, cell.id, cell.target.column, cell.value, cell.shown, version));
    else refuse(cell.target, `Its record could not be read: ${version?.message ?? "no answer"}`);
  }
  // In the block's order: row by row, left to right.
  const order = (a: { row: number; col: number }, b: { row: number; col: number }) =>
    a.row - b.row || a.col - b.col;
  problems.sort(order);
  const place = new Map(read.map((cell) => [`${cell.id}|${cell.target.column.logical_name}`, cell.target]));
  items.sort((a, b) => {
    const at = place.get(`${a.change.id}|${a.change.column}`);
    const bt = place.get(`${b.change.id}|${b.change.column}`);
    return at && bt ? order(at, bt) : 0;
  });
  return { items, problems };
}
