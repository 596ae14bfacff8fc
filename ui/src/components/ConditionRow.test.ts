import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import type { Draft } from "../lib/filterBuilder";
import { available } from "../test/grid";
import { mockBackend } from "../test/ipc";
import ConditionRow from "./ConditionRow.svelte";

function shown(draft: Draft, more: { disabled?: boolean; invalid?: boolean } = {}) {
  mockBackend({ lookup_search: () => [] });
  const onchange = vi.fn<(draft: Draft) => void>();
  const onremove = vi.fn();
  const onapply = vi.fn();
  render(ConditionRow, {
    props: { draft, available, connection: "c-1", onchange, onremove, onapply, ...more },
  });
  return { onchange, onremove, onapply };
}

const draft = (column: string, operator: Draft["operator"], value = ""): Draft => ({
  column,
  operator,
  value,
  label: "",
});

function value(): HTMLInputElement {
  return screen.getByTestId<HTMLInputElement>("condition-value");
}

describe("Condition row", () => {
  it("names its controls after the column", () => {
    shown(draft("revenue", "gt", "5"));
    expect(screen.getByLabelText("What Annual Revenue should be")).toBe(
      screen.getByTestId("condition-operator"),
    );
    expect(screen.getByLabelText("Annual Revenue's value")).toBe(value());
    expect(screen.getByTestId("condition-remove").getAttribute("aria-label")).toBe(
      "Remove the condition on Annual Revenue",
    );
  });

  it("shows only the column chooser and × before a column is chosen", () => {
    shown(draft("", ""));
    expect(screen.queryByTestId("condition-operator")).toBeNull();
    expect(screen.queryByTestId("condition-value")).toBeNull();
    expect(screen.getByTestId("condition-remove").getAttribute("aria-label")).toBe("Remove the condition");
  });

  it("asks no value before an operator is chosen", () => {
    shown(draft("name", ""));
    expect(screen.getByTestId("condition-operator")).toBeTruthy();
    expect(screen.queryByTestId("condition-value")).toBeNull();
  });

  it("types a decimal and a whole number apart, and marks a number that is not one yet", () => {
    const { unmount } = render(ConditionRow, {
      props: {
        draft: draft("revenue", "eq", "-"),
        available,
        connection: "c-1",
        onchange: vi.fn(),
        onremove: vi.fn(),
        onapply: vi.fn(),
      },
    });
    expect(value().getAttribute("inputmode")).toBe("decimal");
    expect(value().placeholder).toBe("A number");
    expect(value().getAttribute("aria-invalid")).toBe("true");
    unmount();
    shown(draft("numberofemployees", "eq", "2.5"));
    expect(value().getAttribute("inputmode")).toBe("numeric");
    expect(value().placeholder).toBe("A whole number");
    expect(value().getAttribute("aria-invalid")).toBe("true");
  });

  it.each([
    ["revenue", "2.5"],
    ["revenue", ""],
    ["numberofemployees", "-25"],
    ["name", "-"],
  ])("leaves %s = %j unmarked", (column, text) => {
    shown(draft(column, "eq", text));
    expect(value().getAttribute("aria-invalid")).toBeNull();
  });

  it.each([
    ["name", "x"],
    ["industrycode", "1"],
    ["createdon", "2024-01-01"],
    ["revenue", "1"],
  ])("marks %s's value the core refused", (column, text) => {
    shown(draft(column, column === "createdon" ? "on" : "eq", text), { invalid: true });
    expect(value().getAttribute("aria-invalid")).toBe("true");
  });

  it("gives a date its own label, and no other editor for a text column", () => {
    shown(draft("createdon", "on"));
    expect(screen.getByLabelText("Created On's date")).toBe(value());
  });

  it("waits, every control disabled, while a view runs", () => {
    shown(draft("industrycode", "eq", "1"), { disabled: true });
    for (const id of ["condition-column", "condition-operator", "condition-value", "condition-remove"]) {
      expect(screen.getByTestId<HTMLInputElement>(id).disabled).toBe(true);
    }
  });

  it("keeps its row when the same column is chosen again, and applies on Enter only", async () => {
    const { onchange, onapply } = shown(draft("name", "contains", "Con"));
    const chooser = screen.getByTestId("condition-column");
    await fireEvent.focus(chooser);
    await fireEvent.click(screen.getAllByTestId("condition-column-option")[0] as HTMLElement);
    expect(onchange).not.toHaveBeenCalled();
    await fireEvent.keyDown(value(), { key: "a" });
    expect(onapply).not.toHaveBeenCalled();
    await fireEvent.keyDown(value(), { key: "Enter" });
    expect(onapply).toHaveBeenCalledTimes(1);
    await fireEvent.change(screen.getByTestId("condition-operator"), { target: { value: "not_null" } });
    expect(onchange.mock.calls).toEqual([[{ column: "name", operator: "not_null", value: "", label: "" }]]);
  });
});
