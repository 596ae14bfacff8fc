import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import type { GridCell, GridColumn, Json } from "../bindings";
import { contact } from "../test/fixtures";
import { available, gridColumn } from "../test/grid";
import { mockBackend } from "../test/ipc";
import CellEditor from "./CellEditor.svelte";

function column(name: string): GridColumn {
  const found = available.find((candidate) => candidate.logical_name === name);
  if (!found) throw new Error(name);
  return found;
}

function editing(edited: GridColumn, cell: GridCell, initial: string) {
  const onstage = vi.fn<(value: Json, shown: string, key: "Enter" | "Tab" | null) => Promise<string | null>>(
    () => Promise.resolve(null),
  );
  const oncancel = vi.fn();
  const backend = mockBackend({
    value_check: () => null,
    lookup_search: () => [{ table: "contact", id: "c-jo", name: "Jo Bloggs" }],
  });
  render(CellEditor, {
    props: {
      connection: "c-1",
      table: "account",
      column: edited,
      cell,
      initial,
      initialLabel: cell.text,
      tables: [contact],
      onstage,
      oncancel,
    },
  });
  return { onstage, oncancel, backend };
}

describe("Cell editor", () => {
  it("gives a choice its options and stages the option's number", async () => {
    const { onstage } = editing(column("industrycode"), { text: "Accounting", raw: "1" }, "1");
    const select = screen.getByTestId<HTMLSelectElement>("cell-editor-input");
    expect([...select.options].map((option) => option.textContent)).toEqual([
      "(none)",
      "Accounting",
      "Software",
    ]);
    expect(select.value).toBe("1");
    await fireEvent.change(select, { target: { value: "33" } });
    await fireEvent.keyDown(select, { key: "Enter" });
    await waitFor(() => {
      expect(onstage).toHaveBeenCalledWith(33, "Software", "Enter");
    });
  });

  it("stages yes/no as true or false, and offers no (none) for a required choice set", async () => {
    const required = { ...column("donotemail"), required: true };
    const { onstage } = editing(required, { text: "Allow", raw: "false" }, "0");
    const select = screen.getByTestId<HTMLSelectElement>("cell-editor-input");
    expect([...select.options].map((option) => option.value)).toEqual(["0", "1"]);
    await fireEvent.change(select, { target: { value: "1" } });
    await fireEvent.keyDown(select, { key: "Tab" });
    await waitFor(() => {
      expect(onstage).toHaveBeenCalledWith(true, "Do Not Allow", "Tab");
    });
  });

  it("stages a date as the day picked", async () => {
    const { onstage } = editing(
      gridColumn("birthdate", "Birthday", "DateTime", { date_only: true }),
      { text: "" },
      "",
    );
    const input = screen.getByTestId<HTMLInputElement>("cell-editor-input");
    expect(input.type).toBe("date");
    await fireEvent.input(input, { target: { value: "2024-05-02" } });
    await fireEvent.keyDown(input, { key: "Enter" });
    await waitFor(() => {
      expect(onstage).toHaveBeenCalledWith("2024-05-02", "2024-05-02", "Enter");
    });
  });

  it("stages a lookup's record as soon as it is picked, as its entity set's reference", async () => {
    const lookup = gridColumn("primarycontactid", "Primary Contact", "Lookup", { targets: ["contact"] });
    const { onstage } = editing(lookup, { text: "" }, "");
    await fireEvent.input(screen.getByTestId("condition-lookup-input"), { target: { value: "Jo" } });
    await fireEvent.click(await screen.findByTestId("condition-lookup-option", {}, { timeout: 2000 }));
    await waitFor(() => {
      expect(onstage).toHaveBeenCalledWith("contacts(c-jo)", "Jo Bloggs", null);
    });
  });

  it("gives up on Escape", async () => {
    const { oncancel, onstage } = editing(gridColumn("name", "Account Name"), { text: "A" }, "A");
    await fireEvent.keyDown(screen.getByTestId("cell-editor-input"), { key: "Escape" });
    expect(oncancel).toHaveBeenCalled();
    expect(onstage).not.toHaveBeenCalled();
  });
});
