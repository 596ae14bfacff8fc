import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import type { ConnectionView, Status } from "../bindings";
import { me, pasted, prod } from "../test/fixtures";
import ConnectionCard from "./ConnectionCard.svelte";

const anHourAgo = new Date(Date.now() - 3600_000).toISOString();

function renderCard(connection: ConnectionView) {
  const handlers = {
    onverify: vi.fn(),
    onsigninagain: vi.fn(),
    onduplicate: vi.fn(),
    onedit: vi.fn(),
    ondelete: vi.fn(),
  };
  render(ConnectionCard, { connection, ...handlers });
  return handlers;
}

function status(): string {
  return screen.getByTestId("connection-status").textContent;
}

const expired: Status = { state: "expired", at: anHourAgo, summary: "signin.expired" };

describe("Connection card", () => {
  it("shows a user connection whose sign-in expired, with Sign in again made prominent", async () => {
    const { onsigninagain } = renderCard({ ...me, status: expired });
    expect(status()).toContain("Sign-in expired");
    expect(status()).toContain("found 1 h ago");
    expect(status()).not.toContain("Token expired");
    const again = screen.getByTestId("sign-in-again");
    expect(again.textContent).toBe("Sign in again");
    expect(again.classList.contains("strong")).toBe(true);
    await fireEvent.click(again);
    expect(onsigninagain).toHaveBeenCalledOnce();
  });

  it("shows a bearer connection whose token expired, with no sign-in to offer", () => {
    renderCard({ ...pasted, status: expired });
    expect(status()).toContain("Token expired");
    expect(status()).not.toContain("Sign-in expired");
    expect(screen.queryByTestId("sign-in-again")).toBeNull();
  });

  it("offers Sign in again to a user connection that has not expired, without emphasis", () => {
    renderCard({ ...me, status: { state: "verified", at: anHourAgo, summary: "Contoso" } });
    expect(screen.getByTestId("sign-in-again").classList.contains("strong")).toBe(false);
    expect(screen.queryByTestId("sign-in-again")).toBeTruthy();
  });

  it("does not emphasise Sign in again for a user connection that failed otherwise", () => {
    renderCard({ ...me, status: { state: "failed", at: anHourAgo, summary: "http.forbidden" } });
    expect(screen.getByTestId("sign-in-again").classList.contains("strong")).toBe(false);
  });

  it("shows a verified connection with when and what", () => {
    renderCard({
      ...prod,
      status: { state: "verified", at: new Date().toISOString(), summary: "Contoso Ltd" },
    });
    expect(status()).toContain("✓ Verified just now");
    expect(screen.getByTestId("connection-tag").classList.contains("prod")).toBe(true);
    expect(status()).toContain("Contoso Ltd");
  });

  it("shows a failed verification with when and the error", () => {
    renderCard({ ...prod, status: { state: "failed", at: anHourAgo, summary: "auth.invalid_secret" } });
    expect(status()).toContain("✗ Failed 1 h ago");
    expect(status()).toContain("auth.invalid_secret");
  });

  it("shows a connection never verified, with its kind, host and no tag", () => {
    renderCard(pasted);
    expect(status()).toContain("Never verified");
    expect(screen.getByRole("article", { name: "Pasted token" }).textContent).toContain("Bearer token");
    expect(screen.getByText(pasted.host)).toBeTruthy();
    expect(screen.queryByTestId("connection-tag")).toBeNull();
    expect(screen.queryByTestId("read-only-badge")).toBeNull();
    expect(screen.getByRole("article").classList.contains("prod")).toBe(false);
  });

  it("hands each action to the screen, and links to the connection's own screen", async () => {
    const handlers = renderCard(prod);
    await fireEvent.click(screen.getByTestId("verify-button"));
    await fireEvent.click(screen.getByRole("button", { name: "Edit" }));
    await fireEvent.click(screen.getByTestId("duplicate-button"));
    await fireEvent.click(screen.getByTestId("delete-button"));
    expect(handlers.onverify).toHaveBeenCalledOnce();
    expect(handlers.onedit).toHaveBeenCalledOnce();
    expect(handlers.onduplicate).toHaveBeenCalledOnce();
    expect(handlers.ondelete).toHaveBeenCalledOnce();
    expect(handlers.onsigninagain).not.toHaveBeenCalled();
    expect(screen.getByRole("link", { name: "Open" }).getAttribute("href")).toBe(`#/connection/${prod.id}`);
  });

  it("shows what an imported connection waits for, and a sign-in made prominent", () => {
    renderCard({ ...prod, waiting: "client_secret" });
    expect(screen.getByTestId("connection-waiting").textContent).toContain(
      "Waiting for its client secret: Duplicate it with the secret",
    );
  });

  it("makes Sign in the strong action of a user connection waiting for its first sign-in", () => {
    renderCard({ ...me, waiting: "sign_in" });
    expect(screen.getByTestId("connection-waiting").textContent).toContain("Waiting for a sign-in");
    expect(screen.getByTestId("sign-in-again").classList.contains("strong")).toBe(true);
  });

  it("shows no waiting line for a connection that has its credential", () => {
    renderCard(prod);
    expect(screen.queryByTestId("connection-waiting")).toBeNull();
  });
});
