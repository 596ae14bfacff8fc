//! The user's connections: list, check the form as it is typed, add, verify with live steps, edit the
//! settings that may change, delete (secrets and tokens with it).

use tauri::State;
use tauri::ipc::Channel;

use crate::connections::{
    ConnectionView, ConnectionsService, FieldError, OrgForm, Tag, VerifyOutcome, VerifyStep,
};
use crate::error::ErrorPayload;
use crate::sandbox::SandboxService;

#[tauri::command]
#[specta::specta]
pub async fn connections_list(
    connections: State<'_, ConnectionsService>,
) -> Result<Vec<ConnectionView>, ErrorPayload> {
    connections.list()
}

/// What is wrong with the form so far, field by field (the secret is checked, never returned).
#[tauri::command]
#[specta::specta]
pub async fn connection_check_org(
    connections: State<'_, ConnectionsService>,
    form: OrgForm,
    client_secret: Option<String>,
) -> Result<Vec<FieldError>, ErrorPayload> {
    Ok(connections.check_org(form, client_secret.as_deref()))
}

#[tauri::command]
#[specta::specta]
pub async fn connection_add_org(
    connections: State<'_, ConnectionsService>,
    form: OrgForm,
    client_secret: String,
) -> Result<ConnectionView, ErrorPayload> {
    connections.add_org(form, client_secret)
}

/// Token → WhoAmI → organization, each step announced on `progress` as it begins.
#[tauri::command]
#[specta::specta]
pub async fn connection_verify(
    connections: State<'_, ConnectionsService>,
    sandbox: State<'_, SandboxService>,
    id: String,
    progress: Channel<VerifyStep>,
) -> Result<VerifyOutcome, ErrorPayload> {
    connections.verify(&id, &sandbox, &progress).await
}

/// Name, tag and read-only only: credentials are never edited (delete and recreate instead).
#[tauri::command]
#[specta::specta]
pub async fn connection_edit(
    connections: State<'_, ConnectionsService>,
    id: String,
    name: String,
    tag: Option<Tag>,
    read_only: bool,
) -> Result<ConnectionView, ErrorPayload> {
    connections.edit(&id, name, tag, read_only)
}

/// Deletes the connection and its secrets at once; the steps to revoke its access elsewhere come back.
#[tauri::command]
#[specta::specta]
pub async fn connection_delete(
    connections: State<'_, ConnectionsService>,
    id: String,
) -> Result<Vec<String>, ErrorPayload> {
    connections.delete(&id)
}
