//! `GET /{tenant}/oauth2/v2.0/authorize` and the sign-in and consent pages behind it.
//!
//! Errors before the redirect URI is trusted (unknown tenant or app, an unregistered redirect URI) are shown
//! on a page, as Entra does; later ones go back to the redirect URI as `error`/`error_description`/`state`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use time::OffsetDateTime;
use url::Url;
use uuid::Uuid;

use super::errors::EntraError;
use super::pages;
use super::scopes::Scopes;
use crate::directory::AppRegistration;
use crate::state::{AuthorizationRequest, CodeGrant, Completion, DeviceStatus, SandboxState, opaque_token};

const SESSION_COOKIE: &str = "sandbox_session";

pub async fn authorize(
    State(state): State<Arc<SandboxState>>,
    Path(tenant): Path<String>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Response {
    let query: HashMap<String, String> =
        url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes()).into_owned().collect();
    if !state.directory.accepts_tenant(&tenant) {
        let err = EntraError::tenant_not_found(&tenant);
        return error_page(err.code, &err.message);
    }
    let client_id = query.get("client_id").map(String::as_str).unwrap_or_default();
    let Some(app) = state.directory.app(client_id) else {
        let err = EntraError::app_not_found(client_id, &state.directory.tenant_name);
        return error_page(err.code, &err.message);
    };
    let redirect_uri = query.get("redirect_uri").map(String::as_str).unwrap_or_default();
    if !redirect_uri_allowed(app, redirect_uri) {
        let message = format!(
            "The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs \
             configured for the application '{client_id}'. Make sure the redirect URI sent in the request \
             matches one added to your application in the Azure portal. Navigate to \
             https://aka.ms/redirectUriMismatchError to learn more about how to fix this."
        );
        return error_page(50011, &message);
    }
    let client_state = query.get("state").cloned();
    let back = |err: EntraError| redirect_with(redirect_uri, &error_params(&err), client_state.as_deref());

    match query.get("response_type").map(String::as_str) {
        Some("code") => {}
        other => {
            let err = EntraError::unsupported_response_type(other.unwrap_or_default());
            return back(err);
        }
    }
    if !matches!(query.get("response_mode").map(String::as_str), None | Some("query")) {
        return back(EntraError::malformed("Only response_mode=query is supported by the sandbox."));
    }
    let scopes = match Scopes::parse(query.get("scope").map(String::as_str).unwrap_or_default()) {
        Ok(scopes) => scopes,
        Err(err) => return back(err),
    };
    if state.urls.known_resource(&scopes.resource).is_none() {
        return back(EntraError::resource_not_found(&scopes.resource, &state.directory.tenant_name));
    }
    let code_challenge = query.get("code_challenge").cloned();
    match (code_challenge.is_some(), query.get("code_challenge_method").map(String::as_str)) {
        (false, _) if app.is_public() => return back(EntraError::code_required_for_public_client()),
        (true, Some("S256")) | (false, None) => {}
        (true, _) | (false, Some(_)) => {
            return back(EntraError::malformed("code_challenge_method must be S256 with a code_challenge."));
        }
    }

    let prompt = query.get("prompt").map(String::as_str).unwrap_or_default();
    let session_user = session_user(&state, &headers);
    let request = AuthorizationRequest {
        client_id: app.client_id,
        completion: Completion::Redirect {
            redirect_uri: redirect_uri.to_owned(),
            state: client_state.clone(),
            code_challenge,
        },
        scopes,
        login_hint: query.get("login_hint").cloned(),
        force_consent: prompt == "consent",
        nonce: query.get("nonce").cloned(),
        user: session_user.filter(|_| !matches!(prompt, "login" | "select_account")),
    };
    if prompt == "none" {
        let Some(user) = request.user else {
            return back(EntraError::login_required());
        };
        if !state.consented(user, app.client_id) {
            let err = EntraError::consent_required(&app.client_id.to_string(), &app.name);
            return back(EntraError { error: "consent_required", ..err });
        }
        return finish(&state, request);
    }
    continue_sign_in(&state, &tenant, opaque_token(), request)
}

/// `POST /{tenant}/login`: the sign-in form.
pub async fn login(
    State(state): State<Arc<SandboxState>>,
    Path(tenant): Path<String>,
    body: Bytes,
) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let ctx = form.get("ctx").cloned().unwrap_or_default();
    let Some(mut request) = state.grants().pending.get(&ctx).cloned() else {
        return expired_request_page();
    };
    let login = form.get("login").map(String::as_str).unwrap_or_default();
    let password = form.get("passwd").map(String::as_str).unwrap_or_default();
    let Some(user) = state.directory.user_by_upn(login).filter(|u| u.password == password) else {
        let app_name =
            state.directory.apps.iter().find(|a| a.client_id == request.client_id).map_or("", |a| &a.name);
        let html = pages::sign_in(
            &tenant,
            &ctx,
            app_name,
            login,
            Some("AADSTS50126: Your account or password is incorrect."),
        );
        return (StatusCode::OK, Html(html)).into_response();
    };
    request.user = Some(user.object_id);
    let session = opaque_token();
    state.grants().sessions.insert(session.clone(), user.object_id);
    let mut response = continue_sign_in(&state, &tenant, ctx, request);
    let cookie = format!("{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Lax");
    if let Ok(value) = cookie.parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// `POST /{tenant}/consent`: Accept or Cancel.
pub async fn consent(
    State(state): State<Arc<SandboxState>>,
    Path(_tenant): Path<String>,
    body: Bytes,
) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let ctx = form.get("ctx").cloned().unwrap_or_default();
    let Some(request) = state.grants().pending.remove(&ctx) else {
        return expired_request_page();
    };
    let Some(user) = request.user else {
        return expired_request_page();
    };
    if form.get("decision").map(String::as_str) != Some("accept") {
        return match &request.completion {
            Completion::Redirect { redirect_uri, state: client_state, .. } => {
                let err = EntraError::consent_declined();
                redirect_with(redirect_uri, &error_params(&err), client_state.as_deref())
            }
            Completion::Device { device_code } => {
                if let Some(device) = state.grants().devices.get_mut(device_code) {
                    device.status = DeviceStatus::Declined;
                }
                Html(pages::device_done(false)).into_response()
            }
        };
    }
    state.add_consent(user, request.client_id);
    finish(&state, request)
}

/// Shows the next page the request needs (sign-in, then consent), or finishes it.
pub(super) fn continue_sign_in(
    state: &SandboxState,
    tenant: &str,
    ctx: String,
    request: AuthorizationRequest,
) -> Response {
    let app = state.directory.apps.iter().find(|a| a.client_id == request.client_id);
    let app_name = app.map_or("", |a| a.name.as_str()).to_owned();
    let Some(user_id) = request.user else {
        let hint = request.login_hint.clone().unwrap_or_default();
        state.grants().pending.insert(ctx.clone(), request);
        return Html(pages::sign_in(tenant, &ctx, &app_name, &hint, None)).into_response();
    };
    let consented = state.consented(user_id, request.client_id);
    if consented && !request.force_consent {
        state.grants().pending.remove(&ctx);
        return finish(state, request);
    }
    let upn = state.directory.user_by_oid(user_id).map_or(String::new(), |u| u.upn.clone());
    let permissions = permission_descriptions(state, &request.scopes);
    state.grants().pending.insert(ctx.clone(), request);
    Html(pages::consent(tenant, &ctx, &app_name, &upn, &permissions)).into_response()
}

fn permission_descriptions(state: &SandboxState, scopes: &Scopes) -> Vec<String> {
    let resource =
        if state.urls.known_resource(&scopes.resource) == Some(state.urls.discovery_resource.as_str()) {
            "Common Data Service global discovery"
        } else {
            "Dynamics CRM"
        };
    let mut out: Vec<String> = scopes
        .permissions
        .iter()
        .map(|p| format!("Access {resource} as you ({p}, {})", scopes.resource))
        .collect();
    if scopes.has("offline_access") {
        out.push("Maintain access to data you have given it access to (offline_access)".into());
    }
    if scopes.has("openid") || scopes.has("profile") {
        out.push("Sign you in and read your profile (openid profile)".into());
    }
    out
}

/// Completes a signed-in, consented request: a code back to the app, or an approved device.
fn finish(state: &SandboxState, request: AuthorizationRequest) -> Response {
    let Some(user) = request.user else {
        return expired_request_page();
    };
    match request.completion {
        Completion::Redirect { redirect_uri, state: client_state, code_challenge } => {
            let code = opaque_token();
            state.grants().codes.insert(
                code.clone(),
                CodeGrant {
                    client_id: request.client_id,
                    redirect_uri: redirect_uri.clone(),
                    code_challenge,
                    user,
                    scopes: request.scopes,
                    nonce: request.nonce,
                    issued: OffsetDateTime::now_utc(),
                    redeemed: false,
                },
            );
            redirect_with(&redirect_uri, &[("code", code)], client_state.as_deref())
        }
        Completion::Device { device_code } => {
            if let Some(device) = state.grants().devices.get_mut(&device_code) {
                device.status = DeviceStatus::Approved(user);
            }
            Html(pages::device_done(true)).into_response()
        }
    }
}

fn session_user(state: &SandboxState, headers: &HeaderMap) -> Option<Uuid> {
    let cookies = headers.get(header::COOKIE)?.to_str().ok()?;
    let session = cookies
        .split(';')
        .filter_map(|c| c.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)?
        .1;
    state.grants().sessions.get(session).copied()
}

/// Entra's redirect URI rules: exact match, except that for loopback hosts registered as
/// `http://localhost` (or `http://127.0.0.1`) the port is ignored.
fn redirect_uri_allowed(app: &AppRegistration, redirect_uri: &str) -> bool {
    let Ok(given) = Url::parse(redirect_uri) else {
        return false;
    };
    app.redirect_uris.iter().any(|registered| {
        if registered == redirect_uri {
            return true;
        }
        let Ok(registered) = Url::parse(registered) else {
            return false;
        };
        let loopback = matches!(registered.host_str(), Some("localhost" | "127.0.0.1"));
        loopback
            && given.scheme() == registered.scheme()
            && given.host_str() == registered.host_str()
            && given.path().trim_end_matches('/') == registered.path().trim_end_matches('/')
            && given.query() == registered.query()
    })
}

fn error_params(err: &EntraError) -> Vec<(&'static str, String)> {
    let description = err.description(Uuid::new_v4(), Uuid::new_v4(), OffsetDateTime::now_utc());
    vec![("error", err.error.to_owned()), ("error_description", description)]
}

fn redirect_with(redirect_uri: &str, params: &[(&str, String)], state: Option<&str>) -> Response {
    let Ok(mut url) = Url::parse(redirect_uri) else {
        return error_page(50011, "The redirect URI is not a valid URL.");
    };
    {
        let mut pairs = url.query_pairs_mut();
        for (name, value) in params {
            pairs.append_pair(name, value);
        }
        if let Some(state) = state {
            pairs.append_pair("state", state);
        }
    }
    // Entra answers with 302 Found.
    (StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response()
}

fn error_page(code: u32, message: &str) -> Response {
    (StatusCode::BAD_REQUEST, Html(pages::error(code, message))).into_response()
}

fn expired_request_page() -> Response {
    error_page(
        90014,
        "The sign-in request is no longer pending (it was completed, cancelled or the sandbox restarted). \
         Start the sign-in again from the app.",
    )
}
