//! Exports against the in-process sandbox over real HTTP: CSV and JSON Lines, sequential and partitioned,
//! refreshed by change tracking (changes and deletes applied), and a failed export that loses nothing.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use d365_dataverse::client::{Client, ClientOptions, Request};
use d365_dataverse::data::cache::MetadataCache;
use d365_dataverse::data::export::{self, ExportOptions, Format};
use d365_dataverse::data::metadata::TableSchema;
use d365_dataverse::data::query::{Comparison, Filter, Literal, Query};
use d365_dataverse::retry::{Repeatable, RetryPolicy};
use d365_sandbox::{Fault, FaultKind, Sandbox, SandboxOptions};
use serde_json::{Value, json};

async fn world(seed: u32) -> (Sandbox, Arc<Client>, TableSchema) {
    world_with(SandboxOptions { seed, ..Default::default() }).await
}

async fn world_with(options: SandboxOptions) -> (Sandbox, Arc<Client>, TableSchema) {
    let sandbox = Sandbox::bind("127.0.0.1:0", options).await.unwrap();
    let policy = RetryPolicy {
        base_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
        ..Default::default()
    };
    let client = Arc::new(Client::new(
        Arc::new(common::app_session(&sandbox)),
        ClientOptions { policy, ..Default::default() },
    ));
    let schema = MetadataCache::open(client.clone(), None).schema("account").await.unwrap();
    (sandbox, client, schema)
}

fn options(format: Format, track_changes: bool, parallel: usize) -> ExportOptions {
    ExportOptions {
        format,
        page_size: 70,
        parallel,
        track_changes,
        source: "test".into(),
        progress: None,
        excel_safe: false,
        cancel: None,
    }
}

fn query() -> Query {
    let mut query = Query::new("account");
    query.select =
        vec!["name".into(), "description".into(), "industrycode".into(), "primarycontactid".into()];
    query
}

/// The CSV's rows by id (each as column → text), and its header.
fn csv_rows(file: &Path) -> (Vec<String>, HashMap<String, HashMap<String, String>>) {
    let mut reader = csv::Reader::from_path(file).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    let mut rows = HashMap::new();
    for record in reader.records() {
        let record = record.unwrap();
        let row: HashMap<String, String> =
            header.iter().cloned().zip(record.iter().map(str::to_owned)).collect();
        assert!(rows.insert(record[0].to_owned(), row).is_none(), "an id twice");
    }
    (header, rows)
}

#[tokio::test]
async fn a_csv_export_is_refreshed_with_changes_and_deletes() {
    let (_sandbox, client, schema) = world(300).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("accounts.csv");
    let report = export::export(client.clone(), &schema, &query(), &file, &options(Format::Csv, true, 1))
        .await
        .unwrap();
    assert_eq!((report.rows, report.tracking), (300, true));
    let (header, rows) = csv_rows(&file);
    assert_eq!(header[..3], ["accountid", "name", "description"]);
    assert!(
        header.contains(&"industrycode@formatted".to_owned())
            && header.contains(&"_primarycontactid_value@formatted".to_owned())
    );
    assert_eq!(rows.len(), 300);
    assert!(export::state_file(&file).exists());

    let mut ids = rows.keys().cloned().collect::<Vec<_>>();
    ids.sort();
    let (changed, gone) = (&ids[0], &ids[1]);
    let tricky = "Two lines,\nwith \"quotes\" and a comma";
    let request =
        Request::patch(format!("accounts({changed})"), json!({ "description": tricky }), Repeatable::Yes);
    client.send(&request).await.unwrap();
    client.send(&Request::delete(format!("accounts({gone})"))).await.unwrap();
    client
        .send(&Request::post("accounts", json!({ "name": "Added after the export", "industrycode": 9 })))
        .await
        .unwrap();

    let report =
        export::refresh(client.clone(), &schema, &file, &options(Format::Csv, true, 1)).await.unwrap();
    assert_eq!((report.rows, report.changed, report.deleted), (300, 2, 1));
    let (_, refreshed) = csv_rows(&file);
    assert_eq!(refreshed.len(), 300);
    assert!(!refreshed.contains_key(gone), "the deleted row left the file");
    assert_eq!(refreshed[changed]["description"], tricky, "a multi-line value survives the rewrite");
    let added = refreshed.values().find(|r| r["name"] == "Added after the export").unwrap();
    assert_eq!(added["industrycode@formatted"], "Consulting");
    for (id, row) in &rows {
        if id != changed && id != gone {
            assert_eq!(&refreshed[id], row, "untouched rows stay as they were");
        }
    }
    let again =
        export::refresh(client.clone(), &schema, &file, &options(Format::Csv, true, 1)).await.unwrap();
    assert_eq!((again.rows, again.changed, again.deleted), (300, 0, 0), "nothing changed since");
    let state = std::fs::read_to_string(export::state_file(&file)).unwrap();
    assert!(!state.contains("http"), "the delta link is kept relative: {state}");
}

#[tokio::test]
async fn a_refresh_with_more_changes_than_a_page_follows_the_deltas_pages() {
    let (_sandbox, client, schema) = world(300).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("accounts.csv");
    export::export(client.clone(), &schema, &query(), &file, &options(Format::Csv, true, 1)).await.unwrap();
    let (_, rows) = csv_rows(&file);
    let mut ids = rows.keys().cloned().collect::<Vec<_>>();
    ids.sort();
    // 100 changes and 30 deletions: the delta comes in pages of 70 (two nextLinks, then its deltaLink).
    for (i, id) in ids[..100].iter().enumerate() {
        let body = json!({ "description": format!("Changed {i}") });
        client.send(&Request::patch(format!("accounts({id})"), body, Repeatable::Yes)).await.unwrap();
    }
    for id in &ids[100..130] {
        client.send(&Request::delete(format!("accounts({id})"))).await.unwrap();
    }
    let report =
        export::refresh(client.clone(), &schema, &file, &options(Format::Csv, true, 1)).await.unwrap();
    // Deleting an account also clears the lookups of accounts that pointed to it or to its contacts
    // (referential cascades): those come as changes too.
    assert_eq!((report.rows, report.deleted), (270, 30));
    assert!(report.changed >= 100, "{report:?}");
    let (_, refreshed) = csv_rows(&file);
    assert_eq!(refreshed.len(), 270);
    for (i, id) in ids[..100].iter().enumerate() {
        assert_eq!(refreshed[id]["description"], format!("Changed {i}"), "every page's changes applied");
    }
    assert!(ids[100..130].iter().all(|id| !refreshed.contains_key(id)), "every deletion applied");
    let again =
        export::refresh(client.clone(), &schema, &file, &options(Format::Csv, true, 1)).await.unwrap();
    assert_eq!((again.changed, again.deleted), (0, 0), "the last page's deltaLink was kept");
}

#[tokio::test]
async fn a_view_paged_only_by_its_cookie_is_refused_rather_than_exported_in_part() {
    let sandbox =
        SandboxOptions { seed: 300, view_paging: d365_sandbox::ViewPaging::Cookie, ..Default::default() };
    let (_sandbox, client, schema) = world_with(sandbox).await;
    let views = client
        .send(&Request::get("savedqueries?$select=savedqueryid&$filter=name eq 'Active Accounts'"))
        .await
        .unwrap()
        .json()
        .unwrap();
    let id = views["value"][0]["savedqueryid"].as_str().unwrap().to_owned();
    let mut view = query();
    view.select = vec!["name".into()];
    view.predefined = Some(format!("savedQuery={id}"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("view.csv");
    let error = export::export(client.clone(), &schema, &view, &file, &options(Format::Csv, false, 1))
        .await
        .unwrap_err();
    assert_eq!(error.kind, "api.paging_unsupported", "{error}");
    assert!(!file.exists(), "no partial file");
}

#[tokio::test]
async fn a_partitioned_json_lines_export_equals_a_sequential_one() {
    let (_sandbox, client, schema) = world(900).await;
    let dir = tempfile::tempdir().unwrap();
    let lines = |file: &Path| -> BTreeSet<String> {
        std::fs::read_to_string(file).unwrap().lines().map(str::to_owned).collect()
    };
    let (sequential, partitioned) = (dir.path().join("seq.jsonl"), dir.path().join("par.jsonl"));
    export::export(client.clone(), &schema, &query(), &sequential, &options(Format::JsonLines, false, 1))
        .await
        .unwrap();
    let report = export::export(
        client.clone(),
        &schema,
        &query(),
        &partitioned,
        &options(Format::JsonLines, false, 3),
    )
    .await
    .unwrap();
    assert_eq!((report.rows, report.tracking), (900, false));
    assert_eq!(lines(&partitioned), lines(&sequential));
    let first: Value = serde_json::from_str(lines(&sequential).iter().next().unwrap()).unwrap();
    assert!(first["accountid"].is_string() && first.get("name").is_some(), "{first}");
    assert!(first.get("@odata.etag").is_none(), "only the exported columns");
}

#[tokio::test]
async fn what_cannot_be_tracked_or_refreshed_is_refused_and_a_failed_export_loses_nothing() {
    let (sandbox, client, schema) = world(200).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("accounts.jsonl");
    let mut filtered = query();
    filtered.filter = Some(Filter::Compare("revenue".into(), Comparison::Gt, Literal::Integer(0)));
    let error =
        export::export(client.clone(), &schema, &filtered, &file, &options(Format::JsonLines, true, 1))
            .await
            .unwrap_err();
    assert_eq!(error.kind, "export.no_change_tracking");
    let error = export::refresh(client.clone(), &schema, &file, &options(Format::JsonLines, true, 1))
        .await
        .unwrap_err();
    assert_eq!(error.kind, "export.no_changes_to_apply");

    export::export(client.clone(), &schema, &query(), &file, &options(Format::JsonLines, true, 1))
        .await
        .unwrap();
    let before = std::fs::read(&file).unwrap();
    let other = ExportOptions { source: "another connection".into(), ..options(Format::JsonLines, true, 1) };
    assert_eq!(
        export::refresh(client.clone(), &schema, &file, &other).await.unwrap_err().kind,
        "export.no_changes_to_apply"
    );

    // The third page fails for good (a 500 is not retried): the earlier export stays whole.
    sandbox.set_faults(vec![Fault::new(
        FaultKind::Status { status: 500, retry_after: None },
        "*/accounts",
        3,
    )]);
    let error =
        export::export(client.clone(), &schema, &query(), &file, &options(Format::JsonLines, true, 1))
            .await
            .unwrap_err();
    assert_eq!(error.kind, "api.error", "{error:?}");
    assert_eq!(std::fs::read(&file).unwrap(), before);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 2, "the export and its change state, no temporary file: {leftovers:?}");
}
