//! OpenID Connect discovery and the signing keys, as `login.microsoftonline.com` publishes them.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::errors::EntraError;
use crate::state::SandboxState;

pub async fn openid_configuration(
    State(state): State<Arc<SandboxState>>,
    Path(tenant): Path<String>,
) -> Response {
    if !state.directory.accepts_tenant(&tenant) {
        return EntraError::tenant_not_found(&tenant).into_response();
    }
    let base = format!("{}/{tenant}", state.urls.instance_url);
    Json(json!({
        "token_endpoint": format!("{base}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{}/discovery/v2.0/keys", state.urls.authority),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": state.urls.v2_issuer(),
        "request_uri_parameter_supported": false,
        "authorization_endpoint": format!("{base}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{base}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{base}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "nonce",
                             "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
        "tenant_region_scope": "NA",
        "cloud_instance_name": "sandbox.local",
    }))
    .into_response()
}

pub async fn keys(State(state): State<Arc<SandboxState>>, Path(tenant): Path<String>) -> Response {
    if !state.directory.accepts_tenant(&tenant) {
        return EntraError::tenant_not_found(&tenant).into_response();
    }
    Json(state.keys.jwks(&state.urls.v2_issuer())).into_response()
}
