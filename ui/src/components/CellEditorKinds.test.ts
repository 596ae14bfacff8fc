// The editors fitted to memo, money, multi-select, date-time, state and status reason columns.
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import type { GridCell, GridColumn, Json, OptionValue, RecordView } from "../bindings";
import { storesKey, type AppStores } from "../lib/stores";
import { PendingStore } from "../lib/stores/pending.svelte";
import { contact, table } from "../test/fixtures";
import { gridColumn } from "../test/grid";
import { mockBackend } from "../test/ipc";
import CellEditor from "./CellEditor.svelte";

const states: OptionValue[] = [
  { value: 0, label: "Open", default_status: 1 },
  { value: 2, label: "Disqualified", default_status: 4 },
];
const statuses: OptionValue[] = [
  { value: 1, label: "New", state: 0 },
  { value: 2, label: "Contacted", state: 0 },
  { value: 4, label: "Lost", state: 2 },
  { value: 5, label: "Cannot Contact", state: 2 },
];
const stateColumn = gridColumn("statecode", "Status", "State", { options: states });
const statusColumn = gridColumn("statuscode", "Status Reason", "Status", { options: statuses });

/** The lead as `record_get` reads it: Open, New. */
function lead(state: string, status: string): RecordView {
  const field = (column: GridColumn, raw: string) => ({
    column,
    group: "other" as const,
    cell: { text: column.options.find((o) => String(o.value) === raw)?.label ?? raw, raw },
  });
  return {
    table,
    id: "l-1",
    etag: 'W/"7"',
    fields: [
      { column: gridColumn("fullname", "Name"), group: "name", cell: { text: "Ada Lovelace" } },
      field(stateColumn, state),
      field(statusColumn, status),
    ],
    json: "{}",
    app_link: "",
    related: [],
  };
}

function editing(edited: GridColumn, cell: GridCell, initial: string, stores?: AppStores) {
  const onstage = vi.fn<(value: Json, shown: string, key: "Enter" | "Tab" | null) => Promise<string | null>>(
    () => Promise.resolve(null),
  );
  const backend = mockBackend({
    value_check: () => null,
    record_get: () => lead("0", "1"),
    pending_save: () => null,
  });
  render(CellEditor, {
    props: {
      connection: "c-1",
      table: "lead",
      column: edited,
      cell,
      initial,
      initialLabel: cell.text,
      tables: [contact],
      record: "l-1",
      onstage,
      oncancel: vi.fn(),
    },
    ...(stores ? { context: new Map([[storesKey, stores]]) } : {}),
  });
  return { onstage, backend };
}

describe("Cell editor kinds", () => {
  it("breaks a memo's line with Shift+Enter and stages it with Enter or Ctrl+Enter, counting characters", async () => {
    const memo = gridColumn("description", "Description", "Memo", { max_length: 2000 });
    const { onstage } = editing(memo, { text: "" }, "");
    const area = screen.getByTestId<HTMLTextAreaElement>("cell-editor-input");
    expect(area.tagName).toBe("TEXTAREA");
    await fireEvent.input(area, { target: { value: "one\ntwo" } });
    await fireEvent.keyDown(area, { key: "Enter", shiftKey: true });
    expect(onstage).not.toHaveBeenCalled();
    expect(screen.getByTestId("cell-editor-counter").textContent).toBe("7/2000");
    await fireEvent.keyDown(area, { key: "Enter", ctrlKey: true });
    await waitFor(() => {
      expect(onstage).toHaveBeenCalledWith("one\ntwo", "one\ntwo", "Enter");
    });
  });

  it("shows money's currency symbol beside its exact digits", () => {
    editing(gridColumn("revenue", "Annual Revenue", "Money"), { text: "$1,000.50", raw: "1000.5" }, "1000.5");
    expect(screen.getByTestId("cell-editor-currency").textContent).toBe("$");
    expect(screen.getByTestId<HTMLInputElement>("cell-editor-input").value).toBe("1000.5");
  });

  it("checks a multi-select's options and stages their values joined by commas", async () => {
    const channels = gridColumn("cr0d1_channels", "Channels", "Virtual", {
      multi_select: true,
      options: [
        { value: 1, label: "Email" },
        { value: 2, label: "Phone" },
        { value: 3, label: "Web" },
      ],
    });
    const { onstage } = editing(channels, { text: "Email", raw: "1" }, "1");
    const boxes = screen.getAllByRole<HTMLInputElement>("checkbox");
    expect(boxes.map((box) => box.checked)).toEqual([true, false, false]);
    await fireEvent.click(boxes[2] as HTMLInputElement);
    await fireEvent.keyDown(boxes[2] as HTMLInputElement, { key: "Enter" });
    await waitFor(() => {
      expect(onstage).toHaveBeenCalledWith("1,3", "Email; Web", "Enter");
    });
  });

  it("edits a time-zone-independent date and time as typed, and says so", async () => {
    const kickoff = gridColumn("cr0d1_kickoff", "Kick-off", "DateTime", {
      date_behavior: "TimeZoneIndependent",
    });
    const { onstage } = editing(
      kickoff,
      { text: "5/1/2026 9:30 AM", raw: "2026-05-01T09:30:00Z" },
      "2026-05-01T09:30:00Z",
    );
    const input = screen.getByTestId<HTMLInputElement>("cell-editor-input");
    expect(input.type).toBe("datetime-local");
    expect(input.value).toBe("2026-05-01T09:30");
    expect(screen.getByTestId("cell-editor-zone").textContent).toContain("no time zone");
    await fireEvent.input(input, { target: { value: "2026-05-02T18:05" } });
    await fireEvent.keyDown(input, { key: "Enter" });
    await waitFor(() => {
      expect(onstage).toHaveBeenCalledWith("2026-05-02T18:05:00Z", expect.any(String), "Enter");
    });
  });

  it("offers only the status reasons of the record's state, and has the core check them with it", async () => {
    const { backend } = editing(statusColumn, { text: "New", raw: "1" }, "1");
    const select = screen.getByTestId<HTMLSelectElement>("cell-editor-input");
    await waitFor(() => {
      expect([...select.options].map((o) => o.textContent)).toEqual(["(none)", "New", "Contacted"]);
    });
    await fireEvent.change(select, { target: { value: "2" } });
    await fireEvent.keyDown(select, { key: "Enter" });
    await waitFor(() => {
      expect(backend.argsOf("value_check").at(-1)?.[1]).toMatchObject({ value: 2, row: { statecode: 0 } });
    });
  });

  it("proposes a new state's default status reason and stages it with the state", async () => {
    const stores = { pending: new PendingStore() } as AppStores;
    const { onstage } = editing(stateColumn, { text: "Open", raw: "0" }, "0", stores);
    const select = screen.getByTestId<HTMLSelectElement>("cell-editor-input");
    await waitFor(() => {
      expect(select.options.length).toBeGreaterThan(1);
    });
    await fireEvent.change(select, { target: { value: "2" } });
    expect((await screen.findByTestId("cell-editor-proposal")).textContent).toContain("Lost");
    await fireEvent.keyDown(select, { key: "Enter" });
    await waitFor(() => {
      expect(onstage).toHaveBeenCalledWith(2, "Disqualified", "Enter");
    });
    const staged = stores.pending.for("c-1").update("lead", "l-1", "statuscode");
    expect(staged).toMatchObject({ new: 4, old: "1", etag: 'W/"7"' });
  });
});
