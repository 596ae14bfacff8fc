//! Bringing the main window back to the front, for commands that sent the person elsewhere (the browser
//! for a sign-in). Runtime-erased, so that commands need no runtime parameter and the same wiring runs on
//! the mock runtime in tests.

use tauri::{AppHandle, Manager, Runtime};

pub struct WindowFocus(Box<dyn Fn() + Send + Sync>);

impl WindowFocus {
    pub fn new<R: Runtime>(app: AppHandle<R>) -> Self {
        Self(Box::new(move || {
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.set_focus();
            }
        }))
    }

    /// Focuses the window, then hands `result` on.
    pub fn come_back<T>(&self, result: T) -> T {
        (self.0)();
        result
    }
}
