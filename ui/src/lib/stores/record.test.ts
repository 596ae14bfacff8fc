import { describe, expect, it, vi } from "vitest";
import type { RecordView } from "../../bindings";
import { record } from "../../test/grid";
import { failure } from "../../test/fixtures";
import { mockBackend, refuse } from "../../test/ipc";
import { OpenRecord } from "./record.svelte";

describe("Open record", () => {
  it("keeps the record asked for last, dropping one that answers after", async () => {
    const answers: ((view: RecordView) => void)[] = [];
    mockBackend({ record_get: () => new Promise<RecordView>((resolve) => answers.push(resolve)) });
    const panel = new OpenRecord("c-1");
    expect(panel.isOpen).toBe(false);
    const first = panel.open("account", "a-1");
    const second = panel.open("account", "a-2", ["name"]);
    expect(panel.address).toEqual({ table: "account", id: "a-2", shown: ["name"] });
    answers[1]?.(record("a-2"));
    await second;
    answers[0]?.(record("a-1"));
    await first;
    expect(panel.record?.id).toBe("a-2");
  });

  it("drops a read still on its way when closed", async () => {
    let answer: (view: RecordView) => void = () => undefined;
    mockBackend({ record_get: () => new Promise<RecordView>((resolve) => (answer = resolve)) });
    const panel = new OpenRecord("c-1");
    const reading = panel.open("account", "a-1");
    panel.close();
    answer(record("a-1"));
    await reading;
    expect(panel.record).toBeNull();
    expect(panel.isOpen).toBe(false);
  });

  it("says why the record asked for last could not be read, not one asked for before", async () => {
    const answers: (() => void)[] = [];
    mockBackend({
      record_get: async (_connection, _table, id) => {
        await new Promise<void>((resolve) => answers.push(resolve));
        return id === "gone" ? refuse(failure("record.not_found", "Gone.")) : record(id);
      },
    });
    const panel = new OpenRecord("c-1");
    const first = panel.open("account", "gone");
    const second = panel.open("account", "a-2");
    await vi.waitFor(() => {
      expect(answers).toHaveLength(2);
    });
    answers[1]?.();
    await second;
    answers[0]?.();
    await first;
    expect(panel.failure).toBeNull();
    expect(panel.record?.id).toBe("a-2");
    const third = panel.open("account", "gone");
    await vi.waitFor(() => {
      expect(answers).toHaveLength(3);
    });
    answers[2]?.();
    await third;
    expect(panel.failure?.message).toBe("Gone.");
    expect(panel.record).toBeNull();
  });

  it("follows lookups along a trail, goes back along it, and starts a new one from the grid", async () => {
    const backend = mockBackend({ record_get: (_connection, _table, id) => record(id) });
    const panel = new OpenRecord("c-1");
    expect(panel.canGoBack).toBe(false);
    await panel.open("account", "a-1", ["name"]);
    await panel.follow("contact", "c-9");
    expect(panel.address).toEqual({ table: "contact", id: "c-9", shown: [] });
    expect(panel.canGoBack).toBe(true);
    await panel.follow("contact", "c-9"); // the same record: no step
    await panel.follow("account", "a-7");
    expect(panel.trail).toEqual([
      { table: "account", id: "a-1", shown: ["name"] },
      { table: "contact", id: "c-9", shown: [] },
    ]);
    await panel.back();
    expect(panel.address).toEqual({ table: "contact", id: "c-9", shown: [] });
    expect(panel.record?.id).toBe("c-9");
    await panel.back();
    expect(panel.address).toEqual({ table: "account", id: "a-1", shown: ["name"] });
    expect(panel.canGoBack).toBe(false);
    await panel.back(); // nowhere further back
    expect(panel.address?.id).toBe("a-1");
    expect(backend.argsOf("record_get")).toEqual([
      ["c-1", "account", "a-1", ["name"]],
      ["c-1", "contact", "c-9", []],
      ["c-1", "account", "a-7", []],
      ["c-1", "contact", "c-9", []],
      ["c-1", "account", "a-1", ["name"]],
    ]);
    await panel.follow("contact", "c-9");
    await panel.open("account", "a-2");
    expect(panel.trail).toEqual([]);
    await panel.follow("contact", "c-9");
    panel.close();
    expect(panel.trail).toEqual([]);
    expect(panel.canGoBack).toBe(false);
  });

  it("reads a record opened without columns with none, and steps to a record of another table with the same id", async () => {
    const backend = mockBackend({ record_get: (_connection, _table, id) => record(id) });
    const panel = new OpenRecord("c-1");
    await panel.open("account", "x-1");
    await panel.follow("contact", "x-1");
    expect(backend.argsOf("record_get")).toEqual([
      ["c-1", "account", "x-1", []],
      ["c-1", "contact", "x-1", []],
    ]);
    expect(panel.trail).toEqual([{ table: "account", id: "x-1", shown: [] }]);
  });

  it("drops the answer of a read from before a close, though another read began since", async () => {
    const answers = new Map<string, (view: RecordView) => void>();
    mockBackend({
      record_get: (_connection, _table, id) => new Promise<RecordView>((resolve) => answers.set(id, resolve)),
    });
    const panel = new OpenRecord("c-1");
    const first = panel.open("account", "a-1");
    panel.close();
    const second = panel.open("account", "a-2");
    await vi.waitFor(() => {
      expect(answers.size).toBe(2);
    });
    answers.get("a-1")?.(record("a-1"));
    await first;
    expect(panel.record).toBeNull();
    answers.get("a-2")?.(record("a-2"));
    await second;
    expect(panel.record?.id).toBe("a-2");
  });

  it("follows from nowhere without a trail", async () => {
    mockBackend({ record_get: (_connection, _table, id) => record(id) });
    const panel = new OpenRecord("c-1");
    await panel.follow("contact", "c-9");
    expect(panel.address).toEqual({ table: "contact", id: "c-9", shown: [] });
    expect(panel.trail).toEqual([]);
  });
});
