import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import { failure, me, pasted, prod } from "../test/fixtures";
import { mockBackend, refuse } from "../test/ipc";
import EditConnection from "./EditConnection.svelte";

describe("Edit connection", () => {
  it("starts from the connection as it is", () => {
    mockBackend();
    render(EditConnection, { connection: prod, onsaved: vi.fn(), oncancel: vi.fn() });
    expect(screen.getByLabelText<HTMLInputElement>("Name").value).toBe("Contoso Prod");
    expect(screen.getByLabelText<HTMLSelectElement>("Environment").value).toBe("prod");
    expect(screen.getByLabelText<HTMLInputElement>("Read-only").checked).toBe(true);
  });

  it("starts a connection without a tag at no tag", () => {
    mockBackend();
    render(EditConnection, { connection: pasted, onsaved: vi.fn(), oncancel: vi.fn() });
    expect(screen.getByLabelText<HTMLSelectElement>("Environment").value).toBe("");
    expect(screen.getByLabelText<HTMLInputElement>("Read-only").checked).toBe(false);
  });

  it("saves no tag as none", async () => {
    const backend = mockBackend({ connection_edit: () => me });
    const onsaved = vi.fn();
    render(EditConnection, { connection: me, onsaved, oncancel: vi.fn() });
    await fireEvent.change(screen.getByLabelText("Environment"), { target: { value: "" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => {
      expect(onsaved).toHaveBeenCalledOnce();
    });
    expect(backend.argsOf("connection_edit")).toEqual([[me.id, me.name, null, false]]);
  });

  it("shows why it could not save, and stays open", async () => {
    mockBackend({
      connection_edit: () => refuse(failure("vault.duplicate_name", "That name is taken.", "Pick another.")),
    });
    const onsaved = vi.fn();
    const oncancel = vi.fn();
    render(EditConnection, { connection: prod, onsaved, oncancel });
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    const alert = await screen.findByTestId("edit-error");
    expect(alert.textContent).toContain("That name is taken.");
    expect(alert.textContent).toContain("Pick another.");
    expect(onsaved).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(oncancel).toHaveBeenCalledOnce();
  });

  it("saves a connection without a tag as it was when only its name changes", async () => {
    const backend = mockBackend({ connection_edit: () => pasted });
    const onsaved = vi.fn();
    render(EditConnection, { connection: pasted, onsaved, oncancel: vi.fn() });
    await fireEvent.input(screen.getByLabelText("Name"), { target: { value: "Renamed" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => {
      expect(onsaved).toHaveBeenCalledOnce();
    });
    expect(backend.argsOf("connection_edit")).toEqual([[pasted.id, "Renamed", null, false]]);
  });
});
