//! What every request handler shares: the directory, the signing key, the sandbox's URLs and options,
//! and the grants in flight (pending sign-ins, authorization codes, device codes, sessions). Consents and
//! refresh tokens are kept in the store, with the data (see `data::identity`).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Mutex, RwLock};
use std::time::Duration;

use time::OffsetDateTime;
use uuid::Uuid;

use crate::data::store::{Storage, Store};
use crate::directory::Directory;
use crate::faults::Fault;
use crate::identity::keys::SigningKeys;
use crate::identity::scopes::{Scopes, same_resource};
use crate::limits::{Limits, Usage};

/// How the sandbox behaves; `Default` is what `d365-sandbox` runs with.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// Lifetime of access tokens (Entra: 60–90 minutes). Short values let tests see expiry.
    pub token_lifetime: Duration,
    /// How long a refresh token stays valid without use (Entra: 90 days).
    pub refresh_token_lifetime: Duration,
    /// How long an authorization code may wait to be redeemed (Entra: about 10 minutes).
    pub code_lifetime: Duration,
    /// How long a device code waits for the user (Entra: 15 minutes).
    pub device_code_lifetime: Duration,
    /// The secret of the org-level app registrations; when `None`, the one kept in the store (random, made
    /// with the store: per data file, or per run in memory).
    pub org_client_secret: Option<String>,
    /// The password of every sandbox user; when `None`, the one kept in the store (random, as the secret).
    /// The app's built-in sandbox and `d365-sandbox --demo-credentials` give
    /// [`crate::directory::DEMO_PASSWORD`].
    pub user_password: Option<String>,
    /// The `x-ms-dop-hint` the org recommends.
    pub dop_hint: u32,
    /// Serve HTTPS with a certificate from a CA made for this run, instead of plain HTTP.
    pub tls: bool,
    /// Where the organisation's rows are kept.
    pub storage: Storage,
    /// How many accounts a new store is seeded with (other tables in proportion).
    pub seed: u32,
    /// Service protection limits, per user.
    pub limits: Limits,
    /// Faults to inject from the start (replaceable later with `Sandbox::set_faults`).
    pub faults: Vec<Fault>,
    /// How a view's answer (`?savedQuery=`, `?userQuery=`) pages.
    pub view_paging: ViewPaging,
}

/// How Dataverse pages a view's rows is unconfirmed: OData next links, or only FetchXML's paging cookie
/// and "more records" (as XRM-OSS/Xrm-WebApi-Client#37 saw for other queries). The sandbox does either,
/// so a client is tested against both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ViewPaging {
    /// `@odata.nextLink`s, as every other query.
    #[default]
    NextLink,
    /// No next link: `@Microsoft.Dynamics.CRM.fetchxmlpagingcookie` and `morerecords`, the next page to be
    /// read with the view's FetchXML.
    Cookie,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        Self {
            token_lifetime: Duration::from_secs(3599),
            refresh_token_lifetime: Duration::from_secs(90 * 24 * 3600),
            code_lifetime: Duration::from_secs(600),
            device_code_lifetime: Duration::from_secs(900),
            org_client_secret: None,
            user_password: None,
            dop_hint: 4,
            tls: false,
            storage: Storage::Memory,
            seed: 500,
            limits: Limits::default(),
            faults: Vec::new(),
            view_paging: ViewPaging::NextLink,
        }
    }
}

/// The addresses a client needs. One process serves all of them on one loopback port: the org answers on
/// `127.0.0.1`, and global discovery, a different resource, on `localhost`.
#[derive(Debug, Clone)]
pub struct Urls {
    /// `http://127.0.0.1:<port>/<tenant-id>`
    pub authority: String,
    /// `http://127.0.0.1:<port>`: the org URL and the resource its tokens are for.
    pub instance_url: String,
    /// `http://127.0.0.1:<port>/api/data/v9.2/`
    pub web_api_url: String,
    /// `http://localhost:<port>`: the global discovery resource.
    pub discovery_resource: String,
    /// `http://localhost:<port>/api/discovery/v2.0/`
    pub discovery_url: String,
}

impl Urls {
    pub fn new(scheme: &str, addr: SocketAddr, tenant_id: Uuid) -> Self {
        let instance_url = format!("{scheme}://{addr}");
        let discovery_resource = format!("{scheme}://localhost:{}", addr.port());
        Self {
            authority: format!("{instance_url}/{tenant_id}"),
            web_api_url: format!("{instance_url}/api/data/v9.2/"),
            discovery_url: format!("{discovery_resource}/api/discovery/v2.0/"),
            instance_url,
            discovery_resource,
        }
    }

    /// The issuer of v1.0 access tokens (Entra: `https://sts.windows.net/<tenant>/`).
    pub fn access_token_issuer(&self) -> String {
        format!("{}/", self.authority)
    }

    /// The issuer in the v2.0 OpenID configuration and in id tokens.
    pub fn v2_issuer(&self) -> String {
        format!("{}/v2.0", self.authority)
    }

    /// The resource a token may be issued for, in its canonical spelling.
    pub fn known_resource(&self, resource: &str) -> Option<&str> {
        [&self.instance_url, &self.discovery_resource]
            .into_iter()
            .find(|known| same_resource(known, resource))
            .map(String::as_str)
    }
}

/// How a sign-in ends once the user has signed in and consented.
#[derive(Debug, Clone)]
pub enum Completion {
    /// Browser flow: redirect to the app with a code (or an error) and the app's `state`.
    Redirect { redirect_uri: String, state: Option<String>, code_challenge: Option<String> },
    /// Device-code flow: the waiting device's next poll gets the tokens.
    Device { device_code: String },
}

/// An authorization request waiting for the user to sign in and consent.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    pub client_id: Uuid,
    pub completion: Completion,
    pub scopes: Scopes,
    pub login_hint: Option<String>,
    pub force_consent: bool,
    pub nonce: Option<String>,
    /// The signed-in user, once the sign-in page is done.
    pub user: Option<Uuid>,
}

#[derive(Debug, Clone)]
pub struct CodeGrant {
    pub client_id: Uuid,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub user: Uuid,
    pub scopes: Scopes,
    pub nonce: Option<String>,
    pub issued: OffsetDateTime,
    pub redeemed: bool,
}

#[derive(Debug, Clone)]
pub struct RefreshGrant {
    pub client_id: Uuid,
    pub user: Uuid,
    pub scopes: Scopes,
    pub last_used: OffsetDateTime,
}

/// Where a device-code sign-in stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceStatus {
    Pending,
    Approved(Uuid),
    Declined,
}

#[derive(Debug, Clone)]
pub struct DeviceGrant {
    pub client_id: Uuid,
    pub user_code: String,
    pub scopes: Scopes,
    pub issued: OffsetDateTime,
    pub status: DeviceStatus,
}

#[derive(Debug, Default)]
pub struct Grants {
    pub pending: HashMap<String, AuthorizationRequest>,
    pub codes: HashMap<String, CodeGrant>,
    /// Device-code sign-ins by device code.
    pub devices: HashMap<String, DeviceGrant>,
    /// Browser sessions (cookie value → user), so a second sign-in can skip the password page.
    pub sessions: HashMap<String, Uuid>,
}

pub struct SandboxState {
    pub directory: Directory,
    pub keys: SigningKeys,
    pub urls: Urls,
    pub options: SandboxOptions,
    pub grants: Mutex<Grants>,
    pub store: Store,
    pub usage: Usage,
    pub faults: RwLock<Vec<Fault>>,
}

impl SandboxState {
    /// The grants, even if a handler panicked while holding the lock (the data stays consistent: every
    /// change is a single insert or update).
    pub fn grants(&self) -> std::sync::MutexGuard<'_, Grants> {
        self.grants.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether the user has consented to the app (kept in the store; a store that cannot answer counts as
    /// no consent, so the user is asked again).
    pub fn consented(&self, user: Uuid, client: Uuid) -> bool {
        crate::data::identity::consented(&self.store.lock(), user, client).unwrap_or_else(|err| {
            tracing::error!(%err, "could not read the consents");
            false
        })
    }

    pub fn add_consent(&self, user: Uuid, client: Uuid) {
        if let Err(err) = crate::data::identity::add_consent(&self.store.lock(), user, client) {
            tracing::error!(%err, "could not keep a consent");
        }
    }
}

/// An unguessable opaque value (codes, refresh tokens, session ids).
pub fn opaque_token() -> String {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}
