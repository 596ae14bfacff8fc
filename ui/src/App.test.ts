// UI unit tests run in jsdom. The Rust side is replaced by @tauri-apps/api's IPC mock here; the real
// bridge is exercised by the desktop end-to-end tests (tests/e2e).
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "./App.svelte";
import type { AppInfo, ErrorPayload, SandboxInfo } from "./bindings";

const info: AppInfo = { productName: "D365 Desk", version: "9.9.9", os: "linux", arch: "x86_64" };
const sandbox: SandboxInfo = {
  instanceUrl: "http://127.0.0.1:41234",
  webApiUrl: "http://127.0.0.1:41234/api/data/v9.2/",
  authority: "http://127.0.0.1:41234/tenant",
  tenantId: "tenant",
  organizationName: "Contoso Sandbox",
  username: "admin@contoso-sandbox.onmicrosoft.com",
  dataFile: "/data/sandbox.sqlite3",
};

/** A fake backend: answers each command from a table, records the calls. */
function backend(answers: Record<string, () => unknown>): string[] {
  const calls: string[] = [];
  mockIPC((cmd) => {
    calls.push(cmd);
    const answer = answers[cmd];
    if (!answer) throw new Error(`unexpected command ${cmd}`);
    return answer();
  });
  return calls;
}

afterEach(() => {
  cleanup();
  clearMocks();
});

describe("App shell", () => {
  it("shows the Connections screen in the layout", () => {
    backend({ app_info: () => info, sandbox_status: () => null });
    render(App);
    expect(screen.getByRole("heading", { level: 1, name: "Connections" })).toBeTruthy();
    expect(screen.getByRole("complementary", { name: "Side bar" })).toBeTruthy();
    expect(screen.getByRole("main", { name: "Main area" })).toBeTruthy();
    expect(screen.getByRole("contentinfo", { name: "Status bar" })).toBeTruthy();
  });

  it("shows the version the app_info command returns", async () => {
    const calls = backend({ app_info: () => info, sandbox_status: () => null });
    render(App);
    expect(await screen.findByText("D365 Desk 9.9.9")).toBeTruthy();
    expect(calls).toContain("app_info");
  });

  it("says so when the app info cannot be read", async () => {
    backend({ sandbox_status: () => null });
    render(App);
    const alert = await screen.findByText(/Could not read app info/);
    expect(alert.getAttribute("role")).toBe("alert");
  });
});

describe("Sandbox connection", () => {
  it("starts the sandbox and shows where it runs", async () => {
    const calls = backend({ app_info: () => info, sandbox_status: () => null, sandbox_start: () => sandbox });
    render(App);
    await fireEvent.click(await screen.findByRole("button", { name: "Start sandbox" }));
    expect((await screen.findByTestId("sandbox-instance-url")).textContent).toBe(sandbox.instanceUrl);
    expect(screen.getByText("Contoso Sandbox")).toBeTruthy();
    expect(screen.getByTestId("sandbox-status").textContent).toBe("Running");
    expect(calls).toContain("sandbox_start");
  });

  it("shows a sandbox that is already running without starting it again", async () => {
    const calls = backend({ app_info: () => info, sandbox_status: () => sandbox });
    render(App);
    expect((await screen.findByTestId("sandbox-instance-url")).textContent).toBe(sandbox.instanceUrl);
    expect(calls).not.toContain("sandbox_start");
  });

  it("shows the error and what to do when it cannot start", async () => {
    const failure: ErrorPayload = {
      kind: "sandbox.start_failed",
      message: "The sandbox did not start: disk full",
      hint: "Free some disk space.",
    };
    backend({
      app_info: () => info,
      sandbox_status: () => null,
      sandbox_start: () => {
        // Tauri rejects with the command's error value itself, not with an Error.
        // eslint-disable-next-line @typescript-eslint/only-throw-error
        throw failure;
      },
    });
    render(App);
    await fireEvent.click(await screen.findByRole("button", { name: "Start sandbox" }));
    const alert = await screen.findByTestId("sandbox-error");
    expect(alert.textContent).toContain("disk full");
    expect(alert.textContent).toContain("Free some disk space.");
    expect(screen.getByRole("button", { name: "Try again" })).toBeTruthy();
  });
});
