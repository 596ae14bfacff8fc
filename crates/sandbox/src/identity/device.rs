//! The device-code flow (for machines without a browser): `POST /{tenant}/oauth2/v2.0/devicecode` hands
//! out a user code; the user enters it at `/devicelogin` in any browser, signs in and consents; the
//! device polls the token endpoint until then.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use rand::Rng;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::authorize::continue_sign_in;
use super::errors::EntraError;
use super::pages;
use super::scopes::Scopes;
use crate::directory::AppRegistration;
use crate::state::{AuthorizationRequest, Completion, DeviceGrant, DeviceStatus, SandboxState, opaque_token};

/// Seconds a device should wait between polls.
const POLL_INTERVAL: u64 = 5;

pub async fn device_code(
    State(state): State<Arc<SandboxState>>,
    Path(tenant): Path<String>,
    body: Bytes,
) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    match start(&state, &tenant, &form) {
        Ok(body) => Json(body).into_response(),
        Err(err) => err.into_response(),
    }
}

fn start(state: &SandboxState, tenant: &str, form: &HashMap<String, String>) -> Result<Value, EntraError> {
    if !state.directory.accepts_tenant(tenant) {
        return Err(EntraError::tenant_not_found(tenant));
    }
    let client_id = form.get("client_id").ok_or_else(|| EntraError::missing_parameter("client_id"))?;
    let app = state
        .directory
        .app(client_id)
        .ok_or_else(|| EntraError::app_not_found(client_id, &state.directory.tenant_name))?;
    let scope = form.get("scope").ok_or_else(|| EntraError::missing_parameter("scope"))?;
    let scopes = Scopes::parse(scope)?;
    if state.urls.known_resource(&scopes.resource).is_none() {
        return Err(EntraError::resource_not_found(&scopes.resource, &state.directory.tenant_name));
    }
    let (device_code, user_code) = (opaque_token(), user_code());
    let verification_uri = format!("{}/devicelogin", state.urls.instance_url);
    let expires_in = state.options.device_code_lifetime.as_secs();
    state.grants().devices.insert(
        device_code.clone(),
        DeviceGrant {
            client_id: app.client_id,
            user_code: user_code.clone(),
            scopes,
            issued: OffsetDateTime::now_utc(),
            status: DeviceStatus::Pending,
        },
    );
    Ok(json!({
        "user_code": user_code,
        "device_code": device_code,
        "verification_uri": verification_uri,
        "expires_in": expires_in,
        "interval": POLL_INTERVAL,
        "message": format!(
            "To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate."
        ),
    }))
}

/// Nine characters from an alphabet without look-alikes, as Entra's codes.
fn user_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..9).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

/// `GET /devicelogin`: the page where the user types the code.
pub async fn entry_page() -> Html<String> {
    Html(pages::device_code_entry(None))
}

/// `POST /devicelogin`: the code typed by the user; continues with sign-in and consent.
pub async fn enter_code(State(state): State<Arc<SandboxState>>, body: Bytes) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let typed = form.get("otc").map(|c| c.trim().to_ascii_uppercase()).unwrap_or_default();
    let found = {
        let grants = state.grants();
        grants
            .devices
            .iter()
            .find(|(_, d)| d.user_code == typed && d.status == DeviceStatus::Pending)
            .map(|(code, d)| (code.clone(), d.clone()))
    };
    let Some((device_code, device)) =
        found.filter(|(_, d)| OffsetDateTime::now_utc() - d.issued <= state.options.device_code_lifetime)
    else {
        let html = pages::device_code_entry(Some(
            "That code is not valid or has expired. Check the code and try again.",
        ));
        return (StatusCode::OK, Html(html)).into_response();
    };
    let request = AuthorizationRequest {
        client_id: device.client_id,
        completion: Completion::Device { device_code },
        scopes: device.scopes,
        login_hint: None,
        force_consent: false,
        nonce: None,
        user: None,
    };
    continue_sign_in(&state, &state.directory.tenant_id.to_string(), opaque_token(), request)
}

/// The device's poll at the token endpoint (`urn:ietf:params:oauth:grant-type:device_code`).
pub fn redeem(
    state: &SandboxState,
    app: &AppRegistration,
    form: &HashMap<String, String>,
) -> Result<(uuid::Uuid, Scopes), EntraError> {
    let device_code = form.get("device_code").ok_or_else(|| EntraError::missing_parameter("device_code"))?;
    let mut grants = state.grants();
    let device = grants
        .devices
        .get(device_code)
        .ok_or_else(|| EntraError::malformed("The provided device code is not valid."))?;
    if device.client_id != app.client_id {
        return Err(EntraError::grant_not_for_client());
    }
    if OffsetDateTime::now_utc() - device.issued > state.options.device_code_lifetime {
        return Err(EntraError::device_code_expired());
    }
    match device.status {
        DeviceStatus::Pending => Err(EntraError::authorization_pending()),
        DeviceStatus::Declined => Err(EntraError::authorization_declined()),
        DeviceStatus::Approved(user) => {
            let scopes = device.scopes.clone();
            grants.devices.remove(device_code);
            Ok((user, scopes))
        }
    }
}
