//! The Web API: authenticated GETs, with Dataverse's answers turned into diagnoses.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::auth::AccessToken;
use crate::error::{DataverseError, Result};

pub struct WebApi<'a> {
    pub http: &'a reqwest::Client,
    /// `https://contoso.crm.dynamics.com/api/data/v9.2/`
    pub base: String,
    pub token: &'a AccessToken,
}

/// The `aud` claim of a token, read without checking anything (for the diagnosis only).
fn audience(token: &AccessToken) -> Option<String> {
    let payload = token.secret().split('.').nth(1)?;
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    claims.get("aud")?.as_str().map(str::to_owned)
}

impl WebApi<'_> {
    pub async fn get(&self, path: &str) -> Result<(Value, HeaderMap)> {
        let url = format!("{}{path}", self.base);
        let response = self
            .http
            .get(&url)
            .bearer_auth(self.token.secret())
            .header("Accept", "application/json")
            .header("OData-MaxVersion", "4.0")
            .header("OData-Version", "4.0")
            .send()
            .await
            .map_err(|e| DataverseError::from_transport(&e, &url))?;
        let (status, headers) = (response.status(), response.headers().clone());
        tracing::debug!(%url, %status, "GET");
        let text = response.text().await.map_err(|e| DataverseError::from_transport(&e, &url))?;
        let json: Option<Value> = serde_json::from_str(&text).ok();
        if status.is_success() {
            return json.map(|v| (v, headers)).ok_or_else(|| self.not_dataverse(status));
        }
        Err(diagnose(&self.base, Some(self.token), status, &headers, json.as_ref()))
    }

    fn not_dataverse(&self, status: StatusCode) -> DataverseError {
        not_dataverse(&self.base, status)
    }
}

fn not_dataverse(base: &str, status: StatusCode) -> DataverseError {
    DataverseError::new(
        "api.not_dataverse",
        format!("{base} answered HTTP {status} without Dataverse's JSON: it is not a Dataverse Web API."),
        Some(
            "Check the instance URL: it is the environment URL from the Power Platform admin center."
                .to_owned(),
        ),
    )
}

/// A Web API error answer as a diagnosis: its status and Dataverse error code in the user's terms.
/// `token` is the one sent, to tell a token for another environment (none for a `$batch` part). A server's
/// message is kept to its first 1000 characters, and an answer that says nothing still says its status.
pub(crate) fn diagnose(
    base: &str,
    token: Option<&AccessToken>,
    status: StatusCode,
    headers: &HeaderMap,
    body: Option<&Value>,
) -> DataverseError {
    let mut error = diagnosis(base, token, status, headers, body);
    if error.message.trim().is_empty() {
        error.message = format!("The environment refused the request (HTTP {status}) without saying why.");
    } else if let Some((end, _)) = error.message.char_indices().nth(1000) {
        error.message = format!("{}…", &error.message[..end]);
    }
    error
}

fn diagnosis(
    base: &str,
    token: Option<&AccessToken>,
    status: StatusCode,
    headers: &HeaderMap,
    body: Option<&Value>,
) -> DataverseError {
    let code = body.and_then(|b| b["error"]["code"].as_str()).unwrap_or_default();
    let message = body.and_then(|b| b["error"]["message"].as_str()).unwrap_or_default().to_owned();
    match status {
            StatusCode::UNAUTHORIZED => {
                let instance = base.trim_end_matches("/api/data/v9.2/");
                match token.and_then(audience) {
                    Some(aud) if !aud.trim_end_matches('/').eq_ignore_ascii_case(instance) => DataverseError::new(
                        "api.wrong_audience",
                        format!("The token is for {aud}, but the Web API is {instance}."),
                        Some("The scope's host must be the instance URL's host: recreate the connection with the environment URL the token is for.".to_owned()),
                    ),
                    _ => DataverseError::new(
                        "api.unauthorized",
                        "The Web API did not accept the token (expired, or from another tenant).".to_owned(),
                        Some(match headers.get("www-authenticate").and_then(|v| v.to_str().ok()) {
                            Some(challenge) => format!("Sign in again. The environment asks for: {challenge}"),
                            None => "Sign in again.".to_owned(),
                        }),
                    ),
                }
            }
            StatusCode::FORBIDDEN if code == "0x80072560" => DataverseError::new(
                "api.not_a_member",
                format!("{message} The app or user has no user in this environment."),
                Some("For an app: in Power Platform admin center → Environments → this environment → Settings → Users + permissions → Application users, add a new app user for this client ID with a security role. For a person: ask an administrator to add you to the environment.".to_owned()),
            ),
            StatusCode::FORBIDDEN => DataverseError::new(
                "api.missing_privilege",
                if message.is_empty() { "The Web API refused the request (403).".to_owned() } else { message },
                Some("Give the application user (or the user) a security role with this privilege: Settings → Users + permissions → Application users → Edit security roles.".to_owned()),
            ),
            StatusCode::NOT_FOUND if body.is_none() || code.is_empty() => not_dataverse(base, status),
            StatusCode::NOT_FOUND => DataverseError::new("api.not_found", message, None),
            StatusCode::PRECONDITION_FAILED => DataverseError::new("api.conflict", message, None),
            StatusCode::BAD_REQUEST => DataverseError::new(
                "api.invalid_request",
                if code.is_empty() || code == "0x0" { message } else { format!("{message} ({code})") },
                None,
            ),
            StatusCode::TOO_MANY_REQUESTS => DataverseError::new(
                "api.throttled",
                format!("Dataverse's service protection limits were hit: {message}"),
                headers
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .map(|s| format!("Wait {s} s and try again.")),
            ),
            _ if body.is_none() => not_dataverse(base, status),
            _ => DataverseError::new("api.error", format!("HTTP {status}: {message} ({code})"), None),
        }
}
