// UI unit tests run in jsdom. The Rust side is replaced by @tauri-apps/api's IPC mock here; the real
// bridge is exercised by the desktop end-to-end tests (tests/e2e).
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { render, screen } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "./App.svelte";
import type { AppInfo } from "./bindings";

const info: AppInfo = { productName: "D365 Desk", version: "9.9.9", os: "linux", arch: "x86_64" };

afterEach(() => {
  clearMocks();
});

describe("App shell", () => {
  it("shows the Connections screen in the layout", () => {
    mockIPC(() => info);
    render(App);
    expect(screen.getByRole("heading", { level: 1, name: "Connections" })).toBeTruthy();
    expect(screen.getByRole("complementary", { name: "Side bar" })).toBeTruthy();
    expect(screen.getByRole("main", { name: "Main area" })).toBeTruthy();
    expect(screen.getByRole("contentinfo", { name: "Status bar" })).toBeTruthy();
  });

  it("shows the version the app_info command returns", async () => {
    const calls: string[] = [];
    mockIPC((cmd) => {
      calls.push(cmd);
      return info;
    });
    render(App);
    expect(await screen.findByText("D365 Desk 9.9.9")).toBeTruthy();
    expect(calls).toEqual(["app_info"]);
  });

  it("says so when the app info cannot be read", async () => {
    mockIPC(() => {
      throw new Error("IPC down");
    });
    render(App);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Could not read app info");
  });
});
