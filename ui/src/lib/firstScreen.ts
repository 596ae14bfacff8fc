// The moment the first screen is on screen, as a User Timing mark: `make bench` reads it to time the start
// (tests/bench/desktop.py: from the process's start to this mark), and any WebKit profiler shows it.

export const FIRST_SCREEN_MARK = "d365desk:first-screen";

/** Marks, once per page, the frame that shows what has just been rendered (the frame after it is painted). */
export function markFirstScreen(): void {
  if (performance.getEntriesByName(FIRST_SCREEN_MARK).length > 0) return;
  const mark = () => {
    if (performance.getEntriesByName(FIRST_SCREEN_MARK).length === 0) performance.mark(FIRST_SCREEN_MARK);
  };
  // A task after the next animation frame runs once that frame is painted.
  requestAnimationFrame(() => setTimeout(mark, 0));
}
