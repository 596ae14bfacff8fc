import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import type { CertificateView, ConnectionView, OrgForm } from "../bindings";
import { failure, prod } from "../test/fixtures";
import { mockBackend, refuse } from "../test/ipc";
import NewOrgConnection from "./NewOrgConnection.svelte";

const path = "/home/me/certs/contoso-app.pfx";
const password = "pfx-pass-42";
const view: CertificateView = {
  certificate: {
    thumbprint: "0624158BE44BA63FD750D2EB9F933E50CDDAE753",
    thumbprint_sha256: "58E7FBC611C5415ADD3E9F62F5B396156109455CE17E90AE13F9B61C8E0191D3",
    subject: "CN=Contoso App",
    not_before: "2026-01-01T00:00:00Z",
    not_after: "2027-06-30T00:00:00Z",
  },
  expiry_warning: null,
};
const added: ConnectionView = { ...prod, kind: "certificate", certificate: view };

function renderForm(initial?: ConnectionView) {
  const onadded = vi.fn();
  render(NewOrgConnection, { onadded, oncancel: vi.fn(), initial });
  return { onadded };
}

async function type(label: string, value: string) {
  await fireEvent.input(screen.getByLabelText(label), { target: { value } });
}

async function choose(credential: "secret" | "certificate") {
  await fireEvent.change(screen.getByLabelText("Credential"), { target: { value: credential } });
}

describe("New organisation connection with a certificate", () => {
  it("picks the file in Rust's dialog, shows its thumbprint and expiry, and saves with its password", async () => {
    const backend = mockBackend({
      connection_check_org: () => [],
      connection_pick_certificate: () => path,
      connection_inspect_certificate: (_path, given) =>
        given === password
          ? view
          : refuse(failure("input.certificate_password", "The password is wrong", "Type it.")),
      connection_add_certificate: () => ({ connection: added, warnings: [] }),
    });
    const { onadded } = renderForm();
    await choose("certificate");
    expect(screen.queryByLabelText("Client secret")).toBeNull();
    await fireEvent.click(screen.getByTestId("certificate-pick"));
    expect((await screen.findByTestId("problem-certificate")).textContent).toContain("The password is wrong");
    expect(screen.getByTestId("certificate-file").textContent).toBe("contoso-app.pfx");
    await type("Password", password);
    await fireEvent.blur(screen.getByLabelText("Password"));
    const facts = await screen.findByTestId("certificate-facts");
    expect(facts.textContent).toContain(view.certificate.thumbprint);
    expect(facts.textContent).toContain("2027-06-30");
    expect(screen.queryByTestId("problem-certificate")).toBeNull();
    expect(screen.getByTestId("guide-certificate").textContent).toContain("Upload certificate");

    await type("Name", "Contoso Cert");
    await fireEvent.click(screen.getByTestId("org-save"));
    await waitFor(() => {
      expect(onadded).toHaveBeenCalledWith(added);
    });
    const [form, savedPath, savedPassword] = backend.argsOf("connection_add_certificate")[0] ?? [];
    expect((form as OrgForm).name).toBe("Contoso Cert");
    expect([savedPath, savedPassword]).toEqual([path, password]);
    expect(backend.called("connection_add_org")).toBe(false);
    // The password goes only with the file it opens, never with the form's checks.
    expect(JSON.stringify(backend.argsOf("connection_check_org"))).not.toContain(password);
  });

  it("warns of a certificate near its end, and refuses to save without one", async () => {
    const backend = mockBackend({
      connection_check_org: () => [],
      connection_pick_certificate: () => path,
      connection_inspect_certificate: () => ({
        ...view,
        expiry_warning: "The certificate expires in 12 days.",
      }),
    });
    renderForm({ ...prod, kind: "certificate", certificate: view });
    expect(screen.getByLabelText<HTMLSelectElement>("Credential").value).toBe("certificate");
    await fireEvent.click(screen.getByTestId("org-save"));
    expect((await screen.findByTestId("problem-certificate")).textContent).toContain("No certificate chosen");
    expect(backend.called("connection_add_certificate")).toBe(false);
    await fireEvent.click(screen.getByTestId("certificate-pick"));
    expect((await screen.findByTestId("certificate-warning")).textContent).toContain("in 12 days");
  });

  it("shows a refusal of the file beside it, and other failures below the form", async () => {
    let refusal = failure(
      "input.certificate_key_mismatch",
      "The key does not belong to the certificate",
      "Use its own key.",
    );
    mockBackend({
      connection_check_org: () => [],
      connection_pick_certificate: () => path,
      connection_inspect_certificate: () => view,
      connection_add_certificate: () => refuse(refusal),
    });
    renderForm();
    await choose("certificate");
    await fireEvent.click(screen.getByTestId("certificate-pick"));
    await screen.findByTestId("certificate-facts");
    await fireEvent.click(screen.getByTestId("org-save"));
    expect((await screen.findByTestId("problem-certificate")).textContent).toContain("does not belong");
    await waitFor(() => {
      expect(screen.getByTestId<HTMLButtonElement>("org-save").disabled).toBe(false);
    });
    refusal = failure("vault.duplicate_name", "A connection named Contoso exists.", "Pick another name.");
    await fireEvent.click(screen.getByTestId("org-save"));
    expect((await screen.findByTestId("add-error")).textContent).toContain("Contoso exists");
  });
});
