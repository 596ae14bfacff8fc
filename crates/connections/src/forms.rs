//! New connections from what a person typed: every field checked with the core's normalisation rules (for a
//! form that says what is wrong as the user types), then saved with its secret in the keyring. The CLI and
//! the app's form both go through here.

use d365_dataverse::{DataverseError, input};
use d365_vault::{Cloud, ConnectionKind, EnvironmentTag, NewProfile, Profile, Secret, Vault, VaultError};
use serde::{Deserialize, Serialize};

use crate::error::Result;

/// An org-level (app registration + client secret) connection, as typed. The secret travels separately.
/// The `allow_*` flags are the CLI's: a form in the window cannot set them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OrgForm {
    pub name: String,
    pub tag: Option<EnvironmentTag>,
    /// `None`: read-only for `prod`, writable otherwise.
    pub read_only: Option<bool>,
    pub instance_url: String,
    pub tenant: String,
    pub client_id: String,
    pub cloud: Cloud,
    /// Another sign-in authority than the cloud's (the sandbox's, or a sovereign cloud's own).
    pub authority: Option<String>,
    /// Accept an instance host that is not a Dynamics one of the cloud (with a warning).
    #[serde(skip)]
    pub allow_custom_host: bool,
    /// Accept an authority that is not Microsoft's or a local server's.
    #[serde(skip)]
    pub allow_custom_authority: bool,
}

/// What is wrong with one field: the field, and the problem in the words shown beside it (without the
/// field's name, which is already there).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FieldProblem {
    /// The form's field: `name`, `instance_url`, `tenant`, `client_id`, `client_secret` or `authority`.
    pub field: &'static str,
    pub message: String,
    pub hint: Option<String>,
    /// The whole error, for a front end that shows it away from the field.
    #[serde(skip)]
    pub error: DataverseError,
}

impl FieldProblem {
    pub fn new(field: &'static str, error: DataverseError) -> Self {
        Self { field, message: sentence(&error.message), hint: error.hint.clone(), error }
    }
}

/// "it is empty" → "It is empty": the core's messages continue a field's name; beside the field they start
/// a sentence.
fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The name field's problem, if the vault refuses the name itself (empty, too long, taken). A vault that
/// cannot be read (a corrupt file, no keyring) is no problem of the name: saving reports it for the form.
pub(crate) fn name_problem(vault: &Vault, name: &str) -> Option<FieldProblem> {
    let error = vault.check_new_name(name).err().filter(|e| e.category() == d365_common::Category::Input)?;
    let message = match &error {
        VaultError::Invalid { message, .. } => message.clone(),
        other => other.to_string(),
    };
    Some(FieldProblem::new("name", DataverseError::new(error.kind(), message, error.hint()).on_field("Name")))
}

/// The fields as they will be saved.
struct Checked {
    instance: input::Instance,
    tenant: String,
    client_id: String,
    authority: Option<String>,
}

/// `result`'s value, or `None` with its error noted against `field`.
pub(crate) fn keep<T>(
    problems: &mut Vec<FieldProblem>,
    field: &'static str,
    result: d365_dataverse::Result<T>,
) -> Option<T> {
    result.map_err(|error| problems.push(FieldProblem::new(field, error))).ok()
}

/// Every field on its own (a bad instance URL must not hide a bad client ID): the normalised fields, or a
/// problem for each field that has one. The name and the secret are checked apart.
fn check(form: &OrgForm) -> std::result::Result<Checked, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let cloud = form.cloud;
    let instance = keep(
        &mut problems,
        "instance_url",
        input::instance(&form.instance_url, cloud, form.allow_custom_host),
    );
    let tenant = keep(&mut problems, "tenant", input::tenant(&form.tenant));
    let client_id = keep(&mut problems, "client_id", input::client_id(&form.client_id));
    let authority = match form.authority.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        Some(custom) => {
            let tenant = tenant.as_deref().unwrap_or("organizations");
            keep(
                &mut problems,
                "authority",
                input::authority(cloud, tenant, Some(custom), form.allow_custom_authority),
            )
            .map(Some)
        }
        None => Some(None),
    };
    match (instance, tenant, client_id, authority) {
        (Some(instance), Some(tenant), Some(client_id), Some(authority)) => {
            Ok(Checked { instance, tenant, client_id, authority })
        }
        _ => Err(problems),
    }
}

/// Every problem of the form (one per field), for showing beside the fields as the user types. The secret
/// is not among them: it is checked once, on save (a form checks its shape itself as it is typed, so that
/// the secret does not travel on every keystroke).
pub fn check_org(vault: &Vault, form: &OrgForm) -> Vec<FieldProblem> {
    let mut problems: Vec<FieldProblem> = name_problem(vault, &form.name).into_iter().collect();
    problems.extend(check(form).err().unwrap_or_default());
    problems
}

/// Saves the connection with its secret in the keyring. A warning the user accepted (an unusual instance
/// host) comes back with it.
pub fn add_org(vault: &Vault, form: OrgForm, secret: Secret) -> Result<(Profile, Option<String>)> {
    let checked = check(&form).map_err(|problems| {
        problems.into_iter().next().map_or_else(
            || DataverseError::new("input.invalid", "The form is incomplete.", None),
            |p| p.error,
        )
    })?;
    input::client_secret(secret.expose())?;
    let new = NewProfile {
        name: form.name,
        kind: ConnectionKind::Org,
        instance_url: checked.instance.resource(),
        tenant: Some(checked.tenant),
        client_id: Some(checked.client_id),
        cloud: form.cloud,
        authority: checked.authority,
        tag: form.tag,
        read_only: form.read_only,
    };
    Ok((vault.add(new, Some(secret))?, checked.instance.warning))
}
