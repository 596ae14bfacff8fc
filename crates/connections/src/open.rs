//! Opening and verifying a saved connection.

use std::sync::Arc;

use d365_dataverse::auth::AccessToken;
use d365_dataverse::client::{Client, ClientOptions, EventSink};
use d365_dataverse::session::{Grant, Session};
use d365_dataverse::verify::{self, Credentials, Failed, Step, Verified};
use d365_dataverse::{Cloud, DataverseError, bearer, input, reqwest};
use d365_sandbox::ConnectionInfo;
use d365_vault::{Cloud as VaultCloud, ConnectionKind, Profile, Secret, SecretKind, Vault, Verification};
use time::OffsetDateTime;
use tokio::sync::Mutex;

use crate::error::{ConnectionError, Result};

/// What a sandbox profile stores as its instance: the sandbox's port changes with every start.
pub const SANDBOX_INSTANCE: &str = "sandbox://local";

pub fn cloud_of(profile: &Profile) -> Cloud {
    client_cloud(profile.cloud)
}

/// The client's name for a cloud the vault stores.
pub fn client_cloud(cloud: VaultCloud) -> Cloud {
    match cloud {
        VaultCloud::Public => Cloud::Public,
        VaultCloud::Gcc => Cloud::Gcc,
        VaultCloud::GccHigh => Cloud::GccHigh,
        VaultCloud::Dod => Cloud::Dod,
        VaultCloud::China => Cloud::China,
    }
}

/// The profile's sign-in authority: its custom one, or its cloud's for its tenant.
pub fn authority_of(profile: &Profile) -> Result<String> {
    match &profile.authority {
        Some(authority) => Ok(authority.clone()),
        None => Ok(input::authority(
            cloud_of(profile),
            profile.tenant.as_deref().unwrap_or("organizations"),
            None,
            false,
        )?),
    }
}

fn no_secret() -> ConnectionError {
    DataverseError::new(
        "vault.secret_missing",
        "The connection has no client secret (it was imported, or its keyring entry was removed).",
        Some("Give it its client secret once (d365 connection set-secret NAME --client-secret-stdin, or in the app), or delete and recreate it.".to_owned()),
    )
    .into()
}

fn no_sign_in() -> ConnectionError {
    DataverseError::new(
        "auth.sign_in_again",
        "The connection has no sign-in (it was imported, or its keyring entry was removed).",
        Some("Sign in again; your connection and its settings are kept.".to_owned()),
    )
    .into()
}

/// A live session for the saved connection. A sandbox connection needs the running sandbox's details.
pub fn open(
    vault: &Vault,
    profile: &Profile,
    http: reqwest::Client,
    sandbox: Option<&ConnectionInfo>,
) -> Result<Session> {
    let client_id = profile.client_id.clone().unwrap_or_default();
    let grant = match profile.kind {
        ConnectionKind::Sandbox => return sandbox_session(http, sandbox),
        ConnectionKind::Org => {
            let secret = vault.secret(profile, SecretKind::ClientSecret)?.ok_or_else(no_secret)?;
            Grant::App {
                authority: authority_of(profile)?,
                client_id,
                client_secret: secret.expose().to_owned(),
            }
        }
        ConnectionKind::User => {
            let refresh = vault.secret(profile, SecretKind::RefreshToken)?.ok_or_else(no_sign_in)?;
            let (vault, kept) = (vault.clone(), profile.clone());
            Grant::User {
                authority: authority_of(profile)?,
                client_id,
                refresh_token: Mutex::new(refresh.expose().to_owned()),
                keep: Box::new(move |rotated| {
                    vault
                        .store_token(&kept, SecretKind::RefreshToken, &Secret::new(rotated))
                        .map_err(|e| DataverseError::new("vault.keyring_error", e.to_string(), e.hint()))
                }),
            }
        }
        ConnectionKind::Bearer => {
            let token = vault.secret(profile, SecretKind::BearerToken)?.ok_or_else(no_secret)?;
            let facts = bearer::inspect(token.expose())?;
            Grant::Fixed(AccessToken::new(token.expose().to_owned(), facts.expires))
        }
    };
    let instance = input::instance(&profile.instance_url, cloud_of(profile), true)?;
    Ok(Session::new(http, instance, grant))
}

/// The running sandbox's org, as its built-in application user.
fn sandbox_session(http: reqwest::Client, sandbox: Option<&ConnectionInfo>) -> Result<Session> {
    let info = sandbox.ok_or_else(|| {
        DataverseError::new(
            "sandbox.not_running",
            "The sandbox is not running.",
            Some("Start the sandbox first.".to_owned()),
        )
    })?;
    let instance = input::instance(&info.instance_url, Cloud::Public, false)?;
    let grant = Grant::App {
        authority: info.authority.clone(),
        client_id: info.org_client_id.clone(),
        client_secret: info.org_client_secret.clone(),
    };
    Ok(Session::new(http, instance, grant))
}

/// A Web API client for the saved connection: its session, the retry policy, its read-only flag.
pub fn client(
    vault: &Vault,
    profile: &Profile,
    http: reqwest::Client,
    sandbox: Option<&ConnectionInfo>,
    events: Option<EventSink>,
) -> Result<Client> {
    let session = open(vault, profile, http, sandbox)?;
    let options = ClientOptions { read_only: profile.read_only, events, ..Default::default() };
    Ok(Client::new(Arc::new(session), options))
}

/// Where a connection's metadata is cached (metadata only, never a secret).
pub fn metadata_cache_file(profile: &Profile) -> std::path::PathBuf {
    d365_vault::cache_dir().join("metadata").join(format!("{}.json", profile.id))
}

/// Token → WhoAmI → organization and version, recorded on the profile either way; `starting` is called as
/// each step begins.
pub async fn verify(
    vault: &Vault,
    profile: &Profile,
    http: reqwest::Client,
    sandbox: Option<&ConnectionInfo>,
    starting: &(dyn Fn(Step) + Send + Sync),
) -> Result<Verified> {
    starting(Step::Token);
    let result = match open(vault, profile, http, sandbox) {
        Ok(session) => verify_session(&session, starting).await,
        Err(error) => Err(at_token(error)),
    };
    let verification = Verification {
        at: OffsetDateTime::now_utc(),
        ok: result.is_ok(),
        summary: match &result {
            Ok(report) => {
                format!("{} as {} (version {})", report.organization_name, report.user_id, report.version)
            }
            Err(err) => err.kind().to_owned(),
        },
    };
    vault.record_verification(&profile.id.to_string(), verification)?;
    result
}

/// The running sandbox verified as its built-in application user: the one-click check of the Sandbox
/// connection that is always listed (it is not a saved profile, so nothing is recorded).
pub async fn verify_sandbox(
    http: reqwest::Client,
    sandbox: &ConnectionInfo,
    starting: &(dyn Fn(Step) + Send + Sync),
) -> Result<Verified> {
    starting(Step::Token);
    let session = sandbox_session(http, Some(sandbox)).map_err(at_token)?;
    verify_session(&session, starting).await
}

/// A session that could not be opened failed at the token step (a vault error stays what it is).
fn at_token(error: ConnectionError) -> ConnectionError {
    match error {
        ConnectionError::Dataverse(error) => ConnectionError::Verify { step: Step::Token, error },
        other => other,
    }
}

async fn verify_session(session: &Session, starting: &(dyn Fn(Step) + Send + Sync)) -> Result<Verified> {
    let token =
        session.token().await.map_err(|error| ConnectionError::Verify { step: Step::Token, error })?;
    verify::verify_with_progress(session.http(), session.instance(), Credentials::Token(token), starting)
        .await
        .map_err(|Failed { step, error }| ConnectionError::Verify { step, error })
}
