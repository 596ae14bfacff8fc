import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import type { PendingChange, RecordView } from "../bindings";
import { PendingChanges } from "../lib/stores/pending.svelte";
import { contact } from "../test/fixtures";
import { gridColumn, record } from "../test/grid";
import { mockBackend } from "../test/ipc";
import ConfirmProduction from "./ConfirmProduction.svelte";
import DeleteRecords from "./DeleteRecords.svelte";
import NewRecordForm from "./NewRecordForm.svelte";
import SetColumn from "./SetColumn.svelte";

function backend() {
  const saved: PendingChange[][] = [];
  const fake = mockBackend({
    value_check: () => null,
    record_get: (_c, _t, id): RecordView => ({ ...record(id), etag: `W/"v-${id}"` }),
    pending_save: (_c, changes) => {
      saved.push(changes);
      return null;
    },
  });
  return { saved, fake };
}

const lastname = gridColumn("lastname", "Last Name", "String", { required: true });
const firstname = gridColumn("firstname", "First Name");
const website = gridColumn("websiteurl", "Website");

/** Types `text` in an editor and stages it with Enter, as a person leaving the field would. */
async function typeIn(input: HTMLInputElement, text: string) {
  input.focus();
  await fireEvent.input(input, { target: { value: text } });
  await fireEvent.keyDown(input, { key: "Enter" });
}

function field(column: string): HTMLInputElement {
  const found = document.querySelector<HTMLInputElement>(
    `[data-testid=new-record-field][data-column=${column}] [data-testid=cell-editor-input]`,
  );
  if (!found) throw new Error(`no field ${column}`);
  return found;
}

describe("A new record's form", () => {
  it("refuses a required column left empty, by name beside it, then stages the record", async () => {
    backend();
    const pending = new PendingChanges("c-1");
    const onclose = vi.fn();
    render(NewRecordForm, {
      props: {
        connection: "c-1",
        table: contact,
        available: [firstname, lastname, website],
        shown: [firstname],
        tables: [contact],
        pending,
        onclose,
      },
    });
    const fields = screen.getAllByTestId("new-record-field").map((f) => f.dataset.column);
    expect(fields).toEqual(["lastname", "firstname"]);
    await typeIn(field("firstname"), "Ada");
    await fireEvent.click(screen.getByTestId("new-record-stage"));
    await waitFor(() => {
      expect(screen.getByTestId("new-record-missing").textContent).toContain("Last Name is required");
    });
    expect(screen.getByTestId("new-record-problem").textContent).toContain("needs Last Name");
    expect(pending.count).toBe(0);

    await fireEvent.change(screen.getByTestId("new-record-add-column"), { target: { value: "websiteurl" } });
    await typeIn(field("lastname"), "Ng");
    await typeIn(field("websiteurl"), "ng.dev");
    await fireEvent.click(screen.getByTestId("new-record-stage"));
    await waitFor(() => {
      expect(onclose).toHaveBeenCalled();
    });
    const [created] = pending.changes;
    expect(created?.kind === "create" ? created.values : null).toEqual({
      firstname: "Ada",
      lastname: "Ng",
      websiteurl: "ng.dev",
    });
    expect(created?.kind === "create" && created.key.startsWith("new-")).toBe(true);
  });
});

describe("A new record staged before", () => {
  it("opens with its values and the commit's refusal beside its field, and is staged again in place", async () => {
    backend();
    const pending = new PendingChanges("c-1");
    const change = {
      kind: "create" as const,
      table: "contact",
      key: "new-7",
      values: { lastname: "Ng", websiteurl: "bad" },
    };
    pending.stageCreate(change, { recordName: "Ng" });
    const onclose = vi.fn();
    render(NewRecordForm, {
      props: {
        connection: "c-1",
        table: contact,
        available: [firstname, lastname, website],
        shown: [firstname],
        tables: [contact],
        pending,
        change,
        refusal: { column: "websiteurl", message: "'Website' (websiteurl) is not a URL." },
        onclose,
      },
    });
    expect(field("lastname").value).toBe("Ng");
    expect(field("websiteurl").value).toBe("bad");
    const refused = document.querySelector("[data-column=websiteurl] [data-testid=new-record-refused]");
    expect(refused?.textContent).toBe("'Website' (websiteurl) is not a URL.");
    await typeIn(field("websiteurl"), "ng.dev");
    await fireEvent.click(screen.getByTestId("new-record-stage"));
    await waitFor(() => {
      expect(onclose).toHaveBeenCalled();
    });
    expect(pending.changes).toEqual([{ ...change, values: { lastname: "Ng", websiteurl: "ng.dev" } }]);
  });
});

describe("Set column…", () => {
  it("stages the value typed on every record selected, each with its version", async () => {
    backend();
    const pending = new PendingChanges("c-1");
    const ondone = vi.fn();
    const onclose = vi.fn();
    render(SetColumn, {
      props: {
        connection: "c-1",
        table: "account",
        columns: [website, gridColumn("createdon", "Created On", "DateTime", { editable: false })],
        count: 2,
        ids: () => Promise.resolve(["a", "b"]),
        tables: [],
        pending,
        onclose,
        ondone,
      },
    });
    const options = [...screen.getByTestId<HTMLSelectElement>("set-column-column").options].map(
      (o) => o.value,
    );
    expect(options).toEqual(["", "websiteurl"]);
    await fireEvent.change(screen.getByTestId("set-column-column"), { target: { value: "websiteurl" } });
    await fireEvent.click(screen.getByTestId("set-column-apply"));
    expect(await screen.findByTestId("set-column-problem")).toHaveProperty(
      "textContent",
      "Type or pick the value first.",
    );
    await typeIn(screen.getByTestId<HTMLInputElement>("cell-editor-input"), "x.org");
    await fireEvent.click(screen.getByTestId("set-column-apply"));
    await waitFor(() => {
      expect(onclose).toHaveBeenCalled();
    });
    expect(pending.changes.map((c) => (c.kind === "update" ? [c.id, c.etag, c.old, c.new] : []))).toEqual([
      ["a", 'W/"v-a"', "contoso.com", "x.org"],
      ["b", 'W/"v-b"', "contoso.com", "x.org"],
    ]);
    expect(ondone).toHaveBeenCalledWith("Website set on 2 records.");
  });
});

describe("Deleting records", () => {
  it("names the one record it asks about, and stages its deletion with its version", async () => {
    backend();
    const pending = new PendingChanges("c-1");
    const onclose = vi.fn();
    render(DeleteRecords, {
      props: {
        connection: "c-1",
        table: "account",
        tableName: "Account",
        ids: () => Promise.resolve(["a"]),
        pending,
        onclose,
      },
    });
    expect((await screen.findByTestId("delete-records-question")).textContent).toContain("Record a");
    expect(screen.getByTestId("delete-records-confirm").textContent).toBe("Delete Record a");
    expect(pending.count).toBe(0);
    await fireEvent.click(screen.getByTestId("delete-records-confirm"));
    expect(pending.changes).toEqual([
      { kind: "delete", table: "account", id: "a", etag: 'W/"v-a"', name: "Record a" },
    ]);
    expect(onclose).toHaveBeenCalled();
  });

  it("lists several by name, and stages nothing when cancelled", async () => {
    backend();
    const pending = new PendingChanges("c-1");
    const onclose = vi.fn();
    render(DeleteRecords, {
      props: {
        connection: "c-1",
        table: "account",
        tableName: "Account",
        ids: () => Promise.resolve(["a", "c"]),
        pending,
        onclose,
      },
    });
    await screen.findByTestId("delete-records-question");
    expect(screen.getAllByTestId("delete-records-name").map((n) => n.textContent)).toEqual([
      "Record a",
      "Record c",
    ]);
    await fireEvent.click(screen.getByText("Cancel"));
    expect(pending.count).toBe(0);
  });
});

describe("A commit to production", () => {
  it("is allowed only once the connection's name is typed exactly", async () => {
    const onconfirm = vi.fn();
    const oncancel = vi.fn();
    render(ConfirmProduction, { props: { name: "Contoso Prod", count: 3, onconfirm, oncancel } });
    const go = screen.getByTestId<HTMLButtonElement>("confirm-production-commit");
    expect(go.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId("confirm-production-name"), {
      target: { value: "contoso prod" },
    });
    expect(go.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId("confirm-production-name"), {
      target: { value: "Contoso Prod" },
    });
    expect(go.disabled).toBe(false);
    await fireEvent.click(go);
    expect(onconfirm).toHaveBeenCalledOnce();
    await fireEvent.click(screen.getByTestId("confirm-production-cancel"));
    expect(oncancel).toHaveBeenCalledOnce();
  });
});
