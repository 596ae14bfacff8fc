import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { FieldProblem } from "../bindings";
import { FieldChecks } from "./fieldChecks.svelte";

const tenant: FieldProblem = { field: "tenant", message: "It is empty", hint: null };
const name: FieldProblem = { field: "name", message: "Taken", hint: null };

describe("Field checks", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("starts with no problem and nothing left", () => {
    const checks = new FieldChecks();
    expect(checks.problems).toEqual([]);
    expect(checks.touched).toEqual({});
  });

  it("checks 150 ms after the last change, and not if the change was superseded", async () => {
    const checks = new FieldChecks();
    const check = vi.fn(() => Promise.resolve([tenant]));
    const onfail = vi.fn();
    const cancel = checks.later(check, onfail);
    await vi.advanceTimersByTimeAsync(149);
    expect(check).not.toHaveBeenCalled();
    cancel();
    await vi.advanceTimersByTimeAsync(10);
    expect(check).not.toHaveBeenCalled();
    checks.later(check, onfail);
    await vi.advanceTimersByTimeAsync(150);
    expect(check).toHaveBeenCalledOnce();
    expect(checks.problems).toEqual([tenant]);
    expect(onfail).not.toHaveBeenCalled();
  });

  it("keeps the answer of the latest check only", async () => {
    const checks = new FieldChecks();
    let answerFirst: (problems: FieldProblem[]) => void = () => undefined;
    checks.later(() => new Promise((resolve) => (answerFirst = resolve)), vi.fn());
    await vi.advanceTimersByTimeAsync(150);
    await checks.now(["name"], () => Promise.resolve([name]));
    answerFirst([tenant]);
    await vi.advanceTimersByTimeAsync(0);
    expect(checks.problems).toEqual([name]);
  });

  it("hands a failed check over", async () => {
    const checks = new FieldChecks();
    const onfail = vi.fn();
    checks.later(() => Promise.reject(new Error("down")), onfail);
    await vi.advanceTimersByTimeAsync(150);
    expect(onfail).toHaveBeenCalledWith(new Error("down"));
  });

  it("shows a field's problem once it has been left, or the form submitted", async () => {
    const checks = new FieldChecks();
    await checks.now([], () => Promise.resolve([tenant, name]));
    expect(checks.shown("tenant")).toBeUndefined();
    checks.touch("tenant");
    expect(checks.shown("tenant")).toEqual(tenant);
    expect(checks.shown("name")).toBeUndefined();
    expect(checks.shown("tenant", [name])).toBeUndefined();
    await checks.now(["name", "tenant"], () => Promise.resolve([name]));
    expect(checks.shown("name")).toEqual(name);
    expect(checks.shown("tenant")).toBeUndefined();
    expect(checks.touched).toEqual({ name: true, tenant: true });
  });

  it("drops the answer of a check on submit once a later check has answered", async () => {
    const checks = new FieldChecks();
    let answerSubmit: (problems: FieldProblem[]) => void = () => undefined;
    const submitted = checks.now(["tenant"], () => new Promise((resolve) => (answerSubmit = resolve)));
    checks.later(() => Promise.resolve([name]), vi.fn());
    await vi.advanceTimersByTimeAsync(150);
    answerSubmit([tenant]);
    await submitted;
    expect(checks.problems).toEqual([name]);
  });
});
