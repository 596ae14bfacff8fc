import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ErrorPayload, ValueCheck } from "../../bindings";
import { mockBackend, refuse } from "../../test/ipc";
import { CHECK_DELAY_MS, ValueChecker } from "./valueCheck.svelte";

const tooLong: ErrorPayload = {
  kind: "input.too_long",
  category: "input",
  message: "'Account Name' (name) takes at most 5 characters; this has 6.",
  hint: null,
  column: "name",
  details: null,
};

function checking() {
  return mockBackend({
    value_check: (_connection, check: ValueCheck) =>
      typeof check.value === "string" && check.value.length > 5 ? refuse(tooLong) : null,
  });
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe("Value checks", () => {
  it("checks the latest value once typing pauses, and shows the core's refusal", async () => {
    const backend = checking();
    const checker = new ValueChecker("c-1", "account", "name");
    expect(CHECK_DELAY_MS).toBe(250);
    checker.check("abc");
    checker.check("abcdef");
    expect(checker.checking).toBe(true);
    await vi.advanceTimersByTimeAsync(CHECK_DELAY_MS - 1);
    expect(backend.called("value_check")).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(backend.argsOf("value_check")).toEqual([
      ["c-1", { table: "account", column: "name", value: "abcdef", row: {} }],
    ]);
    expect(checker.problem).toEqual(tooLong);
    expect(checker.checking).toBe(false);
    checker.check("abc");
    await vi.advanceTimersByTimeAsync(CHECK_DELAY_MS);
    expect(checker.problem).toBeNull();
  });

  it("checks at once before staging, the check waiting dropped", async () => {
    const backend = checking();
    const checker = new ValueChecker("c-1", "account", "name");
    checker.check("abc");
    expect(await checker.settle("abcdefg")).toEqual(tooLong);
    expect(await checker.settle("ab")).toBeNull();
    await vi.advanceTimersByTimeAsync(CHECK_DELAY_MS);
    expect(backend.argsOf("value_check").map(([, check]) => check.value)).toEqual(["abcdefg", "ab"]);
  });

  it("keeps only the latest answer, however late an earlier one comes", async () => {
    let late: () => void = () => undefined;
    mockBackend({
      value_check: (_c, check) =>
        check.value === "slow"
          ? new Promise<null>((resolve) => {
              late = () => {
                resolve(null);
              };
            })
          : refuse(tooLong),
    });
    const checker = new ValueChecker("c-1", "account", "name", 10);
    checker.check("slow");
    await vi.advanceTimersByTimeAsync(10);
    checker.check("ok");
    await vi.advanceTimersByTimeAsync(10);
    await vi.advanceTimersByTimeAsync(0);
    expect(checker.problem).toEqual(tooLong);
    late(); // the earlier value's answer (taken) comes last: the latest refusal stays
    await vi.advanceTimersByTimeAsync(0);
    expect(checker.problem).toEqual(tooLong);
  });
});
