//! The built-in Sandbox connection.

use tauri::State;
use tauri::ipc::Channel;

use d365_common::ErrorPayload;
use d365_connections::VerifyOutcome;
use d365_dataverse::verify::Step;

use crate::connections::ConnectionsService;
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

/// Starts the sandbox if need be and verifies it, each step announced on `progress`: the one-click check.
#[tauri::command]
#[specta::specta]
pub async fn sandbox_verify(
    connections: State<'_, ConnectionsService>,
    sandbox: State<'_, SandboxService>,
    progress: Channel<Step>,
) -> Result<VerifyOutcome, ErrorPayload> {
    connections.verify_builtin_sandbox(&sandbox, &progress).await
}
