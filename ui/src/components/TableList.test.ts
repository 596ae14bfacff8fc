import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { createStores, storesKey } from "../lib/stores";
import { contact, project, table, unnamed } from "../test/fixtures";
import { mockBackend } from "../test/ipc";
import TableList from "./TableList.svelte";

function listed() {
  mockBackend();
  const stores = createStores();
  stores.metadata.open("c-1");
  stores.metadata.tables = [table, contact, project, unnamed];
  render(TableList, { props: { connectionId: "c-1" }, context: new Map([[storesKey, stores]]) });
  return stores;
}

function names(): (string | undefined)[] {
  return screen.queryAllByTestId("table-item").map((item) => item.dataset.table);
}

function highlighted(): string | undefined {
  const option = screen.getAllByRole("option").find((item) => item.getAttribute("aria-selected") === "true");
  return option?.querySelector("a")?.dataset.table;
}

async function search(text: string) {
  await fireEvent.input(screen.getByTestId("table-search"), { target: { value: text } });
}

describe("Table list", () => {
  it("focuses the search field and lists every table with its names and a custom badge", () => {
    listed();
    const input = screen.getByTestId("table-search");
    expect(document.activeElement).toBe(input);
    expect(names()).toEqual(["account", "contact", "new_project", "msdyn_accountkpiitem"]);
    const [account, , custom, nameless] = screen.getAllByTestId("table-item");
    expect(account?.textContent).toContain("Account");
    expect(account?.querySelector(".logical")?.textContent).toBe("account");
    expect(account?.querySelector("[data-testid=table-custom]")).toBeNull();
    expect(custom?.querySelector("[data-testid=table-custom]")?.textContent).toBe("custom");
    expect(nameless?.querySelector(".display")?.textContent).toBe("msdyn_accountkpiitem");
    expect(account?.getAttribute("href")).toBe("#/connection/c-1/table/account");
  });

  it("filters by display name or logical name, whatever the case", async () => {
    listed();
    await search("PROJ");
    expect(names()).toEqual(["new_project"]);
    await search("new_");
    expect(names()).toEqual(["new_project"]);
    await search("  con ");
    expect(names()).toEqual(["contact"]);
    await search("kpi");
    expect(names()).toEqual(["msdyn_accountkpiitem"]);
    await search("acc");
    expect(names()).toEqual(["account", "msdyn_accountkpiitem"]);
    expect(screen.queryByTestId("table-none")).toBeNull();
    await search("zzz");
    expect(names()).toEqual([]);
    expect(screen.getByTestId("table-none").textContent).toBe("No table matches “zzz”.");
  });

  it("opens the first match on Enter", async () => {
    const stores = listed();
    await search("cont");
    await fireEvent.keyDown(screen.getByTestId("table-search"), { key: "Enter" });
    expect(stores.router.route).toEqual({ name: "table", id: "c-1", table: "contact" });
    expect(window.location.hash).toBe("#/connection/c-1/table/contact");
  });

  it("moves through the list with Up and Down, within its ends, and opens the one highlighted", async () => {
    const stores = listed();
    const input = screen.getByTestId("table-search");
    expect(highlighted()).toBe("account");
    await fireEvent.keyDown(input, { key: "ArrowUp" });
    expect(highlighted()).toBe("account");
    await fireEvent.keyDown(input, { key: "ArrowDown" });
    await fireEvent.keyDown(input, { key: "ArrowDown" });
    expect(highlighted()).toBe("new_project");
    expect(input.getAttribute("aria-activedescendant")).toBe("table-option-2");
    await fireEvent.keyDown(input, { key: "ArrowDown" });
    await fireEvent.keyDown(input, { key: "ArrowDown" });
    expect(highlighted()).toBe("msdyn_accountkpiitem");
    await fireEvent.keyDown(input, { key: "ArrowUp" });
    expect(highlighted()).toBe("new_project");
    await fireEvent.keyDown(input, { key: "Enter" });
    expect(stores.router.route).toEqual({ name: "table", id: "c-1", table: "new_project" });
  });

  it("starts the highlight over from the first match of a new search", async () => {
    listed();
    const input = screen.getByTestId("table-search");
    await fireEvent.keyDown(input, { key: "ArrowDown" });
    await search("a");
    expect(highlighted()).toBe("account");
  });

  it("does nothing on Enter when nothing matches, and leaves other keys to the field", async () => {
    const stores = listed();
    await search("zzz");
    const input = screen.getByTestId("table-search");
    expect(input.getAttribute("aria-activedescendant")).toBeNull();
    await fireEvent.keyDown(input, { key: "Enter" });
    expect(stores.router.route).toEqual({ name: "connections" });
    const press = (key: string) =>
      input.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
    expect(press("a")).toBe(true);
    expect(press("ArrowDown")).toBe(false);
    expect(press("Enter")).toBe(false);
  });

  it("says it is reading the tables while none has come", async () => {
    const stores = listed();
    stores.metadata.tables = [];
    stores.metadata.loading = true;
    expect((await screen.findByRole("status")).textContent).toBe("Reading the tables…");
    expect(screen.queryByTestId("table-none")).toBeNull();
    stores.metadata.loading = false;
    await waitFor(() => {
      expect(screen.queryByRole("status")).toBeNull();
    });
    expect(screen.queryByTestId("table-none")).toBeNull();
  });
});
