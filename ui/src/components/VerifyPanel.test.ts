import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import type { Category, ConnectionView, Step, VerifyOutcome } from "../bindings";
import { failure, me, prod } from "../test/fixtures";
import { mockBackend, refuse } from "../test/ipc";
import VerifyPanel from "./VerifyPanel.svelte";

const report = {
  user_id: "5b2f0d1e-0000-4000-8000-000000000001",
  business_unit_id: "bu-1",
  organization_id: "org-1",
  organization_name: "Contoso",
  version: "9.2.24031.00178",
  dop_hint: 4,
  token_expires: "2030-01-01T10:00:00Z",
  elapsed_ms: 321,
};
const verified: VerifyOutcome = { outcome: "verified", report };

function failedAt(
  step: Step,
  category: Category = "auth",
  hint: string | null = "Create a new secret.",
): VerifyOutcome {
  return {
    outcome: "failed",
    step,
    error: failure("auth.invalid_secret", "AADSTS7000215: Invalid secret", hint, category),
  };
}

function renderPanel(connection: ConnectionView, withSignInAgain = true) {
  const ondone = vi.fn();
  const onsigninagain = vi.fn();
  render(VerifyPanel, withSignInAgain ? { connection, ondone, onsigninagain } : { connection, ondone });
  return { ondone, onsigninagain };
}

function marks() {
  return ["token", "whoAmI", "organization"].map(
    (step) => screen.getByTestId(`step-${step}`).querySelector("[aria-hidden]")?.textContent,
  );
}

function states() {
  return ["token", "whoAmI", "organization"].map(
    (step) => screen.getByTestId(`step-${step}`).dataset["state"],
  );
}

describe("Verify panel", () => {
  it("shows each step as it begins, then what the environment said", async () => {
    let finish: (outcome: VerifyOutcome) => void = () => undefined;
    let announce: (step: Step) => void = () => undefined;
    const backend = mockBackend({
      connection_verify: (_id, progress) => {
        announce = (step) => {
          progress.onmessage(step);
        };
        return new Promise((resolve) => (finish = resolve));
      },
    });
    const { ondone } = renderPanel(prod);
    expect(screen.getByRole("region", { name: "Verification of Contoso Prod" })).toBeTruthy();
    expect(states()).toEqual(["pending", "pending", "pending"]);
    expect(marks()).toEqual(["○", "○", "○"]);
    await vi.waitFor(() => {
      expect(backend.argsOf("connection_verify")).toHaveLength(1);
    });
    announce("token");
    await vi.waitFor(() => {
      expect(states()).toEqual(["running", "pending", "pending"]);
    });
    announce("who_am_i");
    await vi.waitFor(() => {
      expect(states()).toEqual(["done", "running", "pending"]);
    });
    expect(marks()).toEqual(["✓", "…", "○"]);
    expect(screen.getByTestId("step-whoAmI").textContent).toContain("Reach the Web API (WhoAmI)");
    finish(verified);
    expect((await screen.findByTestId("verify-org")).textContent).toBe("Contoso");
    expect(states()).toEqual(["done", "done", "done"]);
    const ok = screen.getByRole("status");
    expect(ok.textContent).toContain("Connected to Contoso");
    expect(ok.textContent).toContain(report.user_id);
    expect(ok.textContent).toContain("9.2.24031.00178");
    expect(ok.textContent).toContain("321 ms");
    expect(backend.argsOf("connection_verify")[0]?.[0]).toBe(prod.id);
    expect(ondone).toHaveBeenCalledOnce();
  });

  it("diagnoses a failure: the step, the message, what to fix and the error code", async () => {
    mockBackend({ connection_verify: () => failedAt("who_am_i") });
    const { ondone } = renderPanel(prod);
    const failed = await screen.findByTestId("verify-failed");
    expect(failed.getAttribute("role")).toBe("alert");
    expect(screen.getByTestId("diagnosis-message").textContent).toContain("AADSTS7000215: Invalid secret");
    const hint = screen.getByTestId("diagnosis-hint");
    expect(hint.textContent).toContain("What to fix:");
    expect(hint.textContent).toContain("Create a new secret.");
    expect(failed.textContent).toContain("auth.invalid_secret");
    expect(states()).toEqual(["done", "failed", "pending"]);
    expect(marks()).toEqual(["✓", "✗", "○"]);
    expect(ondone).toHaveBeenCalledOnce();
  });

  it("has no 'what to fix' when the core knows no fix", async () => {
    mockBackend({ connection_verify: () => failedAt("token", "auth", null) });
    renderPanel(prod);
    await screen.findByTestId("verify-failed");
    expect(screen.queryByTestId("diagnosis-hint")).toBeNull();
    expect(states()).toEqual(["failed", "pending", "pending"]);
  });

  it("offers to sign in again when a user connection's sign-in expired", async () => {
    mockBackend({ connection_verify: () => failedAt("token", "expired") });
    const { onsigninagain } = renderPanel(me);
    await fireEvent.click(await screen.findByTestId("verify-sign-in-again"));
    expect(onsigninagain).toHaveBeenCalledOnce();
  });

  it("does not offer to sign in again when the failure is not an expiry", async () => {
    mockBackend({ connection_verify: () => failedAt("token", "auth") });
    renderPanel(me);
    await screen.findByTestId("verify-failed");
    expect(screen.queryByTestId("verify-sign-in-again")).toBeNull();
  });

  it("does not offer to sign in again to an org connection, nor without a way to", async () => {
    mockBackend({ connection_verify: () => failedAt("token", "expired") });
    renderPanel(prod);
    await screen.findByTestId("verify-failed");
    expect(screen.queryByTestId("verify-sign-in-again")).toBeNull();
    document.body.innerHTML = "";
    renderPanel(me, false);
    await screen.findByTestId("verify-failed");
    expect(screen.queryByTestId("verify-sign-in-again")).toBeNull();
  });

  it("copies the details for a support ticket: the settings, the step and the error", async () => {
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    mockBackend({ connection_verify: () => failedAt("who_am_i") });
    renderPanel(prod);
    await fireEvent.click(await screen.findByRole("button", { name: "Copy details" }));
    expect(writeText).toHaveBeenCalledWith(
      [
        "connection: Contoso Prod",
        "kind: org",
        "instance: https://contoso.crm.dynamics.com",
        "tenant: contoso.onmicrosoft.com",
        "client id: 22222222-2222-4222-8222-222222222222",
        "step: who_am_i",
        "error: auth.invalid_secret",
        "message: AADSTS7000215: Invalid secret",
        "what to do: Create a new secret.",
      ].join("\n"),
    );
    expect(await screen.findByRole("button", { name: "Copied" })).toBeTruthy();
  });

  it("shows a verification that could not run, with details to copy", async () => {
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    mockBackend({
      connection_verify: () => refuse(failure("vault.not_found", "No such connection.", "Refresh the list.")),
    });
    const { ondone } = renderPanel(me);
    const alert = await screen.findByTestId("verify-error");
    expect(alert.textContent).toContain("No such connection.");
    expect(alert.textContent).toContain("Refresh the list.");
    await fireEvent.click(screen.getByRole("button", { name: "Copy details" }));
    expect(writeText).toHaveBeenCalledWith(
      [
        "connection: Contoso Dev (me)",
        "kind: user",
        "instance: https://contoso-dev.crm.dynamics.com",
        "tenant: organizations",
        "client id: -",
        "error: vault.not_found",
        "message: No such connection.",
        "what to do: Refresh the list.",
      ].join("\n"),
    );
    expect(ondone).toHaveBeenCalledOnce();
  });
});
