import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import { OpenRecord } from "../lib/stores/record.svelte";
import { contact, failure } from "../test/fixtures";
import { record } from "../test/grid";
import { mockBackend, refuse } from "../test/ipc";
import RecordPanel from "./RecordPanel.svelte";

async function shown(onrelated = vi.fn()) {
  const backend = mockBackend({
    record_get: (_connection, table, id) => record(id, table === "contact" ? contact : undefined),
    open_in_app: () => "https://contoso.crm.dynamics.com/main.aspx",
  });
  const panel = new OpenRecord("c-1");
  void panel.open("account", "a-1", ["revenue", "primarycontactid"]);
  render(RecordPanel, { props: { panel, onrelated } });
  await screen.findByTestId("record-id");
  return { backend, panel, onrelated };
}

function fieldNames(): string[] {
  return screen.getAllByTestId("record-field").map((field) => field.dataset.column ?? "");
}

function clipboard() {
  const writeText = vi.fn((text: string) => Promise.resolve(text.length));
  Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
  return writeText;
}

afterEach(() => {
  Reflect.deleteProperty(navigator, "clipboard");
});

describe("Record panel", () => {
  it("reads the record with the grid's columns, and shows its id, ETag and fields in order", async () => {
    const { backend } = await shown();
    expect(backend.argsOf("record_get")).toEqual([
      ["c-1", "account", "a-1", ["revenue", "primarycontactid"]],
    ]);
    expect(screen.getByTestId("record-title").textContent).toBe("Record a-1");
    expect(screen.getByTestId("record-id").textContent).toBe("a-1");
    expect(screen.getByTestId("record-etag").textContent).toBe('W/"1234"');
    expect(fieldNames()).toEqual(["name", "revenue", "primarycontactid", "description", "websiteurl"]);
    const revenue = screen.getAllByTestId("record-field")[1] as HTMLElement;
    expect(within(revenue).getByTestId("record-text").textContent).toBe("$1,000.50");
    expect(within(revenue).getByTestId("record-raw").textContent).toBe("1000.5000000001");
    const name = screen.getAllByTestId("record-field")[0] as HTMLElement;
    expect(within(name).queryByTestId("record-raw")).toBeNull();
  });

  it("folds the empty columns behind their count, and unfolds them", async () => {
    await shown();
    const toggle = screen.getByTestId("record-empty-toggle");
    expect(toggle.textContent).toBe("2 empty columns");
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    expect(fieldNames()).not.toContain("fax");
    await fireEvent.click(toggle);
    expect(fieldNames().slice(-2)).toEqual(["fax", "telephone2"]);
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    await fireEvent.click(toggle);
    expect(fieldNames()).not.toContain("fax");
  });

  it("names a single empty column so, and offers no toggle without any", async () => {
    const one = record("a-1");
    one.fields = one.fields.filter((field) => field.column.logical_name !== "fax");
    mockBackend({ record_get: () => one });
    const panel = new OpenRecord("c-1");
    await panel.open("account", "a-1");
    const { unmount } = render(RecordPanel, { props: { panel, onrelated: vi.fn() } });
    expect(screen.getByTestId("record-empty-toggle").textContent).toBe("1 empty column");
    unmount();
    one.fields = one.fields.filter((field) => field.group !== "empty");
    one.related = [];
    await panel.open("account", "a-1");
    render(RecordPanel, { props: { panel, onrelated: vi.fn() } });
    expect(screen.queryByTestId("record-empty-toggle")).toBeNull();
    expect(screen.queryByTestId("record-related")).toBeNull();
  });

  it("follows a lookup to its record in the panel", async () => {
    const { backend } = await shown();
    const lookup = screen.getByTestId("record-lookup");
    expect(lookup.textContent).toBe("Jo Bloggs");
    await fireEvent.click(lookup);
    await waitFor(() => {
      expect(screen.getByTestId("record-id").textContent).toBe("c-9");
    });
    expect(backend.argsOf("record_get")[1]).toEqual(["c-1", "contact", "c-9", []]);
    expect(screen.getByText("Contact")).toBeTruthy();
  });

  it("goes back along the lookups followed, and offers no Back where it began", async () => {
    const { backend, panel } = await shown();
    expect(screen.queryByTestId("record-back")).toBeNull();
    await fireEvent.click(screen.getByTestId("record-empty-toggle"));
    await fireEvent.click(screen.getByTestId("record-lookup"));
    await waitFor(() => {
      expect(screen.getByTestId("record-id").textContent).toBe("c-9");
    });
    expect(screen.getByTestId("record-empty-toggle").getAttribute("aria-expanded")).toBe("false");
    await fireEvent.click(screen.getByTestId("record-lookup"));
    await waitFor(() => {
      expect(panel.trail).toHaveLength(1); // c-9 points to itself here: no step
    });
    await fireEvent.click(screen.getByTestId("record-back"));
    await waitFor(() => {
      expect(screen.getByTestId("record-id").textContent).toBe("a-1");
    });
    expect(backend.argsOf("record_get").at(-1)).toEqual([
      "c-1",
      "account",
      "a-1",
      ["revenue", "primarycontactid"],
    ]);
    expect(screen.queryByTestId("record-back")).toBeNull();
    await fireEvent.click(screen.getByTestId("record-lookup"));
    await screen.findByTestId("record-back");
    await fireEvent.keyDown(window, { key: "Escape" });
    expect(panel.isOpen).toBe(false);
    expect(panel.canGoBack).toBe(false);
  });

  it("copies the id and the JSON exactly as they came", async () => {
    await shown();
    const writeText = clipboard();
    await fireEvent.click(screen.getByTestId("record-copy-id"));
    await waitFor(() => {
      expect(screen.getByTestId("record-copied").textContent).toBe("Copied the id");
    });
    await fireEvent.click(screen.getByTestId("record-copy-json"));
    await waitFor(() => {
      expect(screen.getByTestId("record-copied").textContent).toBe("Copied the JSON");
    });
    expect(writeText.mock.calls).toEqual([["a-1"], ['{"accountid":"a-1","revenue":1000.5000000001}']]);
  });

  it("says so when the clipboard refuses", async () => {
    await shown();
    Object.defineProperty(navigator, "clipboard", {
      value: { writeText: () => Promise.reject(new Error("no")) },
      configurable: true,
    });
    await fireEvent.click(screen.getByTestId("record-copy-id"));
    await waitFor(() => {
      expect(screen.getByTestId("record-copied").textContent).toBe("The clipboard refused the copy");
    });
  });

  it("opens the record in Dynamics 365, and shows why it could not", async () => {
    const { backend } = await shown();
    await fireEvent.click(screen.getByTestId("record-open-in-app"));
    await waitFor(() => {
      expect(backend.argsOf("open_in_app")).toEqual([["c-1", "account", "a-1"]]);
    });
    expect(screen.queryByTestId("record-app-error")).toBeNull();
    mockBackend({ open_in_app: () => refuse(failure("app.browser", "No browser could be opened.")) });
    await fireEvent.click(screen.getByTestId("record-open-in-app"));
    expect((await screen.findByTestId("record-app-error")).textContent).toContain(
      "No browser could be opened.",
    );
  });

  it("lists the related records with their counts, and opens the one clicked", async () => {
    const { onrelated } = await shown();
    const related = screen.getByTestId("record-related");
    const items = within(related).getAllByTestId("record-related-item");
    expect(items.map((item) => item.textContent)).toEqual([
      "Contact (Company Name)",
      "Account (Parent Account)",
    ]);
    const counts = within(related).getAllByTestId("record-related-count");
    expect(counts.map((found) => found.textContent)).toEqual(["3", ""]);
    await fireEvent.click(items[0] as HTMLElement);
    expect(onrelated).toHaveBeenCalledTimes(1);
    expect(onrelated.mock.calls[0]?.[0]).toMatchObject({ filter: "_parentcustomerid_value eq a-1" });
  });

  it("closes on Escape or with its button, leaving other keys alone", async () => {
    const { panel } = await shown();
    await fireEvent.keyDown(window, { key: "a" });
    expect(panel.isOpen).toBe(true);
    await fireEvent.keyDown(window, { key: "Escape" });
    expect(panel.isOpen).toBe(false);
    void panel.open("account", "a-2");
    await fireEvent.click(screen.getByTestId("record-close"));
    expect(panel.isOpen).toBe(false);
  });

  it("says why the record could not be read", async () => {
    mockBackend({ record_get: () => refuse(failure("record.not_found", "The record is gone.")) });
    const panel = new OpenRecord("c-1");
    void panel.open("account", "a-1");
    render(RecordPanel, { props: { panel, onrelated: vi.fn() } });
    expect(screen.getByRole("status").textContent).toBe("Reading…");
    expect((await screen.findByTestId("record-error")).textContent).toContain("The record is gone.");
    expect(screen.getByTestId("record-title").textContent).toBe("Reading…");
  });
});
