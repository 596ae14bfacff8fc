//! The Entra ID (Microsoft identity platform v2) half of the sandbox: discovery, keys, the authorize and
//! token endpoints, and the sign-in and consent pages.

pub mod authorize;
pub mod certificates;
pub mod device;
pub mod discovery;
pub mod errors;
pub mod keys;
pub mod pages;
pub mod scopes;
pub mod token;

use std::sync::Arc;

use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::state::SandboxState;

pub fn routes() -> Router<Arc<SandboxState>> {
    Router::new()
        .route("/{tenant}/v2.0/.well-known/openid-configuration", get(discovery::openid_configuration))
        .route("/{tenant}/discovery/v2.0/keys", get(discovery::keys))
        .route("/{tenant}/oauth2/v2.0/authorize", get(authorize::authorize))
        .route("/{tenant}/oauth2/v2.0/token", post(token::token).fallback(post_only))
        .route("/{tenant}/login", post(authorize::login))
        .route("/{tenant}/consent", post(authorize::consent))
        .route("/{tenant}/oauth2/v2.0/devicecode", post(device::device_code).fallback(post_only))
        .route("/devicelogin", get(device::entry_page).post(device::enter_code))
}

async fn post_only() -> Response {
    errors::EntraError::post_only().into_response()
}
