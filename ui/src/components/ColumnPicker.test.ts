import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import { columns } from "../test/grid";
import ColumnPicker from "./ColumnPicker.svelte";

function shown(current = ["name", "revenue"]) {
  const onchoose = vi.fn<(columns: string[]) => void>();
  render(ColumnPicker, { props: { available: columns, shown: current, onchoose } });
  return onchoose;
}

function checkbox(label: string): HTMLInputElement {
  return screen.getByRole<HTMLInputElement>("checkbox", { name: label });
}

describe("Column picker", () => {
  it("lists every column with those shown checked", async () => {
    shown();
    expect(screen.queryByTestId("grid-columns-panel")).toBeNull();
    await fireEvent.click(screen.getByTestId("grid-columns"));
    const panel = screen.getByTestId("grid-columns-panel");
    expect(within(panel).getAllByRole("checkbox")).toHaveLength(3);
    expect(checkbox("Account Name").checked).toBe(true);
    expect(checkbox("Annual Revenue").checked).toBe(true);
    expect(checkbox("Primary Contact").checked).toBe(false);
    expect(screen.getByTestId("grid-columns").getAttribute("aria-expanded")).toBe("true");
  });

  it("applies the columns checked, a new one at the end, and closes", async () => {
    const onchoose = shown();
    await fireEvent.click(screen.getByTestId("grid-columns"));
    await fireEvent.click(checkbox("Account Name"));
    await fireEvent.click(checkbox("Primary Contact"));
    await fireEvent.click(checkbox("Account Name"));
    await fireEvent.click(screen.getByTestId("grid-columns-apply"));
    expect(onchoose.mock.calls).toEqual([[["revenue", "primarycontactid", "name"]]]);
    expect(screen.queryByTestId("grid-columns-panel")).toBeNull();
  });

  it("goes back to the table's default columns, and refuses none at all", async () => {
    const onchoose = shown(["name"]);
    await fireEvent.click(screen.getByTestId("grid-columns"));
    await fireEvent.click(checkbox("Account Name"));
    expect(screen.getByTestId<HTMLButtonElement>("grid-columns-apply").disabled).toBe(true);
    await fireEvent.click(screen.getByTestId("grid-columns-default"));
    expect(onchoose.mock.calls).toEqual([[[]]]);
  });

  it("finds a column by its label or logical name, and starts afresh when opened again", async () => {
    const onchoose = shown();
    const button = screen.getByTestId("grid-columns");
    await fireEvent.click(button);
    const search = screen.getByTestId("grid-columns-search");
    await fireEvent.input(search, { target: { value: "primarycontact" } });
    expect(screen.getAllByRole("checkbox").map((found) => found.parentElement?.textContent.trim())).toEqual([
      "Primary Contact",
    ]);
    await fireEvent.input(search, { target: { value: "  REVENUE " } });
    expect(screen.getAllByRole("checkbox")).toHaveLength(1);
    await fireEvent.click(checkbox("Annual Revenue"));
    await fireEvent.click(button);
    await fireEvent.click(button);
    expect(screen.getAllByRole("checkbox")).toHaveLength(3);
    expect(checkbox("Annual Revenue").checked).toBe(true);
    expect(onchoose).not.toHaveBeenCalled();
  });
});
