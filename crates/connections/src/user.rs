//! User-level connections: the form, the sign-in (system browser or device code), discovering the
//! environments a person can reach, and signing an existing connection in again. The CLI and the app's form
//! both go through here.

use std::future::Future;

use d365_dataverse::device_code::{self, DeviceCodePrompt};
use d365_dataverse::discovery::{self, Environment};
use d365_dataverse::signin::{self, UserTokens};
use d365_dataverse::{DataverseError, auth, input};
use d365_vault::{Cloud, ConnectionKind, EnvironmentTag, NewProfile, Profile, Secret, SecretKind, Vault};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::forms::{FieldProblem, keep, name_problem};
use crate::open::authority_of;

/// Microsoft's published public client for Dataverse development tools (its samples, the Power Platform
/// CLI): registered for `http://localhost`, consented in most tenants. Used when the form gives no client ID.
pub const SAMPLE_CLIENT_ID: &str = "51f81489-12ee-4a9e-aaae-a2591f45987d";

/// A user-level connection, as typed. The instance may be left empty when the environments are to be
/// discovered after the sign-in; the tenant and client ID may be left empty for their defaults.
/// The `allow_*` flags are the CLI's: a form in the window cannot set them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct UserForm {
    pub name: String,
    pub tag: Option<EnvironmentTag>,
    /// `None`: read-only for `prod`, writable otherwise.
    pub read_only: Option<bool>,
    pub instance_url: String,
    /// Empty: `organizations` (any work account).
    pub tenant: String,
    /// Empty: [`SAMPLE_CLIENT_ID`].
    pub client_id: String,
    pub cloud: Cloud,
    pub authority: Option<String>,
    #[serde(skip)]
    pub allow_custom_host: bool,
    #[serde(skip)]
    pub allow_custom_authority: bool,
}

/// How the person signs in.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum SignInMethod {
    /// In the system browser (`$BROWSER` when set), back to a loopback listener.
    Browser { login_hint: Option<String> },
    /// A code to enter in a browser anywhere (no browser here: SSH, WSL, a locked-down desktop).
    DeviceCode,
}

/// What the person must be told while the sign-in waits for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SignInEvent {
    /// The system browser is being opened on the sign-in page.
    WaitingForBrowser,
    /// Enter this code at this address.
    DeviceCode(DeviceCodePrompt),
}

/// The fields as they will be used.
struct Checked {
    instance: Option<input::Instance>,
    tenant: String,
    client_id: String,
    /// The effective authority, and whether it is a custom one (then it is saved with the profile).
    authority: String,
    custom_authority: bool,
}

fn check(form: &UserForm, need_instance: bool) -> std::result::Result<Checked, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let cloud = form.cloud;
    let instance = if form.instance_url.trim().is_empty() && !need_instance {
        Some(None)
    } else {
        keep(
            &mut problems,
            "instance_url",
            input::instance(&form.instance_url, cloud, form.allow_custom_host).map(Some),
        )
    };
    let tenant = match form.tenant.trim() {
        "" => Some("organizations".to_owned()),
        typed => keep(&mut problems, "tenant", input::tenant(typed)),
    };
    let client_id = match form.client_id.trim() {
        "" => Some(SAMPLE_CLIENT_ID.to_owned()),
        typed => keep(&mut problems, "client_id", input::client_id(typed)),
    };
    let custom = form.authority.as_deref().map(str::trim).filter(|a| !a.is_empty());
    let authority = keep(
        &mut problems,
        "authority",
        input::authority(
            cloud,
            tenant.as_deref().unwrap_or("organizations"),
            custom,
            form.allow_custom_authority,
        ),
    );
    match (instance, tenant, client_id, authority) {
        (Some(instance), Some(tenant), Some(client_id), Some(authority)) => {
            Ok(Checked { instance, tenant, client_id, authority, custom_authority: custom.is_some() })
        }
        _ => Err(problems),
    }
}

fn first_problem(problems: Vec<FieldProblem>) -> DataverseError {
    problems
        .into_iter()
        .next()
        .map_or_else(|| DataverseError::new("input.invalid", "The form is incomplete.", None), |p| p.error)
}

/// Every problem of the form, one per field, for showing beside the fields as the user types. With
/// `discovering`, an empty instance URL is fine: it is picked after the sign-in.
pub fn check_user(vault: &Vault, form: &UserForm, discovering: bool) -> Vec<FieldProblem> {
    let mut problems: Vec<FieldProblem> = name_problem(vault, &form.name).into_iter().collect();
    problems.extend(check(form, !discovering).err().unwrap_or_default());
    problems
}

/// Runs the sign-in for `resource` and returns its tokens. `cancel` ends the wait (the user gave up).
pub async fn sign_in(
    authority: &str,
    client_id: &str,
    resource: &str,
    method: &SignInMethod,
    events: &(dyn Fn(SignInEvent) + Sync),
    cancel: impl Future<Output = ()>,
) -> Result<UserTokens> {
    let http = auth::http_client()?;
    let tokens = match method {
        SignInMethod::DeviceCode => {
            let show = |prompt: &DeviceCodePrompt| events(SignInEvent::DeviceCode(prompt.clone()));
            device_code::sign_in_with_device_code(&http, authority, client_id, resource, show, cancel).await?
        }
        SignInMethod::Browser { login_hint } => {
            events(SignInEvent::WaitingForBrowser);
            let request = signin::SignIn {
                authority,
                client_id,
                resource,
                login_hint: login_hint.as_deref(),
                timeout: signin::DEFAULT_TIMEOUT,
            };
            signin::sign_in(&http, request, signin::open_system_browser, cancel).await?
        }
    };
    Ok(tokens)
}

/// The refresh token to keep: a user connection is useless without one.
fn refresh_token(tokens: UserTokens) -> Result<Secret> {
    let refresh = tokens.refresh_token.ok_or_else(|| {
        DataverseError::new(
            "auth.no_refresh_token",
            "The sign-in gave no refresh token (the offline_access permission was not granted).",
            Some(
                "Grant the app the offline_access permission (or consent again), then sign in again.".into(),
            ),
        )
    })?;
    Ok(refresh)
}

/// Signs in for the form's instance and saves the connection with its refresh token in the keyring.
pub async fn add_user(
    vault: &Vault,
    form: UserForm,
    method: &SignInMethod,
    events: &(dyn Fn(SignInEvent) + Sync),
    cancel: impl Future<Output = ()>,
) -> Result<(Profile, Option<String>)> {
    let checked = check(&form, true).map_err(first_problem)?;
    // The name is checked before the browser opens, not after the person has signed in.
    vault.check_new_name(&form.name)?;
    let instance = checked.instance.clone().ok_or_else(|| first_problem(Vec::new()))?;
    let tokens =
        sign_in(&checked.authority, &checked.client_id, &instance.resource(), method, events, cancel).await?;
    let warning = instance.warning.clone();
    let username = signed_in_as(&tokens);
    let profile = save(vault, form, checked, instance, refresh_token(tokens)?)?;
    Ok((remember_username(vault, profile, username), warning))
}

/// Whom the sign-in was for: the person its access token names (`upn`, or `preferred_username` or
/// `unique_name`); read, not verified (the Web API verifies the token).
fn signed_in_as(tokens: &UserTokens) -> Option<String> {
    d365_dataverse::bearer::inspect(tokens.access_token.secret())
        .ok()
        .filter(|facts| !facts.app_only)
        .map(|facts| facts.subject)
}

/// The profile with the name kept; the connection is saved either way (the name only pre-fills a sign-in).
fn remember_username(vault: &Vault, profile: Profile, username: Option<String>) -> Profile {
    if username.is_none() || profile.username == username {
        return profile;
    }
    vault.record_username(&profile.id.to_string(), username).unwrap_or(profile)
}

fn save(
    vault: &Vault,
    form: UserForm,
    checked: Checked,
    instance: input::Instance,
    refresh: Secret,
) -> Result<Profile> {
    let new = NewProfile {
        name: form.name,
        kind: ConnectionKind::User,
        instance_url: instance.resource(),
        tenant: Some(checked.tenant),
        client_id: Some(checked.client_id),
        cloud: form.cloud,
        authority: checked.custom_authority.then_some(checked.authority),
        tag: form.tag,
        read_only: form.read_only,
    };
    Ok(vault.add(new, Some(refresh))?)
}

/// A sign-in made before the environment was chosen: the environments it reaches, and the refresh token
/// that will be kept with the one chosen (Entra's refresh tokens are good for any consented resource).
pub struct Discovered {
    pub environments: Vec<Environment>,
    pub refresh: Secret,
    /// Whom the sign-in was for, kept with the connection saved from it.
    pub username: Option<String>,
}

impl std::fmt::Debug for Discovered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Discovered")
            .field("environments", &self.environments)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// Signs in to Global Discovery (the form's instance is not needed) and lists the environments.
pub async fn discover(
    form: &UserForm,
    method: &SignInMethod,
    events: &(dyn Fn(SignInEvent) + Sync),
    cancel: impl Future<Output = ()>,
) -> Result<Discovered> {
    let checked = check(form, false).map_err(first_problem)?;
    let resource = discovery::resource_for_authority(form.cloud, &checked.authority);
    let tokens = sign_in(&checked.authority, &checked.client_id, &resource, method, events, cancel).await?;
    let http = auth::http_client()?;
    let environments = discovery::environments(&http, &resource, &tokens.access_token).await?;
    let username = signed_in_as(&tokens);
    Ok(Discovered { environments, refresh: refresh_token(tokens)?, username })
}

/// Saves the connection to the environment the person picked, with the discovery sign-in's refresh token.
pub fn add_discovered(
    vault: &Vault,
    mut form: UserForm,
    instance_url: String,
    refresh: Secret,
    username: Option<String>,
) -> Result<(Profile, Option<String>)> {
    form.instance_url = instance_url;
    let checked = check(&form, true).map_err(first_problem)?;
    let instance = checked.instance.clone().ok_or_else(|| first_problem(Vec::new()))?;
    let warning = instance.warning.clone();
    let profile = save(vault, form, checked, instance, refresh)?;
    Ok((remember_username(vault, profile, username), warning))
}

/// A browser sign-in without a `login_hint` of its own suggests whom the connection last signed in as.
fn with_login_hint(method: &SignInMethod, profile: &Profile) -> SignInMethod {
    match method {
        SignInMethod::Browser { login_hint: None } => {
            SignInMethod::Browser { login_hint: profile.username.clone() }
        }
        other => other.clone(),
    }
}

/// Signs a saved user connection in again (its session expired or was revoked, or it was imported) and
/// keeps the new refresh token; the connection and its settings stay as they are. A browser sign-in without
/// a `login_hint` of its own suggests the person the connection last signed in as.
pub async fn sign_in_again(
    vault: &Vault,
    profile: &Profile,
    method: &SignInMethod,
    events: &(dyn Fn(SignInEvent) + Sync),
    cancel: impl Future<Output = ()>,
) -> Result<()> {
    if profile.kind != ConnectionKind::User {
        return Err(DataverseError::new(
            "input.invalid",
            "Only a user connection signs in; other kinds keep their credentials from creation.",
            Some("Delete and recreate it to change its credentials.".into()),
        )
        .into());
    }
    let instance = input::instance(&profile.instance_url, profile.cloud, true)?;
    let authority = authority_of(profile)?;
    let client_id = profile.client_id.clone().unwrap_or_else(|| SAMPLE_CLIENT_ID.to_owned());
    let method = with_login_hint(method, profile);
    let tokens = sign_in(&authority, &client_id, &instance.resource(), &method, events, cancel).await?;
    let username = signed_in_as(&tokens);
    vault.store_token(profile, SecretKind::RefreshToken, &refresh_token(tokens)?)?;
    remember_username(vault, profile.clone(), username);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(instance: &str, tenant: &str, client_id: &str) -> UserForm {
        UserForm {
            name: "Me".into(),
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

    #[test]
    fn tenant_and_client_id_default_and_the_instance_may_wait_for_discovery() {
        let checked =
            check(&form("", "", ""), false).expect("empty optional fields are fine when discovering");
        assert_eq!(checked.tenant, "organizations");
        assert_eq!(checked.client_id, SAMPLE_CLIENT_ID);
        assert_eq!(checked.authority, "https://login.microsoftonline.com/organizations");
        assert!(checked.instance.is_none() && !checked.custom_authority);
        let problems = check(&form("", "", ""), true).err().expect("an instance is needed to sign in for it");
        assert_eq!(problems.iter().map(|p| p.field).collect::<Vec<_>>(), ["instance_url"]);
    }

    #[test]
    fn each_bad_field_is_reported_on_its_own() {
        let problems = check(&form("not a host", "bad tenant!", "nope"), true).err().unwrap();
        let fields: Vec<_> = problems.iter().map(|p| p.field).collect();
        assert_eq!(fields, ["instance_url", "tenant", "client_id"]);
        let mut local = form("contoso.crm.dynamics.com", "", "");
        local.authority = Some("https://login.example.com/t".into());
        let problems = check(&local, true).err().unwrap();
        assert_eq!(problems[0].field, "authority");
        assert_eq!(problems[0].error.kind, "input.custom_authority");
    }

    #[test]
    fn checking_the_form_needs_an_instance_unless_discovering() {
        let unique = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let vault =
            Vault::open(&std::env::temp_dir().join(format!("d365desk-user-{}-{unique}", std::process::id())));
        let fields = |problems: Vec<FieldProblem>| problems.into_iter().map(|p| p.field).collect::<Vec<_>>();
        assert_eq!(fields(check_user(&vault, &form("", "", ""), true)), Vec::<&str>::new());
        assert_eq!(fields(check_user(&vault, &form("", "", ""), false)), ["instance_url"]);
        let mut unnamed = form("contoso.crm.dynamics.com", "bad tenant!", "");
        unnamed.name = " ".into();
        assert_eq!(fields(check_user(&vault, &unnamed, false)), ["name", "tenant"]);
    }

    /// Tokens whose access token has this (base64url) payload.
    fn tokens(payload: &str) -> UserTokens {
        UserTokens {
            access_token: d365_dataverse::auth::AccessToken::new(
                format!("eyJhbGciOiJSUzI1NiJ9.{payload}.c2ln"),
                time::OffsetDateTime::now_utc(),
            ),
            refresh_token: None,
        }
    }

    #[test]
    fn the_sign_in_is_for_the_person_its_access_token_names() {
        // {"aud":"https://x","exp":4102444800,"upn":"ann@contoso.com"}
        let person =
            tokens("eyJhdWQiOiJodHRwczovL3giLCJleHAiOjQxMDI0NDQ4MDAsInVwbiI6ImFubkBjb250b3NvLmNvbSJ9");
        assert_eq!(signed_in_as(&person).as_deref(), Some("ann@contoso.com"));
        // {"aud":"https://x","exp":4102444800,"appid":"0b6f"}
        let app = tokens("eyJhdWQiOiJodHRwczovL3giLCJleHAiOjQxMDI0NDQ4MDAsImFwcGlkIjoiMGI2ZiJ9");
        assert_eq!(signed_in_as(&app), None, "an app-only token names no person");
        assert_eq!(signed_in_as(&tokens("Im5vdCBjbGFpbXMi")), None, "not claims");
    }

    #[test]
    fn signing_in_again_suggests_whom_the_connection_signed_in_as() {
        let mut profile: Profile = serde_json::from_value(serde_json::json!({
            "id": "6c3a3f5e-2d1b-4c8e-9a57-0d365de5a0aa", "name": "P", "kind": "user",
            "instance_url": "https://contoso.crm.dynamics.com", "created": "2026-01-01T00:00:00Z",
        }))
        .expect("a profile saved before it kept a user name still loads");
        assert_eq!(profile.username, None);
        let browser = SignInMethod::Browser { login_hint: None };
        assert_eq!(with_login_hint(&browser, &profile), browser);
        profile.username = Some("ann@contoso.com".into());
        let hinted = SignInMethod::Browser { login_hint: Some("ann@contoso.com".into()) };
        assert_eq!(with_login_hint(&browser, &profile), hinted);
        let own = SignInMethod::Browser { login_hint: Some("bob@contoso.com".into()) };
        assert_eq!(with_login_hint(&own, &profile), own, "a hint given wins");
        assert_eq!(with_login_hint(&SignInMethod::DeviceCode, &profile), SignInMethod::DeviceCode);
    }

    #[test]
    fn a_discovery_shows_its_environments_never_its_refresh_token() {
        let discovered = Discovered {
            environments: Vec::new(),
            refresh: Secret::new("refresh-token-value"),
            username: Some("ann@contoso.com".into()),
        };
        let printed = format!("{discovered:?}");
        assert!(printed.contains("Discovered") && printed.contains("environments: []"), "{printed}");
        assert!(!printed.contains("refresh-token-value"), "{printed}");
    }
}
