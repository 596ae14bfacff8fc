import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import { failure, prod } from "../test/fixtures";
import { mockBackend, refuse } from "../test/ipc";
import DeleteConnection from "./DeleteConnection.svelte";

function renderDelete() {
  const ondeleted = vi.fn();
  const onclose = vi.fn();
  render(DeleteConnection, { connection: prod, ondeleted, onclose });
  return { ondeleted, onclose };
}

describe("Delete connection", () => {
  it("names the connection and its host before deleting", () => {
    mockBackend();
    const { onclose } = renderDelete();
    expect(document.body.textContent).toContain("Delete Contoso Prod (contoso.crm.dynamics.com)?");
    void fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(onclose).toHaveBeenCalledOnce();
  });

  it("shows why it could not delete, and deletes nothing in the list", async () => {
    mockBackend({
      connection_delete: () => refuse(failure("vault.keyring_unavailable", "Locked.", "Unlock it.")),
    });
    const { ondeleted } = renderDelete();
    await fireEvent.click(screen.getByTestId("confirm-delete"));
    const alert = await screen.findByTestId("delete-error");
    expect(alert.textContent).toContain("Locked.");
    expect(alert.textContent).toContain("Unlock it.");
    expect(ondeleted).not.toHaveBeenCalled();
  });

  it("says it was deleted even when nothing is left to revoke", async () => {
    mockBackend({ connection_delete: () => [] });
    const { ondeleted, onclose } = renderDelete();
    await fireEvent.click(screen.getByTestId("confirm-delete"));
    expect((await screen.findByTestId("revocation")).textContent).toContain("Contoso Prod was deleted");
    expect(screen.queryByTestId("revocation-steps")).toBeNull();
    expect(ondeleted).toHaveBeenCalledOnce();
    await fireEvent.click(screen.getByRole("button", { name: "Close" }));
    expect(onclose).toHaveBeenCalledOnce();
  });
});
