//! Hostile and malformed input: every answer is a Dataverse- or Entra-shaped JSON error (never a
//! framework's plain-text rejection or a dropped connection), and the sandbox keeps serving.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use common::*;
use d365_testkit::JsonValue;
use reqwest::{Method, StatusCode};
use serde_json::Value;

#[tokio::test]
async fn malformed_requests_get_shaped_errors_and_the_sandbox_survives() {
    let sandbox = sandbox().await;
    let token = org_app_token(&sandbox).await;
    let api = sandbox.info().web_api_url.clone();
    let authority = sandbox.info().authority.clone();
    let org_requests = [
        (Method::GET, format!("{api}accounts?$filter=name%20eq%20%27%ZZ")),
        (Method::GET, format!("{api}accounts?$filter=%C3%28")),
        (Method::GET, format!("{api}accounts?$select=")),
        (Method::GET, format!("{api}accounts?$orderby=,,,")),
        (Method::GET, format!("{api}accounts?$top=-1")),
        (Method::GET, format!("{api}accounts?$skiptoken=%3Ccookie")),
        (Method::GET, format!("{api}accounts(not-a-key)")),
        (Method::GET, format!("{api}accounts(accountnumber='unterminated)")),
        (Method::GET, format!("{api}EntityDefinitions(LogicalName='account'")),
        (Method::GET, format!("{api}EntityDefinitions(LogicalName='account')/Nope")),
        (Method::PATCH, format!("{api}accounts")),
        (Method::DELETE, format!("{api}accounts")),
        (Method::PUT, format!("{api}accounts(00000000-0000-0000-0000-000000000001)/name")),
        (Method::POST, format!("{api}$batch")),
    ];
    for (method, url) in org_requests {
        let response = http()
            .request(method.clone(), &url)
            .bearer_auth(&token)
            .body("\u{0}\u{ff}garbage")
            .send()
            .await
            .unwrap();
        let status = response.status();
        assert!(status.is_client_error(), "{method} {url}: {status}");
        let body: Value = response.json().await.unwrap_or_else(|e| panic!("{method} {url}: not JSON ({e})"));
        assert!(body["error"]["message"].is_string(), "{method} {url}: {body}");
    }

    for (method, url) in [
        (Method::GET, format!("{authority}/oauth2/v2.0/token")),
        (Method::PUT, format!("{authority}/oauth2/v2.0/devicecode")),
        (Method::POST, format!("{authority}/oauth2/v2.0/token")),
    ] {
        let response = http().request(method.clone(), &url).body("%%%=&&==\u{0}").send().await.unwrap();
        assert!(response.status().is_client_error(), "{method} {url}");
        let body: Value = response.json().await.unwrap_or_else(|e| panic!("{method} {url}: not JSON ({e})"));
        assert!(body["error_description"].as_str().unwrap().starts_with("AADSTS"), "{body}");
    }
    let odd_authorize = http()
        .get(format!("{authority}/oauth2/v2.0/authorize?client_id=%ZZ&redirect_uri=%C3"))
        .send()
        .await
        .unwrap();
    assert_eq!(odd_authorize.status(), StatusCode::BAD_REQUEST);
    assert!(odd_authorize.text().await.unwrap().contains("AADSTS"));

    let still = http().get(format!("{api}WhoAmI")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(still.status(), StatusCode::OK, "the sandbox is still serving");
}

#[tokio::test]
async fn the_organizations_table_has_name_and_version() {
    let sandbox = sandbox().await;
    let token = org_app_token(&sandbox).await;
    let body: Value = http()
        .get(format!("{}organizations?$select=name,version", sandbox.info().web_api_url))
        .bearer_auth(&token)
        .json_value()
        .await;
    assert_eq!(body["value"][0]["name"], "Contoso Sandbox");
    assert!(body["value"][0]["version"].as_str().unwrap().starts_with("9.2."));
}
