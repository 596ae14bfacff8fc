import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import type { ConnectionView } from "../bindings";
import { failure, me } from "../test/fixtures";
import { mockBackend, refuse } from "../test/ipc";
import SignInAgain from "./SignInAgain.svelte";

describe("Sign in again", () => {
  it("signs in again in the browser at once, then verifies the connection", async () => {
    const backend = mockBackend({
      connection_sign_in_again: (_id, _how, progress) => {
        progress.onmessage({ state: "waiting_for_browser" });
        return me;
      },
      connection_verify: () => ({
        outcome: "failed",
        step: "token",
        error: failure("x", "still no"),
        expired: false,
      }),
    });
    const ondone = vi.fn();
    render(SignInAgain, { connection: me, ondone });
    expect(screen.getByRole("region", { name: "Sign in again to Contoso Dev (me)" })).toBeTruthy();
    expect((await screen.findByTestId("signed-in-again")).textContent).toContain("Signed in again");
    expect(await screen.findByTestId("verify-failed")).toBeTruthy();
    const [id, how] = backend.argsOf("connection_sign_in_again")[0] ?? [];
    expect([id, how]).toEqual([me.id, { method: "browser", login_hint: null }]);
    expect(backend.argsOf("connection_verify")[0]?.[0]).toBe(me.id);
    expect(ondone).toHaveBeenCalledTimes(2);
  });

  it("shows a failed sign-in, then offers the browser or a device code", async () => {
    let attempts = 0;
    const backend = mockBackend({
      connection_sign_in_again: (): ConnectionView => {
        attempts += 1;
        return attempts === 1 ? refuse(failure("signin.cancelled", "Cancelled in the browser.")) : me;
      },
      connection_verify: () => new Promise(() => undefined),
    });
    render(SignInAgain, { connection: me, ondone: vi.fn() });
    expect((await screen.findByTestId("sign-in-error")).textContent).toContain("Cancelled in the browser.");
    await fireEvent.click(screen.getByRole("button", { name: "Use a device code" }));
    await screen.findByTestId("signed-in-again");
    expect(backend.argsOf("connection_sign_in_again").map(([, how]) => how.method)).toEqual([
      "browser",
      "device_code",
    ]);
  });

  it("tries the browser again", async () => {
    const backend = mockBackend({
      connection_sign_in_again: () => refuse(failure("signin.failed", "No.")),
    });
    render(SignInAgain, { connection: me, ondone: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: "Sign in with the browser" }));
    await waitFor(() => {
      expect(backend.argsOf("connection_sign_in_again").map(([, how]) => how.method)).toEqual([
        "browser",
        "browser",
      ]);
    });
  });

  it("cancels the sign-in from the waiting notice, and when closed while waiting", async () => {
    const backend = mockBackend({
      connection_sign_in_again: () => new Promise(() => undefined),
      connection_cancel_sign_in: () => true,
    });
    const { unmount } = render(SignInAgain, { connection: me, ondone: vi.fn() });
    await fireEvent.click(await screen.findByTestId("sign-in-cancel"));
    expect(backend.argsOf("connection_cancel_sign_in")).toHaveLength(1);
    unmount();
    expect(backend.argsOf("connection_cancel_sign_in")).toHaveLength(2);
  });

  it("cancels nothing when closed after the sign-in", async () => {
    const backend = mockBackend({
      connection_sign_in_again: () => refuse(failure("signin.failed", "No.")),
      connection_cancel_sign_in: () => true,
    });
    const { unmount } = render(SignInAgain, { connection: me, ondone: vi.fn() });
    await screen.findByTestId("sign-in-error");
    unmount();
    expect(backend.called("connection_cancel_sign_in")).toBe(false);
  });

  it("shows a cancellation that failed", async () => {
    mockBackend({
      connection_sign_in_again: () => new Promise(() => undefined),
      connection_cancel_sign_in: () => refuse(failure("app.unexpected", "Could not cancel.")),
    });
    render(SignInAgain, { connection: me, ondone: vi.fn() });
    await fireEvent.click(await screen.findByTestId("sign-in-cancel"));
    expect((await screen.findByTestId("sign-in-error")).textContent).toContain("Could not cancel.");
  });

  it("shows the device code the sign-in asks for", async () => {
    mockBackend({
      connection_sign_in_again: (_id, _how, progress) => {
        progress.onmessage({
          state: "device_code",
          user_code: "WXYZ",
          verification_uri: "https://x/device",
          expires_in_seconds: 600,
          message: "Enter WXYZ at https://x/device",
        });
        return new Promise(() => undefined);
      },
      connection_cancel_sign_in: () => true,
    });
    render(SignInAgain, { connection: me, ondone: vi.fn() });
    expect((await screen.findByTestId("device-code")).textContent).toBe("WXYZ");
  });

  it("ignores a sign-in update that comes after the sign-in ended", async () => {
    mockBackend({
      connection_sign_in_again: (_id, _how, progress) => {
        setTimeout(() => {
          progress.onmessage({ state: "waiting_for_browser" });
        }, 20);
        return refuse(failure("signin.failed", "No."));
      },
    });
    render(SignInAgain, { connection: me, ondone: vi.fn() });
    await screen.findByTestId("sign-in-error");
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(screen.queryByTestId("sign-in-waiting")).toBeNull();
    expect(screen.getByTestId("sign-in-error")).toBeTruthy();
  });

  it("follows the sign-in from the browser to a device code", async () => {
    mockBackend({
      connection_sign_in_again: (_id, _how, progress) => {
        progress.onmessage({ state: "waiting_for_browser" });
        progress.onmessage({
          state: "device_code",
          user_code: "LATER",
          verification_uri: "https://x/device",
          expires_in_seconds: 600,
          message: "Enter LATER at https://x/device",
        });
        return new Promise(() => undefined);
      },
      connection_cancel_sign_in: () => true,
    });
    render(SignInAgain, { connection: me, ondone: vi.fn() });
    expect((await screen.findByTestId("device-code")).textContent).toBe("LATER");
  });
});
