import { fireEvent, screen, within } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import type { ConnectionView } from "../bindings";
import { failure, me, pasted, prod } from "../test/fixtures";
import { mockBackend, refuse } from "../test/ipc";
import { renderWithStores } from "../test/render";
import ConnectionsScreen from "./ConnectionsScreen.svelte";

function many(count: number): ConnectionView[] {
  return Array.from({ length: count }, (_, i) => ({
    ...prod,
    id: `id-${String(i)}`,
    name: `Env ${String(i)}`,
  }));
}

describe("Connections screen", () => {
  it("lists connections with production unmistakable, read-only and the last verification", async () => {
    mockBackend({ connections_list: () => [prod] });
    renderWithStores(ConnectionsScreen);
    const card = await screen.findByRole("article", { name: "Contoso Prod" });
    expect(card.classList.contains("prod")).toBe(true);
    expect(screen.getByTestId("connection-tag").textContent).toBe("PROD");
    expect(screen.getByTestId("read-only-badge")).toBeTruthy();
    expect(screen.getByTestId("connection-status").textContent).toContain("Failed");
    expect(screen.getByTestId("connection-status").textContent).toContain("auth.invalid_secret");
    expect(screen.queryByTestId("connections-empty")).toBeNull();
  });

  it("says there are none yet, and how to add one", () => {
    mockBackend();
    renderWithStores(ConnectionsScreen);
    expect(screen.getByTestId("connections-empty").textContent).toContain("No connections of your own yet");
  });

  it("shows why the list cannot be read, and what to do", async () => {
    mockBackend({
      connections_list: () =>
        refuse(failure("vault.keyring_unavailable", "The keyring is locked.", "Unlock it and try again.")),
    });
    renderWithStores(ConnectionsScreen);
    const alert = await screen.findByTestId("connections-error");
    expect(alert.getAttribute("role")).toBe("alert");
    expect(alert.textContent).toContain("The keyring is locked.");
    expect(alert.textContent).toContain("Unlock it and try again.");
    // An unreadable list is not an empty one: no "add your first connection" beside the error.
    expect(screen.queryByTestId("connections-empty")).toBeNull();
  });

  it("offers a filter past five connections, by name, host, tag or kind", async () => {
    const list = [...many(4), { ...pasted, name: "Untagged" }, me];
    mockBackend({ connections_list: () => list });
    renderWithStores(ConnectionsScreen);
    const filter = await screen.findByRole("searchbox", { name: "Filter connections" });
    await fireEvent.input(filter, { target: { value: " uSeR " } });
    const shown = within(screen.getByRole("list", { name: "Your connections" })).getAllByRole("article");
    expect(shown.map((card) => card.getAttribute("aria-label"))).toEqual([me.name]);
    await fireEvent.input(filter, { target: { value: "dev" } });
    expect(screen.getAllByTestId("connection-card")).toHaveLength(1);
    await fireEvent.input(filter, { target: { value: "null" } });
    expect(screen.queryAllByTestId("connection-card")).toHaveLength(0);
    await fireEvent.input(filter, { target: { value: "contoso-dev.crm" } });
    expect(screen.getAllByTestId("connection-card")).toHaveLength(1);
    // The fields are searched as one text, a space between each.
    await fireEvent.input(filter, { target: { value: "(me) contoso-dev" } });
    expect(screen.getAllByTestId("connection-card")).toHaveLength(1);
    await fireEvent.input(filter, { target: { value: "" } });
    expect(screen.getAllByTestId("connection-card")).toHaveLength(6);
  });

  it("has no filter for five connections or fewer", async () => {
    mockBackend({ connections_list: () => many(5) });
    renderWithStores(ConnectionsScreen);
    expect(await screen.findAllByTestId("connection-card")).toHaveLength(5);
    expect(screen.queryByRole("searchbox")).toBeNull();
  });

  it("deletes after naming the connection, then shows how to revoke its access", async () => {
    let list = [prod];
    const backend = mockBackend({
      connections_list: () => list,
      connection_delete: () => {
        list = [];
        return ["Delete the client secret of app 22222222-… in Entra ID."];
      },
    });
    renderWithStores(ConnectionsScreen);
    await fireEvent.click(await screen.findByTestId("delete-button"));
    expect(screen.getByRole("dialog", { name: "Delete Contoso Prod" })).toBeTruthy();
    await fireEvent.click(screen.getByRole("button", { name: "Delete Contoso Prod" }));
    expect((await screen.findByTestId("revocation-steps")).textContent).toContain("Delete the client secret");
    expect(backend.argsOf("connection_delete")).toEqual([[prod.id]]);
    expect(await screen.findByTestId("connections-empty")).toBeTruthy();
  });

  it("duplicates a connection with its settings but without its secret", async () => {
    mockBackend({ connections_list: () => [prod], connection_check_org: () => [] });
    renderWithStores(ConnectionsScreen);
    await fireEvent.click(await screen.findByTestId("duplicate-button"));
    expect(screen.getByRole("dialog", { name: "Duplicate Contoso Prod" })).toBeTruthy();
    expect(screen.getByTestId("duplicate-note").textContent).toContain("client secret");
    expect(screen.getByLabelText<HTMLInputElement>("Name").value).toBe("Contoso Prod (copy)");
    expect(screen.getByLabelText<HTMLInputElement>("Instance URL").value).toBe(prod.instance_url);
    expect(screen.getByLabelText<HTMLInputElement>("Client ID").value).toBe(prod.client_id);
    expect(screen.getByLabelText<HTMLInputElement>("Client secret").value).toBe("");
    expect(screen.getByTestId<HTMLInputElement>("org-read-only").checked).toBe(true);
  });

  it("duplicates a user connection into the user form and a bearer one into the token form", async () => {
    mockBackend({ connections_list: () => [me, pasted], connection_check_user: () => [] });
    renderWithStores(ConnectionsScreen);
    const [user, bearer] = await screen.findAllByTestId("duplicate-button");
    await fireEvent.click(user as HTMLElement);
    expect(screen.getByTestId("duplicate-note").textContent).toContain("sign-in");
    expect(screen.getByTestId("new-user-form")).toBeTruthy();
    expect(screen.getByLabelText<HTMLInputElement>("Tenant").value).toBe("");
    await fireEvent.keyDown(screen.getByRole("dialog"), { key: "Escape" });
    await fireEvent.click(bearer as HTMLElement);
    expect(screen.getByTestId("duplicate-note").textContent).toContain("token");
    expect(screen.getByTestId("new-bearer-form")).toBeTruthy();
  });

  it("opens a new connection as an organisation one, and closes it with Esc", async () => {
    mockBackend({ connection_check_org: () => [] });
    renderWithStores(ConnectionsScreen);
    await fireEvent.click(screen.getByTestId("new-connection"));
    expect(screen.getByRole("dialog", { name: "New connection" })).toBeTruthy();
    expect(screen.getByRole("radiogroup", { name: "Kind of connection" })).toBeTruthy();
    expect(screen.getByTestId("new-org-form")).toBeTruthy();
    await fireEvent.keyDown(screen.getByRole("dialog"), { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("edits the name, tag and read-only setting, then shows the list again", async () => {
    let list = [prod];
    const backend = mockBackend({
      connections_list: () => list,
      connection_edit: (_id, name, tag, readOnly) => {
        list = [{ ...prod, name, tag, read_only: readOnly }];
        return list[0] ?? prod;
      },
    });
    renderWithStores(ConnectionsScreen);
    await fireEvent.click(await screen.findByRole("button", { name: "Edit" }));
    const dialog = screen.getByRole("dialog", { name: "Edit Contoso Prod" });
    await fireEvent.input(within(dialog).getByLabelText("Name"), { target: { value: "Contoso Live" } });
    await fireEvent.change(within(dialog).getByLabelText("Environment"), { target: { value: "uat" } });
    await fireEvent.click(within(dialog).getByLabelText("Read-only"));
    await fireEvent.click(within(dialog).getByRole("button", { name: "Save" }));
    expect(await screen.findByRole("article", { name: "Contoso Live" })).toBeTruthy();
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(backend.argsOf("connection_edit")).toEqual([[prod.id, "Contoso Live", "uat", false]]);
  });

  it("verifies a connection and refreshes the list when done", async () => {
    const backend = mockBackend({
      connections_list: () => [prod],
      connection_verify: () => ({
        outcome: "verified",
        report: {
          user_id: "u",
          business_unit_id: "b",
          organization_id: "o",
          organization_name: "Contoso",
          version: "9.2",
          dop_hint: null,
          token_expires: new Date().toISOString(),
          elapsed_ms: 5,
        },
      }),
    });
    renderWithStores(ConnectionsScreen);
    await fireEvent.click(await screen.findByTestId("verify-button"));
    expect(screen.getByRole("dialog", { name: "Verify Contoso Prod" })).toBeTruthy();
    expect((await screen.findByTestId("verify-org")).textContent).toBe("Contoso");
    expect(backend.argsOf("connections_list").length).toBeGreaterThanOrEqual(2);
  });

  it("signs in again from a user connection's card", async () => {
    const backend = mockBackend({
      connections_list: () => [me],
      connection_sign_in_again: () => new Promise(() => undefined),
      connection_cancel_sign_in: () => true,
    });
    renderWithStores(ConnectionsScreen);
    await fireEvent.click(await screen.findByTestId("sign-in-again"));
    expect(screen.getByRole("dialog", { name: "Sign in again to Contoso Dev (me)" })).toBeTruthy();
    expect(await screen.findByTestId("sign-in-waiting")).toBeTruthy();
    await fireEvent.keyDown(screen.getByRole("dialog"), { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(backend.called("connection_cancel_sign_in")).toBe(true);
  });

  it("signs in again from a verification that found the sign-in expired", async () => {
    mockBackend({
      connections_list: () => [me],
      connection_verify: () => ({
        outcome: "failed",
        step: "token",
        error: failure("x", "Expired.", null, "expired"),
      }),
      connection_sign_in_again: () => new Promise(() => undefined),
      connection_cancel_sign_in: () => true,
    });
    renderWithStores(ConnectionsScreen);
    await fireEvent.click(await screen.findByTestId("verify-button"));
    await fireEvent.click(await screen.findByTestId("verify-sign-in-again"));
    expect(screen.getByRole("dialog", { name: "Sign in again to Contoso Dev (me)" })).toBeTruthy();
  });

  it("verifies a connection as soon as it is added, and lists it", async () => {
    let list: ConnectionView[] = [];
    mockBackend({
      connections_list: () => list,
      connection_inspect_bearer: () => ({
        audience: pasted.instance_url,
        subject: "ann",
        app_only: false,
        expires: "2030-01-01T00:00:00Z",
        warn_from: "2030-01-01T00:00:00Z",
        tenant: null,
      }),
      connection_add_bearer: () => {
        list = [pasted];
        return pasted;
      },
      connection_verify: () => new Promise(() => undefined),
    });
    renderWithStores(ConnectionsScreen);
    await fireEvent.click(screen.getByTestId("new-connection"));
    await fireEvent.click(screen.getByTestId("kind-bearer"));
    await fireEvent.input(screen.getByLabelText("Instance URL"), { target: { value: pasted.instance_url } });
    await fireEvent.input(screen.getByLabelText("Access token"), { target: { value: "a.b.c" } });
    await screen.findByTestId("token-facts");
    await fireEvent.click(screen.getByTestId("bearer-save"));
    expect(await screen.findByRole("dialog", { name: "Verify Pasted token" })).toBeTruthy();
    expect(await screen.findByRole("article", { name: "Pasted token" })).toBeTruthy();
  });

  it("cancels a new connection without a trace", async () => {
    mockBackend({ connection_check_org: () => [] });
    renderWithStores(ConnectionsScreen);
    await fireEvent.click(screen.getByTestId("new-connection"));
    await fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("dialog")).toBeNull();
  });
});

describe("Changes kept from before", () => {
  it("offers the connections that have staged changes, by name, linking to each", async () => {
    mockBackend({ connections_list: () => [prod], pending_connections: () => [prod.id, "sandbox", "gone"] });
    renderWithStores(ConnectionsScreen);
    const offer = await screen.findByTestId("pending-waiting");
    const links = screen.getAllByTestId<HTMLAnchorElement>("pending-waiting-connection");
    expect(links.map((link) => [link.textContent, link.getAttribute("href")])).toEqual([
      [prod.name, `#/connection/${prod.id}`],
      ["D365 Desk Sandbox", "#/connection/sandbox"],
    ]);
    expect(offer.textContent).toMatch(/not yet committed/);
  });

  it("offers nothing when no connection has staged changes", async () => {
    mockBackend({ connections_list: () => [prod] });
    renderWithStores(ConnectionsScreen);
    await screen.findByText(prod.name);
    expect(screen.queryByTestId("pending-waiting")).toBeNull();
  });

  it("opens Import connections from the top of the screen", async () => {
    mockBackend();
    renderWithStores(ConnectionsScreen);
    await fireEvent.click(screen.getByTestId("import-connections"));
    const dialog = await screen.findByRole("dialog", { name: "Import connections" });
    expect(within(dialog).getByTestId("import-choose")).toBeTruthy();
  });
});
