import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import type { LookupCandidate } from "../bindings";
import { failure } from "../test/fixtures";
import { mockBackend, refuse } from "../test/ipc";
import LookupPicker from "./LookupPicker.svelte";

const jo: LookupCandidate = { table: "contact", id: "c-jo", name: "Jo Bloggs" };
const unnamed: LookupCandidate = { table: "contact", id: "c-none", name: "" };

function shown(props: { value?: string; label?: string; targets?: string[] } = {}) {
  const onchoose = vi.fn<(id: string, name: string, table: string) => void>();
  const onapply = vi.fn();
  render(LookupPicker, {
    props: { connection: "c-1", targets: ["contact"], value: "", label: "", onchoose, onapply, ...props },
  });
  return { onchoose, onapply };
}

function search(): HTMLInputElement {
  return screen.getByTestId<HTMLInputElement>("condition-lookup-input");
}

describe("Lookup picker", () => {
  it("names a record without a name by its id, and picks it by click", async () => {
    mockBackend({ lookup_search: () => [jo, unnamed] });
    const { onchoose } = shown();
    expect(screen.queryByTestId("condition-lookup-table")).toBeNull();
    expect(search().placeholder).toBe("Type a contact's name…");
    await fireEvent.input(search(), { target: { value: "o" } });
    const options = await screen.findAllByTestId("condition-lookup-option");
    expect(options.map((option) => option.textContent.trim())).toEqual(["Jo Bloggs", "c-none"]);
    expect(search().getAttribute("aria-expanded")).toBe("true");
    await fireEvent.click(options[1] as HTMLElement);
    expect(onchoose.mock.calls).toEqual([["c-none", "c-none", "contact"]]);
    expect(search().value).toBe("");
  });

  it("shows the record chosen by name (its id in the title), and Change undoes the pick", async () => {
    mockBackend({});
    const { onchoose } = shown({ value: "c-jo", label: "Jo Bloggs" });
    const chosen = screen.getByTestId("condition-lookup-chosen");
    expect([chosen.textContent, chosen.title]).toEqual(["Jo Bloggs", "c-jo"]);
    expect(screen.queryByTestId("condition-lookup-input")).toBeNull();
    const change = screen.getByTestId("condition-lookup-change");
    expect(change.getAttribute("aria-label")).toBe("Pick another record than Jo Bloggs");
    await fireEvent.click(change);
    expect(onchoose.mock.calls).toEqual([["", "", ""]]);
  });

  it("shows a record kept without its name by its id", () => {
    mockBackend({});
    shown({ value: "c-jo" });
    expect(screen.getByTestId("condition-lookup-chosen").textContent).toBe("c-jo");
  });

  it("says why the records could not be found", async () => {
    mockBackend({ lookup_search: () => refuse(failure("net.dns", "The environment cannot be reached.")) });
    shown();
    await fireEvent.input(search(), { target: { value: "Jo" } });
    await waitFor(() => {
      expect(screen.getByRole("listbox").textContent).toContain("The environment cannot be reached.");
    });
  });

  it("clears what was typed on Escape, the Escape kept from the window, and applies on Enter", async () => {
    mockBackend({ lookup_search: () => [jo] });
    const { onapply, onchoose } = shown();
    const heard = vi.fn();
    window.addEventListener("keydown", heard);
    await fireEvent.input(search(), { target: { value: "Jo" } });
    await screen.findByTestId("condition-lookup-option");
    await fireEvent.keyDown(search(), { key: "Escape" });
    expect(search().value).toBe("");
    expect(screen.queryByRole("listbox")).toBeNull();
    expect(heard).not.toHaveBeenCalled();
    await fireEvent.keyDown(search(), { key: "Escape" });
    expect(heard).toHaveBeenCalledTimes(1);
    await fireEvent.keyDown(search(), { key: "Enter" });
    expect(onapply).toHaveBeenCalledTimes(1);
    expect(onchoose).not.toHaveBeenCalled();
    window.removeEventListener("keydown", heard);
  });

  it("undoes a pick when another table is chosen", async () => {
    mockBackend({ lookup_search: () => [] });
    const { onchoose } = shown({ targets: ["account", "contact"], value: "a-1", label: "Contoso" });
    await fireEvent.change(screen.getByTestId("condition-lookup-table"), { target: { value: "contact" } });
    expect(onchoose.mock.calls).toEqual([["", "", ""]]);
  });
});
