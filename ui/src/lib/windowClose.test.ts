import { describe, expect, it, vi } from "vitest";
import { mockBackend } from "../test/ipc";
import { closeRequests } from "./windowClose";

describe("closeRequests", () => {
  it("watches once, closes when the screen's question says so, and at once with no screen asking", async () => {
    let request: () => void = () => undefined;
    const backend = mockBackend({
      window_close_watch: (requests) => {
        request = () => {
          requests.onmessage(null);
        };
        return null;
      },
      window_close: () => null,
    });
    let answer = false;
    const ask = vi.fn(() => Promise.resolve(answer));
    const stop = closeRequests(ask);
    closeRequests(ask)(); // another screen came and went: still one watch, and this one asks again below
    const again = closeRequests(ask);
    await vi.waitFor(() => {
      expect(backend.argsOf("window_close_watch")).toHaveLength(1);
    });
    request();
    await vi.waitFor(() => {
      expect(ask).toHaveBeenCalledTimes(1);
    });
    expect(backend.argsOf("window_close")).toHaveLength(0); // "review them": the window stays
    answer = true;
    request();
    await vi.waitFor(() => {
      expect(backend.argsOf("window_close")).toHaveLength(1);
    });
    stop();
    again();
    request(); // nobody asks: it closes
    await vi.waitFor(() => {
      expect(backend.argsOf("window_close")).toHaveLength(2);
    });
    expect(ask).toHaveBeenCalledTimes(2);
  });
});
