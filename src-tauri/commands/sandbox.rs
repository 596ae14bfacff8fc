//! The built-in Sandbox connection.

use tauri::State;

use crate::error::ErrorPayload;
use crate::sandbox::{SandboxInfo, SandboxService};

/// Starts the in-process sandbox (once) and says where it runs.
#[tauri::command]
#[specta::specta]
pub async fn sandbox_start(sandbox: State<'_, SandboxService>) -> Result<SandboxInfo, ErrorPayload> {
    sandbox.start().await
}

/// Where the sandbox runs, if it was started.
#[tauri::command]
#[specta::specta]
pub async fn sandbox_status(sandbox: State<'_, SandboxService>) -> Result<Option<SandboxInfo>, ErrorPayload> {
    Ok(sandbox.status().await)
}
