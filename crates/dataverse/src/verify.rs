//! Verify a connection: token, then WhoAmI, then the organisation's name and version, each step timed,
//! and on failure the diagnosis of the step that failed.

use std::time::Instant;

use serde::Serialize;

use crate::api::WebApi;
use crate::auth::{self, AccessToken};
use crate::error::DataverseError;
use crate::input::Instance;

/// How to authenticate a verification.
pub enum Credentials<'a> {
    /// Org-level: client credentials.
    App { authority: &'a str, client_id: &'a str, client_secret: &'a str },
    /// A token the caller already has (pasted bearer, or from a user sign-in).
    Token(AccessToken),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Token,
    WhoAmI,
    Organization,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Verified {
    pub user_id: String,
    pub business_unit_id: String,
    pub organization_id: String,
    pub organization_name: String,
    pub version: String,
    /// The parallelism the environment recommends (`x-ms-dop-hint`).
    pub dop_hint: Option<u32>,
    /// RFC 3339.
    pub token_expires: String,
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub elapsed_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failed {
    pub step: Step,
    pub error: DataverseError,
}

pub async fn verify(
    http: &reqwest::Client,
    instance: &Instance,
    credentials: Credentials<'_>,
) -> Result<Verified, Failed> {
    verify_with_progress(http, instance, credentials, &|_| {}).await
}

/// [`verify`], calling `starting` as each step begins (for a live step list).
pub async fn verify_with_progress(
    http: &reqwest::Client,
    instance: &Instance,
    credentials: Credentials<'_>,
    starting: &(dyn Fn(Step) + Send + Sync),
) -> Result<Verified, Failed> {
    let started = Instant::now();
    let at = |step| move |error| Failed { step, error };
    starting(Step::Token);
    let token = match credentials {
        Credentials::App { authority, client_id, client_secret } => {
            auth::client_credentials(http, authority, client_id, client_secret, &instance.resource())
                .await
                .map_err(at(Step::Token))?
        }
        Credentials::Token(token) => token,
    };
    let api = WebApi { http, base: instance.web_api(), token: &token };
    starting(Step::WhoAmI);
    let (who, headers) = api.get("WhoAmI").await.map_err(at(Step::WhoAmI))?;
    let text = |value: &serde_json::Value, key: &str| value[key].as_str().unwrap_or_default().to_owned();
    starting(Step::Organization);
    let (organizations, _) = api.get("organizations?$select=name").await.map_err(at(Step::Organization))?;
    let (version, _) = api.get("RetrieveVersion").await.map_err(at(Step::Organization))?;
    Ok(Verified {
        user_id: text(&who, "UserId"),
        business_unit_id: text(&who, "BusinessUnitId"),
        organization_id: text(&who, "OrganizationId"),
        organization_name: text(&organizations["value"][0], "name"),
        version: text(&version, "Version"),
        dop_hint: headers.get("x-ms-dop-hint").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()),
        token_expires: token
            .expires_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        elapsed_ms: started.elapsed().as_millis() as u64,
    })
}
