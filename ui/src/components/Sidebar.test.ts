import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { createStores } from "../lib/stores";
import { me, pasted, prod } from "../test/fixtures";
import { mockBackend } from "../test/ipc";
import { renderWithStores } from "../test/render";
import Sidebar from "./Sidebar.svelte";

function picker() {
  return screen.getByRole("navigation", { name: "Open a connection" });
}

describe("Sidebar", () => {
  it("shows the app's name and marks the Connections screen as the current page", () => {
    mockBackend();
    renderWithStores(Sidebar);
    const sidebar = screen.getByRole("complementary", { name: "Side bar" });
    expect(sidebar.textContent).toContain("D365 Desk");
    const screens = within(sidebar).getByRole("navigation", { name: "Screens" });
    const current = within(screens).getByRole("link", { current: "page" });
    expect(current.textContent).toBe("Connections");
    expect(current.getAttribute("href")).toBe("#/connections");
    expect(screen.queryByRole("navigation", { name: "Open a connection" })).toBeNull();
  });

  it("lists the connections from the store, production tagged", async () => {
    mockBackend({ connections_list: () => [prod, me, pasted] });
    renderWithStores(Sidebar);
    const links = await within(
      await screen.findByRole("navigation", { name: "Open a connection" }),
    ).findAllByRole("link");
    expect(links.map((link) => link.textContent.trim())).toEqual([
      "Contoso Prod PROD",
      "Contoso Dev (me) DEV",
      "Pasted token",
    ]);
    expect(links.map((link) => link.getAttribute("href"))).toEqual([
      `#/connection/${prod.id}`,
      `#/connection/${me.id}`,
      `#/connection/${pasted.id}`,
    ]);
    expect(within(picker()).queryByRole("link", { current: "page" })).toBeNull();
    expect(links[0]?.querySelector(".tag")?.classList.contains("prod")).toBe(true);
  });

  it("navigates to a connection picked, and marks it as the current page instead of Connections", async () => {
    mockBackend({ connections_list: () => [prod, me] });
    const stores = createStores();
    const stop = stores.router.listen();
    renderWithStores(Sidebar, stores);
    await fireEvent.click(
      await within(await screen.findByRole("navigation", { name: "Open a connection" })).findByRole("link", {
        name: /Contoso Dev/,
      }),
    );
    await waitFor(() => {
      expect(stores.router.route).toEqual({ name: "connection", id: me.id });
    });
    const current = within(picker()).getByRole("link", { current: "page" });
    expect(current.textContent).toContain("Contoso Dev (me)");
    expect(current.classList.contains("active")).toBe(true);
    const screens = screen.getByRole("navigation", { name: "Screens" });
    expect(within(screens).queryByRole("link", { current: "page" })).toBeNull();
    stop();
  });

  it("follows the store: a connection added appears", async () => {
    let list = [prod];
    mockBackend({ connections_list: () => list });
    const { stores } = renderWithStores(Sidebar);
    await screen.findByRole("navigation", { name: "Open a connection" });
    list = [prod, me];
    await stores.connections.load();
    expect(await within(picker()).findByRole("link", { name: /Contoso Dev/ })).toBeTruthy();
  });
});
