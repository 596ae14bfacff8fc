//! Token-endpoint errors in Entra ID's exact JSON shape:
//! `{error, error_description: "AADSTSnnnn: ...\r\nTrace ID: ...\r\nCorrelation ID: ...\r\nTimestamp: ...",
//! error_codes, timestamp, trace_id, correlation_id, error_uri}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use time::OffsetDateTime;
use time::macros::format_description;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub struct EntraError {
    pub status: StatusCode,
    /// The OAuth error code: `invalid_client`, `invalid_grant`, ...
    pub error: &'static str,
    /// The AADSTS number.
    pub code: u32,
    /// The text after `AADSTSnnnn: `.
    pub message: String,
}

impl EntraError {
    fn new(status: StatusCode, error: &'static str, code: u32, message: impl Into<String>) -> Self {
        Self { status, error, code, message: message.into() }
    }

    pub fn missing_parameter(name: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            format!("The request body must contain the following parameter: '{name}'."),
        )
    }
    pub fn tenant_not_found(tenant: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90002,
            format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing \
                 into the correct cloud. Check with your subscription administrator, this may happen if there \
                 are no active subscriptions for the tenant."
            ),
        )
    }
    /// Client credentials on `common` or `organizations`: an app-only token is for one tenant, which the
    /// request must name (Entra answers AADSTS50059, as reported in MicrosoftDocs/azure-docs#24064 and
    /// AzureAD/microsoft-identity-web#462; Learn's client-credentials page asks for the tenant "in GUID or
    /// domain-name format").
    pub fn no_tenant_identifying_information() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            50059,
            "No tenant-identifying information found in either the request or implied by any provided \
             credentials.",
        )
    }
    pub fn app_not_found(client_id: &str, tenant_name: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            format!(
                "Application with identifier '{client_id}' was not found in the directory '{tenant_name}'. This \
                 can happen if the application has not been installed by the administrator of the tenant or \
                 consented to by any user in the tenant. You may have sent your authentication request to the \
                 wrong tenant."
            ),
        )
    }
    pub fn invalid_secret(client_id: &str) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000215,
            format!(
                "Invalid client secret provided. Ensure the secret being sent in the request is the client \
                 secret value, not the client secret ID, for a secret added to app '{client_id}'."
            ),
        )
    }
    pub fn expired_secret(client_id: &str) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000222,
            format!(
                "The provided client secret keys for app '{client_id}' are expired. Visit the Azure portal to \
                 create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate \
                 credentials for added security: https://aka.ms/certCreds."
            ),
        )
    }
    pub fn missing_secret() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        )
    }
    /// Certificate credentials (see `identity::certificates` for where each text comes from).
    pub fn invalid_jwt() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            50027,
            "Invalid JWT token. The token format is not proper.",
        )
    }
    pub fn key_not_found(thumbprint: &str, client_id: &str) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            700027,
            format!(
                "Client assertion failed signature validation. [Reason - The key was not found., Thumbprint of key \
                 used by client: '{thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS \
                 Graph to see configured keys for app Id '{client_id}'.]"
            ),
        )
    }
    pub fn key_expired(thumbprint: &str, start: OffsetDateTime, end: OffsetDateTime) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            700027,
            format!(
                "Client assertion failed signature validation. [Reason - The key used is expired. Thumbprint of key \
                 used by client: '{thumbprint}', Found key 'Start={}, End={}']",
                timestamp(start),
                timestamp(end)
            ),
        )
    }
    pub fn invalid_signature(thumbprint: &str, client_id: &str) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            700027,
            format!(
                "Client assertion failed signature validation. [Reason - The provided signature value did not \
                 match the expected signature value., Thumbprint of key used by client: '{thumbprint}', app Id \
                 '{client_id}'.]"
            ),
        )
    }
    pub fn assertion_client_mismatch() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            700021,
            "Client assertion application identifier doesn't match 'client_id' parameter. Review the \
             documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials.",
        )
    }
    pub fn assertion_audience() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            700023,
            "Client assertion audience claim does not match Realm issuer. Review the documentation at \
             https://learn.microsoft.com/entra/identity-platform/certificate-credentials.",
        )
    }
    pub fn assertion_time(now: i64, nbf: Option<i64>, exp: Option<i64>) -> Self {
        let at = |t: Option<i64>| {
            t.and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
                .map_or_else(|| "none".to_owned(), timestamp)
        };
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            700024,
            format!(
                "Client assertion is not within its valid time range. Current time: {}, assertion valid from {}, \
                 expiry time of assertion {}. Review the documentation at \
                 https://learn.microsoft.com/entra/identity-platform/certificate-credentials.",
                at(Some(now)),
                at(nbf),
                at(exp)
            ),
        )
    }
    pub fn unsupported_assertion_type() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            9002313,
            "Invalid request. Request is malformed or invalid. client_assertion_type must be \
             urn:ietf:params:oauth:client-assertion-type:jwt-bearer.",
        )
    }
    pub fn public_client_sent_secret() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            700025,
            "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
        )
    }
    pub fn invalid_scope(scope: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            70011,
            format!(
                "The provided request must include a 'scope' input parameter. The provided value for the input \
                 parameter 'scope' is not valid. The scope {scope} is not valid."
            ),
        )
    }
    pub fn client_credentials_need_default_scope(scope: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            1002012,
            format!(
                "The provided value for scope {scope} is not valid. Client credential flows must have a scope \
                 value with /.default suffixed to the resource identifier (application ID URI)."
            ),
        )
    }
    pub fn resource_not_found(resource: &str, tenant_name: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_resource",
            500011,
            format!(
                "The resource principal named {resource} was not found in the tenant named {tenant_name}. This \
                 can happen if the application has not been installed by the administrator of the tenant or \
                 consented to by any user in the tenant. You might have sent your authentication request to the \
                 wrong tenant."
            ),
        )
    }
    pub fn unsupported_grant_type(grant: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{grant}'."),
        )
    }
    pub fn malformed(what: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            9002313,
            format!("Invalid request. Request is malformed or invalid. {what}"),
        )
    }
    pub fn code_redeemed() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            54005,
            "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an \
             existing refresh token.",
        )
    }
    pub fn code_expired() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            70008,
            "The provided authorization code or refresh token has expired due to inactivity. Send a new \
             interactive authorization request for this user and resource.",
        )
    }
    pub fn pkce_mismatch() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            501481,
            "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
        )
    }
    pub fn redirect_uri_mismatch(uri: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            50011,
            format!(
                "The redirect URI '{uri}' specified in the request does not match the redirect URI the \
                 authorization code was issued to."
            ),
        )
    }
    pub fn server_error() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            50000,
            "There was an error issuing a token or an issue with our sign-in service.",
        )
    }
    pub fn refresh_token_expired(issued: OffsetDateTime) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            700082,
            format!(
                "The refresh token has expired due to inactivity. The token was issued on {} and was inactive \
                 for longer than the sandbox's refresh token lifetime.",
                timestamp(issued)
            ),
        )
    }
    pub fn grant_not_for_client() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            70000,
            "Provided grant is invalid or malformed. The grant was issued to a different client.",
        )
    }
    pub fn consent_required(client_id: &str, app_name: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            65001,
            format!(
                "The user or administrator has not consented to use the application with ID '{client_id}' \
                 named '{app_name}'. Send an interactive authorization request for this user and resource."
            ),
        )
    }
    pub fn code_required_for_public_client() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            9002325,
            "Proof Key for Code Exchange is required for cross-origin authorization code redemption.",
        )
    }

    pub fn unsupported_response_type(response_type: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "unsupported_response_type",
            700054,
            format!("response_type '{response_type}' is not enabled for the application."),
        )
    }
    pub fn login_required() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "login_required",
            50058,
            "A silent sign-in request was sent but no user is signed in.",
        )
    }
    pub fn consent_declined() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "access_denied",
            65004,
            "User declined to consent to access the app.",
        )
    }

    pub fn authorization_pending() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "authorization_pending",
            70016,
            "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
        )
    }
    pub fn authorization_declined() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "authorization_declined",
            70000,
            "The user declined the authorization request.",
        )
    }
    pub fn device_code_expired() -> Self {
        Self::new(StatusCode::BAD_REQUEST, "expired_token", 70019, "Verification code expired.")
    }

    pub fn post_only() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "invalid_request",
            900561,
            "The endpoint only accepts POST requests.",
        )
    }

    /// `error_description` as Entra writes it, with the trace lines.
    pub fn description(&self, trace_id: Uuid, correlation_id: Uuid, at: OffsetDateTime) -> String {
        format!(
            "AADSTS{}: {}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {}",
            self.code,
            self.message,
            timestamp(at)
        )
    }
}

/// Entra's timestamp format: `2026-11-23 03:55:12Z`.
pub fn timestamp(at: OffsetDateTime) -> String {
    at.format(format_description!("[year]-[month]-[day] [hour]:[minute]:[second]Z")).unwrap_or_default()
}

impl IntoResponse for EntraError {
    fn into_response(self) -> Response {
        let (trace_id, correlation_id, now) = (Uuid::new_v4(), Uuid::new_v4(), OffsetDateTime::now_utc());
        let body = json!({
            "error": self.error,
            "error_description": self.description(trace_id, correlation_id, now),
            "error_codes": [self.code],
            "timestamp": timestamp(now),
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": format!("https://login.microsoftonline.com/error?code={}", self.code),
        });
        (self.status, Json(body)).into_response()
    }
}
