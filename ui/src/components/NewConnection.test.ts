import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import { mockBackend } from "../test/ipc";
import NewConnection from "./NewConnection.svelte";

describe("New connection", () => {
  it("offers the three kinds as radio buttons, organisation first, and shows the chosen kind's form", async () => {
    mockBackend({ connection_check_org: () => [], connection_check_user: () => [] });
    render(NewConnection, { onadded: vi.fn(), oncancel: vi.fn() });
    const kinds = screen.getAllByRole<HTMLInputElement>("radio");
    expect(kinds.map((kind) => kind.value)).toEqual(["org", "user", "bearer"]);
    expect(kinds[0]?.checked).toBe(true);
    expect(screen.getByTestId("new-org-form")).toBeTruthy();
    expect(screen.getByTestId("kind-org").closest("label")?.classList.contains("chosen")).toBe(true);
    await fireEvent.click(screen.getByTestId("kind-user"));
    expect(screen.getByTestId("new-user-form")).toBeTruthy();
    expect(screen.queryByTestId("new-org-form")).toBeNull();
    expect(screen.getByTestId("kind-org").closest("label")?.classList.contains("chosen")).toBe(false);
    await fireEvent.click(screen.getByTestId("kind-bearer"));
    expect(screen.getByTestId("new-bearer-form")).toBeTruthy();
    expect(screen.getByRole("radio", { name: /Access token/ })).toBeTruthy();
  });
});
