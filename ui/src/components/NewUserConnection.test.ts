import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import type { Environment, ErrorPayload, UserForm } from "../bindings";
import { failure, me } from "../test/fixtures";
import { mockBackend, refuse } from "../test/ipc";
import NewUserConnection from "./NewUserConnection.svelte";

const environment: Environment = {
  name: "Contoso Sandbox",
  unique_name: "contoso",
  url: "https://contoso.crm.dynamics.com",
  api_url: "https://contoso.api.crm.dynamics.com/api/data/v9.2/",
  version: "9.2.1",
  region: "EUR",
  purpose: "Sandbox",
  enabled: true,
  user_is_admin: false,
};

function renderForm() {
  const onadded = vi.fn();
  const oncancel = vi.fn();
  const view = render(NewUserConnection, { onadded, oncancel });
  return { onadded, oncancel, ...view };
}

async function type(label: string, value: string) {
  await fireEvent.input(screen.getByLabelText(label), { target: { value } });
}

describe("New user connection", () => {
  it("waits for the browser with Cancel, and shows the cancellation", async () => {
    let fail: (reason: ErrorPayload) => void = () => undefined;
    const backend = mockBackend({
      connection_check_user: () => [],
      connection_sign_in_user: (_form, _how, progress) => {
        progress.onmessage({ state: "waiting_for_browser" });
        return new Promise((_, reject) => (fail = reject));
      },
      connection_cancel_sign_in: () => {
        // The pending sign-in command fails as the real one does once cancelled.
        setTimeout(() => {
          fail(
            failure("signin.cancelled", "The sign-in was cancelled.", "Start it again when you are ready."),
          );
        }, 0);
        return true;
      },
    });
    renderForm();
    await type("Name", "Me");
    await fireEvent.click(screen.getByTestId("user-sign-in"));
    expect((await screen.findByTestId("sign-in-waiting")).textContent).toContain("Waiting for the browser");
    expect(screen.queryByTestId("user-sign-in")).toBeNull();
    await fireEvent.click(screen.getByTestId("sign-in-cancel"));
    expect((await screen.findByTestId("sign-in-error")).textContent).toContain("cancelled");
    expect(backend.called("connection_cancel_sign_in")).toBe(true);
    expect(screen.queryByTestId("sign-in-waiting")).toBeNull();
    expect(screen.getByLabelText<HTMLInputElement>("Name").value).toBe("Me");
    expect(backend.argsOf("connection_sign_in_user")[0]?.[1]).toEqual({
      method: "browser",
      login_hint: null,
    });
  });

  it("signs in with the browser and hands the saved connection over", async () => {
    const backend = mockBackend({
      connection_check_user: () => [],
      connection_sign_in_user: () => ({ outcome: "added", connection: me }),
    });
    const { onadded } = renderForm();
    await type("Name", "Contoso Dev (me)");
    await type("Instance URL", me.instance_url);
    await type("Tenant", "contoso.onmicrosoft.com");
    expect(screen.getByTestId("user-sign-in").textContent.trim()).toBe("Sign in with the browser");
    await fireEvent.click(screen.getByTestId("user-sign-in"));
    await waitFor(() => {
      expect(onadded).toHaveBeenCalledWith(me);
    });
    const form: UserForm = {
      name: "Contoso Dev (me)",
      tag: null,
      read_only: false,
      instance_url: me.instance_url,
      tenant: "contoso.onmicrosoft.com",
      client_id: "",
      cloud: "public",
      authority: null,
    };
    expect(backend.argsOf("connection_sign_in_user")[0]?.slice(0, 2)).toEqual([
      form,
      { method: "browser", login_hint: null },
    ]);
    expect(backend.argsOf("connection_check_user").at(-1)).toEqual([form, false]);
  });

  it("shows the device code to enter elsewhere", async () => {
    const backend = mockBackend({
      connection_check_user: () => [],
      connection_sign_in_user: (_form, _how, progress) => {
        progress.onmessage({
          state: "device_code",
          user_code: "ABCD-1234",
          verification_uri: "https://microsoft.com/devicelogin",
          expires_in_seconds: 900,
          message: "To sign in, use a web browser to open the page https://microsoft.com/devicelogin.",
        });
        return new Promise(() => undefined);
      },
    });
    renderForm();
    await type("Instance URL", me.instance_url);
    await fireEvent.click(screen.getByTestId("user-device-code"));
    expect((await screen.findByTestId("device-code")).textContent).toBe("ABCD-1234");
    const waiting = screen.getByTestId("sign-in-waiting");
    expect(waiting.textContent).toContain("https://microsoft.com/devicelogin");
    expect(waiting.textContent).toContain("15 minutes");
    expect(screen.getByRole("button", { name: "Copy: ABCD-1234" })).toBeTruthy();
    expect(backend.argsOf("connection_sign_in_user")[0]?.[1]).toEqual({ method: "device_code" });
  });

  it("without an instance, signs in first and saves the environment picked, named after it", async () => {
    const backend = mockBackend({
      // An empty name is a problem for the core, but not while discovering: the environment names it.
      connection_check_user: (form) =>
        form.name === "" ? [{ field: "name", message: "It is empty", hint: null }] : [],
      connection_sign_in_user: () => ({
        outcome: "discovered",
        environments: [
          environment,
          { ...environment, name: "Old", url: "https://old.crm.dynamics.com", enabled: false },
        ],
      }),
      connection_add_discovered: () => me,
    });
    const { onadded } = renderForm();
    const signIn = screen.getByTestId("user-sign-in");
    expect(signIn.textContent.trim()).toBe("Sign in and pick an environment");
    await fireEvent.click(signIn);
    const [first, disabled] = await screen.findAllByTestId<HTMLButtonElement>("environment");
    expect(screen.getByTestId("environments").textContent).toContain("2 found");
    expect(first?.textContent).toContain("Sandbox · EUR · v9.2.1");
    expect(disabled?.disabled).toBe(true);
    expect(disabled?.textContent).toContain("disabled");
    expect(screen.queryByTestId("problem-name")).toBeNull();
    await fireEvent.click(first as HTMLButtonElement);
    await waitFor(() => {
      expect(onadded).toHaveBeenCalledWith(me);
    });
    const [form, url] = backend.argsOf("connection_add_discovered")[0] ?? [];
    expect(form?.name).toBe("Contoso Sandbox");
    expect(url).toBe(environment.url);
  });

  it("says when the account has no environment to pick", async () => {
    mockBackend({
      connection_check_user: () => [],
      connection_sign_in_user: () => ({ outcome: "discovered", environments: [] }),
    });
    renderForm();
    await fireEvent.click(screen.getByTestId("user-sign-in"));
    expect((await screen.findByTestId("environments")).textContent).toContain("None: your account has no");
  });

  it("keeps a name typed before discovering, and shows a failed save", async () => {
    const backend = mockBackend({
      connection_check_user: () => [],
      connection_sign_in_user: () => ({ outcome: "discovered", environments: [environment] }),
      connection_add_discovered: () => refuse(failure("vault.duplicate_name", "That name is taken.")),
    });
    renderForm();
    await type("Name", "Mine");
    await fireEvent.click(screen.getByTestId("user-sign-in"));
    await fireEvent.click(await screen.findByTestId("environment"));
    expect((await screen.findByTestId("sign-in-error")).textContent).toContain("That name is taken.");
    expect(backend.argsOf("connection_add_discovered")[0]?.[0].name).toBe("Mine");
  });

  it("does not sign in while a field has a problem, and shows it", async () => {
    const backend = mockBackend({
      connection_check_user: () => [
        { field: "tenant", message: "Not a tenant", hint: "Use a GUID or a domain." },
      ],
    });
    renderForm();
    await type("Instance URL", me.instance_url);
    await fireEvent.click(screen.getByTestId("user-sign-in"));
    expect((await screen.findByTestId("problem-tenant")).textContent).toContain("Use a GUID or a domain.");
    expect(backend.called("connection_sign_in_user")).toBe(false);
  });

  it("names the name's problem when an instance is given", async () => {
    mockBackend({
      connection_check_user: (form) =>
        form.name === "" ? [{ field: "name", message: "It is empty", hint: null }] : [],
    });
    renderForm();
    await type("Instance URL", me.instance_url);
    await fireEvent.click(screen.getByTestId("user-sign-in"));
    expect((await screen.findByTestId("problem-name")).textContent).toContain("It is empty");
  });

  it("gives the sign-in up when the dialog closes while it waits", async () => {
    const backend = mockBackend({
      connection_check_user: () => [],
      connection_sign_in_user: () => new Promise(() => undefined),
      connection_cancel_sign_in: () => true,
    });
    const { unmount } = renderForm();
    await fireEvent.click(screen.getByTestId("user-sign-in"));
    await screen.findByTestId("sign-in-waiting");
    unmount();
    await waitFor(() => {
      expect(backend.called("connection_cancel_sign_in")).toBe(true);
    });
  });

  it("does not cancel anything when closed before signing in", () => {
    const backend = mockBackend({ connection_check_user: () => [] });
    const { unmount, oncancel } = renderForm();
    void fireEvent.click(screen.getByRole("button", { name: "Close" }));
    expect(oncancel).toHaveBeenCalledOnce();
    unmount();
    expect(backend.called("connection_cancel_sign_in")).toBe(false);
  });

  it("duplicates everything but the sign-in, and an 'organizations' tenant as the default", () => {
    mockBackend({ connection_check_user: () => [] });
    const initial = {
      ...me,
      tag: "uat" as const,
      read_only: true,
      cloud: "gcchigh" as const,
      client_id: "c-1",
    };
    render(NewUserConnection, { onadded: vi.fn(), oncancel: vi.fn(), initial });
    expect(screen.getByLabelText<HTMLInputElement>("Name").value).toBe("Contoso Dev (me) (copy)");
    expect(screen.getByLabelText<HTMLInputElement>("Tenant").value).toBe("");
    expect(screen.getByLabelText<HTMLInputElement>("Client ID").value).toBe("c-1");
    expect(screen.getByLabelText<HTMLSelectElement>("Cloud").value).toBe("gcchigh");
    expect(screen.getByLabelText<HTMLSelectElement>("Environment").value).toBe("uat");
    expect(screen.getByTestId<HTMLInputElement>("user-read-only").checked).toBe(true);
    expect(screen.getByTestId("new-user-form").querySelector("details.advanced")?.hasAttribute("open")).toBe(
      false,
    );
  });

  it("duplicates a tenant of its own and an authority, with the advanced settings open", () => {
    mockBackend({ connection_check_user: () => [] });
    const initial = { ...me, tenant: "contoso.onmicrosoft.com", authority: "http://127.0.0.1:9/t" };
    render(NewUserConnection, { onadded: vi.fn(), oncancel: vi.fn(), initial });
    expect(screen.getByLabelText<HTMLInputElement>("Tenant").value).toBe("contoso.onmicrosoft.com");
    expect(screen.getByLabelText<HTMLInputElement>("Authority").value).toBe("http://127.0.0.1:9/t");
    expect(screen.getByTestId("new-user-form").querySelector("details.advanced")?.hasAttribute("open")).toBe(
      true,
    );
  });

  it("starts empty, and says an empty name will be the environment's", () => {
    mockBackend({ connection_check_user: () => [] });
    renderForm();
    expect(screen.getByLabelText<HTMLInputElement>("Name").value).toBe("");
    expect(screen.getByLabelText<HTMLSelectElement>("Cloud").value).toBe("public");
    expect(screen.getByLabelText<HTMLSelectElement>("Environment").value).toBe("");
    expect(screen.getByTestId<HTMLInputElement>("user-read-only").checked).toBe(false);
    expect(document.getElementById("user-name-help")?.textContent).toBe(
      "How this connection is listed. Empty: the environment's name.",
    );
  });

  it("says how the connection is listed once an instance is typed, and checks as it is typed", async () => {
    const backend = mockBackend({ connection_check_user: () => [] });
    renderForm();
    await type("Instance URL", "  ");
    expect(document.getElementById("user-name-help")?.textContent).toContain(
      "Empty: the environment's name.",
    );
    await type("Instance URL", me.instance_url);
    await type("Authority", "  ");
    expect(document.getElementById("user-name-help")?.textContent).toBe(
      "How this connection is listed, e.g. Contoso Dev (me).",
    );
    await fireEvent.change(screen.getByLabelText("Environment"), { target: { value: "dev" } });
    await waitFor(() => {
      expect(backend.argsOf("connection_check_user").at(-1)).toEqual([
        {
          name: "",
          tag: "dev",
          read_only: false,
          instance_url: me.instance_url,
          tenant: "",
          client_id: "",
          cloud: "public",
          authority: null,
        },
        false,
      ]);
    });
  });

  it("locks the form while it waits for the sign-in", async () => {
    mockBackend({
      connection_check_user: () => [],
      connection_sign_in_user: () => new Promise(() => undefined),
    });
    renderForm();
    const fieldset = screen.getByLabelText("Name").closest("fieldset");
    expect(fieldset?.disabled).toBe(false);
    await fireEvent.click(screen.getByTestId("user-sign-in"));
    await screen.findByTestId("sign-in-waiting");
    expect(fieldset?.disabled).toBe(true);
    expect(screen.queryByTestId("user-device-code")).toBeNull();
  });

  it("shows a failed check as it is typed", async () => {
    mockBackend({ connection_check_user: () => refuse(failure("app.busy", "Checks are unavailable.")) });
    renderForm();
    expect((await screen.findByTestId("sign-in-error")).textContent).toContain("Checks are unavailable.");
  });

  it("shows a cancellation that failed", async () => {
    mockBackend({
      connection_check_user: () => [],
      connection_sign_in_user: () => new Promise(() => undefined),
      connection_cancel_sign_in: () => refuse(failure("app.unexpected", "Could not cancel.")),
    });
    renderForm();
    await fireEvent.click(screen.getByTestId("user-sign-in"));
    await fireEvent.click(await screen.findByTestId("sign-in-cancel"));
    expect((await screen.findByTestId("sign-in-error")).textContent).toContain("Could not cancel.");
  });

  it("shows the environment's purpose, or 'Environment' when it has none", async () => {
    mockBackend({
      connection_check_user: () => [],
      connection_sign_in_user: () => ({
        outcome: "discovered",
        environments: [{ ...environment, purpose: "" }],
      }),
    });
    renderForm();
    await fireEvent.click(screen.getByTestId("user-sign-in"));
    const choice = await screen.findByTestId("environment");
    expect(choice.textContent).toContain("Environment · EUR · v9.2.1");
    expect(choice.textContent).not.toContain("disabled");
  });

  it("blocks a discovering sign-in on a name typed but refused", async () => {
    const backend = mockBackend({
      connection_check_user: () => [{ field: "name", message: "That name is taken", hint: null }],
    });
    renderForm();
    await type("Name", "Taken");
    await fireEvent.click(screen.getByTestId("user-sign-in"));
    expect((await screen.findByTestId("problem-name")).textContent).toContain("That name is taken");
    expect(backend.called("connection_sign_in_user")).toBe(false);
  });

  it("shows every field's problem on sign-in, the untouched ones too", async () => {
    const everyField = ["name", "instance_url", "tenant", "client_id", "authority"];
    mockBackend({
      connection_check_user: () =>
        everyField.map((field) => ({ field, message: `${field} is wrong`, hint: null })),
    });
    renderForm();
    await type("Name", "x");
    await fireEvent.click(screen.getByTestId("user-sign-in"));
    for (const field of everyField) expect(await screen.findByTestId(`problem-${field}`)).toBeTruthy();
  });

  it("names a connection left blank after the environment picked", async () => {
    const backend = mockBackend({
      connection_check_user: () => [],
      connection_sign_in_user: () => ({ outcome: "discovered", environments: [environment] }),
      connection_add_discovered: () => new Promise(() => undefined),
    });
    renderForm();
    await type("Name", "   ");
    await fireEvent.click(screen.getByTestId("user-sign-in"));
    expect((await screen.findByTestId("environments")).textContent).not.toContain("None:");
    await fireEvent.click(await screen.findByTestId("environment"));
    await waitFor(() => {
      expect(backend.argsOf("connection_add_discovered")[0]?.[0].name).toBe("Contoso Sandbox");
    });
  });

  it("goes back to the form after a failed sign-in, ready for another", async () => {
    mockBackend({
      connection_check_user: () => [],
      connection_sign_in_user: () => refuse(failure("signin.failed", "Refused.")),
    });
    renderForm();
    await fireEvent.click(screen.getByTestId("user-sign-in"));
    await screen.findByTestId("sign-in-error");
    expect(screen.getByTestId("user-sign-in")).toBeTruthy();
    expect(screen.getByLabelText("Name").closest("fieldset")?.disabled).toBe(false);
  });

  it("ignores a sign-in update that comes after the sign-in ended", async () => {
    mockBackend({
      connection_check_user: () => [],
      connection_sign_in_user: (_form, _how, progress) => {
        setTimeout(() => {
          progress.onmessage({ state: "waiting_for_browser" });
        }, 20);
        return { outcome: "discovered", environments: [environment] };
      },
    });
    renderForm();
    await fireEvent.click(screen.getByTestId("user-sign-in"));
    await screen.findByTestId("environments");
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(screen.queryByTestId("sign-in-waiting")).toBeNull();
    expect(screen.getByTestId("environments")).toBeTruthy();
  });

  it("sends a custom authority as typed", async () => {
    const backend = mockBackend({ connection_check_user: () => [] });
    renderForm();
    await type("Authority", "http://127.0.0.1:9/t");
    await waitFor(() => {
      expect(backend.argsOf("connection_check_user").at(-1)?.[0].authority).toBe("http://127.0.0.1:9/t");
    });
  });

  it("blocks a discovering sign-in on a problem of another field than the name", async () => {
    const backend = mockBackend({
      connection_check_user: () => [{ field: "tenant", message: "Not a tenant", hint: null }],
    });
    renderForm();
    await fireEvent.click(screen.getByTestId("user-sign-in"));
    expect((await screen.findByTestId("problem-tenant")).textContent).toContain("Not a tenant");
    expect(backend.called("connection_sign_in_user")).toBe(false);
  });

  it("describes an environment by its name, address, purpose, region and version", async () => {
    mockBackend({
      connection_check_user: () => [],
      connection_sign_in_user: () => ({ outcome: "discovered", environments: [environment] }),
    });
    renderForm();
    await fireEvent.click(screen.getByTestId("user-sign-in"));
    const choice = await screen.findByTestId("environment");
    expect(choice.textContent.replace(/\s+/g, " ").trim()).toBe(
      "Contoso Sandbox https://contoso.crm.dynamics.com Sandbox · EUR · v9.2.1",
    );
  });
});
