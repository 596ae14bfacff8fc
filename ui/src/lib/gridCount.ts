// The grid's count as its header says it: "500 rows", "5,000+ rows" while Dataverse's count is only a
// lower bound, "Loading 15,000 of 100,000…" while loading all.
import type { GridProgress } from "../bindings";

const number = new Intl.NumberFormat("en-US");

function rows(count: number, more: boolean): string {
  return `${number.format(count)}${more ? "+" : ""} ${count === 1 && !more ? "row" : "rows"}`;
}

export function countLabel(progress: GridProgress, loadingAll: boolean): string {
  const { loaded, total, total_is_lower_bound: lowerBound, complete } = progress;
  if (loadingAll && !complete) {
    // A lower bound says nothing of how far the read is; only an exact count does.
    const of = total !== null && !lowerBound ? ` of ${number.format(total)}` : "";
    return `Loading ${number.format(loaded)}${of}…`;
  }
  if (complete) return rows(loaded, false);
  if (total === null) return rows(loaded, true);
  return lowerBound ? rows(Math.max(loaded, total), true) : rows(total, false);
}
