//! The window opens at the size and place it had when it last closed (tauri-plugin-window-state).
//!
//! When the plugin saves (its source, 2.5.0): it follows every `Resized` and `Moved` event and reads the
//! window again on `CloseRequested` (held or not, so also the close guard's second request after
//! `window_close`), in memory; it writes the file only on `RunEvent::Exit`, when the last window has
//! closed (the usual close, and the close guard's path, which ends with `window.close()`). A killed
//! process keeps the previous file. The file is `.window-state.json` in Tauri's app config folder
//! (`$XDG_CONFIG_HOME/dev.d365desk.app` on Linux).
//!
//! On restore it moves the window to the saved position only if a connected monitor holds a corner of
//! the saved rectangle; otherwise the window opens where the window manager puts it (never off-screen
//! after a monitor is unplugged). The size is always restored; the config's minimum size still holds.

use tauri::Runtime;
use tauri_plugin_window_state::StateFlags;

/// What is remembered: size, position and whether it was maximized. Not visibility (the window always
/// shows at start), decorations or fullscreen (fixed by the app, not chosen by the person).
pub fn remembered() -> StateFlags {
    StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED
}

pub fn plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri_plugin_window_state::Builder::new().with_state_flags(remembered()).build()
}
