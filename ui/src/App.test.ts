// UI unit tests run in jsdom. The Rust side is replaced by @tauri-apps/api's IPC mock here; the real
// bridge is exercised by the desktop end-to-end tests (tests/e2e).
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "./App.svelte";
import type {
  AppInfo,
  ConnectionView,
  ErrorPayload,
  FieldError,
  SandboxInfo,
  SignInUpdate,
  TokenFacts,
} from "./bindings";

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
function backend(answers: Record<string, (args: Record<string, unknown>) => unknown>): string[] {
  const calls: string[] = [];
  const all: Record<string, (args: Record<string, unknown>) => unknown> = {
    connections_list: () => [],
    ...answers,
  };
  mockIPC((cmd, args) => {
    calls.push(cmd);
    const answer = all[cmd];
    if (!answer) throw new Error(`unexpected command ${cmd}`);
    return answer((args ?? {}) as Record<string, unknown>);
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

const prod: ConnectionView = {
  id: "11111111-1111-4111-8111-111111111111",
  name: "Contoso Prod",
  kind: "org",
  tag: "prod",
  readOnly: true,
  instanceUrl: "https://contoso.crm.dynamics.com",
  host: "contoso.crm.dynamics.com",
  tenant: "contoso.onmicrosoft.com",
  clientId: "22222222-2222-4222-8222-222222222222",
  cloud: "public",
  authority: null,
  status: { state: "failed", at: new Date().toISOString(), summary: "auth.invalid_secret" },
};

describe("Connections", () => {
  it("lists connections with production unmistakable, read-only and the last verification", async () => {
    backend({ app_info: () => info, sandbox_status: () => null, connections_list: () => [prod] });
    render(App);
    const card = await screen.findByRole("article", { name: "Contoso Prod" });
    expect(card.classList.contains("prod")).toBe(true);
    expect(screen.getByTestId("connection-tag").textContent).toBe("PROD");
    expect(screen.getByTestId("read-only-badge")).toBeTruthy();
    expect(screen.getByTestId("connection-status").textContent).toContain("Failed");
    expect(screen.getByTestId("connection-status").textContent).toContain("auth.invalid_secret");
  });

  it("shows the core's problems beside the fields, and never gets the secret back", async () => {
    const problems: FieldError[] = [
      { field: "clientId", message: "'abc' is not a GUID", hint: "Copy the Application (client) ID." },
    ];
    const checked: unknown[] = [];
    backend({
      app_info: () => info,
      sandbox_status: () => null,
      connection_check_org: (args) => {
        checked.push(args);
        return problems;
      },
    });
    render(App);
    await fireEvent.click(await screen.findByTestId("new-connection"));
    const clientId = screen.getByLabelText("Client ID");
    await fireEvent.input(clientId, { target: { value: "abc" } });
    await fireEvent.blur(clientId);
    const problem = await screen.findByTestId("problem-clientId");
    expect(problem.textContent).toContain("is not a GUID");
    expect(screen.queryByTestId("problem-tenant")).toBeNull();
    await fireEvent.keyDown(screen.getByRole("dialog"), { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(checked.length).toBeGreaterThan(0);
  });

  it("deletes after naming the connection, then shows how to revoke its access", async () => {
    let list = [prod];
    const calls = backend({
      app_info: () => info,
      sandbox_status: () => null,
      connections_list: () => list,
      connection_delete: () => {
        list = [];
        return ["Delete the client secret of app 22222222-… in Entra ID."];
      },
    });
    render(App);
    await fireEvent.click(await screen.findByTestId("delete-button"));
    await fireEvent.click(screen.getByRole("button", { name: "Delete Contoso Prod" }));
    expect((await screen.findByTestId("revocation-steps")).textContent).toContain("Delete the client secret");
    expect(calls).toContain("connection_delete");
    expect(await screen.findByTestId("connections-empty")).toBeTruthy();
  });

  it("duplicates a connection with its settings but without its secret", async () => {
    backend({
      app_info: () => info,
      sandbox_status: () => null,
      connections_list: () => [prod],
      connection_check_org: () => [],
    });
    render(App);
    await fireEvent.click(await screen.findByTestId("duplicate-button"));
    expect(screen.getByTestId("duplicate-note").textContent).toContain("client secret");
    expect(screen.getByLabelText<HTMLInputElement>("Name").value).toBe("Contoso Prod (copy)");
    expect(screen.getByLabelText<HTMLInputElement>("Instance URL").value).toBe(prod.instanceUrl);
    expect(screen.getByLabelText<HTMLInputElement>("Client ID").value).toBe(prod.clientId);
    expect(screen.getByLabelText<HTMLInputElement>("Client secret").value).toBe("");
    expect(screen.getByTestId<HTMLInputElement>("org-read-only").checked).toBe(true);
  });

  it("shows whom a pasted token is for and warns when it is about to expire", async () => {
    const soon: TokenFacts = {
      subject: "ann@contoso.com",
      appOnly: false,
      expires: new Date(Date.now() + 4 * 60_000).toISOString(),
      nearExpiry: true,
    };
    const inspected: unknown[] = [];
    backend({
      app_info: () => info,
      sandbox_status: () => null,
      connection_inspect_bearer: (args) => {
        inspected.push(args.token);
        return soon;
      },
    });
    render(App);
    await fireEvent.click(await screen.findByTestId("new-connection"));
    await fireEvent.click(screen.getByTestId("kind-bearer"));
    await fireEvent.input(screen.getByLabelText("Instance URL"), {
      target: { value: "contoso.crm.dynamics.com" },
    });
    await fireEvent.input(screen.getByLabelText("Access token"), { target: { value: " Bearer a.b.c " } });
    expect((await screen.findByTestId("token-subject")).textContent).toBe("ann@contoso.com");
    expect(screen.getByTestId("token-near-expiry").textContent).toContain("expires soon");
    expect(inspected).toContain("Bearer a.b.c");
    expect(screen.getByTestId<HTMLButtonElement>("bearer-save").disabled).toBe(false);
  });

  it("waits for the browser with Cancel, and shows the cancellation", async () => {
    let fail: (reason: ErrorPayload) => void = () => undefined;
    const calls = backend({
      app_info: () => info,
      sandbox_status: () => null,
      connection_check_user: () => [],
      connection_sign_in_user: (args) => {
        const progress = args.progress as { onmessage: (update: SignInUpdate) => void };
        progress.onmessage({ state: "waitingForBrowser" });
        return new Promise((_, reject) => (fail = reject));
      },
      connection_cancel_sign_in: () => {
        const cancelled: ErrorPayload = {
          kind: "signin.cancelled",
          message: "The sign-in was cancelled.",
          hint: "Start it again when you are ready.",
        };
        // The pending sign-in command fails as the real one does once cancelled.
        setTimeout(() => {
          fail(cancelled);
        }, 0);
        return true;
      },
    });
    render(App);
    await fireEvent.click(await screen.findByTestId("new-connection"));
    await fireEvent.click(screen.getByTestId("kind-user"));
    await fireEvent.input(screen.getByLabelText("Name"), { target: { value: "Me" } });
    await fireEvent.click(screen.getByTestId("user-sign-in"));
    expect((await screen.findByTestId("sign-in-waiting")).textContent).toContain("Waiting for the browser");
    await fireEvent.click(screen.getByTestId("sign-in-cancel"));
    expect((await screen.findByTestId("sign-in-error")).textContent).toContain("cancelled");
    expect(calls).toContain("connection_cancel_sign_in");
    expect(screen.queryByTestId("sign-in-waiting")).toBeNull();
  });
});
