//! Opening and verifying a saved connection.

use std::sync::Arc;

use d365_dataverse::auth::AccessToken;
use d365_dataverse::certificate::SigningKey;
use d365_dataverse::client::{Client, ClientOptions, EventSink};
use d365_dataverse::data::cache::MetadataCache;
use d365_dataverse::session::{Grant, Session};
use d365_dataverse::verify::{self, Credentials, Failed, Step, Verified};
use d365_dataverse::{Cloud, DataverseError, auth, bearer, input, reqwest};
use d365_vault::{ConnectionKind, Profile, Secret, SecretKind, Vault, Verification};
use time::OffsetDateTime;
use tokio::sync::Mutex;

use crate::error::{ConnectionError, Result};

/// What a sandbox profile stores as its instance: the sandbox's port changes with every start.
pub const SANDBOX_INSTANCE: &str = "sandbox://local";

/// Where the built-in sandbox runs, and its application user: what a sandbox connection signs in with. The
/// app and the CLI start the sandbox and hand this over; this crate does not link the emulator.
pub struct SandboxEndpoint {
    pub instance_url: String,
    pub authority: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// The sandbox's data file: what its metadata cache is keyed by (its port may change between starts).
    pub data_file: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for SandboxEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxEndpoint")
            .field("instance_url", &self.instance_url)
            .field("authority", &self.authority)
            .field("client_id", &self.client_id)
            .field("data_file", &self.data_file)
            .finish_non_exhaustive()
    }
}

/// The profile's sign-in authority: its custom one, or its cloud's for its tenant.
pub fn authority_of(profile: &Profile) -> Result<String> {
    match &profile.authority {
        Some(authority) => Ok(authority.clone()),
        None => Ok(input::authority(
            profile.cloud,
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
        Some("Give it its client secret once, or delete and recreate the connection.".to_owned()),
    )
    .into()
}

fn no_certificate() -> ConnectionError {
    DataverseError::new(
        "vault.secret_missing",
        "The connection has no certificate key (it was imported, or its keyring entry was removed).",
        Some("Give it its certificate once (d365 connection set-secret NAME --certificate FILE), or delete and recreate the connection.".to_owned()),
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
    sandbox: Option<&SandboxEndpoint>,
) -> Result<Session> {
    let client_id = profile.client_id.clone().unwrap_or_default();
    let grant = match profile.kind {
        ConnectionKind::Sandbox => return sandbox_session(http, sandbox),
        ConnectionKind::Org => {
            let secret = vault.secret(profile, SecretKind::ClientSecret)?.ok_or_else(no_secret)?;
            Grant::App { authority: authority_of(profile)?, client_id, client_secret: secret }
        }
        ConnectionKind::Certificate => {
            let key = vault.certificate_key(profile)?.ok_or_else(no_certificate)?;
            let thumbprint = profile.certificate.as_ref().map(|c| c.thumbprint_sha256.as_str());
            let key = SigningKey::new(&key, thumbprint.ok_or_else(no_certificate)?)?;
            Grant::Certificate { authority: authority_of(profile)?, client_id, key }
        }
        ConnectionKind::User => {
            let refresh = vault.secret(profile, SecretKind::RefreshToken)?.ok_or_else(no_sign_in)?;
            let (vault, kept) = (vault.clone(), profile.clone());
            Grant::User {
                authority: authority_of(profile)?,
                client_id,
                refresh_token: Mutex::new(refresh),
                keep: Box::new(move |rotated| {
                    // A connection deleted meanwhile gets no token back into the keyring from an old session.
                    match vault.get(&kept.id.to_string()) {
                        Ok(now) if now.id == kept.id => vault
                            .store_token(&kept, SecretKind::RefreshToken, rotated)
                            .map_err(|e| DataverseError::new("vault.keyring_error", e.to_string(), e.hint())),
                        _ => Ok(()),
                    }
                }),
            }
        }
        ConnectionKind::Bearer => {
            let token = vault.secret(profile, SecretKind::BearerToken)?.ok_or_else(no_secret)?;
            let facts = bearer::inspect(token.expose())?;
            Grant::Fixed(AccessToken::new(token.expose().to_owned(), facts.expires))
        }
    };
    let instance = input::instance(&profile.instance_url, profile.cloud, true)?;
    Ok(Session::new(http, instance, grant))
}

/// The running sandbox's org, as its built-in application user.
fn sandbox_session(http: reqwest::Client, sandbox: Option<&SandboxEndpoint>) -> Result<Session> {
    let endpoint = sandbox.ok_or_else(|| {
        DataverseError::new(
            "sandbox.not_running",
            "The sandbox is not running.",
            Some("Start the sandbox first.".to_owned()),
        )
    })?;
    let instance = input::instance(&endpoint.instance_url, Cloud::Public, false)?;
    let grant = Grant::App {
        authority: endpoint.authority.clone(),
        client_id: endpoint.client_id.clone(),
        client_secret: endpoint.client_secret.clone(),
    };
    Ok(Session::new(http, instance, grant))
}

/// A Web API client for the saved connection: its session, the retry policy, its read-only flag.
pub fn client(
    vault: &Vault,
    profile: &Profile,
    http: reqwest::Client,
    sandbox: Option<&SandboxEndpoint>,
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

/// Where the built-in sandbox's metadata is cached, and the key the cache checks, both from its data file:
/// the organisation is the data file's whatever port it listens on, so the cache serves the next start
/// (a sandbox on another data file, another organisation, gets a cache of its own).
fn sandbox_metadata_cache(endpoint: &SandboxEndpoint) -> (std::path::PathBuf, String) {
    let dir = d365_vault::cache_dir().join("metadata");
    match &endpoint.data_file {
        Some(data_file) => {
            let key = format!("sandbox:{}", data_file.display());
            // FNV-1a: a stable short name for the path (no secret in it, nothing to protect).
            let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
                (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
            });
            (dir.join(format!("sandbox-{hash:016x}.json")), key)
        }
        // A sandbox in memory: its metadata is its URL's, as any environment's.
        None => (dir.join("builtin-sandbox.json"), endpoint.instance_url.clone()),
    }
}

fn sandbox_cache(client: Arc<Client>, endpoint: &SandboxEndpoint) -> MetadataCache {
    let (file, key) = sandbox_metadata_cache(endpoint);
    match endpoint.data_file {
        Some(_) => MetadataCache::open_keyed(client, Some(file), key),
        None => MetadataCache::open(client, Some(file)),
    }
}

/// A saved connection opened for its data: the profile, a Web API client and the metadata cache. The app's
/// data screens and the CLI's data commands both open connections this way.
pub struct DataSession {
    pub profile: Profile,
    pub client: Arc<Client>,
    pub cache: MetadataCache,
}

/// Opens the connection named `name_or_id` for its data. `events` hears of retries and throttling waits (to
/// show why a read pauses); `sandbox` starts the built-in sandbox, and is called only for a sandbox
/// connection.
pub async fn open_data(
    vault: &Vault,
    name_or_id: &str,
    events: Option<EventSink>,
    sandbox: impl AsyncFnOnce() -> Result<SandboxEndpoint>,
) -> Result<DataSession> {
    let profile = vault.get(name_or_id)?;
    let endpoint = match profile.kind {
        ConnectionKind::Sandbox => Some(sandbox().await?),
        _ => None,
    };
    let client = Arc::new(client(vault, &profile, auth::http_client()?, endpoint.as_ref(), events)?);
    let cache = match &endpoint {
        Some(endpoint) => sandbox_cache(client.clone(), endpoint),
        None => MetadataCache::open(client.clone(), Some(metadata_cache_file(&profile))),
    };
    Ok(DataSession { profile, client, cache })
}

/// The id the window knows the built-in sandbox by: it is not a saved connection.
pub const BUILTIN_SANDBOX_ID: &str = "sandbox";

/// The built-in sandbox opened for its data, as its application user. Its metadata is cached by its data
/// file (see [`sandbox_metadata_cache`]): the data file stays, only its port may change.
pub fn open_builtin_sandbox(endpoint: &SandboxEndpoint, events: Option<EventSink>) -> Result<DataSession> {
    let session = sandbox_session(auth::http_client()?, Some(endpoint))?;
    let client = Arc::new(Client::new(Arc::new(session), ClientOptions { events, ..Default::default() }));
    let profile = Profile {
        id: uuid::Uuid::nil(),
        name: "D365 Desk Sandbox".to_owned(),
        kind: ConnectionKind::Sandbox,
        instance_url: SANDBOX_INSTANCE.to_owned(),
        tenant: None,
        client_id: None,
        cloud: Cloud::Public,
        authority: None,
        tag: None,
        read_only: false,
        created: OffsetDateTime::UNIX_EPOCH,
        last_verification: None,
        username: None,
        certificate: None,
    };
    let cache = sandbox_cache(client.clone(), endpoint);
    Ok(DataSession { profile, client, cache })
}

/// Token → WhoAmI → organization and version, recorded on the profile either way; `starting` is called as
/// each step begins.
pub async fn verify(
    vault: &Vault,
    profile: &Profile,
    http: reqwest::Client,
    sandbox: Option<&SandboxEndpoint>,
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
        category: result.as_ref().err().map(ConnectionError::category),
    };
    vault.record_verification(&profile.id.to_string(), verification)?;
    result
}

/// The running sandbox verified as its built-in application user: the one-click check of the Sandbox
/// connection that is always listed (it is not a saved profile, so nothing is recorded).
pub async fn verify_sandbox(
    http: reqwest::Client,
    sandbox: &SandboxEndpoint,
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

#[cfg(test)]
mod tests {
    use d365_vault::{Profile, Secret};

    use super::{SandboxEndpoint, authority_of, sandbox_metadata_cache};

    #[test]
    fn a_sandbox_endpoint_never_prints_its_secret() {
        let endpoint = SandboxEndpoint {
            instance_url: "http://127.0.0.1:5".into(),
            authority: "http://127.0.0.1:5/t".into(),
            client_id: "2d7c9a41".into(),
            client_secret: Secret::new("sandbox-secret-value"),
            data_file: None,
        };
        let printed = format!("{endpoint:?}");
        assert!(printed.contains("http://127.0.0.1:5/t") && printed.contains("2d7c9a41"), "{printed}");
        assert!(!printed.contains("sandbox-secret-value"), "{printed}");
    }

    fn endpoint(port: u16, data_file: Option<&str>) -> SandboxEndpoint {
        SandboxEndpoint {
            instance_url: format!("http://127.0.0.1:{port}"),
            authority: format!("http://127.0.0.1:{port}/t"),
            client_id: "2d7c9a41".into(),
            client_secret: Secret::new("s"),
            data_file: data_file.map(Into::into),
        }
    }

    #[test]
    fn the_sandbox_s_metadata_is_cached_by_its_data_file_whatever_its_port() {
        let (file, key) = sandbox_metadata_cache(&endpoint(5001, Some("/home/me/sandbox.sqlite3")));
        assert_eq!(
            sandbox_metadata_cache(&endpoint(6002, Some("/home/me/sandbox.sqlite3"))),
            (file.clone(), key.clone())
        );
        assert!(!key.contains("5001") && key.contains("/home/me/sandbox.sqlite3"), "{key}");
        assert!(file.starts_with(d365_vault::cache_dir().join("metadata")), "{}", file.display());
        let (other, other_key) = sandbox_metadata_cache(&endpoint(5001, Some("/tmp/other.sqlite3")));
        assert!(other != file && other_key != key, "another data file, another organisation");
        let (memory, memory_key) = sandbox_metadata_cache(&endpoint(5001, None));
        assert!(memory.ends_with("builtin-sandbox.json") && memory_key == "http://127.0.0.1:5001");
    }

    fn profile(authority: Option<&str>, cloud: &str) -> Profile {
        serde_json::from_value(serde_json::json!({
            "id": "6c3a3f5e-2d1b-4c8e-9a57-0d365de5a0aa", "name": "P", "kind": "org",
            "instance_url": "https://contoso.crm.dynamics.com", "tenant": "contoso.onmicrosoft.com",
            "cloud": cloud, "authority": authority, "created": "2026-01-01T00:00:00Z",
        }))
        .expect("a profile")
    }

    #[test]
    fn a_profile_signs_in_at_its_own_authority_or_its_cloud_s_for_its_tenant() {
        assert_eq!(
            authority_of(&profile(Some("http://127.0.0.1:5/t"), "public")).unwrap(),
            "http://127.0.0.1:5/t"
        );
        assert_eq!(
            authority_of(&profile(None, "public")).unwrap(),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com"
        );
        assert_eq!(
            authority_of(&profile(None, "gcchigh")).unwrap(),
            "https://login.microsoftonline.us/contoso.onmicrosoft.com"
        );
    }
}
