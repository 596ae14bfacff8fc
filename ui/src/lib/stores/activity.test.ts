import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { DataEvent, RetryReason } from "../../bindings";
import { mockBackend } from "../../test/ipc";
import { DataActivity } from "./activity.svelte";

function retrying(reason: RetryReason, attempt: number, wait_ms: number): DataEvent {
  return { connection: "sandbox", event: { event: "retrying", reason, attempt, wait_ms } };
}

describe("Data activity", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("counts a throttling wait down to the second, and clears when it is over", () => {
    const activity = new DataActivity();
    expect(activity.label).toBeNull();
    expect(activity.secondsLeft).toBe(0);
    activity.hear(retrying("throttled", 1, 3000));
    expect(activity.label).toBe("Dataverse asked us to wait 3 s");
    vi.advanceTimersByTime(250);
    expect(activity.label).toBe("Dataverse asked us to wait 3 s");
    vi.advanceTimersByTime(1000);
    expect(activity.label).toBe("Dataverse asked us to wait 2 s");
    vi.advanceTimersByTime(1500);
    expect(activity.label).toBe("Dataverse asked us to wait 1 s");
    vi.advanceTimersByTime(250);
    expect(activity.label).toBeNull();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("says which try a retry is, for a server or network failure", () => {
    const activity = new DataActivity();
    activity.hear(retrying({ unavailable: { status: 503 } }, 2, 1000));
    expect(activity.label).toBe("Retrying (try 2)…");
    activity.hear(retrying("network", 3, 500));
    expect(activity.label).toBe("Retrying (try 3)…");
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(500);
    expect(activity.label).toBeNull();
  });

  it("rounds a part of a second up", () => {
    const activity = new DataActivity();
    activity.hear(retrying("throttled", 1, 200));
    expect(activity.label).toBe("Dataverse asked us to wait 1 s");
  });

  it("starts the watch once, and hears its events", async () => {
    vi.useRealTimers();
    let send: (event: DataEvent) => void = () => undefined;
    const backend = mockBackend({
      data_watch: (events) => {
        send = (event) => {
          events.onmessage(event);
        };
        return null;
      },
    });
    const activity = new DataActivity();
    activity.watch();
    activity.watch();
    await vi.waitFor(() => {
      expect(backend.argsOf("data_watch")).toHaveLength(1);
    });
    send(retrying("throttled", 1, 5000));
    expect(activity.label).toBe("Dataverse asked us to wait 5 s");
  });

  it("stays quiet when the watch cannot start", async () => {
    vi.useRealTimers();
    const backend = mockBackend({ data_watch: undefined });
    const activity = new DataActivity();
    activity.watch();
    await vi.waitFor(() => {
      expect(backend.called("data_watch")).toBe(true);
    });
    expect(activity.label).toBeNull();
  });
});
