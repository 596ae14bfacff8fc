import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import { prod } from "../test/fixtures";
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

  it("says what each kind is", () => {
    mockBackend({ connection_check_org: () => [] });
    render(NewConnection, { onadded: vi.fn(), oncancel: vi.fn() });
    const labels = screen.getAllByRole("radio").map((radio) => radio.closest("label")?.textContent.trim());
    expect(labels).toEqual([
      "OrganisationAn app registration with a client secret or a certificate (application user).",
      "UserYou sign in with your own account in the browser.",
      "Access tokenPaste a token you already have; it expires.",
    ]);
  });

  it.each([
    ["org", "new-org-form", "give it its client secret."],
    ["certificate", "new-org-form", "give it its certificate."],
    ["user", "new-user-form", "give it its sign-in."],
    ["bearer", "new-bearer-form", "give it its token."],
  ] as const)(
    "duplicates a %s connection into its own form, without the choice of kind",
    (kind, form, ask) => {
      mockBackend({ connection_check_org: () => [], connection_check_user: () => [] });
      render(NewConnection, { onadded: vi.fn(), oncancel: vi.fn(), initial: { ...prod, kind } });
      expect(screen.getByTestId(form)).toBeTruthy();
      expect(screen.getByTestId("duplicate-note").textContent.replace(/\s+/g, " ").trim()).toBe(
        `A copy of Contoso Prod with everything but its credentials: ${ask}`,
      );
      expect(screen.queryByRole("radiogroup")).toBeNull();
    },
  );
});
