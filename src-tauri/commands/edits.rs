//! Editing records: changes staged in the window, journaled as they are made, committed together.

use tauri::State;

use d365_common::ErrorPayload;
use d365_connections::{
    AppliedChange, CommitMode, CommitPreview, CommitResult, Inverse, PendingChange, RecordRead, ValueCheck,
};

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
/// what was not applied. `reads` are the rows as the window read them (may be empty): a conflict lists the
/// other columns changed on the server since.
#[tauri::command]
#[specta::specta]
#[allow(clippy::too_many_arguments)] // a command's arguments are the window's, one each
pub async fn changes_commit(
    edits: State<'_, EditsService>,
    data: State<'_, DataService>,
    connections: State<'_, ConnectionsService>,
    sandbox: State<'_, SandboxService>,
    connection: String,
    changes: Vec<PendingChange>,
    mode: CommitMode,
    reads: Vec<RecordRead>,
) -> Result<Vec<CommitResult>, ErrorPayload> {
    edits.commit(&data, &connections.vault, &sandbox, &connection, &changes, mode, &reads).await
}

/// The exact `$batch` requests a commit of `changes` would send (the token hidden), and what it would
/// refuse before sending; nothing is sent.
#[tauri::command]
#[specta::specta]
pub async fn changes_preview(
    data: State<'_, DataService>,
    connections: State<'_, ConnectionsService>,
    sandbox: State<'_, SandboxService>,
    connection: String,
    changes: Vec<PendingChange>,
    mode: CommitMode,
) -> Result<CommitPreview, ErrorPayload> {
    data.preview(&connections.vault, &sandbox, &connection, &changes, mode).await
}

/// The changes that undo a commit (its applied changes), to stage for review; and what cannot be undone.
#[tauri::command]
#[specta::specta]
pub async fn changes_inverse(
    data: State<'_, DataService>,
    connections: State<'_, ConnectionsService>,
    sandbox: State<'_, SandboxService>,
    connection: String,
    applied: Vec<AppliedChange>,
) -> Result<Inverse, ErrorPayload> {
    data.inverse(&connections.vault, &sandbox, &connection, &applied).await
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
