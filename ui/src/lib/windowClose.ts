// The window's close button, heard from the window: `decide` answers whether it may close (it can ask
// first). Needs the capabilities core:event:allow-listen, core:event:allow-unlisten (to hear the request)
// and core:window:allow-destroy (to close once it is answered); without them the window closes as
// before, unasked.
import { getCurrentWindow } from "@tauri-apps/api/window";

/** Listens until the returned function is called. */
export function closeRequests(decide: () => Promise<boolean>): () => void {
  let stop: (() => void) | null = null;
  let stopped = false;
  try {
    getCurrentWindow()
      .onCloseRequested(async (event) => {
        if (!(await decide())) event.preventDefault();
      })
      .then(
        (unlisten) => {
          if (stopped) unlisten();
          else stop = unlisten;
        },
        () => undefined, // not allowed to listen: the window closes unasked
      );
  } catch {
    // No Tauri window (the UI's tests): nothing to hear.
  }
  return () => {
    stopped = true;
    stop?.();
  };
}
