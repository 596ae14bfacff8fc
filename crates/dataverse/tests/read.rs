//! The data side's reads against the in-process sandbox over real HTTP: metadata and its cache, queries
//! checked before they are sent, paging, throttling and faults survived, read-only refused in the core.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use d365_dataverse::client::{Client, ClientOptions, Request};
use d365_dataverse::data::cache::MetadataCache;
use d365_dataverse::data::query::{Comparison, Filter, Literal, Query};
use d365_dataverse::data::read::{self, ReadOptions};
use d365_dataverse::retry::{ClientEvent, Repeatable, RetryPolicy, RetryReason};
use d365_sandbox::{Fault, Limits, Sandbox, SandboxOptions};
use futures_util::TryStreamExt;
use serde_json::json;

async fn sandbox(seed: u32, limits: Limits) -> Sandbox {
    Sandbox::bind("127.0.0.1:0", SandboxOptions { seed, limits, ..Default::default() }).await.unwrap()
}

fn client(sandbox: &Sandbox, options: ClientOptions) -> Arc<Client> {
    Arc::new(Client::new(Arc::new(common::app_session(sandbox)), options))
}

/// Fast retries for tests: the policy's shape, with short waits.
fn quick() -> RetryPolicy {
    RetryPolicy {
        base_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(200),
        ..Default::default()
    }
}

async fn all_ids(client: &Arc<Client>, path: &str, page_size: u32) -> Vec<String> {
    let options = ReadOptions { page_size, ..Default::default() };
    let pages: Vec<_> = read::pages(client.clone(), path.to_owned(), options).try_collect().await.unwrap();
    pages.iter().flat_map(|p| &p.rows).map(|r| r.id("accountid").unwrap().to_owned()).collect()
}

#[tokio::test]
async fn paging_reads_every_row_once_even_while_rows_are_added() {
    let sandbox = sandbox(1200, Limits::default()).await;
    let client = client(&sandbox, ClientOptions { policy: quick(), ..Default::default() });
    let everything = all_ids(&client, "accounts?$select=name", 5000).await;
    assert_eq!(everything.len(), 1200);

    let options = ReadOptions { page_size: 100, ..Default::default() };
    let mut pages = Box::pin(read::pages(client.clone(), "accounts?$select=name".into(), options));
    let mut seen = Vec::new();
    let mut page_count = 0;
    while let Some(page) = pages.try_next().await.unwrap() {
        page_count += 1;
        seen.extend(page.rows.iter().map(|r| r.id("accountid").unwrap().to_owned()));
        if page_count == 3 {
            for n in 0..25 {
                let created = Request::post("accounts", json!({ "name": format!("Added mid-read {n}") }));
                client.send(&created).await.unwrap();
            }
        }
    }
    assert!(page_count >= 12, "pages of 100: {page_count}");
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no row twice");
    assert!(everything.iter().all(|id| unique.contains(id)), "no row that was there is missing");
}

#[tokio::test]
async fn rows_come_with_formatted_values_and_lookup_targets() {
    let sandbox = sandbox(50, Limits::default()).await;
    let client = client(&sandbox, ClientOptions::default());
    let cache = MetadataCache::open(client.clone(), None);
    let schema = cache.schema("accounts").await.unwrap();
    let mut query = Query::new("account");
    query.select = vec!["name".into(), "revenue".into(), "primarycontactid".into(), "statecode".into()];
    query.filter = Some(Filter::Compare("revenue".into(), Comparison::Gt, Literal::Integer(0)));
    query.order_by = vec![("revenue".into(), true)];
    query.top = Some(5);
    query.count = true;
    let path = query.to_path(&schema).unwrap();
    assert!(path.starts_with("accounts?$select=name,revenue,_primarycontactid_value,statecode&"), "{path}");
    let page = read::page(&client, &path, &ReadOptions::default()).await.unwrap();
    assert_eq!(page.rows.len(), 5);
    let top = &page.rows[0];
    assert!(top.get("revenue").unwrap().formatted.as_deref().unwrap().starts_with('$'), "{top:?}");
    assert_eq!(top.display("statecode"), "Active");
    // Every seeded account has a primary contact: each row's lookup names its table and the contact.
    for row in &page.rows {
        let lookup = row.get("_primarycontactid_value").unwrap();
        let id = lookup.value.as_str().expect("a primary contact's id");
        assert!(id.parse::<uuid::Uuid>().is_ok(), "{id}");
        assert_eq!(lookup.lookup_table.as_deref(), Some("contact"), "{row:?}");
        assert_eq!(lookup.navigation.as_deref(), Some("primarycontactid"), "{row:?}");
        let name = lookup.formatted.as_deref().expect("the contact's name");
        assert!(name.contains(' '), "a full name: {name}");
    }
    let revenues: Vec<f64> =
        page.rows.iter().map(|r| r.get("revenue").unwrap().value.as_f64().unwrap()).collect();
    assert!(revenues.windows(2).all(|w| w[0] >= w[1]), "ordered by revenue descending: {revenues:?}");
    assert!(page.count.unwrap() >= 5);
}

#[tokio::test]
async fn names_are_checked_before_any_request_with_a_suggestion() {
    let sandbox = sandbox(5, Limits::default()).await;
    let client = client(&sandbox, ClientOptions::default());
    let cache = MetadataCache::open(client.clone(), None);
    let err = cache.schema("acount").await.unwrap_err();
    assert_eq!(err.kind, "query.unknown_table");
    assert!(err.message.contains("did you mean 'account'?"), "{}", err.message);

    let schema = cache.schema("account").await.unwrap();
    let mut query = Query::new("account");
    query.select = vec!["nmae".into()];
    let err = query.to_path(&schema).unwrap_err();
    assert_eq!(err.kind, "query.unknown_column");
    assert_eq!(err.message, "There is no column 'nmae' on account; did you mean 'name'?");
    query.select = vec!["name".into()];
    query.filter = Some(Filter::Raw("startswith(nmae,'A') and revenue gt 5".into()));
    assert!(query.to_path(&schema).unwrap_err().message.contains("'nmae'"), "columns in a typed filter too");
    query.filter = Some(Filter::Raw("startswith(name,'it''s') and revenue gt 5".into()));
    assert!(query.to_path(&schema).is_ok());
}

#[tokio::test]
async fn the_metadata_cache_file_serves_the_next_start_and_holds_no_secret() {
    let local = sandbox(5, Limits::default()).await;
    let api = client(&local, ClientOptions::default());
    let file = std::env::temp_dir().join(format!("d365desk-meta-{}.json", uuid::Uuid::new_v4()));
    let first = MetadataCache::open(api.clone(), Some(file.clone()));
    assert!(first.cached_tables().await.is_none());
    let tables = first.tables().await.unwrap();
    assert!(tables.iter().any(|t| t.logical_name == "account" && t.entity_set == "accounts"));
    let schema = first.schema("contact").await.unwrap();
    assert!(schema.column("parentcustomerid").unwrap().targets.contains(&"account".to_owned()));

    let again = MetadataCache::open(api.clone(), Some(file.clone()));
    assert_eq!(again.cached_tables().await, Some(tables.clone()), "at once, from the file");
    let (_, changed) = again.refresh_tables().await.unwrap();
    assert!(!changed, "the schema did not change");

    let text = std::fs::read_to_string(&file).unwrap();
    let token = api.session().token().await.unwrap();
    assert!(!text.contains(token.secret()) && !text.contains("eyJ"), "no token in the cache");
    assert!(!text.contains(&local.info().org_client_secret), "no secret in the cache");

    let other = sandbox(1, Limits::default()).await;
    let foreign = MetadataCache::open(client(&other, ClientOptions::default()), Some(file.clone()));
    assert!(foreign.cached_tables().await.is_none(), "another environment's cache is not used");
}

#[tokio::test]
async fn a_column_the_cached_schema_lacks_is_looked_up_again_before_it_is_refused() {
    let local = sandbox(5, Limits::default()).await;
    let api = client(&local, ClientOptions::default());
    let file = std::env::temp_dir().join(format!("d365desk-meta-{}.json", uuid::Uuid::new_v4()));
    MetadataCache::open(api.clone(), Some(file.clone())).schema("account").await.unwrap();
    // The cache as it was before a column was added: emailaddress1 is not in it.
    let mut doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    doc["schemas"]["account"]["columns"]
        .as_array_mut()
        .unwrap()
        .retain(|c| c["logical_name"] != "emailaddress1");
    std::fs::write(&file, doc.to_string()).unwrap();

    let stale = MetadataCache::open(api.clone(), Some(file.clone()));
    assert!(
        stale.schema("account").await.unwrap().column("emailaddress1").is_none(),
        "the stale cache is used"
    );
    let mut query = Query::new("account");
    query.select = vec!["emailaddress1".into()];
    let (schema, path) = stale.check(&query).await.unwrap();
    assert_eq!(path, "accounts?$select=emailaddress1");
    assert!(schema.column("emailaddress1").is_some());
    query.select = vec!["emailadress1".into()];
    let err = stale.check(&query).await.unwrap_err();
    assert_eq!(err.message, "There is no column 'emailadress1' on account; did you mean 'emailaddress1'?");
}

#[tokio::test]
async fn throttled_reads_wait_as_told_report_it_and_complete() {
    let limits = Limits { requests: 4, window: Duration::from_secs(2), concurrent: 52, ..Limits::default() };
    let sandbox = sandbox(700, limits).await;
    let events: Arc<Mutex<Vec<ClientEvent>>> = Arc::default();
    let sink = {
        let events = events.clone();
        Arc::new(move |e: &ClientEvent| events.lock().unwrap().push(e.clone()))
    };
    let client = client(&sandbox, ClientOptions { events: Some(sink), ..Default::default() });
    let ids = all_ids(&client, "accounts?$select=name", 100).await;
    assert_eq!(ids.len(), 700, "the read completed");
    let events = events.lock().unwrap();
    assert!(!events.is_empty(), "the throttling was reported");
    for ClientEvent::Retrying { reason, wait_ms, .. } in events.iter() {
        assert_eq!(*reason, RetryReason::Throttled);
        assert!((1000..=2000).contains(wait_ms), "the server's Retry-After, in whole seconds: {wait_ms}");
    }
}

#[tokio::test]
async fn faults_on_reads_are_retried_and_the_result_is_the_same() {
    let sandbox = sandbox(600, Limits::default()).await;
    let client = client(&sandbox, ClientOptions { policy: quick(), ..Default::default() });
    let clean = all_ids(&client, "accounts?$select=name", 100).await;
    for spec in [
        "status=503,path=*/accounts,every=2",
        "reset,path=*/accounts,every=2",
        "malformed,path=*/accounts,every=3",
        "truncate,path=*/accounts,every=2",
        "status=502,path=*/accounts,every=2",
    ] {
        sandbox.set_faults(vec![Fault::parse(spec).unwrap()]);
        assert_eq!(all_ids(&client, "accounts?$select=name", 100).await, clean, "{spec}");
    }
    sandbox.set_faults(vec![Fault::parse("status=503,path=*/accounts").unwrap()]);
    let err = read::page(&client, "accounts", &ReadOptions::default()).await.unwrap_err();
    assert_eq!(err.kind, "api.unavailable");
    assert!(err.message.contains("gave up after 6 tries"), "{}", err.message);
}

#[tokio::test]
async fn a_write_whose_answer_is_lost_is_never_sent_twice() {
    let sandbox = sandbox(10, Limits::default()).await;
    let client = client(&sandbox, ClientOptions { policy: quick(), ..Default::default() });
    let count = |client: Arc<Client>| async move {
        read::page(&client, "accounts?$select=name", &ReadOptions::default()).await.unwrap().rows.len()
    };
    let before = count(client.clone()).await;
    // Every second request to accounts breaks: the GET passes, the POST breaks, a repeat would pass.
    sandbox.set_faults(vec![Fault::parse("reset,path=*/accounts,every=2").unwrap()]);
    read::page(&client, "accounts?$select=name&$top=1", &ReadOptions::default()).await.unwrap();
    let err = client.send(&Request::post("accounts", json!({ "name": "Once only" }))).await.unwrap_err();
    assert!(err.message.contains("may or may not have been applied"), "{err:?}");
    sandbox.set_faults(vec![Fault::parse("status=503,path=*/accounts,every=2").unwrap()]);
    read::page(&client, "accounts?$select=name&$top=1", &ReadOptions::default()).await.unwrap();
    let err = client.send(&Request::post("accounts", json!({ "name": "Refused" }))).await.unwrap_err();
    assert_eq!(err.kind, "api.error", "a 503 on a POST is reported, not retried: {err:?}");
    sandbox.set_faults(vec![]);
    assert_eq!(count(client.clone()).await, before, "neither POST was repeated");
}

#[tokio::test]
async fn read_only_connections_refuse_every_write_in_the_core() {
    let sandbox = sandbox(10, Limits::default()).await;
    let client = client(&sandbox, ClientOptions { read_only: true, ..Default::default() });
    let before =
        read::page(&client, "accounts?$select=name", &ReadOptions::default()).await.unwrap().rows.len();
    let id = "0d365de5-0000-4000-8000-000000000001";
    for request in [
        Request::post("accounts", json!({ "name": "No" })),
        Request::patch(format!("accounts({id})"), json!({ "name": "No" }), Repeatable::Yes),
        Request::put(format!("accounts({id})/name"), json!({ "value": "No" })),
        Request::delete(format!("accounts({id})")),
    ] {
        let err = client.send(&request).await.unwrap_err();
        assert_eq!(err.kind, "api.read_only", "{request:?}");
    }
    let after =
        read::page(&client, "accounts?$select=name", &ReadOptions::default()).await.unwrap().rows.len();
    assert_eq!(before, after);
}

#[tokio::test]
async fn an_unchanged_record_answers_304_to_its_etag() {
    let sandbox = sandbox(3, Limits::default()).await;
    let client = client(&sandbox, ClientOptions::default());
    let page = read::page(&client, "accounts?$select=name&$top=1", &ReadOptions::default()).await.unwrap();
    let id = page.rows[0].id("accountid").unwrap().to_owned();
    let path = format!("accounts({id})?$select=name");
    let row = read::retrieve(&client, &path, None, false).await.unwrap().unwrap();
    let etag = row.etag.clone().unwrap();
    assert_eq!(read::retrieve(&client, &path, Some(&etag), false).await.unwrap(), None, "304: unchanged");
    client
        .send(&Request::patch(format!("accounts({id})"), json!({ "name": "Changed" }), Repeatable::Yes))
        .await
        .unwrap();
    let changed = read::retrieve(&client, &path, Some(&etag), false).await.unwrap().unwrap();
    assert_eq!(changed.display("name"), "Changed");
}

#[tokio::test]
async fn a_delta_read_brings_changed_rows_and_deleted_ids() {
    let sandbox = sandbox(30, Limits::default()).await;
    let client = client(&sandbox, ClientOptions::default());
    let options = ReadOptions { page_size: 10, track_changes: true, ..Default::default() };
    let pages: Vec<_> = read::pages(client.clone(), "accounts?$select=name".into(), options.clone())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.iter().map(|p| p.rows.len()).sum::<usize>(), 30);
    let delta = pages.last().unwrap().delta_link.clone().expect("a delta link at the end");
    let (changed, gone) =
        (pages[0].rows[0].id("accountid").unwrap(), pages[1].rows[0].id("accountid").unwrap());
    let update =
        Request::patch(format!("accounts({changed})"), json!({ "name": "Changed" }), Repeatable::Yes);
    client.send(&update).await.unwrap();
    client.send(&Request::delete(format!("accounts({gone})"))).await.unwrap();

    let changes: Vec<_> = read::pages(client.clone(), delta, options).try_collect().await.unwrap();
    let rows: Vec<_> = changes.iter().flat_map(|p| &p.rows).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].id("accountid"), rows[0].display("name").as_str()), (Some(changed), "Changed"));
    let deleted: Vec<_> = changes.iter().flat_map(|p| &p.deleted).map(|d| d.id.as_str()).collect();
    assert_eq!(deleted, [gone]);
    assert!(changes.last().unwrap().delta_link.is_some(), "and where to continue next time");
}

#[tokio::test]
async fn a_partitioned_read_returns_exactly_the_rows_of_a_sequential_one() {
    use d365_dataverse::data::partition;
    let sandbox = sandbox(3000, Limits::default()).await;
    let client = client(&sandbox, ClientOptions { policy: quick(), ..Default::default() });
    let cache = MetadataCache::open(client.clone(), None);
    let schema = cache.schema("account").await.unwrap();
    let sorted = |mut rows: Vec<d365_dataverse::data::rows::Row>| {
        rows.sort_by(|a, b| a.id("accountid").cmp(&b.id("accountid")));
        rows
    };
    for filter in [None, Some(Filter::Compare("revenue".into(), Comparison::Gt, Literal::Integer(100_000)))] {
        let mut query = Query::new("account");
        query.select = vec!["name".into(), "revenue".into(), "primarycontactid".into(), "createdon".into()];
        query.filter = filter;
        let options = ReadOptions { page_size: 250, ..Default::default() };
        let sequential: Vec<_> =
            read::pages(client.clone(), query.to_path(&schema).unwrap(), options.clone())
                .try_collect()
                .await
                .unwrap();
        let sequential = sorted(sequential.into_iter().flat_map(|p: read::Page| p.rows).collect());
        let parts = partition::split(&client, &schema, &query, 8).await.unwrap();
        assert!(parts.len() >= 8, "ranges and the rows without a creation time: {}", parts.len());
        let partitioned =
            sorted(partition::read_all(client.clone(), &schema, &query, options, 4).await.unwrap());
        assert!(sequential.len() > 100);
        assert_eq!(partitioned.len(), sequential.len(), "no row missing or twice");
        assert!(partitioned == sequential, "the same rows, cell for cell");
    }
    let mut top = Query::new("account");
    top.top = Some(5);
    assert_eq!(
        partition::split(&client, &schema, &top, 4).await.unwrap_err().kind,
        "query.not_partitionable"
    );
}
