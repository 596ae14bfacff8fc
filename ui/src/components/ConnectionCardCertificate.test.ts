import { render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import type { CertificateView, ConnectionView } from "../bindings";
import { prod } from "../test/fixtures";
import ConnectionCard from "./ConnectionCard.svelte";

const certificate: CertificateView = {
  certificate: {
    thumbprint: "0624158BE44BA63FD750D2EB9F933E50CDDAE753",
    thumbprint_sha256: "58E7FBC611C5415ADD3E9F62F5B396156109455CE17E90AE13F9B61C8E0191D3",
    subject: "CN=Contoso App",
    not_before: "2026-01-01T00:00:00Z",
    not_after: "2026-12-13T00:00:00Z",
  },
  expiry_warning: null,
};

function renderCard(connection: ConnectionView) {
  const noop = vi.fn();
  render(ConnectionCard, {
    connection,
    onverify: noop,
    onsigninagain: noop,
    onduplicate: noop,
    onedit: noop,
    ondelete: noop,
  });
}

describe("Connection card of a certificate connection", () => {
  it("shows the certificate's thumbprint and end, and a warning near it", () => {
    renderCard({ ...prod, kind: "certificate", certificate });
    const shown = screen.getByTestId("connection-certificate").textContent;
    expect(shown).toContain(certificate.certificate.thumbprint);
    expect(shown).toContain("2026-12-13");
    expect(screen.queryByTestId("certificate-warning")).toBeNull();
    expect(screen.getByText("Organisation (certificate)")).toBeTruthy();
  });

  it("warns when it ends within 30 days", () => {
    const warning = "The certificate expires in 12 days (on 2026-12-13).";
    renderCard({ ...prod, kind: "certificate", certificate: { ...certificate, expiry_warning: warning } });
    expect(screen.getByTestId("certificate-warning").textContent).toBe(warning);
  });

  it("shows nothing of the kind for a connection with a secret", () => {
    renderCard(prod);
    expect(screen.queryByTestId("connection-certificate")).toBeNull();
  });
});
