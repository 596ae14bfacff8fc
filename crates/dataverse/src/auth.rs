//! Access tokens from Entra ID. Org-level: the client-credentials grant with `<instance>/.default`.

use std::fmt;

use d365_common::Secret;
use serde::Deserialize;
use time::OffsetDateTime;

use crate::error::{DataverseError, Result};

/// An access token; held in memory only (zeroized when dropped), never printed.
#[derive(Clone)]
pub struct AccessToken {
    value: Secret,
    pub expires_at: OffsetDateTime,
}

impl AccessToken {
    pub fn new(value: String, expires_at: OffsetDateTime) -> Self {
        Self { value: Secret::new(value), expires_at }
    }

    pub fn secret(&self) -> &str {
        self.value.expose()
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("value", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// An HTTP client for token calls: no redirects (a token endpoint never redirects; following one could
/// send the secret elsewhere), rustls, a bounded time.
pub fn http_client() -> Result<reqwest::Client> {
    http_client_with_timeout(std::time::Duration::from_secs(30))
}

/// [`http_client`] with another time limit per request.
pub fn http_client_with_timeout(timeout: std::time::Duration) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .user_agent(crate::client::USER_AGENT)
        .build()
        .map_err(|e| DataverseError::new("net.failed", format!("Could not create an HTTP client: {e}"), None))
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct EntraErrorBody {
    error: String,
    #[serde(default)]
    error_description: String,
    #[serde(default)]
    error_codes: Vec<u64>,
}

/// Org-level: the app's client credentials for `<resource>/.default`.
pub async fn client_credentials(
    http: &reqwest::Client,
    authority: &str,
    client_id: &str,
    client_secret: &str,
    resource: &str,
) -> Result<AccessToken> {
    let url = format!("{authority}/oauth2/v2.0/token");
    let scope = format!("{resource}/.default");
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", client_id),
        ("client_secret", client_secret),
        ("scope", scope.as_str()),
    ];
    let response =
        http.post(&url).form(&form).send().await.map_err(|e| DataverseError::from_transport(&e, &url))?;
    tracing::debug!(%url, status = %response.status(), "token request");
    token_response(response, &url).await
}

/// The form's name for a JWT client assertion (RFC 7523 section 2.2).
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Org-level with a certificate: client credentials authenticated by a signed client assertion (Learn:
/// "Microsoft identity platform application authentication certificate credentials"), made fresh for each
/// request and addressed to this token endpoint.
pub async fn client_assertion(
    http: &reqwest::Client,
    authority: &str,
    client_id: &str,
    key: &crate::certificate::SigningKey,
    resource: &str,
) -> Result<AccessToken> {
    let url = format!("{authority}/oauth2/v2.0/token");
    let scope = format!("{resource}/.default");
    let assertion = key.assertion(&url, client_id)?;
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", client_id),
        ("client_assertion_type", JWT_BEARER),
        ("client_assertion", assertion.expose()),
        ("scope", scope.as_str()),
    ];
    let response =
        http.post(&url).form(&form).send().await.map_err(|e| DataverseError::from_transport(&e, &url))?;
    tracing::debug!(%url, status = %response.status(), "token request (certificate)");
    token_response(response, &url).await
}

async fn token_response(response: reqwest::Response, url: &str) -> Result<AccessToken> {
    let status = response.status();
    let text = Secret::new(response.text().await.map_err(|e| DataverseError::from_transport(&e, url))?);
    token_from(status, text.expose(), url)
}

/// How long a token is trusted for when its answer does not say (Entra's default lifetime).
const DEFAULT_LIFETIME_SECS: u64 = 3599;
/// Longer than any token Entra issues: a server claiming more is not believed (and cannot overflow a date).
const LONGEST_LIFETIME_SECS: u64 = 24 * 3600;

/// When a token issued now for `expires_in` seconds (as the server said) expires: the default lifetime when
/// it did not say, and at most a day whatever it said.
pub fn expiry_in(expires_in: Option<u64>) -> OffsetDateTime {
    let seconds = expires_in.unwrap_or(DEFAULT_LIFETIME_SECS).min(LONGEST_LIFETIME_SECS);
    OffsetDateTime::now_utc() + time::Duration::seconds(seconds.cast_signed())
}

fn token_from(status: reqwest::StatusCode, text: &str, url: &str) -> Result<AccessToken> {
    if status.is_success() {
        let token: TokenResponse = serde_json::from_str(text).map_err(|_| {
            DataverseError::new(
                "auth.bad_response",
                format!("{url} answered without an access token."),
                Some("Check the authority URL.".to_owned()),
            )
        })?;
        return Ok(AccessToken::new(token.access_token, expiry_in(token.expires_in)));
    }
    match serde_json::from_str::<EntraErrorBody>(text) {
        Ok(body) => Err(DataverseError::from_entra(
            body.error_codes.first().copied(),
            &body.error,
            &body.error_description,
        )),
        Err(_) => Err(DataverseError::new(
            "auth.not_an_identity_provider",
            format!("{url} answered HTTP {status}, which is not an Entra ID token endpoint's answer."),
            Some("Check the tenant and the authority URL.".to_owned()),
        )),
    }
}

/// A refresh token's grant: new tokens for `resource` (Entra rotates the refresh token; store the new one).
pub async fn refresh(
    http: &reqwest::Client,
    authority: &str,
    client_id: &str,
    refresh_token: &str,
    resource: &str,
) -> Result<(AccessToken, Option<Secret>)> {
    let url = format!("{authority}/oauth2/v2.0/token");
    let scope = format!("{resource}/user_impersonation offline_access");
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", client_id),
        ("refresh_token", refresh_token),
        ("scope", scope.as_str()),
    ];
    let response =
        http.post(&url).form(&form).send().await.map_err(|e| DataverseError::from_transport(&e, &url))?;
    tracing::debug!(%url, status = %response.status(), "token request");
    let status = response.status();
    // The answer holds both tokens: wiped when dropped, like them.
    let text = Secret::new(response.text().await.map_err(|e| DataverseError::from_transport(&e, &url))?);
    let rotated = serde_json::from_str::<serde_json::Value>(text.expose())
        .ok()
        .and_then(|v| v.get("refresh_token").and_then(|r| r.as_str()).map(Secret::new))
        .filter(|_| status.is_success());
    let token = token_from(status, text.expose(), &url)?;
    Ok((token, rotated))
}

#[cfg(test)]
mod tests {
    use time::{Duration, OffsetDateTime};

    use super::expiry_in;

    #[test]
    fn a_token_lifetime_is_believed_up_to_a_day() {
        let in_about = |expires: OffsetDateTime| (expires - OffsetDateTime::now_utc()).whole_minutes();
        assert_eq!(in_about(expiry_in(Some(600))), 9, "ten minutes, less the moment it took");
        assert_eq!(in_about(expiry_in(None)), 59, "Entra's default hour when the answer does not say");
        // A hostile or broken server: no overflow, no panic, and not believed.
        let far = expiry_in(Some(10_u64.pow(13)));
        assert!(far - OffsetDateTime::now_utc() <= Duration::days(1), "{far}");
        assert!(expiry_in(Some(u64::MAX)) - OffsetDateTime::now_utc() <= Duration::days(1));
    }
}
