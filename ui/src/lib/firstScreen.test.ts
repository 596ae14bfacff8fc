import { afterEach, describe, expect, it, vi } from "vitest";
import { FIRST_SCREEN_MARK, markFirstScreen } from "./firstScreen";

describe("markFirstScreen", () => {
  afterEach(() => {
    performance.clearMarks(FIRST_SCREEN_MARK);
  });

  it("marks once, after the next frame is painted, however often it is asked", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "requestAnimationFrame"] });
    try {
      markFirstScreen();
      markFirstScreen();
      expect(performance.getEntriesByName(FIRST_SCREEN_MARK)).toHaveLength(0); // not before the frame
      await vi.runAllTimersAsync();
      markFirstScreen();
      await vi.runAllTimersAsync();
      expect(performance.getEntriesByName(FIRST_SCREEN_MARK)).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
