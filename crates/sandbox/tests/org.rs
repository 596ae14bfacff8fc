//! The Dataverse Web API emulator's front door over real HTTP: token validation as Dataverse does it,
//! WhoAmI, RetrieveVersion, principals without a user in the org, and global discovery.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use std::time::Duration;

use common::*;
use d365_sandbox::SandboxOptions;
use d365_sandbox::directory::{NO_APP_USER_CLIENT_ID, OUTSIDER_UPN, READER_CLIENT_ID};
use reqwest::StatusCode;
use serde_json::Value;

async fn get(url: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = http().get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("the Web API answers")
}

fn assert_challenge(response: &reqwest::Response, authority: &str) {
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let challenge = response.headers()["www-authenticate"].to_str().expect("an ASCII challenge");
    assert!(
        challenge.starts_with(&format!("Bearer authorization_uri={authority}/oauth2/authorize")),
        "{challenge}"
    );
}

#[tokio::test]
async fn who_am_i_with_an_app_token() {
    let sandbox = sandbox().await;
    let token = org_app_token(&sandbox).await;
    let with_parentheses = get(&format!("{}WhoAmI()", sandbox.info().web_api_url), Some(&token)).await;
    assert_eq!(with_parentheses.status(), StatusCode::OK, "a function may be called as WhoAmI()");
    let response = get(&format!("{}WhoAmI", sandbox.info().web_api_url), Some(&token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["x-ms-dop-hint"], "4");
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json; odata.metadata=minimal")
    );
    let body: Value = response.json().await.unwrap();
    let directory = sandbox.directory();
    let app_user = directory.app(&sandbox.info().org_client_id).unwrap().application_user.unwrap();
    assert_eq!(body["UserId"], app_user.system_user_id.to_string());
    assert_eq!(body["BusinessUnitId"], directory.business_unit_id.to_string());
    assert_eq!(body["OrganizationId"], directory.organization_id.to_string());
    assert_eq!(
        body["@odata.context"],
        format!("{}$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse", sandbox.info().web_api_url)
    );
}

#[tokio::test]
async fn who_am_i_with_a_user_token_names_the_user() {
    let sandbox = sandbox().await;
    let info = sandbox.info();
    let tokens =
        user_tokens(&sandbox, &info.username, &format!("{}/user_impersonation", info.instance_url)).await;
    let response = get(&format!("{}WhoAmI", info.web_api_url), tokens["access_token"].as_str()).await;
    let body: Value = response.json().await.unwrap();
    let user = sandbox.directory().user_by_upn(&info.username).unwrap().org_user.unwrap();
    assert_eq!(body["UserId"], user.system_user_id.to_string());
}

#[tokio::test]
async fn retrieve_version() {
    let sandbox = sandbox().await;
    let token = org_app_token(&sandbox).await;
    let body: Value = get(&format!("{}RetrieveVersion", sandbox.info().web_api_url), Some(&token))
        .await
        .json()
        .await
        .unwrap();
    let version = body["Version"].as_str().unwrap();
    assert!(version.starts_with("9.2.") && version.split('.').count() == 4, "{version}");
}

#[tokio::test]
async fn requests_without_a_valid_token_get_401_with_the_authority() {
    let sandbox = sandbox().await;
    let info = sandbox.info();
    let who_am_i = format!("{}WhoAmI", info.web_api_url);
    assert_challenge(&get(&who_am_i, None).await, &info.authority);
    assert_challenge(&get(&who_am_i, Some("not-a-jwt")).await, &info.authority);
    // Before authentication nothing else is revealed: an unknown path is 401 too, not 404.
    assert_challenge(&get(&format!("{}nosuchthing", info.web_api_url), None).await, &info.authority);

    // A token from another sandbox (another signing key) is not trusted.
    let other = sandbox_with(SandboxOptions::default()).await;
    let foreign = org_app_token(&other).await;
    assert_challenge(&get(&who_am_i, Some(&foreign)).await, &info.authority);
}

#[tokio::test]
async fn a_token_for_another_resource_is_refused() {
    let sandbox = sandbox().await;
    let info = sandbox.info();
    let discovery_resource = info.discovery_url.trim_end_matches("/api/discovery/v2.0/");
    let (status, body) =
        app_token(&sandbox, &info.org_client_id, &format!("{discovery_resource}/.default")).await;
    assert_eq!(status, StatusCode::OK);
    let response = get(&format!("{}WhoAmI", info.web_api_url), body["access_token"].as_str()).await;
    assert_challenge(&response, &info.authority);
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let sandbox =
        sandbox_with(SandboxOptions { token_lifetime: Duration::from_secs(1), ..Default::default() }).await;
    let token = org_app_token(&sandbox).await;
    let who_am_i = format!("{}WhoAmI", sandbox.info().web_api_url);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_challenge(&get(&who_am_i, Some(&token)).await, &sandbox.info().authority);
}

#[tokio::test]
async fn principals_without_a_user_in_the_org_get_403() {
    let sandbox = sandbox().await;
    let info = sandbox.info();
    let who_am_i = format!("{}WhoAmI", info.web_api_url);
    let (_, body) =
        app_token(&sandbox, &NO_APP_USER_CLIENT_ID.to_string(), &format!("{}/.default", info.instance_url))
            .await;
    let response = get(&who_am_i, body["access_token"].as_str()).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], "0x80072560");
    assert_eq!(error["error"]["message"], "The user is not a member of the organization.");

    let tokens =
        user_tokens(&sandbox, OUTSIDER_UPN, &format!("{}/user_impersonation", info.instance_url)).await;
    let response = get(&who_am_i, tokens["access_token"].as_str()).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // An application user with only a read role can still ask who it is.
    let (_, body) =
        app_token(&sandbox, &READER_CLIENT_ID.to_string(), &format!("{}/.default", info.instance_url)).await;
    assert_eq!(get(&who_am_i, body["access_token"].as_str()).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn unknown_resources_and_methods_get_dataverse_404s() {
    let sandbox = sandbox().await;
    let token = org_app_token(&sandbox).await;
    let response = get(&format!("{}nosuchthing", sandbox.info().web_api_url), Some(&token)).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], "0x8006088a");
    assert_eq!(error["error"]["message"], "Resource not found for the segment 'nosuchthing'.");

    let response = http()
        .post(format!("{}WhoAmI", sandbox.info().web_api_url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND, "WhoAmI is a function: POST is not found");
}

#[tokio::test]
async fn global_discovery_lists_the_org_for_its_users() {
    let sandbox = sandbox().await;
    let info = sandbox.info();
    let discovery_resource = info.discovery_url.trim_end_matches("/api/discovery/v2.0/");
    let scope = format!("{discovery_resource}/user_impersonation");
    let instances = format!("{}Instances", info.discovery_url);

    let member = user_tokens(&sandbox, &info.username, &scope).await;
    let body: Value = get(&instances, member["access_token"].as_str()).await.json().await.unwrap();
    let value = body["value"].as_array().unwrap();
    assert_eq!(value.len(), 1);
    assert_eq!(value[0]["ApiUrl"], info.instance_url);
    assert_eq!(value[0]["Url"], info.instance_url);
    assert_eq!(value[0]["TenantId"], info.tenant_id);
    assert_eq!(value[0]["State"], 0);

    let outsider = user_tokens(&sandbox, OUTSIDER_UPN, &scope).await;
    let body: Value = get(&instances, outsider["access_token"].as_str()).await.json().await.unwrap();
    assert_eq!(body["value"], serde_json::json!([]), "no access means an empty list");

    let org_token = org_app_token(&sandbox).await;
    assert_challenge(&get(&instances, Some(&org_token)).await, &info.authority);
}

#[tokio::test]
async fn main_aspx_shows_the_record_or_the_list_that_open_in_dynamics_links_to() {
    let sandbox = sandbox().await;
    let token = org_app_token(&sandbox).await;
    let api = &sandbox.info().web_api_url;
    let first: Value = get(&format!("{api}accounts?$select=name&$top=1&$orderby=name"), Some(&token))
        .await
        .json()
        .await
        .unwrap();
    let (id, name) =
        (first["value"][0]["accountid"].as_str().unwrap(), first["value"][0]["name"].as_str().unwrap());
    let app = format!("{}/main.aspx", sandbox.info().instance_url);

    // The address Dynamics uses: braces around the id, in any case.
    let record =
        get(&format!("{app}?pagetype=entityrecord&etn=account&id=%7B{}%7D", id.to_uppercase()), None).await;
    assert_eq!(record.status(), StatusCode::OK);
    let html = record.text().await.unwrap();
    assert!(html.contains(&format!("<h1>{name}</h1>")) && html.contains(id), "{html}");

    let list = get(&format!("{app}?pagetype=entitylist&etn=account"), None).await;
    assert_eq!(list.status(), StatusCode::OK);
    let html = list.text().await.unwrap();
    assert!(html.contains("<h1>Accounts</h1>") && html.contains(&format!("id={id}\">{name}</a>")), "{html}");

    let missing = get(
        &format!("{app}?pagetype=entityrecord&etn=account&id=0d365de5-0000-4000-8000-00000000dead"),
        None,
    )
    .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let unknown = get(&format!("{app}?pagetype=entitylist&etn=<script>"), None).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(!unknown.text().await.unwrap().contains("<script>"), "the table name is escaped");
}
