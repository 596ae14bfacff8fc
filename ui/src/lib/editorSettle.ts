// The cell editors inside a form (the new record's, "Set column…"'s) stage their value as the focus
// leaves them, once the core has checked it. Before the form acts on the values, it waits for that.

/** How long a check may take before the form acts without it. */
const LONGEST_MS = 10_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Takes the focus out of the editors in `box` and waits until none of them is checking a value any more;
 * true when none of them shows a problem then.
 */
export async function editorsSettled(box: HTMLElement | undefined): Promise<boolean> {
  if (!box) return true;
  const focused = document.activeElement;
  if (focused instanceof HTMLElement && box.contains(focused)) focused.blur();
  await sleep(0); // the editor's own wait after its focus went
  const deadline = Date.now() + LONGEST_MS;
  while (box.querySelector("[data-testid=cell-editor] [role=status]") && Date.now() < deadline) {
    await sleep(20);
  }
  await sleep(0);
  return box.querySelector("[data-testid=cell-editor-problem]") === null;
}
