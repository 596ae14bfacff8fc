//! `d365 connection add ...`: validate, sign in where the kind needs it, save.

use d365_dataverse::{DataverseError, auth, bearer, device_code, input, signin};
use d365_vault::{Cloud as VaultCloud, ConnectionKind, EnvironmentTag, NewProfile, Secret, Vault};

use super::{client_cloud, read_stdin, tag, vault_cloud};
use crate::args::{AddBearer, AddOrg, AddUser};
use crate::output::{Done, Failure};

/// The client secret from stdin (one line) or D365_CLIENT_SECRET; never from argv.
pub fn read_secret(from_stdin: bool) -> Result<Secret, Failure> {
    let text = if from_stdin {
        read_stdin()?.trim_end_matches(['\r', '\n']).to_owned()
    } else if let Some(value) = std::env::var_os("D365_CLIENT_SECRET") {
        value.into_string().map_err(|_| {
            Failure::from(DataverseError::new("input.invalid", "D365_CLIENT_SECRET is not valid text.", None))
        })?
    } else {
        return Err(Failure::from(DataverseError::new(
            "input.invalid",
            "Client secret: none given.",
            Some("Pipe it in with --client-secret-stdin, or set D365_CLIENT_SECRET. It is never accepted as an argument.".into()),
        )));
    };
    input::client_secret(&text)?;
    Ok(Secret::new(text))
}

/// A bearer token from stdin or D365_BEARER_TOKEN; never from argv.
fn read_token(from_stdin: bool) -> Result<String, Failure> {
    let token = if from_stdin {
        read_stdin()?
    } else {
        std::env::var("D365_BEARER_TOKEN").map_err(|_| {
            Failure::from(DataverseError::new(
                "input.invalid_token",
                "Bearer token: none given.",
                Some("Pipe it in with --token-stdin, or set D365_BEARER_TOKEN. It is never accepted as an argument.".into()),
            ))
        })?
    };
    Ok(token.trim().trim_start_matches("Bearer ").to_owned())
}

pub fn org(vault: &Vault, args: AddOrg) -> Result<Done, Failure> {
    let form = d365_connections::OrgForm {
        name: args.common.name,
        tag: args.common.tag.and_then(tag),
        read_only: args.common.read_only.then_some(true),
        instance_url: args.common.instance,
        tenant: args.tenant,
        client_id: args.client_id,
        cloud: vault_cloud(args.common.cloud),
        authority: args.authority,
        allow_custom_host: args.common.allow_custom_host,
        allow_custom_authority: args.allow_custom_authority,
    };
    // Field by field first: the first problem is the one reported, before the secret is read.
    if let Some(problem) =
        d365_connections::check_org(vault, &form, None).into_iter().find(|p| p.field != "name")
    {
        return Err(problem.error.into());
    }
    let secret = read_secret(args.client_secret_stdin)?;
    let (profile, warning) = d365_connections::add_org(vault, form, secret)?;
    Ok(Done::Added(profile, warning))
}

/// How a user signs in: in the system browser, or with a device code when there is none.
pub struct UserSignIn<'a> {
    pub authority: &'a str,
    pub client_id: &'a str,
    pub resource: &'a str,
    pub device_code: bool,
    pub login_hint: Option<&'a str>,
}

/// Runs the sign-in and returns the refresh token to keep.
pub async fn sign_in(how: UserSignIn<'_>) -> Result<Secret, Failure> {
    let http = auth::http_client()?;
    let cancel = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let tokens = if how.device_code {
        let show = |prompt: &device_code::DeviceCodePrompt| eprintln!("{}", prompt.message);
        device_code::sign_in_with_device_code(&http, how.authority, how.client_id, how.resource, show, cancel)
            .await?
    } else {
        eprintln!("Opening your browser to sign in (waiting up to 5 minutes)...");
        let request = signin::SignIn {
            authority: how.authority,
            client_id: how.client_id,
            resource: how.resource,
            login_hint: how.login_hint,
            timeout: signin::DEFAULT_TIMEOUT,
        };
        signin::sign_in(&http, request, signin::open_system_browser, cancel).await?
    };
    let refresh = tokens.refresh_token.ok_or_else(|| {
        Failure::other(
            "auth.no_refresh_token",
            "The sign-in gave no refresh token (the offline_access permission was not granted).",
        )
    })?;
    Ok(Secret::new(refresh))
}

pub async fn user(vault: &Vault, args: AddUser) -> Result<Done, Failure> {
    let cloud = vault_cloud(args.common.cloud);
    let instance =
        input::instance(&args.common.instance, client_cloud(cloud), args.common.allow_custom_host)?;
    let tenant = input::tenant(&args.tenant)?;
    let client_id = input::client_id(&args.client_id)?;
    let authority = input::authority(
        client_cloud(cloud),
        &tenant,
        args.authority.as_deref(),
        args.allow_custom_authority,
    )?;
    let refresh = sign_in(UserSignIn {
        authority: &authority,
        client_id: &client_id,
        resource: &instance.resource(),
        device_code: args.device_code,
        login_hint: args.login_hint.as_deref(),
    })
    .await?;
    let new = NewProfile {
        name: args.common.name,
        kind: ConnectionKind::User,
        instance_url: instance.resource(),
        tenant: Some(tenant),
        client_id: Some(client_id),
        cloud,
        authority: args.authority.is_some().then_some(authority),
        tag: args.common.tag.and_then(tag),
        read_only: args.common.read_only.then_some(true),
    };
    Ok(Done::Added(vault.add(new, Some(refresh))?, instance.warning))
}

pub fn bearer(vault: &Vault, args: AddBearer) -> Result<Done, Failure> {
    let cloud = vault_cloud(args.common.cloud);
    let instance =
        input::instance(&args.common.instance, client_cloud(cloud), args.common.allow_custom_host)?;
    let token = read_token(args.token_stdin)?;
    let facts = bearer::usable_for(&token, &instance)?;
    let new = NewProfile {
        name: args.common.name,
        kind: ConnectionKind::Bearer,
        instance_url: instance.resource(),
        tenant: facts.tenant.clone(),
        client_id: None,
        cloud,
        authority: None,
        tag: args.common.tag.and_then(tag),
        read_only: args.common.read_only.then_some(true),
    };
    let until = facts.expires.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let note = format!("The token is for {} and works until {until}.", facts.subject);
    Ok(Done::Added(vault.add(new, Some(Secret::new(token)))?, Some(note)))
}

pub fn sandbox(vault: &Vault, name: String) -> Result<Done, Failure> {
    let new = NewProfile {
        name,
        kind: ConnectionKind::Sandbox,
        instance_url: d365_connections::SANDBOX_INSTANCE.into(),
        tenant: None,
        client_id: None,
        cloud: VaultCloud::Public,
        authority: None,
        tag: Some(EnvironmentTag::Dev),
        read_only: None,
    };
    Ok(Done::Added(vault.add(new, None)?, None))
}
