//! A commit throttled by service protection waits and is applied exactly once: against a sandbox that
//! allows a few requests a second, a commit of 30 changes (updates and creates), atomically and record by
//! record, gets 429 with `Retry-After` for its `$batch`, waits (the client's event sink hears the wait, as
//! the status bar does), sends the same batch again, and every change is there once: the 15 updates hold
//! their values and exactly 15 new contacts exist.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use d365_connections::{CommitMode, CommitOutcome, PendingChange, commit};
use d365_dataverse::client::{Client, ClientOptions, EventSink, Request};
use d365_dataverse::data::cache::MetadataCache;
use d365_dataverse::retry::{ClientEvent, RetryReason};
use d365_dataverse::session::{Grant, Session};
use d365_dataverse::{Cloud, Secret, auth, input};
use d365_sandbox::{Limits, Sandbox, SandboxOptions};
use serde_json::json;

/// A client of `sandbox` whose events land in the returned list.
fn watched_client(sandbox: &Sandbox) -> (Arc<Client>, Arc<Mutex<Vec<ClientEvent>>>) {
    let info = sandbox.info();
    let grant = Grant::App {
        authority: info.authority.clone(),
        client_id: info.org_client_id.clone(),
        client_secret: Secret::new(info.org_client_secret.clone()),
    };
    let instance = input::instance(&info.instance_url, Cloud::Public, false).unwrap();
    let session = Session::new(auth::http_client().unwrap(), instance, grant);
    let heard: Arc<Mutex<Vec<ClientEvent>>> = Arc::default();
    let sink: EventSink = {
        let heard = heard.clone();
        Arc::new(move |event: &ClientEvent| heard.lock().unwrap().push(event.clone()))
    };
    let options = ClientOptions { events: Some(sink), ..Default::default() };
    (Arc::new(Client::new(Arc::new(session), options)), heard)
}

async fn count(client: &Client, filter: &str) -> usize {
    let page =
        client.send(&Request::get(format!("contacts?$select=contactid&$filter={filter}"))).await.unwrap();
    page.json().unwrap()["value"].as_array().unwrap().len()
}

#[tokio::test]
async fn a_throttled_commit_waits_and_applies_each_change_exactly_once() {
    let limits = Limits { requests: 4, window: Duration::from_secs(1), ..Limits::default() };
    let sandbox = Sandbox::bind("127.0.0.1:0", SandboxOptions { seed: 40, limits, ..Default::default() })
        .await
        .unwrap();
    let (client, heard) = watched_client(&sandbox);
    let cache = MetadataCache::open(client.clone(), None);
    cache.schema("account").await.unwrap();
    cache.schema("contact").await.unwrap();
    cache.tables().await.unwrap();
    for (run, mode) in [CommitMode::Atomic, CommitMode::RecordByRecord].into_iter().enumerate() {
        let page = client
            .send(&Request::get("accounts?$select=name&$top=15&$orderby=name"))
            .await
            .unwrap()
            .json()
            .unwrap();
        let accounts: Vec<(String, String)> = page["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (r["accountid"].as_str().unwrap().to_owned(), r["@odata.etag"].as_str().unwrap().to_owned())
            })
            .collect();
        assert_eq!(accounts.len(), 15);
        let marker = format!("Throttled{run}");
        let mut changes: Vec<PendingChange> = accounts
            .iter()
            .map(|(id, etag)| PendingChange::Update {
                table: "account".into(),
                id: id.clone(),
                etag: Some(etag.clone()),
                column: "telephone1".into(),
                old: None,
                new: json!(format!("{marker}-{id}")),
            })
            .collect();
        changes.extend((0..15).map(|n| PendingChange::Create {
            table: "contact".into(),
            key: format!("new-{n}"),
            values: BTreeMap::from([
                ("lastname".into(), json!(marker)),
                ("firstname".into(), json!(n.to_string())),
            ]),
        }));
        // The window's requests are spent just before the commit, by a burst that was itself let through
        // (none of it waited): the commit's `$batch` is then answered 429 first.
        loop {
            tokio::time::sleep(limits.window + Duration::from_millis(100)).await;
            heard.lock().unwrap().clear();
            for _ in 0..4 {
                client.send(&Request::get("WhoAmI")).await.unwrap();
            }
            if heard.lock().unwrap().is_empty() {
                break;
            }
        }
        let results = commit(&cache, &changes, mode, &[]).await.unwrap();
        assert_eq!(results.len(), 30);
        assert!(
            results.iter().all(|r| matches!(r.outcome, CommitOutcome::Applied { .. })),
            "{mode:?}: {results:?}"
        );
        let waits = heard.lock().unwrap().clone();
        assert!(
            waits.iter().any(|e| matches!(e, ClientEvent::Retrying { reason: RetryReason::Throttled, wait_ms, .. } if *wait_ms > 0)),
            "{mode:?}: the wait was reported: {waits:?}"
        );
        assert_eq!(
            count(&client, &format!("lastname eq '{marker}'")).await,
            15,
            "{mode:?}: each create once"
        );
        // The same accounts, read again in one request: each holds its update.
        let after =
            client.send(&Request::get("accounts?$select=telephone1&$top=15&$orderby=name")).await.unwrap();
        for (row, (id, _)) in after.json().unwrap()["value"].as_array().unwrap().iter().zip(&accounts) {
            assert_eq!(row["telephone1"], json!(format!("{marker}-{id}")), "{mode:?}");
        }
    }
}
