// The window's close button while changes are staged: Rust holds the close and tells the page
// (`windowCloseWatch`, heard once for the app's life); the screen that asks (`closeRequests`) decides, and
// `windowClose` closes. With no screen asking, the window closes at once: the changes are journaled anyway.
import { windowClose, windowCloseWatch } from "./api";

let decide: (() => Promise<boolean>) | null = null;
let watching = false;

async function onRequest(): Promise<void> {
  const go = decide ? await decide() : true;
  if (go) await windowClose();
}

/** Asks `ask` at each close request until the returned function is called. */
export function closeRequests(ask: () => Promise<boolean>): () => void {
  decide = ask;
  if (!watching) {
    watching = true;
    windowCloseWatch(() => {
      void onRequest();
    }).catch(() => {
      watching = false; // asked again by the next screen that asks
    });
  }
  return () => {
    if (decide === ask) decide = null;
  };
}
