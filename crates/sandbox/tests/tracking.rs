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

#[tokio::test]
async fn a_delta_with_more_changes_than_a_page_pages_by_next_links_then_gives_its_delta_link() {
    let sandbox = sandbox_with(SandboxOptions { seed: 6, ..Default::default() }).await;
    let token = org_app_token(&sandbox).await;
    let tracked = ["odata.track-changes"];
    let (_, _, first) = call(&sandbox, &token, Method::GET, "accounts?$select=name", None, &tracked).await;
    let ids: Vec<String> = first["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["accountid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 6);
    let delta_link = first["@odata.deltaLink"].as_str().unwrap().to_owned();
    // Five changed rows, two new ones, three deleted: ten entries.
    for (i, id) in ids[..5].iter().enumerate() {
        let body = json!({ "name": format!("Changed {i}") });
        let done = call(&sandbox, &token, Method::PATCH, &format!("accounts({id})"), Some(body), &[]).await;
        assert_eq!(done.0, StatusCode::NO_CONTENT);
    }
    let mut created = Vec::new();
    for name in ["New A", "New B"] {
        let done = call(&sandbox, &token, Method::POST, "accounts", Some(json!({ "name": name })), &[]).await;
        assert_eq!(done.0, StatusCode::NO_CONTENT);
        let entity = done.1["odata-entityid"].to_str().unwrap().to_owned();
        created.push(entity.rsplit_once('(').unwrap().1.trim_end_matches(')').to_owned());
    }
    for id in &ids[3..6] {
        let done = call(&sandbox, &token, Method::DELETE, &format!("accounts({id})"), None, &[]).await;
        assert_eq!(done.0, StatusCode::NO_CONTENT);
    }
    let paged = ["odata.track-changes", "odata.maxpagesize=3"];
    let mut link = delta_link;
    let mut pages: Vec<Vec<Value>> = Vec::new();
    let final_link = loop {
        let (status, _, page) = call(&sandbox, &token, Method::GET, &link, None, &paged).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page["@odata.context"].as_str().unwrap().ends_with("/$delta"), "{page}");
        pages.push(page["value"].as_array().unwrap().clone());
        if pages.len() == 1 {
            // A row this delta has not reached yet, changed meanwhile: it comes once, in its new state, in
            // the next delta (not twice, not lost).
            let body = json!({ "name": "New A Renamed" });
            let path = format!("accounts({})", created[0]);
            let done = call(&sandbox, &token, Method::PATCH, &path, Some(body), &[]).await;
            assert_eq!(done.0, StatusCode::NO_CONTENT);
        }
        if pages.len() == 2 {
            // A change while the client pages belongs to the next delta, not this one.
            let body = json!({ "name": "Changed While Paging" });
            let done =
                call(&sandbox, &token, Method::PATCH, &format!("accounts({})", ids[0]), Some(body), &[])
                    .await;
            assert_eq!(done.0, StatusCode::NO_CONTENT);
        }
        match (page.get("@odata.nextLink"), page.get("@odata.deltaLink")) {
            (Some(next), None) => link = next.as_str().unwrap().to_owned(),
            (None, Some(delta)) => break delta.as_str().unwrap().to_owned(),
            other => panic!("a page has a next link or the delta link, not both or neither: {other:?}"),
        }
        assert!(pages.len() < 10, "the pages end: {link} {pages:?}");
    };
    assert!(pages.iter().all(|p| p.len() <= 3), "{pages:?}");
    assert_eq!(pages.len(), 3, "{pages:?}");
    let all: Vec<&Value> = pages.iter().flatten().collect();
    let names: Vec<&str> = all.iter().filter_map(|r| r["name"].as_str()).collect();
    // Rows deleted since are not among the changed rows; the three left were changed, two are new.
    assert_eq!(names, ["Changed 0", "Changed 1", "Changed 2", "New B"], "{all:?}");
    let gone: Vec<&str> =
        all.iter().filter(|r| r["reason"] == "deleted").map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(gone, ids[3..6].iter().map(String::as_str).collect::<Vec<_>>());

    let (_, _, next) = call(&sandbox, &token, Method::GET, &final_link, None, &paged).await;
    let names: Vec<&str> =
        next["value"].as_array().unwrap().iter().filter_map(|r| r["name"].as_str()).collect();
    assert_eq!(names, ["New A Renamed", "Changed While Paging"], "{next}");
    assert!(next.get("@odata.deltaLink").is_some());
}
