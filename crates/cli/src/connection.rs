//! `d365 connection ...`: the vault and the Dataverse client, as commands.

use std::io::Read;

use d365_dataverse::auth::AccessToken;
use d365_dataverse::verify::{Credentials, Failed, Step, Verified};
use d365_dataverse::{DataverseError, auth, bearer, device_code, discovery, input, signin};
use d365_sandbox::{Sandbox, SandboxOptions, Storage};
use d365_vault::{
    Cloud as VaultCloud, ConnectionKind, EnvironmentTag, NewProfile, Profile, ProfileEdit, Revocation,
    Secret, SecretKind, Vault, VaultError, Verification,
};
use time::OffsetDateTime;

use crate::args::{AddCommand, CloudArg, Command, ConnectionCommand, OnOff, TagArg};
use crate::output::{Done, Failure};

fn vault_cloud(cloud: CloudArg) -> VaultCloud {
    match cloud {
        CloudArg::Public => VaultCloud::Public,
        CloudArg::Gcc => VaultCloud::Gcc,
        CloudArg::Gcchigh => VaultCloud::GccHigh,
        CloudArg::Dod => VaultCloud::Dod,
        CloudArg::China => VaultCloud::China,
    }
}

fn client_cloud(cloud: VaultCloud) -> d365_dataverse::Cloud {
    match cloud {
        VaultCloud::Public => d365_dataverse::Cloud::Public,
        VaultCloud::Gcc => d365_dataverse::Cloud::Gcc,
        VaultCloud::GccHigh => d365_dataverse::Cloud::GccHigh,
        VaultCloud::Dod => d365_dataverse::Cloud::Dod,
        VaultCloud::China => d365_dataverse::Cloud::China,
    }
}

fn tag(tag: TagArg) -> Option<EnvironmentTag> {
    match tag {
        TagArg::Dev => Some(EnvironmentTag::Dev),
        TagArg::Test => Some(EnvironmentTag::Test),
        TagArg::Uat => Some(EnvironmentTag::Uat),
        TagArg::Prod => Some(EnvironmentTag::Prod),
        TagArg::None => None,
    }
}

fn vault() -> Vault {
    Vault::open(&d365_vault::default_dir())
}

fn read_stdin() -> Result<String, Failure> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| Failure::other("input.stdin", format!("Could not read stdin: {e}")))?;
    Ok(text)
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

/// The client secret from stdin (one line) or D365_CLIENT_SECRET; never from argv.
fn read_secret(from_stdin: bool) -> Result<Secret, Failure> {
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

pub async fn execute(command: Command) -> Result<Done, Failure> {
    let vault = vault();
    let command = match command {
        Command::Connection(command) => command,
        Command::Environments { name } => return environments(&vault, &name).await,
        Command::Sandbox => return run_sandbox().await,
    };
    match command {
        ConnectionCommand::Add(AddCommand::Org(args)) => {
            let cloud = vault_cloud(args.common.cloud);
            let instance =
                input::instance(&args.common.instance, client_cloud(cloud), args.common.allow_custom_host)?;
            let tenant = input::tenant(&args.tenant)?;
            let client_id = input::client_id(&args.client_id)?;
            let authority = match &args.authority {
                Some(custom) => Some(input::authority(
                    client_cloud(cloud),
                    &tenant,
                    Some(custom),
                    args.allow_custom_authority,
                )?),
                None => None,
            };
            let secret = read_secret(args.client_secret_stdin)?;
            let new = NewProfile {
                name: args.common.name,
                kind: ConnectionKind::Org,
                instance_url: instance.resource(),
                tenant: Some(tenant),
                client_id: Some(client_id),
                cloud,
                authority,
                tag: args.common.tag.and_then(tag),
                read_only: args.common.read_only.then_some(true),
            };
            Ok(Done::Added(vault.add(new, Some(secret))?, instance.warning))
        }
        ConnectionCommand::Add(AddCommand::User(args)) => {
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
            let http = auth::http_client()?;
            let cancel = async {
                let _ = tokio::signal::ctrl_c().await;
            };
            let tokens = if args.device_code {
                let show = |prompt: &device_code::DeviceCodePrompt| eprintln!("{}", prompt.message);
                device_code::sign_in_with_device_code(
                    &http,
                    &authority,
                    &client_id,
                    &instance.resource(),
                    show,
                    cancel,
                )
                .await?
            } else {
                eprintln!("Opening your browser to sign in (waiting up to 5 minutes)...");
                let request = signin::SignIn {
                    authority: &authority,
                    client_id: &client_id,
                    resource: &instance.resource(),
                    login_hint: args.login_hint.as_deref(),
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
            Ok(Done::Added(vault.add(new, Some(Secret::new(refresh)))?, instance.warning))
        }
        ConnectionCommand::Add(AddCommand::Bearer(args)) => {
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
            let until =
                facts.expires.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
            let note = format!("The token is for {} and works until {until}.", facts.subject);
            Ok(Done::Added(vault.add(new, Some(Secret::new(token)))?, Some(note)))
        }
        ConnectionCommand::Add(AddCommand::Sandbox { name }) => {
            let new = NewProfile {
                name,
                kind: ConnectionKind::Sandbox,
                instance_url: SANDBOX_URL.into(),
                tenant: None,
                client_id: None,
                cloud: VaultCloud::Public,
                authority: None,
                tag: Some(EnvironmentTag::Dev),
                read_only: None,
            };
            Ok(Done::Added(vault.add(new, None)?, None))
        }
        ConnectionCommand::List => Ok(Done::List(vault.list()?)),
        ConnectionCommand::Verify { name } => verify(&vault, &name).await,
        ConnectionCommand::Remove { name } => match vault.remove(&name)? {
            Some(Revocation { steps }) => Ok(Done::Removed { name, steps }),
            None => Err(Failure::from(VaultError::NotFound(name))),
        },
        ConnectionCommand::Rename { name, new_name } => {
            Ok(Done::Edited(vault.edit(&name, ProfileEdit { name: Some(new_name), ..Default::default() })?))
        }
        ConnectionCommand::Tag { name, tag: value } => {
            Ok(Done::Edited(vault.edit(&name, ProfileEdit { tag: Some(tag(value)), ..Default::default() })?))
        }
        ConnectionCommand::ReadOnly { name, state } => Ok(Done::Edited(
            vault.edit(&name, ProfileEdit { read_only: Some(state == OnOff::On), ..Default::default() })?,
        )),
    }
}

/// The profile's sign-in authority: its custom one, or its cloud's for its tenant.
fn authority_of(profile: &Profile, cloud: d365_dataverse::Cloud) -> Result<String, Failure> {
    match &profile.authority {
        Some(authority) => Ok(authority.clone()),
        None => {
            Ok(input::authority(cloud, profile.tenant.as_deref().unwrap_or("organizations"), None, false)?)
        }
    }
}

/// Global Discovery with a user connection's refresh token.
async fn environments(vault: &Vault, name: &str) -> Result<Done, Failure> {
    let profile = vault.get(name)?;
    if profile.kind != ConnectionKind::User {
        return Err(Failure::from(DataverseError::new(
            "input.invalid",
            "Listing environments needs a user connection (your own sign-in).",
            Some("Add one with `d365 connection add user`.".into()),
        )));
    }
    let cloud = client_cloud(profile.cloud);
    let instance = input::instance(&profile.instance_url, cloud, true)?;
    let authority = authority_of(&profile, cloud)?;
    let refresh = vault.secret(&profile, SecretKind::RefreshToken)?.ok_or_else(|| {
        Failure::other(
            "vault.secret_missing",
            "The connection's refresh token is no longer in the keyring. Sign in again.",
        )
    })?;
    let http = auth::http_client()?;
    let resource = discovery::resource(cloud, &instance);
    let client_id = profile.client_id.clone().unwrap_or_default();
    let (token, rotated) = auth::refresh(&http, &authority, &client_id, refresh.expose(), &resource).await?;
    if let Some(rotated) = rotated {
        vault.store_token(&profile, SecretKind::RefreshToken, &Secret::new(rotated))?;
    }
    Ok(Done::Environments(discovery::environments(&http, &resource, &token).await?))
}

/// What a sandbox profile stores as its instance: the sandbox's port changes with every start.
const SANDBOX_URL: &str = "sandbox://local";

/// The in-process sandbox on the app's data file (its data survives; its secrets never leave the process).
async fn start_sandbox() -> Result<Sandbox, Failure> {
    let dir = d365_vault::default_dir();
    std::fs::create_dir_all(&dir).map_err(|e| {
        Failure::other("sandbox.data_dir", format!("Could not create {}: {e}", dir.display()))
    })?;
    let options =
        SandboxOptions { storage: Storage::File(dir.join("sandbox.sqlite3")), ..Default::default() };
    Sandbox::bind("127.0.0.1:0", options)
        .await
        .map_err(|e| Failure::other("sandbox.start_failed", format!("The sandbox did not start: {e}")))
}

async fn run_sandbox() -> Result<Done, Failure> {
    let sandbox = start_sandbox().await?;
    println!("{}", serde_json::to_string(sandbox.info()).unwrap_or_default());
    let _ = tokio::signal::ctrl_c().await;
    sandbox.shutdown().await.map_err(|e| Failure::other("sandbox.stop_failed", e.to_string()))?;
    Ok(Done::Stopped)
}

async fn verify(vault: &Vault, name: &str) -> Result<Done, Failure> {
    let profile = vault.get(name)?;
    let result = run_verification(vault, &profile).await;
    let verification = match &result {
        Ok(report) => Verification {
            at: OffsetDateTime::now_utc(),
            ok: true,
            summary: format!(
                "{} as {} (version {})",
                report.organization_name, report.user_id, report.version
            ),
        },
        Err(failure) => {
            Verification { at: OffsetDateTime::now_utc(), ok: false, summary: failure.kind.clone() }
        }
    };
    vault.record_verification(&profile.id.to_string(), verification)?;
    result.map(|report| Done::Verified(Box::new(profile), Box::new(report)))
}

async fn run_verification(vault: &Vault, profile: &Profile) -> Result<Verified, Failure> {
    if profile.kind == ConnectionKind::Sandbox {
        let sandbox = start_sandbox().await?;
        let info = sandbox.info().clone();
        let instance = input::instance(&info.instance_url, d365_dataverse::Cloud::Public, false)?;
        let credentials = Credentials::App {
            authority: &info.authority,
            client_id: &info.org_client_id,
            client_secret: &info.org_client_secret,
        };
        let result = verify_with(&auth::http_client()?, &instance, credentials).await;
        let _ = sandbox.shutdown().await;
        return result;
    }
    let cloud = client_cloud(profile.cloud);
    let instance = input::instance(&profile.instance_url, cloud, true)?;
    let authority = authority_of(profile, cloud)?;
    let client_id = profile.client_id.clone().unwrap_or_default();
    let http = auth::http_client()?;
    let missing = || {
        Failure::other(
            "vault.secret_missing",
            "The connection's secret is no longer in the keyring. Delete and recreate the connection.",
        )
    };
    let credentials = match profile.kind {
        ConnectionKind::Org => {
            let secret = vault.secret(profile, SecretKind::ClientSecret)?.ok_or_else(missing)?;
            let credentials = Credentials::App {
                authority: &authority,
                client_id: &client_id,
                client_secret: secret.expose(),
            };
            return verify_with(&http, &instance, credentials).await;
        }
        ConnectionKind::User => {
            let refresh = vault.secret(profile, SecretKind::RefreshToken)?.ok_or_else(missing)?;
            let (access, rotated) =
                auth::refresh(&http, &authority, &client_id, refresh.expose(), &instance.resource())
                    .await
                    .map_err(|error| Failure::at_step(Step::Token, error))?;
            if let Some(rotated) = rotated {
                vault.store_token(profile, SecretKind::RefreshToken, &Secret::new(rotated))?;
            }
            Credentials::Token(access)
        }
        ConnectionKind::Bearer => {
            let token = vault.secret(profile, SecretKind::BearerToken)?.ok_or_else(missing)?;
            let facts = bearer::inspect(token.expose())?;
            Credentials::Token(AccessToken::new(token.expose().to_owned(), facts.expires))
        }
        other => {
            let kind = format!("{other:?}").to_lowercase();
            return Err(Failure::other(
                "cli.unsupported",
                format!("Verifying {kind} connections from the command line is not available yet."),
            ));
        }
    };
    verify_with(&http, &instance, credentials).await
}

async fn verify_with(
    http: &d365_dataverse::reqwest::Client,
    instance: &input::Instance,
    credentials: Credentials<'_>,
) -> Result<Verified, Failure> {
    d365_dataverse::verify::verify(http, instance, credentials)
        .await
        .map_err(|Failed { step, error }| Failure::at_step(step, error))
}
