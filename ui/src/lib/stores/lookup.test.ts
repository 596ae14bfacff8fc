import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { LookupCandidate } from "../../bindings";
import { failure } from "../../test/fixtures";
import { mockBackend, refuse } from "../../test/ipc";
import { LookupSearch, SEARCH_DELAY_MS } from "./lookup.svelte";

function candidate(name: string): LookupCandidate {
  return { table: "contact", id: `id-${name}`, name };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe("Lookup search", () => {
  it("waits for typing to pause, then asks once for the latest text, trimmed", async () => {
    const backend = mockBackend({ lookup_search: (_c, _t, text) => [candidate(text)] });
    const search = new LookupSearch("c-1");
    expect([search.searching, search.results, search.failure]).toEqual([false, [], null]);
    expect(SEARCH_DELAY_MS).toBe(250);
    search.search("contact", "J");
    search.search("contact", " Jo ");
    expect(search.searching).toBe(true);
    await vi.advanceTimersByTimeAsync(SEARCH_DELAY_MS - 1);
    expect(backend.called("lookup_search")).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(backend.argsOf("lookup_search")).toEqual([["c-1", "contact", "Jo"]]);
    expect(search.results).toEqual([candidate("Jo")]);
    expect(search.searching).toBe(false);
  });

  it("shows the answer to the latest text only, however late an earlier one comes", async () => {
    const answers = new Map<string, (found: LookupCandidate[]) => void>();
    mockBackend({
      lookup_search: (_c, _t, text) =>
        new Promise<LookupCandidate[]>((resolve) => answers.set(text, resolve)),
    });
    const search = new LookupSearch("c-1", 10);
    search.search("contact", "Jo");
    await vi.advanceTimersByTimeAsync(10);
    search.search("account", "Jon");
    await vi.advanceTimersByTimeAsync(10);
    answers.get("Jon")?.([candidate("Jones")]);
    await vi.advanceTimersByTimeAsync(0);
    expect(search.results).toEqual([candidate("Jones")]);
    expect(search.searching).toBe(false);
    answers.get("Jo")?.([candidate("Jo")]);
    await vi.advanceTimersByTimeAsync(0);
    expect(search.results).toEqual([candidate("Jones")]);
  });

  it("still searching while a newer text waits, though an older answer came", async () => {
    let release: (found: LookupCandidate[]) => void = () => undefined;
    mockBackend({ lookup_search: () => new Promise<LookupCandidate[]>((resolve) => (release = resolve)) });
    const search = new LookupSearch("c-1", 10);
    search.search("contact", "Jo");
    await vi.advanceTimersByTimeAsync(10);
    search.search("contact", "Jon");
    release([candidate("Jo")]);
    await vi.advanceTimersByTimeAsync(0);
    expect(search.searching).toBe(true);
    expect(search.results).toEqual([]);
  });

  it("asks nothing for blank text, and forgets what it had", async () => {
    const backend = mockBackend({ lookup_search: (_c, _t, text) => [candidate(text)] });
    const search = new LookupSearch("c-1", 10);
    search.search("contact", "Jo");
    await vi.advanceTimersByTimeAsync(10);
    expect(search.results).toHaveLength(1);
    search.search("contact", "   ");
    expect(search.results).toEqual([]);
    expect(search.searching).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    expect(backend.argsOf("lookup_search")).toHaveLength(1);
  });

  it("says why the records could not be found, and clears that with the next search", async () => {
    let fail = true;
    mockBackend({
      lookup_search: (_c, _t, text) =>
        fail ? refuse(failure("net.dns", "Unreachable.", null, "network")) : [candidate(text)],
    });
    const search = new LookupSearch("c-1", 10);
    search.search("contact", "Jo");
    await vi.advanceTimersByTimeAsync(10);
    expect(search.failure?.message).toBe("Unreachable.");
    expect(search.results).toEqual([]);
    expect(search.searching).toBe(false);
    fail = false;
    search.search("contact", "Jo");
    expect(search.failure).toBeNull();
    await vi.advanceTimersByTimeAsync(10);
    expect(search.results).toEqual([candidate("Jo")]);
  });

  it("drops a late failure of a search replaced meanwhile", async () => {
    let reject: (err: unknown) => void = () => undefined;
    mockBackend({
      lookup_search: (_c, _t, text) =>
        text === "x"
          ? new Promise<LookupCandidate[]>((_resolve, rejectWith) => (reject = rejectWith))
          : [candidate(text)],
    });
    const search = new LookupSearch("c-1", 10);
    search.search("contact", "x");
    await vi.advanceTimersByTimeAsync(10);
    search.search("contact", "Jo");
    await vi.advanceTimersByTimeAsync(10);
    reject(failure("net.dns", "Unreachable."));
    await vi.advanceTimersByTimeAsync(0);
    expect(search.failure).toBeNull();
    expect(search.results).toEqual([candidate("Jo")]);
  });

  it("cancels: nothing asked, no answer shown", async () => {
    const backend = mockBackend({ lookup_search: (_c, _t, text) => [candidate(text)] });
    const search = new LookupSearch("c-1", 10);
    search.search("contact", "Jo");
    search.cancel();
    expect(search.searching).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    expect(backend.called("lookup_search")).toBe(false);
    expect(search.results).toEqual([]);
  });
});
