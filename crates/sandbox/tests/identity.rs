//! The Entra ID emulator over real HTTP: discovery, keys, the token endpoint's grants and errors, and the
//! authorize flow driven as a browser would (without one: the HTML forms are posted directly; the real
//! browser runs in the end-to-end tests).
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use d365_testkit::JsonValue;
use std::time::Duration;

use common::*;
use d365_sandbox::SandboxOptions;
use d365_sandbox::directory::{EXPIRED_SECRET_CLIENT_ID, READER_UPN};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn openid_configuration_points_at_this_sandbox() {
    let sandbox = sandbox().await;
    let info = sandbox.info();
    let config: Value =
        http().get(format!("{}/v2.0/.well-known/openid-configuration", info.authority)).json_value().await;
    assert_eq!(config["issuer"], format!("{}/v2.0", info.authority));
    assert_eq!(config["token_endpoint"], format!("{}/oauth2/v2.0/token", info.authority));
    assert_eq!(config["authorization_endpoint"], format!("{}/oauth2/v2.0/authorize", info.authority));
    assert_eq!(config["device_authorization_endpoint"], format!("{}/oauth2/v2.0/devicecode", info.authority));
    assert_eq!(config["jwks_uri"], format!("{}/discovery/v2.0/keys", info.authority));

    let unknown =
        format!("{}/nosuchtenant.onmicrosoft.com/v2.0/.well-known/openid-configuration", info.instance_url);
    let response = http().get(unknown).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_entra_error(&response.json().await.unwrap(), "invalid_request", 90002);
}

#[tokio::test]
async fn access_tokens_verify_against_the_published_keys() {
    let sandbox = sandbox().await;
    let token = org_app_token(&sandbox).await;
    let jwks: Value =
        http().get(format!("{}/discovery/v2.0/keys", sandbox.info().authority)).json_value().await;
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "RSA");
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    assert_eq!(header.kid.as_deref(), key["kid"].as_str());

    let decoding =
        DecodingKey::from_rsa_components(key["n"].as_str().unwrap(), key["e"].as_str().unwrap()).unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[&sandbox.info().instance_url]);
    validation.set_issuer(&[format!("{}/", sandbox.info().authority)]);
    let data = jsonwebtoken::decode::<Value>(&token, &decoding, &validation).expect("signature, aud and iss");
    let claims = data.claims;
    assert_eq!(claims["tid"], sandbox.info().tenant_id);
    assert_eq!(claims["appid"], sandbox.info().org_client_id);
    assert_eq!(claims["idtyp"], "app");
    assert_eq!(claims["ver"], "1.0");
    assert!(claims["exp"].as_i64().unwrap() > claims["iat"].as_i64().unwrap());
}

#[tokio::test]
async fn client_credentials_token_has_entra_response_shape() {
    let sandbox = sandbox().await;
    let scope = format!("{}/.default", sandbox.info().instance_url);
    let (status, body) = app_token(&sandbox, &sandbox.info().org_client_id, &scope).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);
    assert_eq!(body["ext_expires_in"], 3599);
    assert!(body.get("refresh_token").is_none(), "client credentials return no refresh token");
}

/// A client-credentials request and the Entra error it must get.
struct Refused {
    case: &'static str,
    client_id: String,
    secret: Option<&'static str>,
    scope: String,
    status: StatusCode,
    error: &'static str,
    code: u64,
}

#[tokio::test]
async fn client_credentials_errors_are_entra_shaped() {
    let sandbox = sandbox().await;
    let info = sandbox.info();
    let org = info.org_client_id.clone();
    let org_scope = format!("{}/.default", info.instance_url);
    let refused = |case, client_id: &str, secret, scope: &str, status, error, code| Refused {
        case,
        client_id: client_id.to_owned(),
        secret,
        scope: scope.to_owned(),
        status,
        error,
        code,
    };
    let (unauthorized, bad_request) = (StatusCode::UNAUTHORIZED, StatusCode::BAD_REQUEST);
    let expired_app = EXPIRED_SECRET_CLIENT_ID.to_string();
    let delegated = format!("{}/user_impersonation", info.instance_url);
    let cases = [
        refused("wrong secret", &org, Some("wrong"), &org_scope, unauthorized, "invalid_client", 7000215),
        refused(
            "expired secret",
            &expired_app,
            Some(SECRET),
            &org_scope,
            unauthorized,
            "invalid_client",
            7000222,
        ),
        refused("missing secret", &org, None, &org_scope, unauthorized, "invalid_client", 7000218),
        refused(
            "unknown client",
            "00000000-0000-0000-0000-000000000001",
            Some(SECRET),
            &org_scope,
            bad_request,
            "unauthorized_client",
            700016,
        ),
        refused(
            "public client with a secret",
            &info.public_client_id,
            Some(SECRET),
            &org_scope,
            unauthorized,
            "invalid_client",
            700025,
        ),
        refused(
            "scope that is not a URI",
            &org,
            Some(SECRET),
            "garbage",
            bad_request,
            "invalid_scope",
            70011,
        ),
        refused("delegated scope", &org, Some(SECRET), &delegated, bad_request, "invalid_scope", 1002012),
        refused(
            "another org",
            &org,
            Some(SECRET),
            "https://contoso.crm4.dynamics.com/.default",
            bad_request,
            "invalid_resource",
            500011,
        ),
    ];
    for case in cases {
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("client_id", case.client_id.as_str()),
            ("scope", case.scope.as_str()),
        ];
        form.extend(case.secret.map(|secret| ("client_secret", secret)));
        let (status, body) = post_form(&token_url(&sandbox), &form).await;
        assert_eq!(status, case.status, "{}: {body}", case.case);
        assert_entra_error(&body, case.error, case.code);
    }

    let unknown_tenant = format!("{}/nosuchtenant.onmicrosoft.com/oauth2/v2.0/token", info.instance_url);
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", org.as_str()),
        ("client_secret", SECRET),
        ("scope", org_scope.as_str()),
    ];
    let (status, body) = post_form(&unknown_tenant, &form).await;
    assert_eq!(status, bad_request);
    assert_entra_error(&body, "invalid_request", 90002);

    // The client-credentials grant needs the tenant itself, not a multi-tenant alias.
    for alias in ["common", "organizations"] {
        let (status, body) =
            post_form(&format!("{}/{alias}/oauth2/v2.0/token", info.instance_url), &form).await;
        assert_eq!(status, bad_request, "{alias}: {body}");
        assert_entra_error(&body, "invalid_request", 50059);
    }

    let url = token_url(&sandbox);
    let (_, body) = post_form(&url, &[("client_id", org.as_str())]).await;
    assert_entra_error(&body, "invalid_request", 900144);
    let password_grant = [("grant_type", "password"), ("client_id", org.as_str()), ("client_secret", SECRET)];
    let (_, body) = post_form(&url, &password_grant).await;
    assert_entra_error(&body, "unsupported_grant_type", 70003);
}

#[tokio::test]
async fn the_tenant_may_be_named_by_its_domain_and_the_secret_sent_as_basic_auth() {
    let sandbox = sandbox().await;
    let info = sandbox.info();
    let url = format!("{}/contoso-sandbox.onmicrosoft.com/oauth2/v2.0/token", info.instance_url);
    let response = http()
        .post(url)
        .basic_auth(&info.org_client_id, Some(SECRET))
        .form(&[("grant_type", "client_credentials"), ("scope", &format!("{}/.default", info.instance_url))])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn authorization_code_with_pkce_gives_user_tokens_and_a_refresh_token() {
    let sandbox = sandbox().await;
    let info = sandbox.info();
    let scope = format!("{}/user_impersonation offline_access openid", info.instance_url);
    let body = user_tokens(&sandbox, &info.username, &scope).await;
    assert_eq!(body["scope"], format!("{}/user_impersonation", info.instance_url));
    assert!(body["refresh_token"].is_string() && body["id_token"].is_string());
    let access = claims(body["access_token"].as_str().unwrap());
    assert_eq!(access["aud"], info.instance_url);
    assert_eq!(access["scp"], "user_impersonation");
    assert_eq!(access["upn"], info.username);
    assert_eq!(access["appid"], info.public_client_id);
    let id = claims(body["id_token"].as_str().unwrap());
    assert_eq!(id["aud"], info.public_client_id);
    assert_eq!(id["preferred_username"], info.username);
}

#[tokio::test]
async fn no_refresh_token_without_offline_access() {
    let sandbox = sandbox().await;
    let scope = format!("{}/user_impersonation", sandbox.info().instance_url);
    let body = user_tokens(&sandbox, &sandbox.info().username, &scope).await;
    assert!(body.get("refresh_token").is_none(), "{body}");
}

#[tokio::test]
async fn codes_are_single_use_and_pkce_is_verified() {
    let sandbox = sandbox().await;
    let info = sandbox.info();
    let pkce = pkce();
    let scope = format!("{}/user_impersonation offline_access", info.instance_url);
    let authorize = authorize_url(&sandbox, &desktop_params(&sandbox, &scope, &pkce));
    let back = query_of(&sign_in(&sandbox, &authorize, &info.username, "accept").await);
    assert_eq!(back["state"], "state-123");
    let redeem = |verifier: &'static str| {
        let code = back["code"].clone();
        let client_id = info.public_client_id.clone();
        let url = token_url(&sandbox);
        async move {
            post_form(
                &url,
                &[
                    ("grant_type", "authorization_code"),
                    ("client_id", &client_id),
                    ("code", &code),
                    ("redirect_uri", "http://localhost:51234/"),
                    ("code_verifier", verifier),
                ],
            )
            .await
        }
    };
    let (status, body) = redeem("not-the-verifier").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_entra_error(&body, "invalid_grant", 501481);

    let (status, _) = redeem("a-verifier-of-more-than-forty-three-characters-0123456789").await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = redeem("a-verifier-of-more-than-forty-three-characters-0123456789").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_entra_error(&body, "invalid_grant", 54005);
}

#[tokio::test]
async fn refresh_tokens_rotate_and_reach_global_discovery() {
    let sandbox = sandbox().await;
    let info = sandbox.info();
    let scope = format!("{}/user_impersonation offline_access", info.instance_url);
    let first = user_tokens(&sandbox, &info.username, &scope).await;
    let refresh = first["refresh_token"].as_str().unwrap();
    let discovery_scope =
        format!("{}/user_impersonation", info.discovery_url.trim_end_matches("/api/discovery/v2.0/"));
    let (status, second) = post_form(
        &token_url(&sandbox),
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &info.public_client_id),
            ("refresh_token", refresh),
            ("scope", &discovery_scope),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_ne!(second["refresh_token"], first["refresh_token"], "a new refresh token each time");
    let access = claims(second["access_token"].as_str().unwrap());
    assert_eq!(access["aud"], info.discovery_url.trim_end_matches("/api/discovery/v2.0/"));
}

#[tokio::test]
async fn an_idle_refresh_token_expires() {
    let sandbox = sandbox_with(SandboxOptions {
        refresh_token_lifetime: Duration::from_millis(50),
        ..Default::default()
    })
    .await;
    let info = sandbox.info();
    let scope = format!("{}/user_impersonation offline_access", info.instance_url);
    let tokens = user_tokens(&sandbox, &info.username, &scope).await;
    tokio::time::sleep(Duration::from_millis(120)).await;
    let (status, body) = post_form(
        &token_url(&sandbox),
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &info.public_client_id),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_entra_error(&body, "invalid_grant", 700082);
}

#[tokio::test]
async fn cancelling_consent_redirects_with_access_denied() {
    let sandbox = sandbox().await;
    let pkce = pkce();
    let scope = format!("{}/user_impersonation", sandbox.info().instance_url);
    let authorize = authorize_url(&sandbox, &desktop_params(&sandbox, &scope, &pkce));
    let location = sign_in(&sandbox, &authorize, READER_UPN, "cancel").await;
    assert!(location.starts_with("http://localhost:51234/?"), "{location}");
    let back = query_of(&location);
    assert_eq!(back["error"], "access_denied");
    assert!(back["error_description"].starts_with("AADSTS65004:"));
    assert_eq!(back["state"], "state-123");
    assert!(!back.contains_key("code"));
}

#[tokio::test]
async fn a_wrong_password_stays_on_the_sign_in_page() {
    let sandbox = sandbox().await;
    let pkce = pkce();
    let scope = format!("{}/user_impersonation", sandbox.info().instance_url);
    let html = http()
        .get(authorize_url(&sandbox, &desktop_params(&sandbox, &scope, &pkce)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let response = http()
        .post(format!("{}/login", sandbox.info().authority))
        .form(&[
            ("ctx", ctx_of(&html).as_str()),
            ("login", sandbox.info().username.as_str()),
            ("passwd", "wrong"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("AADSTS50126") && html.contains(r#"id="i0118""#), "{html}");
}

#[tokio::test]
async fn redirect_uri_rules_are_entras() {
    let sandbox = sandbox().await;
    let pkce = pkce();
    let scope = format!("{}/user_impersonation", sandbox.info().instance_url);
    for allowed in ["http://localhost:1/", "http://localhost:65000", "http://localhost"] {
        let mut params = desktop_params(&sandbox, &scope, &pkce);
        params.retain(|(k, _)| *k != "redirect_uri");
        params.push(("redirect_uri", allowed));
        let response = http().get(authorize_url(&sandbox, &params)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{allowed} is allowed");
    }
    for refused in [
        "http://127.0.0.1:1234/",
        "https://localhost:1234/",
        "http://localhost:1234/other",
        "http://evil.example/",
    ] {
        let mut params = desktop_params(&sandbox, &scope, &pkce);
        params.retain(|(k, _)| *k != "redirect_uri");
        params.push(("redirect_uri", refused));
        let response = http().get(authorize_url(&sandbox, &params)).send().await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::BAD_REQUEST,
            "{refused} is refused on a page, not redirected"
        );
        assert!(response.text().await.unwrap().contains("AADSTS50011"));
    }
}

#[tokio::test]
async fn authorize_errors_after_the_redirect_uri_go_back_to_the_app() {
    let sandbox = sandbox().await;
    let pkce = pkce();
    let scope = format!("{}/user_impersonation", sandbox.info().instance_url);

    let mut no_pkce = desktop_params(&sandbox, &scope, &pkce);
    no_pkce.retain(|(k, _)| !k.starts_with("code_challenge"));
    let response = http().get(authorize_url(&sandbox, &no_pkce)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(query_of(&location(&response))["error"], "invalid_request");

    let mut silent = desktop_params(&sandbox, &scope, &pkce);
    silent.push(("prompt", "none"));
    let response = http().get(authorize_url(&sandbox, &silent)).send().await.unwrap();
    let back = query_of(&location(&response));
    assert_eq!(back["error"], "login_required");
    assert_eq!(back["state"], "state-123");

    let bad_scope = desktop_params(&sandbox, "https://other.crm.dynamics.com/user_impersonation", &pkce);
    let response = http().get(authorize_url(&sandbox, &bad_scope)).send().await.unwrap();
    assert!(query_of(&location(&response))["error_description"].starts_with("AADSTS500011:"));
}

async fn poll(sandbox: &d365_sandbox::Sandbox, device_code: &str) -> (StatusCode, Value) {
    post_form(
        &token_url(sandbox),
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", sandbox.info().public_client_id.as_str()),
            ("device_code", device_code),
        ],
    )
    .await
}

/// Starts a device-code sign-in and answers it in "the browser" (plain HTTP): code, sign-in, consent.
async fn device_sign_in(sandbox: &d365_sandbox::Sandbox, decision: &str) -> (String, String) {
    let info = sandbox.info();
    let scope = format!("{}/user_impersonation offline_access", info.instance_url);
    let (status, started) = post_form(
        &format!("{}/oauth2/v2.0/devicecode", info.authority),
        &[("client_id", info.public_client_id.as_str()), ("scope", scope.as_str())],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{started}");
    let device_code = started["device_code"].as_str().unwrap().to_owned();
    let user_code = started["user_code"].as_str().unwrap();
    assert_eq!(started["interval"], 5);
    assert!(started["message"].as_str().unwrap().contains(user_code));

    let (status, body) = poll(sandbox, &device_code).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_entra_error(&body, "authorization_pending", 70016);

    let verification_uri = started["verification_uri"].as_str().unwrap();
    let client = http();
    assert!(client.get(verification_uri).send().await.unwrap().text().await.unwrap().contains(r#"id="otc""#));
    let html = client
        .post(verification_uri)
        .form(&[("otc", user_code.to_lowercase().as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let html = client
        .post(format!("{}/login", info.authority))
        .form(&[("ctx", ctx_of(&html).as_str()), ("login", info.username.as_str()), ("passwd", PASSWORD)])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let done = client
        .post(format!("{}/consent", info.authority))
        .form(&[("ctx", ctx_of(&html).as_str()), ("decision", decision)])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    (device_code, done)
}

#[tokio::test]
async fn device_code_flow_gives_tokens_once_the_user_approves() {
    let sandbox = sandbox().await;
    let (device_code, done) = device_sign_in(&sandbox, "accept").await;
    assert!(done.contains("You're signed in"), "{done}");
    let (status, tokens) = poll(&sandbox, &device_code).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert!(tokens["refresh_token"].is_string());
    assert_eq!(claims(tokens["access_token"].as_str().unwrap())["upn"], sandbox.info().username);
    let (status, _) = poll(&sandbox, &device_code).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a device code gives tokens once");
}

#[tokio::test]
async fn device_code_flow_reports_a_declined_sign_in() {
    let sandbox = sandbox().await;
    let (device_code, done) = device_sign_in(&sandbox, "cancel").await;
    assert!(done.contains("Sign-in cancelled"), "{done}");
    let (_, body) = poll(&sandbox, &device_code).await;
    assert_entra_error(&body, "authorization_declined", 70000);
}

#[tokio::test]
async fn a_wrong_device_code_is_refused_on_the_page() {
    let sandbox = sandbox().await;
    let html = http()
        .post(format!("{}/devicelogin", sandbox.info().instance_url))
        .form(&[("otc", "NOTACODE1")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("not valid or has expired") && html.contains(r#"id="otc""#), "{html}");
}
