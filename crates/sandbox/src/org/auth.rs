//! Who is calling: the bearer token checked as Dataverse checks it (signature, expiry, issuer, audience),
//! then the principal looked up in the organisation.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use super::errors::DataverseError;
use crate::directory::{OrgUser, Role};
use crate::identity::keys::{AccessClaims, VerifiedToken};
use crate::identity::scopes::same_resource;
use crate::state::SandboxState;

/// A caller of the Web API with a valid token for this org and a user in it.
#[derive(Debug, Clone)]
pub struct Caller {
    pub system_user_id: Uuid,
    pub role: Role,
    pub claims: AccessClaims,
}

/// A caller of global discovery: a valid user token for the discovery resource.
#[derive(Debug, Clone)]
pub struct DiscoveryCaller {
    pub claims: AccessClaims,
}

/// Why a request was not authenticated; answered with 401 and the challenge that names the authority.
#[derive(Debug)]
pub struct Unauthorized {
    authority: String,
    resource: String,
    reason: &'static str,
}

impl IntoResponse for Unauthorized {
    fn into_response(self) -> Response {
        tracing::info!(reason = self.reason, "401 from the Web API");
        let challenge = format!(
            "Bearer authorization_uri={}/oauth2/authorize, resource_id={}",
            self.authority, self.resource
        );
        let mut response = StatusCode::UNAUTHORIZED.into_response();
        if let Ok(value) = HeaderValue::from_str(&challenge) {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}

fn verified_claims(
    parts: &Parts,
    state: &SandboxState,
    resource: &str,
) -> Result<AccessClaims, Unauthorized> {
    let unauthorized = |reason| Unauthorized {
        authority: state.urls.authority.clone(),
        resource: resource.to_owned(),
        reason,
    };
    let claims = match parts.extensions.get::<VerifiedToken>() {
        Some(VerifiedToken(claims)) => claims.clone(),
        None => {
            let token = bearer_token(&parts.headers).ok_or_else(|| unauthorized("no bearer token"))?;
            state.keys.verify(token).map_err(|err| {
                use jsonwebtoken::errors::ErrorKind;
                unauthorized(match err.kind() {
                    ErrorKind::ExpiredSignature => "token expired",
                    ErrorKind::InvalidSignature => "bad signature",
                    _ => "malformed token",
                })
            })?
        }
    };
    if claims.iss != state.urls.access_token_issuer() {
        return Err(unauthorized("token from another issuer"));
    }
    if !same_resource(&claims.aud, resource) {
        return Err(unauthorized("token for another audience"));
    }
    Ok(claims)
}

/// The token of an `Authorization: Bearer <token>` header (the scheme in any case).
pub fn bearer_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The organisation's user for the token's principal: the application user of an app-only token, or the
/// user of a delegated one.
fn org_user(state: &SandboxState, claims: &AccessClaims) -> Option<OrgUser> {
    if claims.idtyp.as_deref() == Some("app") {
        state.directory.app(&claims.appid)?.application_user
    } else {
        state.directory.user_by_oid(claims.oid.parse().ok()?)?.org_user
    }
}

impl FromRequestParts<Arc<SandboxState>> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<SandboxState>) -> Result<Self, Response> {
        let claims =
            verified_claims(parts, state, &state.urls.instance_url).map_err(IntoResponse::into_response)?;
        let user = org_user(state, &claims).ok_or_else(|| DataverseError::not_a_member().into_response())?;
        Ok(Caller { system_user_id: user.system_user_id, role: user.role, claims })
    }
}

impl FromRequestParts<Arc<SandboxState>> for DiscoveryCaller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<SandboxState>) -> Result<Self, Response> {
        let claims = verified_claims(parts, state, &state.urls.discovery_resource)
            .map_err(IntoResponse::into_response)?;
        Ok(DiscoveryCaller { claims })
    }
}
