import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import type { ImportItem, ImportPreview } from "../bindings";
import { failure, prod } from "../test/fixtures";
import { mockBackend, refuse } from "../test/ipc";
import ImportConnections from "./ImportConnections.svelte";

function item(number: number, rest: Partial<ImportItem>): ImportItem {
  return {
    number,
    source_name: `Connection ${String(number)}`,
    instance_url: "https://contoso.crm4.dynamics.com",
    kind: "org_secret",
    name: `Connection ${String(number)}`,
    importable: true,
    what_is_imported: ["its name, instance URL, tenant and client ID"],
    what_is_not: [],
    reason: null,
    ...rest,
  };
}

const preview: ImportPreview = {
  source: "xrmtoolbox",
  sha256: "5f1c0a",
  items: [
    item(1, {
      source_name: "Contoso Dev",
      name: "Contoso Dev (2)",
      what_is_not: [
        "the client secret (saved encrypted in the file): secrets are never imported; give it again",
      ],
    }),
    item(2, {
      kind: "org_certificate",
      name: "Contoso Test",
      source_name: "Contoso Test",
      what_is_not: ["a certificate in the Windows certificate store (thumbprint A1B2C3): export it as a PFX"],
    }),
    item(3, {
      kind: "other",
      name: "On-premises CRM",
      source_name: "On-premises CRM",
      importable: false,
      what_is_imported: [],
      reason: "It is an on-premises connection (Active Directory).",
    }),
  ],
};

function renderImport() {
  const onimported = vi.fn();
  const onclose = vi.fn();
  render(ImportConnections, { onimported, onclose });
  return { onimported, onclose };
}

describe("Import connections", () => {
  it("previews the picked file: names with their suffix, what stays behind, and what cannot come", async () => {
    const backend = mockBackend({
      import_pick_file: () => "/home/me/Contoso.xml",
      import_preview: () => preview,
    });
    renderImport();
    await fireEvent.click(screen.getByLabelText(/Power Platform CLI/));
    await fireEvent.click(screen.getByLabelText(/XrmToolBox connection file/));
    await fireEvent.click(screen.getByTestId("import-choose"));
    const items = await screen.findAllByTestId("import-item");
    expect(items).toHaveLength(3);
    expect(backend.argsOf("import_pick_file")).toEqual([["xrmtoolbox"]]);
    expect(backend.argsOf("import_preview")).toEqual([["xrmtoolbox", "/home/me/Contoso.xml"]]);
    expect(items[0]?.textContent).toContain("Contoso Dev (2)");
    expect(items[0]?.textContent).toContain("“Contoso Dev” in the file: that name is taken here.");
    expect(items[0]?.textContent).toContain("Not imported: the client secret");
    expect(items[1]?.textContent).toContain("Windows certificate store (thumbprint A1B2C3)");
    expect(screen.getByTestId("import-reason").textContent).toContain("on-premises");
    expect(screen.getByLabelText<HTMLInputElement>("Import On-premises CRM").disabled).toBe(true);
    expect(screen.getByTestId("import-apply").textContent).toContain("Import 2 connections");
  });

  it("imports only the picked connections and says what each waits for", async () => {
    const backend = mockBackend({
      import_pick_file: () => "/home/me/Contoso.xml",
      import_preview: () => preview,
      import_apply: () => ({
        imported: [{ ...prod, name: "Contoso Test", kind: "certificate", waiting: "certificate" }],
        skipped: [],
      }),
    });
    const { onimported, onclose } = renderImport();
    await fireEvent.click(screen.getByTestId("import-choose"));
    await fireEvent.click(await screen.findByLabelText("Import Contoso Dev (2)"));
    expect(screen.getByTestId("import-apply").textContent).toContain("Import 1 connection");
    await fireEvent.click(screen.getByTestId("import-apply"));
    const outcome = (await screen.findByTestId("import-outcome")).textContent.replace(/\s+/g, " ");
    expect(backend.argsOf("import_apply")).toEqual([["xrmtoolbox", "/home/me/Contoso.xml", [2], "5f1c0a"]]);
    expect(outcome).toContain("Imported 1 connection, without any secret");
    expect(outcome).toContain("Contoso Test — waits for its certificate");
    expect(onimported).toHaveBeenCalledOnce();
    await fireEvent.click(screen.getByRole("button", { name: "Close" }));
    expect(onclose).toHaveBeenCalledOnce();
  });

  it("says why a file cannot be read and imports nothing", async () => {
    const backend = mockBackend({
      import_pick_file: () => "/home/me/broken.json",
      import_preview: () =>
        refuse(
          failure("input.import_file", "This is not a usable pac auth profiles file: the JSON is malformed."),
        ),
    });
    renderImport();
    await fireEvent.click(screen.getByLabelText(/Power Platform CLI/));
    await fireEvent.click(screen.getByTestId("import-choose"));
    expect((await screen.findByTestId("import-error")).textContent).toContain("the JSON is malformed");
    expect(screen.queryByTestId("import-apply")).toBeNull();
    expect(backend.called("import_apply")).toBe(false);
  });

  it("does nothing when the Open dialog is closed", async () => {
    const backend = mockBackend({ import_pick_file: () => null });
    renderImport();
    await fireEvent.click(screen.getByTestId("import-choose"));
    expect(backend.called("import_preview")).toBe(false);
    expect(screen.queryByTestId("import-item")).toBeNull();
  });
});
