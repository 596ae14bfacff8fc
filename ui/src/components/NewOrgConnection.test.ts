import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import type { FieldProblem, OrgForm } from "../bindings";
import { failure, prod } from "../test/fixtures";
import { mockBackend, refuse } from "../test/ipc";
import NewOrgConnection from "./NewOrgConnection.svelte";

const secret = "abc8Q~n0t-a-GUID.secret";
const emptyForm: OrgForm = {
  name: "",
  tag: null,
  read_only: false,
  instance_url: "",
  tenant: "",
  client_id: "",
  cloud: "public",
  authority: null,
};

function renderForm() {
  const onadded = vi.fn();
  const oncancel = vi.fn();
  render(NewOrgConnection, { onadded, oncancel });
  return { onadded, oncancel };
}

async function type(label: string, value: string) {
  await fireEvent.input(screen.getByLabelText(label), { target: { value } });
}

/** Types `text` one keystroke at a time, as a person does. */
async function typeSlowly(label: string, text: string) {
  for (let end = 1; end <= text.length; end++) await type(label, text.slice(0, end));
}

/** Past the as-you-type pause: every check that was going to run has run. */
async function settle() {
  await new Promise((resolve) => setTimeout(resolve, 200));
}

/** The secret is nowhere in the page but in its own field: not in any text, nor in any other input. */
function expectSecretOnlyInItsField() {
  expect(document.body.textContent).not.toContain(secret);
  const others = [...document.querySelectorAll<HTMLInputElement>("input")].filter(
    (i) => i.id !== "org-clientSecret",
  );
  expect(others.length).toBeGreaterThan(0);
  for (const input of others) expect(input.value).not.toContain(secret);
}

describe("New organisation connection", () => {
  it("shows the core's problems beside the fields, and never gets the secret back", async () => {
    const problems: FieldProblem[] = [
      { field: "client_id", message: "'abc' is not a GUID", hint: "Copy the Application (client) ID." },
    ];
    const backend = mockBackend({ connection_check_org: () => problems });
    renderForm();
    await type("Client secret", secret);
    const clientId = screen.getByLabelText("Client ID");
    await type("Client ID", " abc");
    await fireEvent.blur(clientId);
    const problem = await screen.findByTestId("problem-client_id");
    expect(problem.textContent).toContain("is not a GUID");
    expect(problem.textContent).toContain("Copy the Application (client) ID.");
    expect(clientId.getAttribute("aria-invalid")).toBe("true");
    expect(clientId.getAttribute("aria-describedby")).toBe("org-clientId-problem");
    expect(screen.queryByTestId("problem-tenant")).toBeNull();
    // Exactly the form as typed (the core normalises, not the UI), and no secret.
    expect(backend.argsOf("connection_check_org")).toEqual([[{ ...emptyForm, client_id: " abc" }]]);
    expectSecretOnlyInItsField();
  });

  it("does not send the client secret while it is typed: its shape is checked here", async () => {
    const backend = mockBackend({ connection_check_org: () => [] });
    renderForm();
    await type("Name", "Contoso Dev");
    await settle();
    const secretField = screen.getByLabelText("Client secret");
    await typeSlowly("Client secret", secret);
    await fireEvent.blur(secretField);
    await settle();
    // A field typed after the secret is checked too, and still without it.
    await type("Tenant ID", "contoso.onmicrosoft.com");
    await settle();
    expect(backend.argsOf("connection_check_org").at(-1)?.[0].tenant).toBe("contoso.onmicrosoft.com");
    expect(backend.called("connection_check_org")).toBe(true);
    for (const args of backend.argsOf("connection_check_org")) expect(args).toHaveLength(1);
    expect(JSON.stringify(backend.calls)).not.toContain(secret.slice(0, 4));
    expect(screen.queryByTestId("problem-client_secret")).toBeNull();
    expect(secretField.getAttribute("aria-invalid")).toBe("false");
    expectSecretOnlyInItsField();
  });

  it.each([
    ["0b6f0b57-7e3f-4c1e-9d9e-6f0a1f2b3c4d", "looks like the secret's ID", "copy the Value column"],
    ["0B6F0B577E3F4C1E9D9E6F0A1F2B3C4D", "looks like the secret's ID", "copy the Value column"],
    ["{0b6f0b57-7e3f-4c1e-9d9e-6f0a1f2b3c4d}", "looks like the secret's ID", "copy the Value column"],
    [" abc8Q~secret", "spaces or line breaks around it", "exactly"],
    ["abc8Q~secret\t", "spaces or line breaks around it", "exactly"],
  ])("says what is wrong with the secret %j once it is left", async (typed, message, hint) => {
    const backend = mockBackend({ connection_check_org: () => [] });
    renderForm();
    const secretField = screen.getByLabelText("Client secret");
    await type("Client secret", typed);
    expect(screen.queryByTestId("problem-client_secret")).toBeNull();
    await fireEvent.blur(secretField);
    const problem = screen.getByTestId("problem-client_secret");
    expect(problem.textContent).toContain(message);
    expect(problem.textContent).toContain(hint);
    expect(secretField.getAttribute("aria-invalid")).toBe("true");
    await settle();
    expect(JSON.stringify(backend.calls)).not.toContain(typed.trim());
  });

  it("refuses to save without a secret, and says so beside the field", async () => {
    const backend = mockBackend({ connection_check_org: () => [] });
    renderForm();
    await fireEvent.click(screen.getByTestId("org-save"));
    expect((await screen.findByTestId("problem-client_secret")).textContent).toContain("It is empty");
    expect(backend.called("connection_add_org")).toBe(false);
  });

  it("shows every field's problem on save, from a check of the form as it is then", async () => {
    const backend = mockBackend({
      connection_check_org: (form) =>
        form.tenant === "" ? [{ field: "tenant", message: "It is empty", hint: "Type the tenant." }] : [],
    });
    renderForm();
    await type("Client secret", secret);
    await fireEvent.click(screen.getByTestId("org-save"));
    expect((await screen.findByTestId("problem-tenant")).textContent).toContain("Type the tenant.");
    expect(backend.called("connection_add_org")).toBe(false);
    expect(JSON.stringify(backend.calls)).not.toContain(secret);
  });

  it("sends the secret once, on save, with the form as typed", async () => {
    const backend = mockBackend({
      connection_check_org: () => [],
      connection_add_org: () => prod,
    });
    const { onadded } = renderForm();
    await type("Name", "Contoso Prod");
    await type("Instance URL", prod.instance_url);
    await type("Tenant ID", "contoso.onmicrosoft.com");
    await type("Client ID", "22222222-2222-4222-8222-222222222222");
    await type("Client secret", secret);
    await fireEvent.change(screen.getByLabelText("Environment"), { target: { value: "prod" } });
    await type("Authority", "  ");
    await fireEvent.click(screen.getByTestId("org-save"));
    await waitFor(() => {
      expect(onadded).toHaveBeenCalledWith(prod);
    });
    const form: OrgForm = {
      name: "Contoso Prod",
      tag: "prod",
      read_only: true,
      instance_url: prod.instance_url,
      tenant: "contoso.onmicrosoft.com",
      client_id: "22222222-2222-4222-8222-222222222222",
      cloud: "public",
      authority: null,
    };
    expect(backend.argsOf("connection_add_org")).toEqual([[form, secret]]);
    // The check on save is of the form as it is then, without the secret.
    expect(backend.argsOf("connection_check_org").at(-1)).toEqual([form]);
    expect(JSON.stringify(backend.argsOf("connection_check_org"))).not.toContain(secret);
    expectSecretOnlyInItsField();
    expect(screen.getByLabelText<HTMLInputElement>("Client secret").value).toBe("");
  });

  it("sends a custom authority as typed", async () => {
    const backend = mockBackend({ connection_check_org: () => [] });
    renderForm();
    await type("Authority", "http://127.0.0.1:1/tenant");
    await settle();
    expect(backend.argsOf("connection_check_org").at(-1)?.[0].authority).toBe("http://127.0.0.1:1/tenant");
  });

  it("says 'Saving…' while it saves, and shows why it could not", async () => {
    let answer: (value: never) => void = () => undefined;
    let fail: (reason: unknown) => void = () => undefined;
    mockBackend({
      connection_check_org: () => [],
      connection_add_org: () =>
        new Promise((resolve, reject) => {
          answer = resolve;
          fail = reject;
        }),
    });
    const { onadded } = renderForm();
    await type("Client secret", secret);
    await fireEvent.click(screen.getByTestId("org-save"));
    const save = await screen.findByRole<HTMLButtonElement>("button", { name: "Saving…" });
    expect(save.disabled).toBe(true);
    expect(answer).toBeTypeOf("function");
    fail(failure("vault.duplicate_name", "A connection named Contoso exists.", "Pick another name."));
    const alert = await screen.findByTestId("add-error");
    expect(alert.textContent).toContain("A connection named Contoso exists.");
    expect(alert.textContent).toContain("Pick another name.");
    expect(screen.getByRole<HTMLButtonElement>("button", { name: "Save and verify" }).disabled).toBe(false);
    expect(onadded).not.toHaveBeenCalled();
    // Kept for another try, and shown nowhere else.
    expect(screen.getByLabelText<HTMLInputElement>("Client secret").value).toBe(secret);
    expectSecretOnlyInItsField();
  });

  it("shows a check that failed", async () => {
    mockBackend({ connection_check_org: () => refuse(failure("app.busy", "Checks are unavailable.")) });
    renderForm();
    expect((await screen.findByTestId("add-error")).textContent).toContain("Checks are unavailable.");
  });

  it("cancels", async () => {
    mockBackend({ connection_check_org: () => [] });
    const { oncancel } = renderForm();
    await fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(oncancel).toHaveBeenCalledOnce();
  });

  it("duplicates everything but the secret, with the advanced settings open for an authority", () => {
    mockBackend({ connection_check_org: () => [] });
    const initial = {
      ...prod,
      tag: "test" as const,
      read_only: false,
      cloud: "dod" as const,
      authority: "http://127.0.0.1:9/t",
    };
    render(NewOrgConnection, { onadded: vi.fn(), oncancel: vi.fn(), initial });
    expect(screen.getByLabelText<HTMLInputElement>("Tenant ID").value).toBe(prod.tenant);
    expect(screen.getByLabelText<HTMLSelectElement>("Cloud").value).toBe("dod");
    expect(screen.getByLabelText<HTMLSelectElement>("Environment").value).toBe("test");
    expect(screen.getByTestId<HTMLInputElement>("org-read-only").checked).toBe(false);
    expect(screen.getByLabelText<HTMLInputElement>("Authority").value).toBe("http://127.0.0.1:9/t");
    expect(screen.getByTestId("new-org-form").querySelector("details.advanced")?.hasAttribute("open")).toBe(
      true,
    );
  });

  it("starts empty and public, with the advanced settings closed", () => {
    mockBackend({ connection_check_org: () => [] });
    renderForm();
    for (const label of ["Name", "Instance URL", "Tenant ID", "Client ID", "Client secret", "Authority"]) {
      expect(screen.getByLabelText<HTMLInputElement>(label).value).toBe("");
    }
    expect(screen.getByLabelText<HTMLSelectElement>("Cloud").value).toBe("public");
    expect(screen.getByLabelText<HTMLSelectElement>("Environment").value).toBe("");
    expect(screen.getByTestId<HTMLInputElement>("org-read-only").checked).toBe(false);
    expect(screen.getByTestId("new-org-form").querySelector("details.advanced")?.hasAttribute("open")).toBe(
      false,
    );
  });

  it("shows every field's problem on save, the untouched ones too", async () => {
    const everyField = ["name", "instance_url", "tenant", "client_id", "authority"];
    mockBackend({
      connection_check_org: () =>
        everyField.map((field) => ({ field, message: `${field} is wrong`, hint: null })),
    });
    renderForm();
    await fireEvent.click(screen.getByTestId("org-save"));
    for (const field of [...everyField, "client_secret"]) {
      expect(await screen.findByTestId(`problem-${field}`)).toBeTruthy();
    }
  });
});
