//! New connections from what a person typed: every field checked with the core's normalisation rules (for a
//! form that says what is wrong as the user types), then saved with its secret in the keyring. The CLI and
//! the app's form both go through here.

use d365_dataverse::{DataverseError, input};
use d365_vault::{Cloud, ConnectionKind, EnvironmentTag, NewProfile, Profile, Secret, Vault, VaultError};
use serde::{Deserialize, Serialize};

use crate::error::Result;

/// An org-level (app registration + client secret or certificate) connection, as typed. The secret or the
/// certificate file travels separately.
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
pub(crate) struct Checked {
    pub(crate) instance: input::Instance,
    pub(crate) tenant: String,
    pub(crate) client_id: String,
    pub(crate) authority: Option<String>,
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
    let tenant = keep(&mut problems, "tenant", input::app_tenant(&form.tenant));
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

/// The form's fields as they will be saved, or its first problem (a certificate connection's too).
pub(crate) fn checked_org(form: &OrgForm) -> Result<Checked> {
    Ok(check(form).map_err(|problems| {
        problems.into_iter().next().map_or_else(
            || DataverseError::new("input.invalid", "The form is incomplete.", None),
            |p| p.error,
        )
    })?)
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
    let checked = checked_org(&form)?;
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

#[cfg(test)]
mod tests {
    use d365_vault::{Cloud, Vault};

    use super::*;

    fn form(instance: &str, tenant: &str, client_id: &str) -> OrgForm {
        OrgForm {
            name: "Dev".into(),
            tag: None,
            read_only: None,
            instance_url: instance.into(),
            tenant: tenant.into(),
            client_id: client_id.into(),
            cloud: Cloud::Public,
            authority: None,
            allow_custom_host: false,
            allow_custom_authority: false,
        }
    }

    const CLIENT_ID: &str = "0b6f0b57-7e3f-4c1e-9d9e-6f0a1f2b3c4d";

    /// A vault in a folder of its own that does not exist yet: no profiles, nothing written.
    fn empty_vault() -> Vault {
        let unique = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        Vault::open(&std::env::temp_dir().join(format!("d365desk-forms-{}-{unique}", std::process::id())))
    }

    #[test]
    fn a_problem_beside_its_field_starts_a_sentence() {
        let problem = FieldProblem::new("tenant", DataverseError::new("input.invalid", "it is empty", None));
        assert_eq!(problem.message, "It is empty");
        assert_eq!(sentence("é accentuée"), "É accentuée");
        assert_eq!(sentence(""), "");
    }

    #[test]
    fn a_complete_form_is_checked_into_the_fields_it_saves() {
        let checked = check(&form(" contoso.crm.dynamics.com ", "Contoso.OnMicrosoft.com", CLIENT_ID))
            .unwrap_or_else(|problems| panic!("a complete form: {problems:?}"));
        assert_eq!(checked.instance.resource(), "https://contoso.crm.dynamics.com");
        assert_eq!(
            (checked.tenant.as_str(), checked.client_id.as_str()),
            ("contoso.onmicrosoft.com", CLIENT_ID)
        );
        assert_eq!(checked.authority, None, "no custom authority: the cloud's, not saved");
    }

    #[test]
    fn an_app_connection_refuses_the_multi_tenant_aliases() {
        for alias in ["common", "organizations", "consumers"] {
            let Err(err) = checked_org(&form("contoso.crm.dynamics.com", alias, CLIENT_ID)) else {
                panic!("{alias} was accepted for an app connection");
            };
            assert!(
                err.to_string().contains("an app registration signs in to its own tenant"),
                "{alias}: {err}"
            );
        }
    }

    #[test]
    fn a_custom_authority_is_kept_and_a_blank_one_is_none() {
        let mut custom = form("contoso.crm.dynamics.com", "contoso.onmicrosoft.com", CLIENT_ID);
        custom.authority = Some(" http://127.0.0.1:5/t/ ".into());
        assert_eq!(check(&custom).ok().and_then(|c| c.authority).as_deref(), Some("http://127.0.0.1:5/t"));
        custom.authority = Some("   ".into());
        assert!(check(&custom).is_ok_and(|c| c.authority.is_none()), "a blank authority is the cloud's");
    }

    #[test]
    fn the_name_is_a_field_problem_only_when_the_vault_refuses_the_name() {
        let vault = empty_vault();
        assert_eq!(name_problem(&vault, "Dev"), None, "a free name");
        let problem = name_problem(&vault, "  ").expect("an empty name is refused");
        assert_eq!((problem.field, problem.error.kind), ("name", "vault.invalid_input"));
        assert!(problem.message.contains("1 to 100 characters"), "{problem:?}");
        // A vault that cannot be read is no problem of the name: saving reports it.
        let dir = std::env::temp_dir().join(format!("d365desk-forms-unreadable-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("profiles.json")).unwrap();
        let unreadable = Vault::open(&dir);
        assert!(
            unreadable.check_new_name("Dev").is_err_and(|e| e.category() != d365_common::Category::Input)
        );
        assert_eq!(name_problem(&unreadable, "Dev"), None);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn checking_a_form_lists_each_field_s_problem_with_the_name_s_first() {
        let vault = empty_vault();
        let fields = |problems: Vec<FieldProblem>| problems.into_iter().map(|p| p.field).collect::<Vec<_>>();
        let mut bad = form("not a host", "contoso", "nope");
        bad.name = String::new();
        assert_eq!(fields(check_org(&vault, &bad)), ["name", "instance_url", "tenant", "client_id"]);
        let good = form("contoso.crm.dynamics.com", "contoso.onmicrosoft.com", CLIENT_ID);
        assert_eq!(fields(check_org(&vault, &good)), Vec::<&str>::new());
    }
}
