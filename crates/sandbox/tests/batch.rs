//! `$batch` over real HTTP: change sets are atomic, items refer to each other by Content-ID, GETs ride
//! along, continue-on-error keeps going, and the limits and malformed bodies get Dataverse's 400s.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use common::*;
use d365_sandbox::{Sandbox, SandboxOptions};
use d365_testkit::JsonValue;
use reqwest::StatusCode;
use serde_json::Value;

/// One `application/http` part.
fn part(method: &str, url: &str, content_id: Option<u32>, body: Option<&str>) -> String {
    let id = content_id.map_or(String::new(), |id| format!("Content-ID: {id}\r\n"));
    let (content_type, body) = match body {
        Some(body) => ("Content-Type: application/json\r\n", body),
        None => ("", ""),
    };
    format!(
        "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n{id}\r\n{method} {url} HTTP/1.1\r\n{content_type}\r\n{body}\r\n"
    )
}

fn change_set(name: &str, parts: &[String]) -> String {
    let mut out = format!("Content-Type: multipart/mixed; boundary={name}\r\n\r\n");
    for p in parts {
        out.push_str(&format!("--{name}\r\n{p}"));
    }
    out.push_str(&format!("--{name}--\r\n"));
    out
}

fn batch_body(items: &[String]) -> String {
    let mut out = String::new();
    for item in items {
        out.push_str(&format!("--batch_T\r\n{item}"));
    }
    out.push_str("--batch_T--\r\n");
    out
}

async fn send(
    sandbox: &Sandbox,
    token: &str,
    body: String,
    prefer: Option<&str>,
) -> (StatusCode, String, String) {
    let mut request = http()
        .post(format!("{}$batch", sandbox.info().web_api_url))
        .bearer_auth(token)
        .header("Content-Type", "multipart/mixed; boundary=batch_T")
        .body(body);
    if let Some(prefer) = prefer {
        request = request.header("Prefer", prefer);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    (status, content_type, response.text().await.unwrap())
}

async fn count_named(sandbox: &Sandbox, token: &str, name: &str) -> usize {
    let url = format!("{}accounts?$select=name&$filter=name eq '{name}'", sandbox.info().web_api_url);
    let body: Value = http().get(url).bearer_auth(token).json_value().await;
    body["value"].as_array().unwrap().len()
}

async fn setup() -> (Sandbox, String) {
    let sandbox = sandbox_with(SandboxOptions { seed: 5, ..Default::default() }).await;
    let token = org_app_token(&sandbox).await;
    (sandbox, token)
}

#[tokio::test]
async fn a_change_set_commits_together_and_resolves_content_ids() {
    let (sandbox, token) = setup().await;
    let base = sandbox.info().web_api_url.clone();
    let items = [
        change_set(
            "changeset_A",
            &[
                part("POST", &format!("{base}accounts"), Some(1), Some(r#"{"name":"Batch Parent"}"#)),
                part(
                    "POST",
                    "/api/data/v9.2/contacts",
                    Some(2),
                    Some(r#"{"lastname":"Child","parentcustomerid_account@odata.bind":"$1"}"#),
                ),
                part("PATCH", "$1", Some(3), Some(r#"{"telephone1":"+1-555-0100"}"#)),
            ],
        ),
        part("GET", "accounts?$select=name,telephone1&$filter=name eq 'Batch Parent'", None, None),
    ];
    let (status, content_type, body) = send(&sandbox, &token, batch_body(&items), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(content_type.starts_with("multipart/mixed; boundary=batchresponse_"), "{content_type}");
    assert_eq!(body.matches("HTTP/1.1 204 No Content").count(), 3, "{body}");
    assert!(body.contains("Content-ID: 2\r\n") && body.contains("OData-EntityId: "));
    assert!(
        body.contains("HTTP/1.1 200 OK") && body.contains("+1-555-0100"),
        "the GET saw the change set's writes"
    );

    let url =
        format!("{}contacts?$select=lastname,_parentcustomerid_value&$filter=lastname eq 'Child'", base);
    let contacts: Value = http().get(url).bearer_auth(&token).json_value().await;
    let parent = contacts["value"][0]["_parentcustomerid_value"].as_str().unwrap();
    let account: Value =
        http().get(format!("{base}accounts({parent})?$select=name")).bearer_auth(&token).json_value().await;
    assert_eq!(account["name"], "Batch Parent", "$1 was the account created in the same change set");
}

#[tokio::test]
async fn a_failing_change_set_rolls_back_whole_and_stops_the_batch() {
    let (sandbox, token) = setup().await;
    let items = [
        change_set(
            "changeset_B",
            &[
                part("POST", "accounts", Some(1), Some(r#"{"name":"Never Saved"}"#)),
                part("POST", "accounts", Some(2), Some(r#"{"nmae":"typo"}"#)),
            ],
        ),
        part("POST", "accounts", None, Some(r#"{"name":"After The Failure"}"#)),
    ];
    let (status, _, body) = send(&sandbox, &token, batch_body(&items), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body.matches("HTTP/1.1 ").count(), 1, "only the failure is answered: {body}");
    assert!(body.contains("HTTP/1.1 400 Bad Request") && body.contains("Invalid property 'nmae'"));
    assert_eq!(count_named(&sandbox, &token, "Never Saved").await, 0, "the change set rolled back");
    assert_eq!(count_named(&sandbox, &token, "After The Failure").await, 0, "the batch stopped");
}

/// A GET with `prefer`: its status and JSON body.
async fn get(sandbox: &Sandbox, token: &str, url: &str, prefer: Option<&str>) -> (StatusCode, Value) {
    let url =
        if url.starts_with("http") { url.to_owned() } else { format!("{}{url}", sandbox.info().web_api_url) };
    let mut request = http().get(url).bearer_auth(token);
    if let Some(prefer) = prefer {
        request = request.header("Prefer", prefer);
    }
    let response = request.send().await.unwrap();
    (response.status(), response.json().await.unwrap())
}

async fn get_json(sandbox: &Sandbox, token: &str, url: &str, prefer: Option<&str>) -> Value {
    let (status, body) = get(sandbox, token, url, prefer).await;
    assert_eq!(status, StatusCode::OK, "{url}: {body}");
    body
}

#[tokio::test]
async fn a_rolled_back_change_set_leaves_no_update_or_delete_behind_not_even_in_the_delta() {
    let (sandbox, token) = setup().await;
    let tracked =
        get_json(&sandbox, &token, "accounts?$select=name,telephone1", Some("odata.track-changes")).await;
    let rows = tracked["value"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    let delta = tracked["@odata.deltaLink"].as_str().unwrap().to_owned();
    let (updated, deleted) = (rows[0]["accountid"].as_str().unwrap(), rows[1]["accountid"].as_str().unwrap());
    let record = |id: &str| {
        let (sandbox, token, url) = (&sandbox, &token, format!("accounts({id})?$select=name,telephone1"));
        async move { get(sandbox, token, &url, None).await }
    };
    let before = (record(updated).await, record(deleted).await);
    assert_eq!((before.0.0, before.1.0), (StatusCode::OK, StatusCode::OK));

    let change_set_with = |last: &[String]| {
        let mut parts = vec![
            part(
                "PATCH",
                &format!("accounts({updated})"),
                Some(1),
                Some(r#"{"name":"Renamed In Vain","telephone1":"555-0199"}"#),
            ),
            part("DELETE", &format!("accounts({deleted})"), Some(2), None),
        ];
        parts.extend_from_slice(last);
        batch_body(&[change_set("changeset_R", &parts)])
    };
    // The update and the delete succeed, then the third item fails: all three are rolled back.
    let failing = [part("POST", "accounts", Some(3), Some(r#"{"nmae":"typo"}"#))];
    let (status, _, body) = send(&sandbox, &token, change_set_with(&failing), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("Invalid property 'nmae'") && !body.contains("204 No Content"), "{body}");

    assert_eq!((record(updated).await, record(deleted).await), before, "values and ETags as they were");
    let changes = get_json(&sandbox, &token, &delta, Some("odata.track-changes")).await;
    assert_eq!(changes["value"], serde_json::json!([]), "no change and no deletion in the delta");

    // The same change set without the failure commits, and the same delta link then shows both.
    let (status, _, body) = send(&sandbox, &token, change_set_with(&[]), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let changes = get_json(&sandbox, &token, &delta, Some("odata.track-changes")).await;
    let value = changes["value"].as_array().unwrap();
    assert_eq!(value.len(), 2, "{changes}");
    assert_eq!(
        (value[0]["accountid"].as_str(), value[0]["name"].as_str()),
        (Some(updated), Some("Renamed In Vain"))
    );
    assert_eq!((value[1]["id"].as_str(), value[1]["reason"].as_str()), (Some(deleted), Some("deleted")));
}

#[tokio::test]
async fn continue_on_error_runs_everything_else() {
    let (sandbox, token) = setup().await;
    let items = [
        // Deleting a record that does not exist fails (404) inside its change set.
        change_set(
            "changeset_C",
            &[part("DELETE", "accounts(00000000-0000-0000-0000-000000000001)", Some(1), None)],
        ),
        part("POST", "accounts", None, Some(r#"{"name":"Still Created"}"#)),
    ];
    let (status, _, body) = send(&sandbox, &token, batch_body(&items), Some("odata.continue-on-error")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("HTTP/1.1 404 Not Found"), "{body}");
    assert!(body.contains("HTTP/1.1 204 No Content"));
    assert_eq!(count_named(&sandbox, &token, "Still Created").await, 1);
}

#[tokio::test]
async fn limits_and_malformed_batches_get_400() {
    let (sandbox, token) = setup().await;
    let many: Vec<String> = (0..1001).map(|_| part("GET", "WhoAmI", None, None)).collect();
    let (status, _, body) = send(&sandbox, &token, batch_body(&many), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("exceeds the limit of 1000"), "{body}");

    let (status, _, body) = send(
        &sandbox,
        &token,
        "--batch_T\r\nContent-Type: application/http\r\n\r\nGET x HTTP/1.1\r\n".into(),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("The batch request is not valid"), "{body}");

    let get_in_change_set = [change_set("changeset_D", &[part("GET", "WhoAmI", Some(1), None)])];
    let (status, _, body) = send(&sandbox, &token, batch_body(&get_in_change_set), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("cannot contain a GET"), "{body}");
}
