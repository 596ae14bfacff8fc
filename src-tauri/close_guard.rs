//! Closing the window with changes staged asks first. The close button reaches Rust as the window's
//! `CloseRequested`; while the page listens (`window_close_watch`) and a journal holds staged changes, the
//! close waits and the page is told, so it can ask; `window_close` then closes it. Through the app's own
//! commands only: the page gets no permission of Tauri's core (see tests/app/security_baseline.rs).

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime};

pub struct CloseGuard {
    listener: Mutex<Option<Channel<()>>>,
    /// The person answered "close": the next request closes.
    allowed: AtomicBool,
    /// Closes the main window (runtime-erased, as `WindowFocus`, so commands need no runtime parameter).
    close: Box<dyn Fn() -> tauri::Result<()> + Send + Sync>,
}

impl CloseGuard {
    pub fn new<R: Runtime>(app: AppHandle<R>) -> Self {
        let close = move || app.get_webview_window("main").map_or(Ok(()), |window| window.close());
        Self { listener: Mutex::new(None), allowed: AtomicBool::new(false), close: Box::new(close) }
    }

    /// Closes the window, the person having answered.
    pub fn close(&self) -> tauri::Result<()> {
        self.allow();
        (self.close)()
    }

    pub fn listen(&self, listener: Channel<()>) {
        if let Ok(mut slot) = self.listener.lock() {
            *slot = Some(listener);
        }
    }

    /// Lets the next close through (the person chose it).
    pub fn allow(&self) {
        self.allowed.store(true, Ordering::SeqCst);
    }

    /// Whether a close request waits for the page's question: changes staged, a page listening that was
    /// told, and no answer given yet. A page that cannot be told never keeps the window open.
    pub fn holds(&self, staged: bool) -> bool {
        if !staged || self.allowed.load(Ordering::SeqCst) {
            return false;
        }
        let Ok(slot) = self.listener.lock() else { return false };
        slot.as_ref().is_some_and(|listener| listener.send(()).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;

    use super::*;

    #[test]
    fn a_close_waits_only_while_changes_are_staged_a_page_listens_and_no_answer_was_given() {
        let app = tauri::test::mock_app();
        let guard = CloseGuard::new(app.handle().clone());
        assert!(!guard.holds(true), "no page listening: the window closes");
        let told = Arc::new(AtomicUsize::new(0));
        let counter = told.clone();
        guard.listen(Channel::new(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }));
        assert!(!guard.holds(false), "nothing staged: the window closes");
        assert_eq!(told.load(Ordering::SeqCst), 0);
        assert!(guard.holds(true), "staged and listening: the page asks first");
        assert_eq!(told.load(Ordering::SeqCst), 1, "the page was told");
        guard.allow();
        assert!(!guard.holds(true), "answered: the next request closes");
    }
}
