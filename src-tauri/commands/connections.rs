//! The user's connections: list, check the forms as they are typed, add (org, user sign-in, pasted token),
//! verify with live steps, sign in again, edit the settings that may change, delete (secrets and tokens with
//! it).

use tauri::State;
use tauri::ipc::Channel;

use d365_common::ErrorPayload;
use d365_connections::{
    BearerForm, CertificateView, ConnectionView, FieldProblem, OrgForm, SignInEvent, SignInMethod, UserForm,
    VerifyOutcome,
};
use d365_dataverse::bearer::TokenFacts;
use d365_dataverse::verify::Step;
use d365_vault::{EnvironmentTag, Secret};

use crate::connections::{CertificateAdded, ConnectionsService, SignInResult};
use crate::data::DataService;
use crate::open_dialog::OpenDialog;
use crate::sandbox::SandboxService;
use crate::window::WindowFocus;

#[tauri::command]
#[specta::specta]
pub async fn connections_list(
    connections: State<'_, ConnectionsService>,
) -> Result<Vec<ConnectionView>, ErrorPayload> {
    connections.list()
}

/// What is wrong with the form so far, field by field. The secret is not sent as it is typed: it is checked
/// on save.
#[tauri::command]
#[specta::specta]
pub async fn connection_check_org(
    connections: State<'_, ConnectionsService>,
    form: OrgForm,
) -> Result<Vec<FieldProblem>, ErrorPayload> {
    Ok(connections.check_org(form))
}

#[tauri::command]
#[specta::specta]
pub async fn connection_add_org(
    connections: State<'_, ConnectionsService>,
    form: OrgForm,
    client_secret: Secret,
) -> Result<ConnectionView, ErrorPayload> {
    connections.add_org(form, client_secret)
}

/// The system's Open dialog for a certificate file (PEM or PFX); its path, or null when closed.
#[tauri::command]
#[specta::specta]
pub async fn connection_pick_certificate(
    dialog: State<'_, OpenDialog>,
) -> Result<Option<String>, ErrorPayload> {
    let picked = dialog.ask("Certificate with its private key", &["pem", "pfx", "p12", "crt", "key"]).await;
    Ok(picked.map(|path| path.to_string_lossy().into_owned()))
}

/// What the certificate file at `path` is (thumbprint, subject, validity, a warning near its end), or why it
/// cannot be used (wrong password, no key, ...). `password`: the PEM key's passphrase or the PFX's; not kept.
#[tauri::command]
#[specta::specta]
pub async fn connection_inspect_certificate(
    connections: State<'_, ConnectionsService>,
    path: String,
    password: Option<Secret>,
) -> Result<CertificateView, ErrorPayload> {
    connections.inspect_certificate(&path, password.as_ref())
}

/// Saves a certificate connection: the org form's fields, the certificate file at `path` (its key goes to
/// the keyring), its password used once.
#[tauri::command]
#[specta::specta]
pub async fn connection_add_certificate(
    connections: State<'_, ConnectionsService>,
    form: OrgForm,
    path: String,
    password: Option<Secret>,
) -> Result<CertificateAdded, ErrorPayload> {
    connections.add_certificate(form, &path, password.as_ref())
}

#[tauri::command]
#[specta::specta]
pub async fn connection_check_user(
    connections: State<'_, ConnectionsService>,
    form: UserForm,
    discovering: bool,
) -> Result<Vec<FieldProblem>, ErrorPayload> {
    Ok(connections.check_user(form, discovering))
}

/// Signs in (browser or device code, progress on `progress`) and saves the connection, or without an
/// instance URL lists the environments to pick from. The window comes back to the front when it is done.
#[tauri::command]
#[specta::specta]
pub async fn connection_sign_in_user(
    connections: State<'_, ConnectionsService>,
    window: State<'_, WindowFocus>,
    form: UserForm,
    method: SignInMethod,
    progress: Channel<SignInEvent>,
) -> Result<SignInResult, ErrorPayload> {
    window.come_back(connections.sign_in_user(form, method, &progress).await)
}

/// Saves the connection to the environment picked after a discovery sign-in.
#[tauri::command]
#[specta::specta]
pub async fn connection_add_discovered(
    connections: State<'_, ConnectionsService>,
    form: UserForm,
    instance_url: String,
) -> Result<ConnectionView, ErrorPayload> {
    connections.add_discovered(form, instance_url)
}

/// Gives up the sign-in under way; false when there was none.
#[tauri::command]
#[specta::specta]
pub async fn connection_cancel_sign_in(
    connections: State<'_, ConnectionsService>,
) -> Result<bool, ErrorPayload> {
    Ok(connections.cancel_sign_in())
}

/// A user connection whose session expired or was revoked signs in again; nothing else changes.
#[tauri::command]
#[specta::specta]
pub async fn connection_sign_in_again(
    connections: State<'_, ConnectionsService>,
    data: State<'_, DataService>,
    window: State<'_, WindowFocus>,
    id: String,
    method: SignInMethod,
    progress: Channel<SignInEvent>,
) -> Result<ConnectionView, ErrorPayload> {
    data.forget(&id).await; // its session holds the old sign-in
    window.come_back(connections.sign_in_again(&id, method, &progress).await)
}

/// Whom a pasted token is for and until when (the token goes in, only these facts come out).
#[tauri::command]
#[specta::specta]
pub async fn connection_inspect_bearer(
    connections: State<'_, ConnectionsService>,
    form: BearerForm,
    token: Secret,
) -> Result<TokenFacts, ErrorPayload> {
    connections.inspect_bearer(form, &token)
}

#[tauri::command]
#[specta::specta]
pub async fn connection_add_bearer(
    connections: State<'_, ConnectionsService>,
    form: BearerForm,
    token: Secret,
) -> Result<ConnectionView, ErrorPayload> {
    connections.add_bearer(form, token)
}

/// Token → WhoAmI → organization, each step announced on `progress` as it begins.
#[tauri::command]
#[specta::specta]
pub async fn connection_verify(
    connections: State<'_, ConnectionsService>,
    sandbox: State<'_, SandboxService>,
    id: String,
    progress: Channel<Step>,
) -> Result<VerifyOutcome, ErrorPayload> {
    connections.verify(&id, &sandbox, &progress).await
}

/// Name, tag and read-only only: credentials are never edited (delete and recreate instead).
#[tauri::command]
#[specta::specta]
pub async fn connection_edit(
    connections: State<'_, ConnectionsService>,
    data: State<'_, DataService>,
    id: String,
    name: String,
    tag: Option<EnvironmentTag>,
    read_only: bool,
) -> Result<ConnectionView, ErrorPayload> {
    data.forget(&id).await; // its session holds the old read-only flag
    connections.edit(&id, name, tag, read_only)
}

/// Deletes the connection and its secrets at once; the steps to revoke its access elsewhere come back.
#[tauri::command]
#[specta::specta]
pub async fn connection_delete(
    connections: State<'_, ConnectionsService>,
    data: State<'_, DataService>,
    id: String,
) -> Result<Vec<String>, ErrorPayload> {
    data.forget(&id).await;
    connections.delete(&id)
}
