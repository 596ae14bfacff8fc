//! The window's close button, when changes are staged: heard by the page, which asks, then closes.

use tauri::State;
use tauri::ipc::Channel;

use d365_common::{Category, ErrorPayload};

use crate::close_guard::CloseGuard;

/// Tells the page of every close request made while changes are staged (the window stays open until
/// `window_close`).
#[tauri::command]
#[specta::specta]
pub async fn window_close_watch(
    guard: State<'_, CloseGuard>,
    requests: Channel<()>,
) -> Result<(), ErrorPayload> {
    guard.listen(requests);
    Ok(())
}

/// Closes the window, the person having answered.
#[tauri::command]
#[specta::specta]
pub async fn window_close(guard: State<'_, CloseGuard>) -> Result<(), ErrorPayload> {
    guard.close().map_err(|err| {
        ErrorPayload::new("local.window", Category::Local, format!("The window could not close: {err}"), None)
    })
}
