//! `POST /{tenant}/oauth2/v2.0/token`: client credentials, authorization code (+ PKCE) and refresh token
//! grants, with Entra's checks in Entra's order and its error codes.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use super::certificates;
use super::errors::EntraError;
use super::keys::AccessClaims;
use super::scopes::Scopes;
use crate::data::identity;
use crate::directory::{AppRegistration, ClientKind, User};
use crate::state::{RefreshGrant, SandboxState, opaque_token};

type Form = HashMap<String, String>;

pub async fn token(
    State(state): State<Arc<SandboxState>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form: Form = url::form_urlencoded::parse(&body).into_owned().collect();
    match grant(&state, &tenant, &headers, &form) {
        Ok(body) => Json(body).into_response(),
        Err(err) => {
            tracing::info!(code = err.code, error = err.error, "token request refused");
            err.into_response()
        }
    }
}

fn grant(state: &SandboxState, tenant: &str, headers: &HeaderMap, form: &Form) -> Result<Value, EntraError> {
    if !state.directory.accepts_tenant(tenant) {
        return Err(EntraError::tenant_not_found(tenant));
    }
    let grant_type = required(form, "grant_type")?;
    // An app-only token is for one tenant: the multi-tenant aliases do not say which.
    if grant_type == "client_credentials" && !state.directory.is_tenant(tenant) {
        return Err(EntraError::no_tenant_identifying_information());
    }
    let (basic_id, basic_secret) = basic_credentials(headers).unzip();
    let client_id = form
        .get("client_id")
        .cloned()
        .or(basic_id)
        .ok_or_else(|| EntraError::missing_parameter("client_id"))?;
    let secret = form.get("client_secret").cloned().or(basic_secret);
    let app = match form.get("client_assertion").filter(|a| !a.is_empty()) {
        Some(assertion) => {
            authenticate_assertion(state, tenant, &client_id, secret.is_some(), form, assertion)?
        }
        None => authenticate_client(state, &client_id, secret.as_deref())?,
    };
    let certificate = form.get("client_assertion").is_some_and(|a| !a.is_empty());
    match grant_type {
        "client_credentials" => client_credentials(state, app, form, certificate),
        "authorization_code" => authorization_code(state, app, form),
        "refresh_token" => refresh_token(state, app, form),
        "urn:ietf:params:oauth:grant-type:device_code" => {
            let (user, scopes) = super::device::redeem(state, app, form)?;
            let user =
                state.directory.user_by_oid(user).ok_or_else(|| EntraError::malformed("Unknown user."))?;
            delegated_response(state, app, user, &scopes, None, form)
        }
        other => Err(EntraError::unsupported_grant_type(other)),
    }
}

fn required<'a>(form: &'a Form, name: &str) -> Result<&'a str, EntraError> {
    form.get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| EntraError::missing_parameter(name))
}

/// `client_secret_basic`: `Authorization: Basic base64(client_id:secret)`.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get("authorization")?.to_str().ok()?.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(value.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("v={s}").as_bytes()).next().map(|(_, v)| v.into_owned())
    };
    Some((unescape(id)?, unescape(secret)?))
}

fn authenticate_client<'a>(
    state: &'a SandboxState,
    client_id: &str,
    secret: Option<&str>,
) -> Result<&'a AppRegistration, EntraError> {
    let app = state
        .directory
        .app(client_id)
        .ok_or_else(|| EntraError::app_not_found(client_id, &state.directory.tenant_name))?;
    match (&app.kind, secret) {
        (ClientKind::Public, Some(_)) => Err(EntraError::public_client_sent_secret()),
        (ClientKind::Public, None) => Ok(app),
        (ClientKind::Confidential { .. }, None) => Err(EntraError::missing_secret()),
        (ClientKind::Confidential { secrets }, Some(given)) => {
            let now = OffsetDateTime::now_utc();
            match secrets.iter().find(|s| s.value == given) {
                Some(s) if s.expires > now => Ok(app),
                Some(_) => Err(EntraError::expired_secret(client_id)),
                None => Err(EntraError::invalid_secret(client_id)),
            }
        }
    }
}

/// A confidential client authenticated by a certificate's signed assertion (RFC 7523 `private_key_jwt`).
fn authenticate_assertion<'a>(
    state: &'a SandboxState,
    tenant: &str,
    client_id: &str,
    with_secret: bool,
    form: &Form,
    assertion: &str,
) -> Result<&'a AppRegistration, EntraError> {
    let app = state
        .directory
        .app(client_id)
        .ok_or_else(|| EntraError::app_not_found(client_id, &state.directory.tenant_name))?;
    if app.is_public() {
        return Err(EntraError::public_client_sent_secret());
    }
    if with_secret {
        return Err(EntraError::malformed("Only one of client_secret and client_assertion may be sent."));
    }
    if form.get("client_assertion_type").map(String::as_str) != Some(certificates::JWT_BEARER) {
        return Err(EntraError::unsupported_assertion_type());
    }
    // The assertion is for this tenant's token endpoint, by its id or its domain (v2.0 or v1.0 path).
    let origin = &state.urls.instance_url;
    let audience_ok = |aud: &str| {
        aud.strip_prefix(origin.as_str())
            .and_then(|path| path.strip_prefix('/'))
            .and_then(|path| path.split_once('/'))
            .is_some_and(|(named, rest)| {
                (state.directory.is_tenant(named) || named == tenant)
                    && state.directory.accepts_tenant(named)
                    && matches!(rest, "oauth2/v2.0/token" | "oauth2/token")
            })
    };
    certificates::verify_assertion(app, assertion, &audience_ok)?;
    Ok(app)
}

fn client_credentials(
    state: &SandboxState,
    app: &AppRegistration,
    form: &Form,
    certificate: bool,
) -> Result<Value, EntraError> {
    if app.is_public() {
        return Err(EntraError::missing_secret());
    }
    let scope = required(form, "scope")?;
    let scopes = Scopes::parse(scope)?;
    if scopes.permissions != [".default"] || !scopes.oidc.is_empty() {
        return Err(EntraError::client_credentials_need_default_scope(scope));
    }
    let resource = known_resource(state, &scopes.resource)?;
    let (mut claims, expires_in) = access_claims(state, app, None, resource, None);
    if certificate {
        // v1.0 tokens say how the app authenticated: appidacr 2 is a certificate.
        claims.appidacr = "2".into();
    }
    let access_token = state.keys.sign(&claims);
    Ok(json!({
        "token_type": "Bearer",
        "expires_in": expires_in,
        "ext_expires_in": expires_in,
        "access_token": access_token,
    }))
}

fn authorization_code(state: &SandboxState, app: &AppRegistration, form: &Form) -> Result<Value, EntraError> {
    let code = required(form, "code")?;
    let redirect_uri = required(form, "redirect_uri")?;
    let grant = {
        let mut grants = state.grants();
        let grant = grants
            .codes
            .get_mut(code)
            .ok_or_else(|| EntraError::malformed("The provided authorization code is not valid."))?;
        if grant.redeemed {
            return Err(EntraError::code_redeemed());
        }
        if OffsetDateTime::now_utc() - grant.issued > state.options.code_lifetime {
            return Err(EntraError::code_expired());
        }
        if grant.client_id != app.client_id {
            return Err(EntraError::grant_not_for_client());
        }
        if grant.redirect_uri != redirect_uri {
            return Err(EntraError::redirect_uri_mismatch(redirect_uri));
        }
        if let Some(challenge) = &grant.code_challenge {
            let verifier = form.get("code_verifier").ok_or_else(EntraError::pkce_mismatch)?;
            if URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != *challenge {
                return Err(EntraError::pkce_mismatch());
            }
        }
        grant.redeemed = true;
        grant.clone()
    };
    let user =
        state.directory.user_by_oid(grant.user).ok_or_else(|| EntraError::malformed("Unknown user."))?;
    delegated_response(state, app, user, &grant.scopes, grant.nonce.as_deref(), form)
}

fn refresh_token(state: &SandboxState, app: &AppRegistration, form: &Form) -> Result<Value, EntraError> {
    let token = required(form, "refresh_token")?;
    let grant = {
        let conn = state.store.lock();
        let grant = identity::refresh(&conn, token)
            .map_err(storage_error)?
            .ok_or_else(|| EntraError::malformed("The provided refresh token is not valid."))?;
        let now = OffsetDateTime::now_utc();
        if now - grant.last_used > state.options.refresh_token_lifetime {
            return Err(EntraError::refresh_token_expired(grant.last_used));
        }
        if grant.client_id != app.client_id {
            return Err(EntraError::grant_not_for_client());
        }
        identity::touch_refresh(&conn, token, now).map_err(storage_error)?;
        grant
    };
    // A refresh token is good for any resource the user consented to (Entra's multi-resource refresh
    // tokens): the scope may name another resource than the original request.
    let scopes = match form.get("scope").filter(|s| !s.trim().is_empty()) {
        Some(scope) => Scopes::parse(scope)?,
        None => grant.scopes.clone(),
    };
    if !state.consented(grant.user, app.client_id) {
        return Err(EntraError::consent_required(&app.client_id.to_string(), &app.name));
    }
    let user =
        state.directory.user_by_oid(grant.user).ok_or_else(|| EntraError::malformed("Unknown user."))?;
    // A refreshed grant keeps offline access even when the new scope does not repeat it.
    let mut scopes = scopes;
    if grant.scopes.has("offline_access") && !scopes.has("offline_access") {
        scopes.oidc.push("offline_access".into());
    }
    delegated_response(state, app, user, &scopes, None, form)
}

/// The store could not keep or read a grant: Entra's "error issuing a token", with the cause in the log.
fn storage_error(err: rusqlite::Error) -> EntraError {
    tracing::error!(%err, "the store could not keep or read a refresh token");
    EntraError::server_error()
}

fn known_resource<'a>(state: &'a SandboxState, resource: &str) -> Result<&'a str, EntraError> {
    state
        .urls
        .known_resource(resource)
        .ok_or_else(|| EntraError::resource_not_found(resource, &state.directory.tenant_name))
}

/// The token response of a delegated grant: access token, and a refresh token with `offline_access`, an
/// id token with `openid`, `client_info` when MSAL asks for it.
fn delegated_response(
    state: &SandboxState,
    app: &AppRegistration,
    user: &User,
    scopes: &Scopes,
    nonce: Option<&str>,
    form: &Form,
) -> Result<Value, EntraError> {
    let resource = known_resource(state, &scopes.resource)?;
    let scp = scopes
        .permissions
        .iter()
        .map(|p| if p == ".default" { "user_impersonation" } else { p.as_str() })
        .collect::<Vec<_>>()
        .join(" ");
    let (access_token, expires_in) = access_token(state, app, Some(user), resource, Some(scp));
    let mut body = json!({
        "token_type": "Bearer",
        "scope": scopes.granted_resource_scopes(),
        "expires_in": expires_in,
        "ext_expires_in": expires_in,
        "access_token": access_token,
    });
    if scopes.has("offline_access") {
        let refresh = opaque_token();
        let grant = RefreshGrant {
            client_id: app.client_id,
            user: user.object_id,
            scopes: scopes.clone(),
            last_used: OffsetDateTime::now_utc(),
        };
        let conn = state.store.lock();
        let expired = OffsetDateTime::now_utc() - state.options.refresh_token_lifetime;
        identity::forget_unused_refresh(&conn, expired).map_err(storage_error)?;
        identity::insert_refresh(&conn, &refresh, &grant).map_err(storage_error)?;
        body["refresh_token"] = Value::String(refresh);
    }
    if scopes.has("openid") {
        body["id_token"] = Value::String(id_token(state, app, user, nonce));
    }
    if form.get("client_info").is_some_and(|v| v == "1") {
        let info = json!({ "uid": user.object_id, "utid": state.directory.tenant_id });
        body["client_info"] = Value::String(URL_SAFE_NO_PAD.encode(info.to_string()));
    }
    Ok(body)
}

/// A signed v1.0 access token for `resource`: app-only without a user, delegated with one.
pub fn access_token(
    state: &SandboxState,
    app: &AppRegistration,
    user: Option<&User>,
    resource: &str,
    scp: Option<String>,
) -> (String, u64) {
    let (claims, lifetime) = access_claims(state, app, user, resource, scp);
    (state.keys.sign(&claims), lifetime)
}

fn access_claims(
    state: &SandboxState,
    app: &AppRegistration,
    user: Option<&User>,
    resource: &str,
    scp: Option<String>,
) -> (AccessClaims, u64) {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let lifetime = state.options.token_lifetime.as_secs();
    let oid = user.map_or(app.service_principal_id, |u| u.object_id).to_string();
    let claims = AccessClaims {
        aud: resource.to_owned(),
        iss: state.urls.access_token_issuer(),
        iat: now,
        nbf: now,
        exp: now + lifetime as i64,
        appid: app.client_id.to_string(),
        appidacr: if app.is_public() { "0" } else { "1" }.into(),
        sub: oid.clone(),
        oid,
        tid: state.directory.tenant_id.to_string(),
        uti: Uuid::new_v4().simple().to_string(),
        ver: "1.0".into(),
        scp,
        idtyp: user.is_none().then(|| "app".into()),
        upn: user.map(|u| u.upn.clone()),
        unique_name: user.map(|u| u.upn.clone()),
        name: user.map(|u| u.display_name.clone()),
    };
    (claims, lifetime)
}

fn id_token(state: &SandboxState, app: &AppRegistration, user: &User, nonce: Option<&str>) -> String {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let mut claims = json!({
        "aud": app.client_id,
        "iss": state.urls.v2_issuer(),
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "name": user.display_name,
        "oid": user.object_id,
        "preferred_username": user.upn,
        "sub": user.object_id,
        "tid": state.directory.tenant_id,
        "ver": "2.0",
    });
    if let Some(nonce) = nonce {
        claims["nonce"] = Value::String(nonce.to_owned());
    }
    state.keys.sign(&claims)
}
