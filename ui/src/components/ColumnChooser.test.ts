import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import type { GridColumn } from "../bindings";
import { available } from "../test/grid";
import ColumnChooser from "./ColumnChooser.svelte";

function shown(chosen = "") {
  const onchoose = vi.fn<(column: GridColumn) => void>();
  render(ColumnChooser, { props: { columns: available, chosen, onchoose } });
  return { onchoose, input: screen.getByTestId<HTMLInputElement>("condition-column") };
}

describe("Column chooser", () => {
  it("shows the column chosen while closed, and what is typed while open", async () => {
    const { input } = shown("industrycode");
    expect(input.value).toBe("Industry");
    expect(screen.queryByRole("listbox")).toBeNull();
    await fireEvent.focus(input);
    expect(input.value).toBe("");
    expect(screen.getAllByTestId("condition-column-option")).toHaveLength(available.length);
    await fireEvent.input(input, { target: { value: "rev" } });
    expect(input.value).toBe("rev");
    await fireEvent.blur(input);
    expect(screen.queryByRole("listbox")).toBeNull();
    expect(input.value).toBe("Industry");
  });

  it("opens with the arrows, moves within the matches, and picks with Enter", async () => {
    const { input, onchoose } = shown();
    await fireEvent.keyDown(input, { key: "ArrowDown" });
    expect(input.getAttribute("aria-expanded")).toBe("true");
    const options = () => screen.getAllByTestId("condition-column-option");
    expect(options()[0]?.getAttribute("aria-selected")).toBe("true");
    await fireEvent.keyDown(input, { key: "ArrowUp" }); // no further up than the first
    expect(options()[0]?.getAttribute("aria-selected")).toBe("true");
    for (let step = 0; step < 20; step++) await fireEvent.keyDown(input, { key: "ArrowDown" });
    expect(options().at(-1)?.getAttribute("aria-selected")).toBe("true"); // nor down past the last
    await fireEvent.keyDown(input, { key: "Enter" });
    expect(onchoose.mock.calls.map(([column]) => column.logical_name)).toEqual(["primarycontactid"]);
    expect(screen.queryByRole("listbox")).toBeNull();
    await fireEvent.keyDown(input, { key: "Enter" }); // closed: nothing to pick
    expect(onchoose).toHaveBeenCalledTimes(1);
  });

  it("picks nothing with Enter when nothing matches", async () => {
    const { input, onchoose } = shown();
    await fireEvent.input(input, { target: { value: "zzz" } });
    await fireEvent.keyDown(input, { key: "Enter" });
    expect(onchoose).not.toHaveBeenCalled();
  });

  it("closes on Escape without the Escape reaching the window (the record panel)", async () => {
    const { input } = shown();
    const heard = vi.fn();
    window.addEventListener("keydown", heard);
    await fireEvent.focus(input);
    await fireEvent.keyDown(input, { key: "Escape" });
    expect(screen.queryByRole("listbox")).toBeNull();
    expect(heard).not.toHaveBeenCalled();
    await fireEvent.keyDown(input, { key: "Escape" }); // closed: the window's to hear
    expect(heard).toHaveBeenCalledTimes(1);
    window.removeEventListener("keydown", heard);
  });

  it("keeps the focus in the input when an option is pressed", async () => {
    const { input, onchoose } = shown();
    await fireEvent.focus(input);
    const option = screen.getAllByTestId("condition-column-option")[1] as HTMLElement;
    expect(await fireEvent.mouseDown(option)).toBe(false);
    await fireEvent.click(option);
    expect(onchoose.mock.calls[0]?.[0].logical_name).toBe("revenue");
  });
});
