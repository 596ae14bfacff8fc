import { describe, expect, it } from "vitest";
import type { GridProgress } from "../bindings";
import { countLabel } from "./gridCount";

function progress(loaded: number, total: number | null, lowerBound = false, complete = false): GridProgress {
  return { loaded, total, total_is_lower_bound: lowerBound, complete };
}

describe("Grid count", () => {
  it.each<[GridProgress, string]>([
    [progress(500, 500, false, true), "500 rows"],
    [progress(1, 1, false, true), "1 row"],
    [progress(0, 0, false, true), "0 rows"],
    [progress(5000, 5000, true, false), "5,000+ rows"],
    [progress(15000, 5000, true, false), "15,000+ rows"],
    [progress(5000, 12345, false, false), "12,345 rows"],
    [progress(5000, null, false, false), "5,000+ rows"],
    [progress(1, null, false, false), "1+ rows"],
    [progress(100000, 5000, true, true), "100,000 rows"],
  ])("says %j as %j", (given, label) => {
    expect(countLabel(given, false)).toBe(label);
  });

  it("says how far the read is while loading all", () => {
    expect(countLabel(progress(15000, 100000), true)).toBe("Loading 15,000 of 100,000…");
    expect(countLabel(progress(15000, 5000, true), true)).toBe("Loading 15,000…");
    expect(countLabel(progress(15000, null), true)).toBe("Loading 15,000…");
    expect(countLabel(progress(20000, 20000, false, true), true)).toBe("20,000 rows");
  });
});
