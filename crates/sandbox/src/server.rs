//! Starting and stopping the sandbox: one axum server on one loopback listener.

use std::fmt;
use std::sync::{Arc, Mutex, RwLock};

use axum_server::tls_rustls::RustlsConfig;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::Rng;
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::data::store::Store;
use crate::directory::{ADMIN_UPN, Directory, ORG_CLIENT_ID, PUBLIC_CLIENT_ID};
use crate::error::{Result, SandboxError};
use crate::faults::Fault;
use crate::identity::certificates::{self, SandboxCertificates};
use crate::identity::keys::SigningKeys;
use crate::limits::Usage;
use crate::state::{Grants, SandboxOptions, SandboxState, Urls};

/// Everything a client needs to use the sandbox, printed by `d365-sandbox` as one JSON line.
#[derive(Clone, Serialize)]
pub struct ConnectionInfo {
    pub authority: String,
    pub instance_url: String,
    pub web_api_url: String,
    pub tenant_id: String,
    pub org_client_id: String,
    pub org_client_secret: String,
    pub public_client_id: String,
    pub username: String,
    pub password: String,
    pub discovery_url: String,
    /// The certificate registered for the org app (PEM), and its private key (PKCS#8 PEM): the org app's
    /// certificate credential, kept with the data like its secret. `d365 connection add org --certificate`
    /// takes the two in one file.
    pub org_certificate_pem: String,
    pub org_certificate_key_pem: String,
    /// The certificate's SHA-1 thumbprint (hex), as the Azure portal lists it and MSAL's `thumbprint` takes.
    pub org_certificate_thumbprint: String,
    /// With HTTPS: the PEM of the CA that signed the sandbox's certificate, for clients to trust.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_certificate: Option<String>,
}

impl fmt::Debug for ConnectionInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionInfo")
            .field("authority", &self.authority)
            .field("instance_url", &self.instance_url)
            .field("org_client_id", &self.org_client_id)
            .field("org_client_secret", &"<redacted>")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("org_certificate_thumbprint", &self.org_certificate_thumbprint)
            .field("org_certificate_key_pem", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// A running sandbox. Dropping it stops the server; [`Sandbox::shutdown`] waits until it has stopped.
pub struct Sandbox {
    info: ConnectionInfo,
    state: Arc<SandboxState>,
    stop: Mutex<Option<oneshot::Sender<()>>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

impl Sandbox {
    /// Binds `address` (loopback only; port 0 for a free one) and starts serving.
    pub async fn bind(address: &str, options: SandboxOptions) -> Result<Self> {
        let listener = TcpListener::bind(address)
            .await
            .map_err(|source| SandboxError::Bind { address: address.to_owned(), source })?;
        Self::start(listener, options).await
    }

    /// Starts serving on a listener the caller bound.
    pub async fn start(listener: TcpListener, options: SandboxOptions) -> Result<Self> {
        let addr = listener.local_addr()?;
        if !addr.ip().is_loopback() {
            return Err(SandboxError::NotLoopback(addr));
        }
        let (store, secret, password, keys, certificates) = {
            let (storage, seed) = (options.storage.clone(), options.seed);
            let (given_secret, given_password) =
                (options.org_client_secret.clone(), options.user_password.clone());
            tokio::task::spawn_blocking(move || {
                // The seed reads the directory's ids and names, never its secrets.
                let store = Store::open(&storage, seed, &Directory::new(String::new(), String::new()))?;
                // Kept with the data (with a data file, the same after a restart); explicit ones win.
                let secret = match given_secret {
                    Some(secret) => secret,
                    None => store.remembered("org_client_secret", || Ok(random_client_secret()))?,
                };
                let password = match given_password {
                    Some(password) => password,
                    None => store.remembered("user_password", || Ok(random_password()))?,
                };
                let der = store.remembered("signing_key", || {
                    SigningKeys::generate_der().map(|der| STANDARD.encode(der))
                })?;
                let der = STANDARD.decode(der).map_err(|e| SandboxError::SigningKey(e.to_string()))?;
                let keys = SigningKeys::from_der(&der)?;
                let certificate_key = store.remembered("org_certificate_key", certificates::generate_key)?;
                let certificate = store.remembered("org_certificate", || {
                    let now = time::OffsetDateTime::now_utc();
                    let until = now + time::Duration::days(730);
                    certificates::self_signed(&certificate_key, "D365 Desk Sandbox Integration", now, until)
                })?;
                let certificates = SandboxCertificates::new(certificate_key, &certificate)?;
                Ok::<_, SandboxError>((store, secret, password, keys, certificates))
            })
            .await
            .map_err(|e| SandboxError::Storage(e.to_string()))??
        };
        let directory = Directory::new(secret.clone(), password.clone()).with_certificates(&certificates);
        let urls = Urls::new(if options.tls { "https" } else { "http" }, addr, directory.tenant_id);
        let tls = if options.tls {
            let identity = tokio::task::spawn_blocking(crate::tls::generate)
                .await
                .map_err(|e| SandboxError::Tls(e.to_string()))??;
            Some(identity)
        } else {
            None
        };
        let info = ConnectionInfo {
            authority: urls.authority.clone(),
            instance_url: urls.instance_url.clone(),
            web_api_url: urls.web_api_url.clone(),
            tenant_id: directory.tenant_id.to_string(),
            org_client_id: ORG_CLIENT_ID.to_string(),
            org_client_secret: secret,
            public_client_id: PUBLIC_CLIENT_ID.to_string(),
            username: ADMIN_UPN.to_owned(),
            password,
            discovery_url: urls.discovery_url.clone(),
            org_certificate_pem: certificates.certificate.pem.clone(),
            org_certificate_thumbprint: certificates.certificate.thumbprint(),
            org_certificate_key_pem: certificates.key_pem,
            ca_certificate: tls.as_ref().map(|identity| identity.ca_pem.clone()),
        };
        let state = Arc::new(SandboxState {
            directory,
            keys,
            urls,
            faults: RwLock::new(options.faults.clone()),
            options,
            grants: Mutex::new(Grants::default()),
            store,
            usage: Usage::default(),
        });
        // Protection is outermost so that injected latency counts as time in flight, as a slow server's does.
        let app = crate::identity::routes()
            .merge(crate::org::routes())
            .layer(axum::middleware::from_fn_with_state(state.clone(), crate::faults::inject))
            .layer(axum::middleware::from_fn_with_state(state.clone(), crate::limits::protect))
            .layer(tower_http::catch_panic::CatchPanicLayer::custom(internal_error))
            .with_state(state.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let server = match tls {
            None => tokio::spawn(async move {
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await
            }),
            Some(identity) => {
                let config =
                    RustlsConfig::from_pem(identity.chain_pem.into_bytes(), identity.key_pem.into_bytes())
                        .await
                        .map_err(|e| SandboxError::Tls(e.to_string()))?;
                let server = axum_server::from_tcp_rustls(listener.into_std()?, config)?;
                let handle = axum_server::Handle::new();
                let stopper = handle.clone();
                tokio::spawn(async move {
                    let _ = stopped.await;
                    stopper.graceful_shutdown(Some(std::time::Duration::from_secs(5)));
                });
                tokio::spawn(async move { server.handle(handle).serve(app.into_make_service()).await })
            }
        };
        tracing::info!(instance_url = %info.instance_url, "sandbox listening");
        Ok(Self { info, state, stop: Mutex::new(Some(stop)), server: Some(server) })
    }

    pub fn info(&self) -> &ConnectionInfo {
        &self.info
    }

    /// Replaces the injected faults (an empty list turns them off).
    pub fn set_faults(&self, faults: Vec<Fault>) {
        *self.state.faults.write().unwrap_or_else(|p| p.into_inner()) = faults;
    }

    /// The directory behind the sandbox (app registrations, users, roles), for tests and diagnostics.
    pub fn directory(&self) -> &Directory {
        &self.state.directory
    }

    /// Stops accepting requests, lets those in flight finish, and waits for the server to end.
    pub async fn shutdown(mut self) -> Result<()> {
        self.signal_stop();
        if let Some(server) = self.server.take() {
            server.await.map_err(|e| SandboxError::Io(std::io::Error::other(e)))??;
        }
        Ok(())
    }

    fn signal_stop(&self) {
        let sender = self.stop.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(sender) = sender {
            let _ = sender.send(());
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.signal_stop();
    }
}

const SECRET_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.~";

fn random_string(alphabet: &[u8], len: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..len).map(|_| alphabet[rng.gen_range(0..alphabet.len())] as char).collect()
}

/// A secret in the shape Entra gives them (`abc8Q~` + 34 characters), so clients see realistic values.
fn random_client_secret() -> String {
    format!("{}8Q~{}", random_string(&SECRET_ALPHABET[..62], 3), random_string(SECRET_ALPHABET, 34))
}

fn random_password() -> String {
    format!("Sandbox-{}", random_string(&SECRET_ALPHABET[..62], 12))
}

/// A bug in the sandbox answers like a Dataverse 500 rather than dropping the connection.
fn internal_error(panic: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown");
    tracing::error!(detail, "a request handler panicked");
    crate::org::errors::DataverseError::new(
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        "0x80040216",
        "An unexpected error occurred in the sandbox.",
    )
    .into_response()
}
