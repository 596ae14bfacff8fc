import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import type { VerifyOutcome } from "../bindings";
import { failure, sandbox } from "../test/fixtures";
import { mockBackend, refuse } from "../test/ipc";
import SandboxConnection from "./SandboxConnection.svelte";

const verified: VerifyOutcome = {
  outcome: "verified",
  report: {
    user_id: "u-1",
    business_unit_id: "bu-1",
    organization_id: "o-1",
    organization_name: "Contoso Sandbox",
    version: "9.2.0.0",
    dop_hint: null,
    token_expires: new Date().toISOString(),
    elapsed_ms: 12,
  },
};

describe("Sandbox connection", () => {
  it("shows the demo credentials once running, and says when its port moved", async () => {
    mockBackend({ sandbox_status: () => ({ ...sandbox, moved_from: "http://127.0.0.1:40000" }) });
    render(SandboxConnection);
    expect((await screen.findByTestId("sandbox-username")).textContent).toBe(sandbox.username);
    expect(screen.getByTestId("sandbox-password").textContent).toBe("Contoso-Sandbox-Demo-1");
    expect(screen.getByTestId("sandbox-moved").textContent).toContain("http://127.0.0.1:40000");
  });

  it("says nothing of a port when it kept its own", async () => {
    mockBackend({ sandbox_status: () => sandbox });
    render(SandboxConnection);
    await screen.findByTestId("sandbox-password");
    expect(screen.queryByTestId("sandbox-moved")).toBeNull();
  });

  it("is stopped until started, and says what it is", () => {
    mockBackend({ sandbox_status: () => new Promise(() => undefined) });
    render(SandboxConnection);
    expect(screen.getByRole("article", { name: "D365 Desk Sandbox" }).textContent).toContain(
      "without a tenant",
    );
    expect(screen.getByRole<HTMLButtonElement>("button", { name: "Start sandbox" }).disabled).toBe(false);
    expect(screen.queryByTestId("sandbox-status")).toBeNull();
    expect(screen.queryByRole("region")).toBeNull();
  });

  it("puts the built-in connection's settings in the support details of a failed verification", async () => {
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    mockBackend({
      sandbox_verify: () => ({
        outcome: "failed",
        step: "token",
        error: failure("x.y", "No."),
        expired: false,
      }),
    });
    render(SandboxConnection);
    await fireEvent.click(screen.getByTestId("sandbox-verify"));
    await fireEvent.click(await screen.findByRole("button", { name: "Copy details" }));
    expect(writeText).toHaveBeenCalledWith(
      "connection: D365 Desk Sandbox\nkind: sandbox\ninstance: sandbox://local\ntenant: -\nclient id: -\nstep: token\nerror: x.y\nmessage: No.",
    );
  });

  it("verifies again on each click, from the start", async () => {
    let runs = 0;
    mockBackend({
      sandbox_verify: () => {
        runs += 1;
        return verified;
      },
    });
    render(SandboxConnection);
    await fireEvent.click(screen.getByTestId("sandbox-verify"));
    await screen.findByTestId("verify-org");
    await fireEvent.click(screen.getByTestId("sandbox-verify"));
    await vi.waitFor(() => {
      expect(runs).toBe(2);
    });
    expect(screen.getAllByTestId("verify-panel")).toHaveLength(1);
  });

  it("starts the sandbox and shows where it runs", async () => {
    const backend = mockBackend({ sandbox_start: () => sandbox });
    render(SandboxConnection);
    await fireEvent.click(await screen.findByRole("button", { name: "Start sandbox" }));
    expect((await screen.findByTestId("sandbox-instance-url")).textContent).toBe(sandbox.instance_url);
    expect(screen.getByText("Contoso Sandbox")).toBeTruthy();
    expect(screen.getByText(sandbox.username)).toBeTruthy();
    expect(screen.getByText(sandbox.data_file)).toBeTruthy();
    expect(screen.getByTestId("sandbox-status").textContent).toBe("Running");
    expect(backend.called("sandbox_start")).toBe(true);
  });

  it("says it is starting while it starts", async () => {
    mockBackend({ sandbox_start: () => new Promise(() => undefined) });
    render(SandboxConnection);
    await fireEvent.click(await screen.findByRole("button", { name: "Start sandbox" }));
    const button = await screen.findByRole<HTMLButtonElement>("button", { name: "Starting…" });
    expect(button.disabled).toBe(true);
  });

  it("shows a sandbox that is already running without starting it again", async () => {
    const backend = mockBackend({ sandbox_status: () => sandbox });
    render(SandboxConnection);
    expect((await screen.findByTestId("sandbox-instance-url")).textContent).toBe(sandbox.instance_url);
    expect(screen.getByTestId("sandbox-verify").textContent.trim()).toBe("Verify");
    expect(backend.called("sandbox_start")).toBe(false);
  });

  it("shows the error and what to do when it cannot start, and tries again", async () => {
    let attempts = 0;
    mockBackend({
      sandbox_start: () => {
        attempts += 1;
        return attempts === 1
          ? refuse(
              failure(
                "sandbox.start_failed",
                "The sandbox did not start: disk full",
                "Free some disk space.",
              ),
            )
          : sandbox;
      },
    });
    render(SandboxConnection);
    await fireEvent.click(await screen.findByRole("button", { name: "Start sandbox" }));
    const alert = await screen.findByTestId("sandbox-error");
    expect(alert.getAttribute("role")).toBe("alert");
    expect(alert.textContent).toContain("disk full");
    expect(alert.textContent).toContain("Free some disk space.");
    expect(screen.queryByTestId("sandbox-verify")).toBeNull();
    await fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect((await screen.findByTestId("sandbox-instance-url")).textContent).toBe(sandbox.instance_url);
  });

  it("says what went wrong when its status cannot be read", async () => {
    mockBackend({ sandbox_status: () => refuse(failure("sandbox.status", "No status")) });
    render(SandboxConnection);
    expect((await screen.findByTestId("sandbox-error")).textContent).toContain("No status");
  });

  it("verifies in one click, starting it if need be, then shows it running", async () => {
    let running = false;
    const backend = mockBackend({
      sandbox_status: () => (running ? sandbox : null),
      sandbox_verify: (progress) => {
        progress.onmessage("token");
        running = true;
        return verified;
      },
    });
    render(SandboxConnection);
    const button = await screen.findByTestId("sandbox-verify");
    expect(button.textContent.trim()).toBe("Start and verify");
    await fireEvent.click(button);
    expect((await screen.findByTestId("verify-org")).textContent).toBe("Contoso Sandbox");
    expect(screen.getByRole("region", { name: "Verification of D365 Desk Sandbox" })).toBeTruthy();
    expect((await screen.findByTestId("sandbox-status")).textContent).toBe("Running");
    expect(backend.called("connection_verify")).toBe(false);
  });

  it("offers to browse the sandbox's tables, started or not", () => {
    mockBackend({ sandbox_status: () => new Promise(() => undefined) });
    render(SandboxConnection);
    const browse = screen.getByRole("link", { name: "Browse" });
    expect(browse.getAttribute("href")).toBe("#/connection/sandbox");
    expect(browse.dataset.testid).toBe("sandbox-browse");
  });
});
