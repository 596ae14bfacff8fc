import { describe, expect, it } from "vitest";
import type { RecordView } from "../../bindings";
import { record } from "../../test/grid";
import { mockBackend } from "../../test/ipc";
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
});
