import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { CommitResult, ErrorPayload, Json, PendingChange } from "../bindings";
import type { UpdateChange } from "../lib/pendingList";
import { PendingChanges } from "../lib/stores/pending.svelte";
import { available } from "../test/grid";
import { mockBackend } from "../test/ipc";
import PendingPanel from "./PendingPanel.svelte";

const same = (old: string | null, value: Json) => old === value;
const missing: ErrorPayload = {
  kind: "http.404",
  category: "input",
  message: "contact With Id = 9 Does Not Exist",
  hint: null,
  column: "parentcustomerid",
  details: null,
};

// jsdom lays nothing out: the list's scroll element says it is 600 px tall, so its lines in sight render.
beforeEach(() => {
  vi.spyOn(Element.prototype, "clientHeight", "get").mockReturnValue(600);
});

function update(id: string, column: string, old: string | null, value: Json): UpdateChange {
  return { kind: "update", table: "account", id, etag: `W/"${id}"`, column, old, new: value };
}

function shown(pending: PendingChanges, readOnly = false) {
  const onclose = vi.fn();
  render(PendingPanel, {
    props: {
      pending,
      columnsOf: (table: string) => (table === "account" ? available : []),
      tableLabel: (table: string) => (table === "account" ? "Account" : table),
      readOnly,
      onclose,
    },
  });
  return { onclose };
}

function changes(): { column: string; old: string; new: string; outcome: string }[] {
  return screen.getAllByTestId("pending-change").map((item) => ({
    column: within(item).getByTestId("pending-column").textContent.trim(),
    old: within(item).getByTestId("pending-old").textContent.trim(),
    new: within(item).getByTestId("pending-new").textContent.trim(),
    outcome: within(item).queryByTestId("pending-outcome")?.textContent.trim() ?? "",
  }));
}

function staged(): PendingChanges {
  const pending = new PendingChanges("c-1");
  pending.stage(
    update("a", "name", "A", "Alpha"),
    { label: "Account Name", recordName: "A", shown: "Alpha" },
    same,
  );
  pending.stage(
    update("a", "industrycode", "1", 33),
    { label: "Industry", shown: "Software", oldShown: "Accounting" },
    same,
  );
  pending.stage(update("b", "numberofemployees", null, "12"), { recordName: "Bravo" }, same);
  return pending;
}

describe("Pending changes panel", () => {
  it("lists each change by record: its column, the value read and the new one", () => {
    mockBackend({ pending_save: () => null });
    shown(staged());
    expect(screen.getByTestId("pending-count").textContent).toBe("3");
    expect(screen.getAllByTestId("pending-record-name").map((name) => name.textContent)).toEqual([
      "A",
      "Bravo",
    ]);
    expect(changes()).toEqual([
      { column: "Account Name", old: "A", new: "Alpha", outcome: "" },
      { column: "Industry", old: "Accounting", new: "Software", outcome: "" },
      // Without a note (restored from the journal), the grid's column names it and shows its value.
      { column: "Number of Employees", old: "(empty)", new: "12", outcome: "" },
    ]);
  });

  it("reverts one change, a record's, and all, each journaled", async () => {
    const saves: PendingChange[][] = [];
    mockBackend({
      pending_save: (_c, list) => {
        saves.push(list);
        return null;
      },
    });
    const pending = staged();
    shown(pending);
    await fireEvent.click(screen.getByRole("button", { name: "Revert Number of Employees" }));
    expect(changes().map((change) => change.column)).toEqual(["Account Name", "Industry"]);
    await fireEvent.click(screen.getByTestId("pending-revert-record"));
    expect(screen.queryAllByTestId("pending-change")).toEqual([]);
    expect(screen.getByText(/Nothing is staged/)).toBeTruthy();
    await pending.saved();
    expect(saves.at(-1)).toEqual([]);
    expect(saves.at(-2)).toEqual([update("a", "name", "A", "Alpha"), update("a", "industrycode", "1", 33)]);
  });

  it("commits atomically by default, says so while it runs, then what became of each change", async () => {
    let answer: (results: CommitResult[]) => void = () => undefined;
    const backend = mockBackend({
      pending_save: () => null,
      changes_commit: () => new Promise<CommitResult[]>((resolve) => (answer = resolve)),
    });
    const pending = new PendingChanges("c-1");
    pending.stage(update("a", "name", "A", "Alpha"), {}, same);
    pending.stage(update("b", "parentcustomerid", null, "contacts(9)"), {}, same);
    pending.stage(update("c", "name", "C", "Charlie"), {}, same);
    shown(pending);
    await fireEvent.click(screen.getByTestId("pending-commit"));
    expect((await screen.findByTestId("pending-progress")).textContent).toMatch(/Committing 3 changes/);
    expect(screen.getByTestId<HTMLButtonElement>("pending-commit").disabled).toBe(true);
    await waitFor(() => {
      expect(backend.argsOf("changes_commit")[0]?.[2]).toBe("atomic");
    });
    answer([
      {
        changes: [0],
        table: "account",
        record: "a",
        outcome: { outcome: "not_applied", reason: "Rolled back." },
      },
      { changes: [1], table: "account", record: "b", outcome: { outcome: "refused", error: missing } },
      {
        changes: [2],
        table: "account",
        record: "c",
        outcome: { outcome: "conflict", etag: null, deleted: false, columns: [], others: [], unread: null },
      },
    ]);
    await waitFor(() => {
      expect(screen.getByTestId("pending-summary").textContent).toMatch(/0 changes applied; 3 still pending/);
    });
    expect(changes().map((change) => change.outcome)).toEqual([
      "Not applied: Rolled back.",
      missing.message,
      expect.stringMatching(/^Changed on the server since you read it/) as string,
    ]);
  });

  it("commits record by record when asked, and the applied changes leave the list", async () => {
    const backend = mockBackend({
      pending_save: () => null,
      changes_commit: () => [
        { changes: [0], table: "account", record: "a", outcome: { outcome: "applied", id: null } },
      ],
    });
    const pending = new PendingChanges("c-1");
    pending.stage(update("a", "name", "A", "Alpha"), {}, same);
    shown(pending);
    await fireEvent.change(screen.getByTestId("pending-mode"), { target: { value: "record_by_record" } });
    await fireEvent.click(screen.getByTestId("pending-commit"));
    await waitFor(() => {
      expect(screen.getByTestId("pending-summary").textContent).toMatch(/1 change applied\./);
    });
    expect(backend.argsOf("changes_commit")[0]?.[2]).toBe("record_by_record");
    expect(screen.queryAllByTestId("pending-change")).toEqual([]);
  });

  it("commits nothing on a read-only connection", () => {
    mockBackend({ pending_save: () => null });
    shown(staged(), true);
    expect(screen.getByTestId<HTMLButtonElement>("pending-commit").disabled).toBe(true);
  });

  it("renders only the lines in sight of 10,000 staged changes, and the last when scrolled to", async () => {
    mockBackend({ pending_save: () => null });
    const pending = new PendingChanges("c-1");
    pending.changes = Array.from({ length: 10_000 }, (_, n) =>
      update(`r${String(n)}`, "name", "before", `after ${String(n)}`),
    );
    shown(pending);
    expect(screen.getByTestId("pending-count").textContent).toBe("10000");
    const first = screen.getAllByTestId("pending-change");
    expect(first.length).toBeGreaterThan(3);
    expect(first.length).toBeLessThan(40);
    expect(first[0]?.getAttribute("data-id")).toBe("r0");
    const scroller = screen.getByTestId("pending-scroll");
    scroller.scrollTop = 10_000 * (40 + 44) - 600;
    await fireEvent.scroll(scroller);
    await waitFor(() => {
      const ids = screen.getAllByTestId("pending-change").map((item) => item.getAttribute("data-id"));
      expect(ids).toContain("r9999");
    });
  });

  it("resolves a conflict per column: mine staged on the new version, theirs dropped, the others listed", async () => {
    mockBackend({
      pending_save: () => null,
      changes_commit: () => [
        {
          changes: [0, 1],
          table: "account",
          record: "a",
          outcome: {
            outcome: "conflict",
            etag: 'W/"77"',
            deleted: false,
            columns: [
              {
                column: "name",
                yours: "Alpha",
                theirs: "Server name",
                theirs_text: "Server name",
                theirs_formatted: null,
                base: "A",
              },
              {
                column: "numberofemployees",
                yours: "12",
                theirs: 40,
                theirs_text: "40",
                theirs_formatted: "40",
                base: null,
              },
            ],
            others: [
              {
                column: "telephone1",
                yours: null,
                theirs: "555",
                theirs_text: "555",
                theirs_formatted: null,
                base: "111",
              },
            ],
            unread: null,
          },
        },
      ],
    });
    const pending = new PendingChanges("c-1");
    pending.stage(update("a", "name", "A", "Alpha"), { recordName: "A" }, same);
    pending.stage(update("a", "numberofemployees", null, "12"), {}, same);
    shown(pending);
    await fireEvent.click(screen.getByTestId("pending-commit"));
    await fireEvent.click(await screen.findByTestId("pending-resolve"));
    const view = await screen.findByTestId("conflict-view");
    const row = (column: string) =>
      within(view)
        .getAllByTestId("conflict-column")
        .find((item) => item.getAttribute("data-column") === column) as HTMLElement;
    expect(within(row("name")).getByTestId("conflict-base").textContent.trim()).toBe("A");
    expect(within(row("name")).getByTestId("conflict-theirs").textContent.trim()).toBe("Server name");
    expect(within(row("name")).getByTestId("conflict-mine").textContent.trim()).toBe("Alpha");
    expect(within(view).getByTestId("conflict-other").textContent).toMatch(/111 → 555/);
    await fireEvent.click(within(row("numberofemployees")).getByTestId("conflict-take-theirs"));
    await fireEvent.click(within(view).getByTestId("conflict-apply"));
    expect(pending.changes).toEqual([{ ...update("a", "name", "Server name", "Alpha"), etag: 'W/"77"' }]);
    expect(screen.queryByTestId("conflict-view")).toBeNull();
    expect(screen.queryByTestId("pending-outcome")).toBeNull();
    expect(pending.commits).toBe(1); // the grid reopens on the record as it is now
  });

  it("previews the exact requests the commit would send, in the mode chosen, sending nothing", async () => {
    const backend = mockBackend({
      pending_save: () => null,
      changes_preview: () => ({
        batches: [
          {
            method: "POST",
            url: "https://org.example/api/data/v9.2/$batch",
            headers: [{ name: "Authorization", value: "Bearer (hidden)" }],
            body: '--batch_1\r\nPATCH accounts(a)\r\nIf-Match: W/"a"',
            changes: [0],
          },
        ],
        refused: [],
      }),
    });
    const pending = new PendingChanges("c-1");
    pending.stage(update("a", "name", "A", "Alpha"), {}, same);
    shown(pending);
    await fireEvent.change(screen.getByTestId("pending-mode"), { target: { value: "record_by_record" } });
    await fireEvent.click(screen.getByTestId("pending-preview"));
    expect((await screen.findByTestId("preview-request-line")).textContent).toBe(
      "POST https://org.example/api/data/v9.2/$batch",
    );
    expect(screen.getByTestId("preview-body").textContent).toContain("If-Match");
    expect(screen.getByTestId("preview-headers").textContent).toContain("Bearer (hidden)");
    expect(backend.argsOf("changes_preview")[0]?.[2]).toBe("record_by_record");
    expect(backend.argsOf("changes_commit")).toEqual([]);
  });

  it("lists this session's commits and stages a commit's inverse for review", async () => {
    const backend = mockBackend({
      pending_save: () => null,
      changes_commit: () => [
        { changes: [0], table: "account", record: "a", outcome: { outcome: "applied", id: null } },
      ],
      changes_inverse: () => ({
        changes: [{ ...update("a", "name", "Alpha", "A"), etag: 'W/"2"' }],
        notes: [{ change: 0, applied: 0, note: "Changed by someone else since." }],
        not_undoable: [],
      }),
    });
    const pending = new PendingChanges("c-1");
    pending.stage(update("a", "name", "A", "Alpha"), {}, same);
    shown(pending);
    await fireEvent.click(screen.getByTestId("pending-commit"));
    const entry = await screen.findByTestId("history-entry");
    expect(within(entry).getByTestId("history-what").textContent).toMatch(/1 record, atomic: 1 applied/);
    await fireEvent.click(within(entry).getByTestId("history-undo"));
    await waitFor(() => {
      expect(pending.changes).toEqual([{ ...update("a", "name", "Alpha", "A"), etag: 'W/"2"' }]);
    });
    expect(backend.argsOf("changes_inverse")[0]?.[1]).toEqual([
      { change: update("a", "name", "A", "Alpha"), id: null },
    ]);
    expect(screen.getByTestId("undo-report").textContent).toMatch(/Changed by someone else since/);
    expect(screen.queryByTestId("history-undo")).toBeNull(); // undone once
  });
});
