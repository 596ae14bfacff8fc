import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import type { BearerForm, TokenFacts } from "../bindings";
import { failure, pasted } from "../test/fixtures";
import { mockBackend, refuse } from "../test/ipc";
import NewBearerConnection from "./NewBearerConnection.svelte";

const inMinutes = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

/** What the core reads from a token that expires in `minutes`: it warns from ten minutes before. */
function tokenFacts(minutes: number, subject = "ann", appOnly = false): TokenFacts {
  return {
    audience: "https://contoso.crm.dynamics.com",
    subject,
    app_only: appOnly,
    expires: inMinutes(minutes),
    warn_from: inMinutes(minutes - 10),
    tenant: null,
  };
}

function renderForm() {
  const onadded = vi.fn();
  const oncancel = vi.fn();
  render(NewBearerConnection, { onadded, oncancel });
  return { onadded, oncancel };
}

async function type(label: string, value: string) {
  await fireEvent.input(screen.getByLabelText(label), { target: { value } });
}

describe("New bearer connection", () => {
  it("shows whom a pasted token is for and warns when it is about to expire", async () => {
    const soon = tokenFacts(4, "ann@contoso.com");
    const backend = mockBackend({ connection_inspect_bearer: () => soon });
    renderForm();
    await type("Instance URL", "contoso.crm.dynamics.com");
    await type("Access token", " Bearer a.b.c ");
    expect((await screen.findByTestId("token-subject")).textContent).toBe("ann@contoso.com");
    expect(screen.getByTestId("token-near-expiry").textContent).toContain("expires soon");
    expect(screen.getByTestId("token-facts").textContent).toContain("(3 min left)");
    expect(screen.getByTestId("token-facts").textContent).not.toContain("an application");
    expect(backend.argsOf("connection_inspect_bearer").map(([, token]) => token)).toContain("Bearer a.b.c");
    expect(screen.getByTestId<HTMLButtonElement>("bearer-save").disabled).toBe(false);
  });

  it("says an app-only token is an application's, and that hours are not near", async () => {
    mockBackend({
      connection_inspect_bearer: () => tokenFacts(150, "app-id", true),
    });
    renderForm();
    await type("Instance URL", "contoso.crm.dynamics.com");
    await type("Access token", "a.b.c");
    const facts = await screen.findByTestId("token-facts");
    expect(facts.textContent).toContain("(an application, not a person)");
    expect(facts.textContent).toMatch(/\(2 h (29|30) min left\)/);
    expect(screen.queryByTestId("token-near-expiry")).toBeNull();
    expect(facts.classList.contains("warning")).toBe(false);
  });

  it("warns from when the core says, and says less than a minute", async () => {
    mockBackend({
      connection_inspect_bearer: () => tokenFacts(0.5, "ann", false),
    });
    renderForm();
    await type("Instance URL", "contoso.crm.dynamics.com");
    await type("Access token", "a.b.c");
    const facts = await screen.findByTestId("token-facts");
    expect(facts.textContent).toContain("(less than a minute left)");
    expect(facts.classList.contains("warning")).toBe(true);
  });

  it("asks nothing before both the instance and the token are there", async () => {
    const backend = mockBackend({ connection_inspect_bearer: () => refuse(failure("x", "never asked")) });
    renderForm();
    await type("Access token", "a.b.c");
    await type("Instance URL", "  ");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(backend.called("connection_inspect_bearer")).toBe(false);
    expect(screen.getByTestId<HTMLButtonElement>("bearer-save").disabled).toBe(true);
  });

  it("shows why a pasted text is refused, and forgets it when the token is cleared", async () => {
    mockBackend({
      connection_inspect_bearer: () =>
        refuse(failure("input.invalid", "This is not a JWT.", "Paste the whole token.")),
    });
    renderForm();
    await type("Instance URL", "contoso.crm.dynamics.com");
    await type("Access token", "not a token");
    const refused = await screen.findByTestId("token-refused");
    expect(refused.textContent).toContain("This is not a JWT.");
    expect(refused.textContent).toContain("Paste the whole token.");
    expect(screen.getByTestId<HTMLButtonElement>("bearer-save").disabled).toBe(true);
    await type("Access token", "");
    await waitFor(() => {
      expect(screen.queryByTestId("token-refused")).toBeNull();
    });
  });

  it("saves the token trimmed, with the form, and clears it", async () => {
    const backend = mockBackend({
      connection_inspect_bearer: () => tokenFacts(60, "ann", false),
      connection_add_bearer: () => pasted,
    });
    const { onadded } = renderForm();
    await type("Name", "Pasted token");
    await type("Instance URL", pasted.instance_url);
    await type("Access token", "  a.b.c  ");
    await screen.findByTestId("token-facts");
    await fireEvent.click(screen.getByTestId("bearer-save"));
    await waitFor(() => {
      expect(onadded).toHaveBeenCalledWith(pasted);
    });
    const form: BearerForm = {
      name: "Pasted token",
      tag: null,
      read_only: false,
      instance_url: pasted.instance_url,
      cloud: "public",
    };
    expect(backend.argsOf("connection_add_bearer")).toEqual([[form, "a.b.c"]]);
    expect(screen.getByLabelText<HTMLInputElement>("Access token").value).toBe("");
  });

  it("shows why a token could not be saved", async () => {
    mockBackend({
      connection_inspect_bearer: () => tokenFacts(60, "ann", false),
      connection_add_bearer: () => refuse(failure("vault.keyring_unavailable", "The keyring is locked.")),
    });
    const { onadded } = renderForm();
    await type("Instance URL", pasted.instance_url);
    await type("Access token", "a.b.c");
    await screen.findByTestId("token-facts");
    await fireEvent.click(screen.getByTestId("bearer-save"));
    expect((await screen.findByTestId("add-error")).textContent).toContain("The keyring is locked.");
    expect(onadded).not.toHaveBeenCalled();
    expect(screen.getByTestId("bearer-save").textContent.trim()).toBe("Save and verify");
  });

  it("starts empty, public, untagged and writable", () => {
    mockBackend();
    renderForm();
    expect(screen.getByLabelText<HTMLInputElement>("Name").value).toBe("");
    expect(screen.getByLabelText<HTMLInputElement>("Instance URL").value).toBe("");
    expect(screen.getByLabelText<HTMLInputElement>("Access token").value).toBe("");
    expect(screen.getByLabelText<HTMLSelectElement>("Cloud").value).toBe("public");
    expect(screen.getByLabelText<HTMLSelectElement>("Environment").value).toBe("");
    expect(screen.getByTestId<HTMLInputElement>("bearer-read-only").checked).toBe(false);
    expect(screen.getByTestId("bearer-save").textContent.trim()).toBe("Save and verify");
  });

  it("duplicates everything but the token, keeping the read-only choice", async () => {
    const backend = mockBackend({
      connection_inspect_bearer: () => tokenFacts(60, "ann", false),
      connection_add_bearer: () => pasted,
    });
    const initial = { ...pasted, tag: "prod" as const, read_only: false, cloud: "gcc" as const };
    render(NewBearerConnection, { onadded: vi.fn(), oncancel: vi.fn(), initial });
    expect(screen.getByLabelText<HTMLInputElement>("Name").value).toBe("Pasted token (copy)");
    expect(screen.getByLabelText<HTMLInputElement>("Instance URL").value).toBe(pasted.instance_url);
    expect(screen.getByLabelText<HTMLInputElement>("Access token").value).toBe("");
    expect(screen.getByLabelText<HTMLSelectElement>("Cloud").value).toBe("gcc");
    expect(screen.getByLabelText<HTMLSelectElement>("Environment").value).toBe("prod");
    expect(screen.getByTestId<HTMLInputElement>("bearer-read-only").checked).toBe(false);
    await type("Access token", "a.b.c");
    await screen.findByTestId("token-facts");
    await fireEvent.click(screen.getByTestId("bearer-save"));
    await waitFor(() => {
      expect(backend.argsOf("connection_add_bearer")[0]?.[0]).toEqual({
        name: "Pasted token (copy)",
        tag: "prod",
        read_only: false,
        instance_url: pasted.instance_url,
        cloud: "gcc",
      });
    });
  });

  it("says 'Saving…' while it saves", async () => {
    mockBackend({
      connection_inspect_bearer: () => tokenFacts(60, "ann", false),
      connection_add_bearer: () => new Promise(() => undefined),
    });
    renderForm();
    await type("Instance URL", pasted.instance_url);
    await type("Access token", "a.b.c");
    await screen.findByTestId("token-facts");
    await fireEvent.click(screen.getByTestId("bearer-save"));
    const save = await screen.findByRole<HTMLButtonElement>("button", { name: "Saving…" });
    expect(save.disabled).toBe(true);
  });

  it("keeps the facts of the last token pasted, not of an earlier answer", async () => {
    const answers: ((read: TokenFacts) => void)[] = [];
    mockBackend({ connection_inspect_bearer: () => new Promise((resolve) => answers.push(resolve)) });
    renderForm();
    await type("Instance URL", pasted.instance_url);
    await type("Access token", "first");
    await waitFor(() => {
      expect(answers).toHaveLength(1);
    });
    await type("Access token", "second");
    await waitFor(() => {
      expect(answers).toHaveLength(2);
    });
    answers[1]?.(tokenFacts(60, "second", false));
    expect((await screen.findByTestId("token-subject")).textContent).toBe("second");
    answers[0]?.(tokenFacts(60, "first", false));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(screen.getByTestId("token-subject").textContent).toBe("second");
  });

  it.each([
    [1.5, "(1 min left)"],
    [119.5, "(119 min left)"],
    [120.5, "(2 h 0 min left)"],
  ])("says %f minutes left as %j", async (minutes, said) => {
    mockBackend({
      connection_inspect_bearer: () => tokenFacts(minutes),
    });
    renderForm();
    await type("Instance URL", pasted.instance_url);
    await type("Access token", "a.b.c");
    expect((await screen.findByTestId("token-facts")).textContent).toContain(said);
  });

  it("starts warning as the time left runs below ten minutes, while the form is open", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "Date"] });
    try {
      mockBackend({
        connection_inspect_bearer: () => tokenFacts(11, "ann", false),
      });
      renderForm();
      await type("Instance URL", pasted.instance_url);
      await type("Access token", "a.b.c");
      const facts = await screen.findByTestId("token-facts");
      expect(facts.textContent).toContain("(11 min left)");
      expect(screen.queryByTestId("token-near-expiry")).toBeNull();
      vi.setSystemTime(Date.now() + 2 * 60_000);
      await vi.advanceTimersByTimeAsync(15_000);
      expect(await screen.findByTestId("token-near-expiry")).toBeTruthy();
      expect(facts.textContent).toContain("(8 min left)");
    } finally {
      vi.useRealTimers();
    }
  });

  it("does not save a token it has not read", async () => {
    const backend = mockBackend({ connection_add_bearer: () => pasted });
    renderForm();
    await fireEvent.submit(screen.getByTestId("new-bearer-form"));
    expect(backend.called("connection_add_bearer")).toBe(false);
  });

  it("says whom the token is for, plainly", async () => {
    mockBackend({
      connection_inspect_bearer: () => tokenFacts(60, "ann", false),
    });
    renderForm();
    await type("Instance URL", pasted.instance_url);
    await type("Access token", "a.b.c");
    const facts = await screen.findByTestId("token-facts");
    expect(facts.textContent.replace(/\s+/g, " ").trim()).toMatch(
      /^For ann, until .+ \((59|60) min left\)\.$/,
    );
  });

  it("keeps a duplicate's read-only choice on a connection that is not production", () => {
    mockBackend();
    render(NewBearerConnection, {
      onadded: vi.fn(),
      oncancel: vi.fn(),
      initial: { ...pasted, tag: "dev", read_only: true },
    });
    expect(screen.getByTestId<HTMLInputElement>("bearer-read-only").checked).toBe(true);
  });

  it("reads only the token as it stands once the typing pauses", async () => {
    const backend = mockBackend({ connection_inspect_bearer: () => tokenFacts(60) });
    renderForm();
    await type("Instance URL", pasted.instance_url);
    await type("Access token", "a");
    await type("Access token", "a.b");
    await type("Access token", "a.b.c");
    await screen.findByTestId("token-facts");
    expect(backend.argsOf("connection_inspect_bearer").map(([, token]) => token)).toEqual(["a.b.c"]);
  });

  it("ignores a refusal of an earlier token that comes late", async () => {
    const refusals: ((reason: unknown) => void)[] = [];
    const answers: ((read: TokenFacts) => void)[] = [];
    mockBackend({
      connection_inspect_bearer: () =>
        new Promise((resolve, reject) => {
          answers.push(resolve);
          refusals.push(reject);
        }),
    });
    renderForm();
    await type("Instance URL", pasted.instance_url);
    await type("Access token", "first");
    await waitFor(() => {
      expect(answers).toHaveLength(1);
    });
    await type("Access token", "second");
    await waitFor(() => {
      expect(answers).toHaveLength(2);
    });
    answers[1]?.(tokenFacts(60, "second"));
    await screen.findByTestId("token-facts");
    refusals[0]?.(failure("input.invalid", "The first was no token."));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(screen.queryByTestId("token-refused")).toBeNull();
    expect(screen.getByTestId("token-subject").textContent).toBe("second");
  });

  it("stops its clock when it closes", () => {
    mockBackend();
    const stop = vi.spyOn(globalThis, "clearInterval");
    const { unmount } = render(NewBearerConnection, { onadded: vi.fn(), oncancel: vi.fn() });
    expect(stop).not.toHaveBeenCalled();
    unmount();
    expect(stop).toHaveBeenCalled();
  });
});
