//! A connection's live session: the access token in memory only, refreshed ahead of expiry with one
//! refresh in flight (concurrent callers wait for it), rotated refresh tokens handed back to be kept, and
//! a 401 from the Web API answered with one refresh-and-retry before giving up clearly.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::header::HeaderMap;
use serde_json::Value;
use time::OffsetDateTime;
use tokio::sync::Mutex;

use d365_common::Secret;

use crate::api::WebApi;
use crate::auth::{self, AccessToken};
use crate::error::{DataverseError, Result};
use crate::input::Instance;

/// Called with each new refresh token, to keep it (in the vault).
pub type KeepRefreshToken = Box<dyn Fn(&Secret) -> Result<()> + Send + Sync>;

/// How the session gets access tokens. Secrets stay in their zeroizing wrapper until they are sent.
pub enum Grant {
    /// Org-level: client credentials.
    App { authority: String, client_id: String, client_secret: Secret },
    /// Org-level: client credentials with a certificate's signed assertion.
    Certificate { authority: String, client_id: String, key: crate::certificate::SigningKey },
    /// User-level: a refresh token (rotated on every use).
    User { authority: String, client_id: String, refresh_token: Mutex<Secret>, keep: KeepRefreshToken },
    /// A pasted token: used until it expires, never refreshed.
    Fixed(AccessToken),
}

pub struct Session {
    http: reqwest::Client,
    instance: Instance,
    grant: Grant,
    cached: Mutex<Option<AccessToken>>,
    /// How long before expiry a token is replaced.
    margin: Duration,
    fetches: AtomicUsize,
}

impl Session {
    pub fn new(http: reqwest::Client, instance: Instance, grant: Grant) -> Self {
        Self {
            http,
            instance,
            grant,
            cached: Mutex::new(None),
            margin: Duration::from_secs(300),
            fetches: AtomicUsize::new(0),
        }
    }

    /// Replace tokens this long before they expire (default 5 minutes).
    pub fn with_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Starts with a token already in hand (one just obtained by a sign-in).
    pub async fn with_token(self, token: AccessToken) -> Self {
        *self.cached.lock().await = Some(token);
        self
    }

    pub fn instance(&self) -> &Instance {
        &self.instance
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// A pasted token: never refreshed, so a 401 is final.
    pub fn is_fixed(&self) -> bool {
        matches!(self.grant, Grant::Fixed(_))
    }

    /// How many tokens this session has requested from Entra ID.
    pub fn token_requests(&self) -> usize {
        self.fetches.load(Ordering::Relaxed)
    }

    /// A token valid for at least the margin. Concurrent callers share one refresh: the lock is held while
    /// fetching, and whoever waited finds the new token.
    pub async fn token(&self) -> Result<AccessToken> {
        let mut cached = self.cached.lock().await;
        if let Some(token) =
            cached.as_ref().filter(|t| t.expires_at - OffsetDateTime::now_utc() > self.margin)
        {
            return Ok(token.clone());
        }
        let token = self.fetch().await?;
        *cached = Some(token.clone());
        Ok(token)
    }

    /// Forgets the cached token (after the Web API refused it).
    pub(crate) async fn invalidate(&self, refused: &AccessToken) {
        let mut cached = self.cached.lock().await;
        if cached.as_ref().is_some_and(|t| t.secret() == refused.secret()) {
            *cached = None;
        }
    }

    async fn fetch(&self) -> Result<AccessToken> {
        let resource = self.instance.resource();
        match &self.grant {
            Grant::App { authority, client_id, client_secret } => {
                self.fetches.fetch_add(1, Ordering::Relaxed);
                auth::client_credentials(&self.http, authority, client_id, client_secret.expose(), &resource)
                    .await
            }
            Grant::Certificate { authority, client_id, key } => {
                self.fetches.fetch_add(1, Ordering::Relaxed);
                auth::client_assertion(&self.http, authority, client_id, key, &resource).await
            }
            Grant::User { authority, client_id, refresh_token, keep } => {
                self.fetches.fetch_add(1, Ordering::Relaxed);
                let mut refresh = refresh_token.lock().await;
                let (token, rotated) =
                    auth::refresh(&self.http, authority, client_id, refresh.expose(), &resource)
                        .await
                        .map_err(sign_in_again)?;
                if let Some(rotated) = rotated {
                    keep(&rotated)?;
                    *refresh = rotated;
                }
                Ok(token)
            }
            Grant::Fixed(token) if token.expires_at > OffsetDateTime::now_utc() => Ok(token.clone()),
            Grant::Fixed(_) => Err(DataverseError::new(
                "auth.token_expired",
                "The pasted token has expired.",
                Some("Paste a fresh token (delete and recreate the connection).".to_owned()),
            )),
        }
    }

    /// A Web API GET; a 401 gets one refresh-and-retry.
    pub async fn get(&self, path: &str) -> Result<(Value, HeaderMap)> {
        let token = self.token().await?;
        let first = WebApi { http: &self.http, base: self.instance.web_api(), token: &token }.get(path).await;
        match first {
            Err(err) if err.kind == "api.unauthorized" && !matches!(self.grant, Grant::Fixed(_)) => {
                self.invalidate(&token).await;
                let token = self.token().await?;
                WebApi { http: &self.http, base: self.instance.web_api(), token: &token }
                    .get(path)
                    .await
                    .map_err(|err| if err.kind == "api.unauthorized" { sign_in_again(err) } else { err })
            }
            other => other,
        }
    }
}

/// A refused refresh (or a token refused again) means the user must sign in again; nothing else is lost.
pub(crate) fn sign_in_again(err: DataverseError) -> DataverseError {
    if err.kind == "auth.session_expired" || err.kind == "api.unauthorized" || err.kind == "auth.failed" {
        DataverseError::new(
            "auth.sign_in_again",
            format!("The session is no longer valid ({}).", err.message),
            Some("Sign in again; your connection and its settings are kept.".to_owned()),
        )
    } else {
        err
    }
}
