//! Helpers for the sandbox's protocol tests: a sandbox on a free loopback port, an HTTP client that does not
//! follow redirects (so tests see them), and the browser steps of a sign-in done over plain HTTP.
#![allow(dead_code)] // each test file uses its own subset

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use d365_sandbox::{Sandbox, SandboxOptions};
use reqwest::{Client, Response, StatusCode, redirect};
use serde_json::Value;
use sha2::{Digest, Sha256};
use url::Url;

pub const PASSWORD: &str = "Sandbox-Test-Password";
pub const SECRET: &str = "tst8Q~sandbox-test-secret-0123456789abcd";

/// A sandbox with a small seed: identity and front-door tests need the directory, not many rows.
pub async fn sandbox() -> Sandbox {
    sandbox_with(SandboxOptions { seed: 20, ..Default::default() }).await
}

pub async fn sandbox_with(options: SandboxOptions) -> Sandbox {
    let options = SandboxOptions {
        org_client_secret: Some(SECRET.into()),
        user_password: Some(PASSWORD.into()),
        ..options
    };
    Sandbox::bind("127.0.0.1:0", options).await.expect("the sandbox starts")
}

pub fn http() -> Client {
    Client::builder().redirect(redirect::Policy::none()).build().expect("HTTP client")
}

pub fn token_url(sandbox: &Sandbox) -> String {
    format!("{}/oauth2/v2.0/token", sandbox.info().authority)
}

pub async fn post_form(url: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let response = http().post(url).form(form).send().await.expect("token endpoint answers");
    let status = response.status();
    (status, response.json().await.expect("a JSON body"))
}

/// A client-credentials token for `client_id` and `scope`.
pub async fn app_token(sandbox: &Sandbox, client_id: &str, scope: &str) -> (StatusCode, Value) {
    post_form(
        &token_url(sandbox),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", SECRET),
            ("scope", scope),
        ],
    )
    .await
}

pub async fn org_app_token(sandbox: &Sandbox) -> String {
    let scope = format!("{}/.default", sandbox.info().instance_url);
    let (status, body) = app_token(sandbox, &sandbox.info().org_client_id, &scope).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["access_token"].as_str().expect("access_token").to_owned()
}

/// Asserts an Entra error body: the OAuth error, the AADSTS code, and the fields every error carries.
pub fn assert_entra_error(body: &Value, error: &str, code: u64) {
    assert_eq!(body["error"], error, "{body}");
    assert_eq!(body["error_codes"], serde_json::json!([code]), "{body}");
    let description = body["error_description"].as_str().expect("error_description");
    assert!(description.starts_with(&format!("AADSTS{code}: ")), "{description}");
    assert!(description.contains("\r\nTrace ID: ") && description.contains("\r\nCorrelation ID: "));
    for field in ["timestamp", "trace_id", "correlation_id", "error_uri"] {
        assert!(body[field].is_string(), "{field} missing in {body}");
    }
}

pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

pub fn pkce() -> Pkce {
    let verifier = "a-verifier-of-more-than-forty-three-characters-0123456789".to_owned();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    Pkce { verifier, challenge }
}

pub fn authorize_url(sandbox: &Sandbox, params: &[(&str, &str)]) -> String {
    let mut url = Url::parse(&format!("{}/oauth2/v2.0/authorize", sandbox.info().authority)).expect("URL");
    url.query_pairs_mut().extend_pairs(params);
    url.to_string()
}

/// The standard parameters of the desktop app's sign-in: public client, loopback redirect, PKCE.
pub fn desktop_params<'a>(sandbox: &'a Sandbox, scope: &'a str, pkce: &'a Pkce) -> Vec<(&'a str, &'a str)> {
    vec![
        ("client_id", sandbox.info().public_client_id.as_str()),
        ("response_type", "code"),
        ("redirect_uri", "http://localhost:51234/"),
        ("response_mode", "query"),
        ("scope", scope),
        ("state", "state-123"),
        ("code_challenge", pkce.challenge.as_str()),
        ("code_challenge_method", "S256"),
    ]
}

/// The value of the hidden `ctx` input of a sign-in or consent page.
pub fn ctx_of(html: &str) -> String {
    d365_testkit::ctx(html)
}

pub fn query_of(location: &str) -> HashMap<String, String> {
    Url::parse(location).expect("redirect URL").query_pairs().into_owned().collect()
}

pub fn location(response: &Response) -> String {
    response.headers()["location"].to_str().expect("location").to_owned()
}

/// Opens the authorize URL, signs in as `upn`, and answers the consent page with `decision`. Returns the
/// final redirect's location.
pub async fn sign_in(sandbox: &Sandbox, authorize: &str, upn: &str, decision: &str) -> String {
    let client = http();
    let page = client.get(authorize).send().await.expect("authorize page");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("HTML");
    assert!(html.contains(r#"id="i0116""#), "a sign-in page: {html}");
    let login = format!("{}/login", sandbox.info().authority);
    let consent_page = client
        .post(&login)
        .form(&[("ctx", ctx_of(&html).as_str()), ("login", upn), ("passwd", PASSWORD)])
        .send()
        .await
        .expect("sign-in answered");
    assert_eq!(consent_page.status(), StatusCode::OK);
    let html = consent_page.text().await.expect("HTML");
    assert!(html.contains("Permissions requested"), "a consent page: {html}");
    let consent = format!("{}/consent", sandbox.info().authority);
    let done = client
        .post(&consent)
        .form(&[("ctx", ctx_of(&html).as_str()), ("decision", decision)])
        .send()
        .await
        .expect("consent answered");
    assert_eq!(done.status(), StatusCode::FOUND);
    location(&done)
}

/// A full desktop sign-in (consent accepted) and code redemption; returns the token response.
pub async fn user_tokens(sandbox: &Sandbox, upn: &str, scope: &str) -> Value {
    let pkce = pkce();
    let authorize = authorize_url(sandbox, &desktop_params(sandbox, scope, &pkce));
    let back = query_of(&sign_in(sandbox, &authorize, upn, "accept").await);
    let (status, body) = post_form(
        &token_url(sandbox),
        &[
            ("grant_type", "authorization_code"),
            ("client_id", sandbox.info().public_client_id.as_str()),
            ("code", back["code"].as_str()),
            ("redirect_uri", "http://localhost:51234/"),
            ("code_verifier", pkce.verifier.as_str()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// The claims of a JWT, read without checking anything.
pub fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON claims")
}
