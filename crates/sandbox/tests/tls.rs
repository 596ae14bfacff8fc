//! HTTPS mode: clients that trust the run's CA (and only them) reach every endpoint over TLS.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

use d365_sandbox::{Sandbox, SandboxOptions};
use d365_testkit::JsonValue;
use reqwest::{Certificate, Client, StatusCode};
use serde_json::Value;

#[tokio::test]
async fn https_mode_serves_tokens_and_the_web_api_to_clients_that_trust_its_ca() {
    let sandbox =
        Sandbox::bind("127.0.0.1:0", SandboxOptions { tls: true, ..Default::default() }).await.unwrap();
    let info = sandbox.info();
    assert!(info.authority.starts_with("https://127.0.0.1:"));
    assert!(info.discovery_url.starts_with("https://localhost:"));
    let ca = info.ca_certificate.as_deref().expect("the CA is published in HTTPS mode");

    let trusting =
        Client::builder().tls_certs_only([Certificate::from_pem(ca.as_bytes()).unwrap()]).build().unwrap();
    let token: Value = trusting
        .post(format!("{}/oauth2/v2.0/token", info.authority))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", info.org_client_id.as_str()),
            ("client_secret", info.org_client_secret.as_str()),
            ("scope", &format!("{}/.default", info.instance_url)),
        ])
        .json_value()
        .await;
    let who_am_i = trusting
        .get(format!("{}WhoAmI", info.web_api_url))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(who_am_i.status(), StatusCode::OK);

    let untrusting = Client::builder().tls_certs_only([]).build().unwrap();
    let refused = untrusting.get(format!("{}/discovery/v2.0/keys", info.authority)).send().await;
    assert!(refused.is_err(), "a client that does not trust the run's CA cannot connect");
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn plain_http_mode_publishes_no_ca() {
    let sandbox = Sandbox::bind("127.0.0.1:0", SandboxOptions::default()).await.unwrap();
    assert!(sandbox.info().ca_certificate.is_none());
    assert!(sandbox.info().authority.starts_with("http://"));
}
