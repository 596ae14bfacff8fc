//! New connections from what a person typed: every field checked with the core's normalisation rules (for a
//! form that says what is wrong as the user types), then saved with its secret in the keyring. The CLI and
//! the app's form both go through here.

use d365_dataverse::{DataverseError, input};
use d365_vault::{Cloud as VaultCloud, ConnectionKind, EnvironmentTag, NewProfile, Profile, Secret, Vault};

use crate::error::Result;
use crate::open::client_cloud;

/// An org-level (app registration + client secret) connection, as typed. The secret travels separately.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgForm {
    pub name: String,
    pub tag: Option<EnvironmentTag>,
    /// `None`: read-only for `prod`, writable otherwise.
    pub read_only: Option<bool>,
    pub instance_url: String,
    pub tenant: String,
    pub client_id: String,
    pub cloud: VaultCloud,
    /// Another sign-in authority than the cloud's (the sandbox's, or a sovereign cloud's own).
    pub authority: Option<String>,
    /// Accept an instance host that is not a Dynamics one of the cloud (with a warning).
    pub allow_custom_host: bool,
    /// Accept an authority that is not Microsoft's or a local server's.
    pub allow_custom_authority: bool,
}

/// What is wrong with one field, in the words shown beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// `name`, `instance_url`, `tenant`, `client_id`, `client_secret` or `authority`.
    pub field: &'static str,
    pub error: DataverseError,
}

/// The fields as they will be saved, or the first problem.
struct Checked {
    instance: input::Instance,
    tenant: String,
    client_id: String,
    authority: Option<String>,
}

fn check(form: &OrgForm) -> std::result::Result<Checked, FieldProblem> {
    let at = |field| move |error| FieldProblem { field, error };
    let cloud = client_cloud(form.cloud);
    let instance =
        input::instance(&form.instance_url, cloud, form.allow_custom_host).map_err(at("instance_url"))?;
    let tenant = input::tenant(&form.tenant).map_err(at("tenant"))?;
    let client_id = input::client_id(&form.client_id).map_err(at("client_id"))?;
    let authority = match form.authority.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        Some(custom) => Some(
            input::authority(cloud, &tenant, Some(custom), form.allow_custom_authority)
                .map_err(at("authority"))?,
        ),
        None => None,
    };
    Ok(Checked { instance, tenant, client_id, authority })
}

/// Every problem of the form (one per field), for showing beside the fields as the user types. `secret` is
/// checked when given (it is never sent back).
pub fn check_org(vault: &Vault, form: &OrgForm, secret: Option<&str>) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    let mut report = |field, error| problems.push(FieldProblem { field, error });
    if let Err(error) = vault.check_new_name(&form.name) {
        report("name", DataverseError::new(error.kind(), error.to_string(), error.hint()));
    }
    let cloud = client_cloud(form.cloud);
    if let Err(error) = input::instance(&form.instance_url, cloud, form.allow_custom_host) {
        report("instance_url", error);
    }
    let tenant = input::tenant(&form.tenant).map_err(|error| report("tenant", error)).ok();
    if let Err(error) = input::client_id(&form.client_id) {
        report("client_id", error);
    }
    if let Some(custom) = form.authority.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        let tenant = tenant.as_deref().unwrap_or("organizations");
        if let Err(error) = input::authority(cloud, tenant, Some(custom), form.allow_custom_authority) {
            report("authority", error);
        }
    }
    if let Some(secret) = secret
        && let Err(error) = input::client_secret(secret)
    {
        report("client_secret", error);
    }
    problems
}

/// Saves the connection with its secret in the keyring. A warning the user accepted (an unusual instance
/// host) comes back with it.
pub fn add_org(vault: &Vault, form: OrgForm, secret: Secret) -> Result<(Profile, Option<String>)> {
    let checked = check(&form).map_err(|p| p.error)?;
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
