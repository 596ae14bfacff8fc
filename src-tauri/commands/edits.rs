//! Editing records: changes staged in the window, journaled as they are made, committed together.

use tauri::State;

use d365_common::ErrorPayload;
use d365_connections::{CommitMode, CommitResult, PendingChange, ValueCheck};

use crate::connections::ConnectionsService;
use crate::data::DataService;
use crate::edits::EditsService;
use crate::sandbox::SandboxService;

/// The connection's staged changes kept from before (a crash, a closed window), none when it has none.
#[tauri::command]
#[specta::specta]
pub async fn pending_load(
    edits: State<'_, EditsService>,
    connection: String,
) -> Result<Vec<PendingChange>, ErrorPayload> {
    edits.load(&connection)
}

/// Journals the connection's staged changes as they are now (all of them; none removes the journal).
#[tauri::command]
#[specta::specta]
pub async fn pending_save(
    edits: State<'_, EditsService>,
    connection: String,
    changes: Vec<PendingChange>,
) -> Result<(), ErrorPayload> {
    edits.save(&connection, &changes).await
}

/// The connections that have staged changes kept, to offer them at start.
#[tauri::command]
#[specta::specta]
pub async fn pending_connections(edits: State<'_, EditsService>) -> Result<Vec<String>, ErrorPayload> {
    Ok(edits.connections())
}

/// Sends the staged changes (atomically, or record by record); a result per record. The journal keeps
/// what was not applied.
#[tauri::command]
#[specta::specta]
pub async fn changes_commit(
    edits: State<'_, EditsService>,
    data: State<'_, DataService>,
    connections: State<'_, ConnectionsService>,
    sandbox: State<'_, SandboxService>,
    connection: String,
    changes: Vec<PendingChange>,
    mode: CommitMode,
) -> Result<Vec<CommitResult>, ErrorPayload> {
    edits.commit(&data, &connections.vault, &sandbox, &connection, &changes, mode).await
}

/// Checks a value an editor holds, as the commit will: the core's message, the column named, when it is
/// refused.
#[tauri::command]
#[specta::specta]
pub async fn value_check(
    data: State<'_, DataService>,
    connections: State<'_, ConnectionsService>,
    sandbox: State<'_, SandboxService>,
    connection: String,
    check: ValueCheck,
) -> Result<(), ErrorPayload> {
    data.check_value(&connections.vault, &sandbox, &connection, check).await
}
