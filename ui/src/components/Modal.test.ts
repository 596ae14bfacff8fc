import { fireEvent, render, screen } from "@testing-library/svelte";
import { createRawSnippet } from "svelte";
import { describe, expect, it, vi } from "vitest";
import Modal from "./Modal.svelte";

const body = createRawSnippet(() => ({
  render: () => "<div><input aria-label='First' /><button>Go</button></div>",
}));

describe("Modal", () => {
  it("is a labelled modal dialog with the focus inside", () => {
    render(Modal, { title: "Edit it", onclose: vi.fn(), children: body });
    const dialog = screen.getByRole("dialog", { name: "Edit it" });
    expect(dialog.getAttribute("aria-modal")).toBe("true");
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Close" }));
  });

  it("closes with Esc or its close button, and not with another key", async () => {
    const onclose = vi.fn();
    render(Modal, { title: "Edit it", onclose, children: body });
    await fireEvent.keyDown(screen.getByRole("dialog"), { key: "Enter" });
    expect(onclose).not.toHaveBeenCalled();
    await fireEvent.keyDown(screen.getByLabelText("First"), { key: "Escape" });
    expect(onclose).toHaveBeenCalledOnce();
    await fireEvent.click(screen.getByRole("button", { name: "Close" }));
    expect(onclose).toHaveBeenCalledTimes(2);
  });

  it("keeps Esc from reaching the page behind", async () => {
    const behind = vi.fn();
    document.addEventListener("keydown", behind);
    render(Modal, { title: "Edit it", onclose: vi.fn(), children: body });
    await fireEvent.keyDown(screen.getByRole("dialog"), { key: "Escape" });
    expect(behind).not.toHaveBeenCalled();
    document.removeEventListener("keydown", behind);
  });
});
