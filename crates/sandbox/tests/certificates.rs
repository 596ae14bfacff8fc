//! Certificate credentials at the token endpoint, over real HTTP: an assertion signed with the org app's
//! registered certificate gets a token (PS256 with x5t#S256, as Learn says, and RS256 with x5t, as older
//! clients send), and each way of getting one wrong gets Entra's AADSTS code.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use d365_sandbox::Sandbox;
use d365_sandbox::directory::{EXPIRED_SECRET_CLIENT_ID, PUBLIC_CLIENT_ID};
use d365_sandbox::identity::certificates::{self, RegisteredCertificate};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use serde_json::{Value, json};

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

struct Assertion<'a> {
    alg: Algorithm,
    key_pem: &'a str,
    sha256: Option<Vec<u8>>,
    sha1: Option<Vec<u8>>,
    claims: Value,
}

impl Assertion<'_> {
    fn sign(&self) -> String {
        let mut header = Header::new(self.alg);
        header.typ = Some("JWT".into());
        header.x5t_s256 = self.sha256.as_ref().map(|d| URL_SAFE_NO_PAD.encode(d));
        // Padded, as MSAL writes it (Python's urlsafe_b64encode); Entra takes both.
        header.x5t = self.sha1.as_ref().map(|d| base64::engine::general_purpose::URL_SAFE.encode(d));
        let private = rsa::RsaPrivateKey::from_pkcs8_pem(self.key_pem).unwrap();
        let key = EncodingKey::from_rsa_der(private.to_pkcs1_der().unwrap().as_bytes());
        jsonwebtoken::encode(&header, &self.claims, &key).unwrap()
    }
}

fn claims(sandbox: &Sandbox, client_id: &str) -> Value {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    json!({
        "aud": token_url(sandbox), "iss": client_id, "sub": client_id,
        "jti": uuid::Uuid::new_v4().to_string(), "nbf": now, "iat": now, "exp": now + 600,
    })
}

fn org_certificate(sandbox: &Sandbox) -> RegisteredCertificate {
    RegisteredCertificate::from_pem(&sandbox.info().org_certificate_pem).unwrap()
}

fn assertion<'a>(sandbox: &'a Sandbox, client_id: &str) -> Assertion<'a> {
    Assertion {
        alg: Algorithm::PS256,
        key_pem: &sandbox.info().org_certificate_key_pem,
        sha256: Some(org_certificate(sandbox).sha256),
        sha1: None,
        claims: claims(sandbox, client_id),
    }
}

async fn redeem(sandbox: &Sandbox, client_id: &str, signed: &str) -> (StatusCode, Value) {
    let scope = format!("{}/.default", sandbox.info().instance_url);
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", client_id),
        ("client_assertion_type", JWT_BEARER),
        ("client_assertion", signed),
        ("scope", scope.as_str()),
    ];
    post_form(&token_url(sandbox), &form).await
}

fn token_claims(token: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token.split('.').nth(1).unwrap()).unwrap()).unwrap()
}

#[tokio::test]
async fn a_signed_assertion_gets_a_token_that_opens_the_web_api() {
    let sandbox = sandbox().await;
    let org = sandbox.info().org_client_id.clone();
    let signed = assertion(&sandbox, &org).sign();
    let (status, body) = redeem(&sandbox, &org, &signed).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(token_claims(token)["appidacr"], "2", "a certificate, as v1.0 tokens say it");
    let who =
        http().get(format!("{}WhoAmI", sandbox.info().web_api_url)).bearer_auth(token).send().await.unwrap();
    assert_eq!(who.status(), StatusCode::OK);
    // Entra does not refuse an assertion used again while valid (MSAL reuses one for minutes).
    assert_eq!(redeem(&sandbox, &org, &signed).await.0, StatusCode::OK);

    // RS256 with the SHA-1 x5t, as MSAL sends when given only a thumbprint.
    let older = Assertion {
        alg: Algorithm::RS256,
        sha256: None,
        sha1: Some(org_certificate(&sandbox).sha1),
        ..assertion(&sandbox, &org)
    };
    let (status, body) = redeem(&sandbox, &org, &older.sign()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The domain spelling of the token endpoint is the same audience.
    let mut by_domain = assertion(&sandbox, &org);
    by_domain.claims["aud"] =
        json!(format!("{}/contoso-sandbox.onmicrosoft.com/oauth2/v2.0/token", sandbox.info().instance_url));
    assert_eq!(redeem(&sandbox, &org, &by_domain.sign()).await.0, StatusCode::OK);
}

#[tokio::test]
async fn each_wrong_assertion_gets_entra_s_code() {
    let sandbox = sandbox().await;
    let org = sandbox.info().org_client_id.clone();
    let other_key = certificates::generate_key().unwrap();
    let refused =
        async |assertion: Assertion<'_>, client: &str| redeem(&sandbox, client, &assertion.sign()).await;

    let unregistered = Assertion { sha256: Some(vec![7; 32]), ..assertion(&sandbox, &org) };
    let (status, body) = refused(unregistered, &org).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_entra_error(&body, "invalid_client", 700027);
    assert!(body["error_description"].as_str().unwrap().contains("The key was not found"), "{body}");

    let wrong_key = Assertion { key_pem: &other_key, ..assertion(&sandbox, &org) };
    let (_, body) = refused(wrong_key, &org).await;
    assert_entra_error(&body, "invalid_client", 700027);
    assert!(body["error_description"].as_str().unwrap().contains("signature value did not match"), "{body}");

    let expired = RegisteredCertificate::from_pem(
        &sandbox.directory().app(&EXPIRED_SECRET_CLIENT_ID.to_string()).unwrap().certificates[0].pem,
    )
    .unwrap();
    let client = EXPIRED_SECRET_CLIENT_ID.to_string();
    let (_, body) =
        refused(Assertion { sha256: Some(expired.sha256), ..assertion(&sandbox, &client) }, &client).await;
    assert_entra_error(&body, "invalid_client", 700027);
    assert!(body["error_description"].as_str().unwrap().contains("The key used is expired"), "{body}");

    let mut audience = assertion(&sandbox, &org);
    audience.claims["aud"] = json!("https://login.microsoftonline.com/common/oauth2/v2.0/token");
    assert_entra_error(&refused(audience, &org).await.1, "invalid_client", 700023);

    // A certificate's client credentials need the tenant itself too, not a multi-tenant alias.
    let on_common = format!("{}/common/oauth2/v2.0/token", sandbox.info().instance_url);
    let signed = assertion(&sandbox, &org).sign();
    let scope = format!("{}/.default", sandbox.info().instance_url);
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", org.as_str()),
        ("client_assertion_type", JWT_BEARER),
        ("client_assertion", signed.as_str()),
        ("scope", scope.as_str()),
    ];
    let (status, body) = post_form(&on_common, &form).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_entra_error(&body, "invalid_request", 50059);

    let mut issuer = assertion(&sandbox, &org);
    issuer.claims["iss"] = json!(PUBLIC_CLIENT_ID.to_string());
    assert_entra_error(&refused(issuer, &org).await.1, "invalid_client", 700021);

    // NumericDates with a fraction, as MSAL for Python sends them, are dates all the same.
    let mut fractional = assertion(&sandbox, &org);
    let now = time::OffsetDateTime::now_utc().unix_timestamp() as f64 + 0.25;
    fractional.claims["iat"] = json!(now);
    fractional.claims["exp"] = json!(now + 600.0);
    assert_eq!(refused(fractional, &org).await.0, StatusCode::OK);

    let mut stale = assertion(&sandbox, &org);
    let hour_ago = time::OffsetDateTime::now_utc().unix_timestamp() - 3600;
    stale.claims["exp"] = json!(hour_ago);
    let (_, body) = refused(stale, &org).await;
    assert_entra_error(&body, "invalid_client", 700024);
    let mut early = assertion(&sandbox, &org);
    early.claims["nbf"] = json!(hour_ago + 7200);
    assert_entra_error(&refused(early, &org).await.1, "invalid_client", 700024);

    let (_, body) = redeem(&sandbox, &org, "not.a.jwt").await;
    assert_entra_error(&body, "invalid_request", 50027);
    let public = PUBLIC_CLIENT_ID.to_string();
    assert_entra_error(&refused(assertion(&sandbox, &public), &public).await.1, "invalid_client", 700025);
}

#[tokio::test]
async fn the_config_line_carries_the_certificate_and_debug_hides_its_key() {
    let sandbox = sandbox().await;
    let info = sandbox.info();
    assert!(info.org_certificate_pem.starts_with("-----BEGIN CERTIFICATE-----"));
    assert!(info.org_certificate_key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    assert_eq!(info.org_certificate_thumbprint, org_certificate(&sandbox).thumbprint());
    let line = serde_json::to_value(info).unwrap();
    assert_eq!(line["org_certificate_thumbprint"].as_str().unwrap().len(), 40);
    let key_body = info.org_certificate_key_pem.lines().nth(1).unwrap();
    assert!(!format!("{info:?}").contains(key_body), "Debug hides the key");
}
