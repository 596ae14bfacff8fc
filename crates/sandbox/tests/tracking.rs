//! Change tracking over real HTTP: a tracked read ends with a delta link; the delta brings new and changed
//! rows, then deletions, and a link for the next round; changes made while the first read was paging are
//! not lost; the documented rejections.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use common::*;
use d365_sandbox::{Sandbox, SandboxOptions};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn call(
    sandbox: &Sandbox,
    token: &str,
    method: Method,
    url: &str,
    body: Option<Value>,
    prefer: &[&str],
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let url =
        if url.starts_with("http") { url.to_owned() } else { format!("{}{url}", sandbox.info().web_api_url) };
    let mut request = http().request(method, url).bearer_auth(token);
    for p in prefer {
        request = request.header("Prefer", *p);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let text = response.text().await.unwrap();
    (status, headers, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() })
}

#[tokio::test]
async fn a_delta_brings_changes_then_deletions() {
    let sandbox = sandbox_with(SandboxOptions { seed: 6, ..Default::default() }).await;
    let token = org_app_token(&sandbox).await;
    let tracked = ["odata.track-changes", "odata.maxpagesize=4"];

    let (status, headers, first) =
        call(&sandbox, &token, Method::GET, "accounts?$select=name", None, &tracked).await;
    assert_eq!(status, StatusCode::OK);
    let applied: Vec<&str> =
        headers.get_all("preference-applied").iter().map(|v| v.to_str().unwrap()).collect();
    assert!(applied.iter().any(|v| v.contains("odata.track-changes")), "{applied:?}");
    let rows = first["value"].as_array().unwrap().clone();
    let (change, remove) = (
        rows[1]["accountid"].as_str().unwrap().to_owned(),
        rows[2]["accountid"].as_str().unwrap().to_owned(),
    );

    // A change while the first read is still paging belongs to the first delta.
    let (status, _, _) = call(
        &sandbox,
        &token,
        Method::PATCH,
        &format!("accounts({change})"),
        Some(json!({ "name": "Changed Mid-Read" })),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, _, second) =
        call(&sandbox, &token, Method::GET, first["@odata.nextLink"].as_str().unwrap(), None, &tracked).await;
    assert!(second.get("@odata.nextLink").is_none(), "6 rows in pages of 4");
    let delta_link = second["@odata.deltaLink"].as_str().unwrap().to_owned();
    assert!(delta_link.contains("$select=name") && delta_link.contains("$deltatoken="), "{delta_link}");

    let (status, _, _) =
        call(&sandbox, &token, Method::POST, "accounts", Some(json!({ "name": "Brand New" })), &[]).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        call(&sandbox, &token, Method::DELETE, &format!("accounts({remove})"), None, &[]).await.0,
        StatusCode::NO_CONTENT
    );

    let (status, _, delta) =
        call(&sandbox, &token, Method::GET, &delta_link, None, &["odata.track-changes"]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(delta["@odata.context"].as_str().unwrap().ends_with("$metadata#accounts(name)/$delta"));
    let value = delta["value"].as_array().unwrap();
    let names: Vec<&str> = value.iter().filter_map(|r| r["name"].as_str()).collect();
    assert_eq!(names, ["Changed Mid-Read", "Brand New"], "changed and new rows, in order of change");
    let last = value.last().unwrap();
    assert_eq!(last["id"], remove.as_str());
    assert_eq!(last["reason"], "deleted");
    assert!(last["@odata.context"].as_str().unwrap().ends_with("$metadata#accounts/$deletedEntity"));

    let (_, _, quiet) = call(
        &sandbox,
        &token,
        Method::GET,
        delta["@odata.deltaLink"].as_str().unwrap(),
        None,
        &["odata.track-changes"],
    )
    .await;
    assert_eq!(quiet["value"], json!([]), "nothing changed since");
}

#[tokio::test]
async fn tracking_refuses_what_dataverse_refuses() {
    let sandbox = sandbox_with(SandboxOptions { seed: 3, ..Default::default() }).await;
    let token = org_app_token(&sandbox).await;
    for path in ["accounts?$filter=name eq 'x'", "accounts?$orderby=name", "accounts?$top=2"] {
        let (status, _, body) =
            call(&sandbox, &token, Method::GET, path, None, &["odata.track-changes"]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
        assert!(body["error"]["message"].as_str().unwrap().contains("not supported with change tracking"));
    }
    let (status, _, body) =
        call(&sandbox, &token, Method::GET, "systemusers?$select=fullname", None, &["odata.track-changes"])
            .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"]["message"].as_str().unwrap().contains("not enabled for change tracking"));
}
