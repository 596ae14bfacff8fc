//! `$batch` against the in-process sandbox over real HTTP: atomic change sets apply whole or not at all,
//! continue-on-error maps each result to its operation, and past 1000 operations the work is split.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use std::sync::Arc;

use d365_dataverse::client::Response;
use d365_dataverse::client::{Client, ClientOptions, Request};
use d365_dataverse::data::batch::{self, BatchMode, BatchOptions, ItemOutcome, Operation};
use d365_dataverse::data::read::{self, Page, ReadOptions};
use d365_dataverse::data::write::Concurrency;
use d365_sandbox::{Fault, Sandbox, SandboxOptions};
use futures_util::TryStreamExt;
use serde_json::{Map, Value, json};

async fn world() -> (Sandbox, Arc<Client>) {
    let sandbox =
        Sandbox::bind("127.0.0.1:0", SandboxOptions { seed: 10, ..Default::default() }).await.unwrap();
    let client = Arc::new(Client::new(Arc::new(common::app_session(&sandbox)), ClientOptions::default()));
    (sandbox, client)
}

fn body(value: Value) -> Map<String, Value> {
    value.as_object().unwrap().clone()
}

fn account(name: &str) -> Operation {
    Operation::create("accounts", body(json!({ "name": name })))
}

/// How many accounts have a name starting with `prefix`.
async fn count(client: &Client, prefix: &str) -> u64 {
    let path = format!("accounts?$select=name&$filter=startswith(name,'{prefix}')&$count=true");
    client.send(&Request::get(path)).await.unwrap().json().unwrap()["@odata.count"].as_u64().unwrap()
}

fn atomic() -> BatchOptions {
    BatchOptions { mode: BatchMode::Atomic, ..Default::default() }
}

fn continue_on_error() -> BatchOptions {
    BatchOptions { mode: BatchMode::ContinueOnError, ..Default::default() }
}

#[tokio::test]
async fn an_atomic_change_set_applies_whole_or_not_at_all() {
    let (_sandbox, client) = world().await;
    let too_long = "x".repeat(200);
    let operations = vec![account("Atomic A"), account("Atomic B"), account(&too_long), account("Atomic C")];
    let outcomes = batch::run(&client, &operations, &atomic()).await.unwrap();
    assert_eq!(outcomes.len(), 4);
    let ItemOutcome::Failed { error } = &outcomes[2] else { panic!("{outcomes:?}") };
    assert_eq!(error.kind, "api.invalid_request");
    assert!(error.message.contains("maximum allowed length"), "{}", error.message);
    for n in [0, 1, 3] {
        let ItemOutcome::NotApplied { reason } = &outcomes[n] else { panic!("{:?}", outcomes[n]) };
        assert!(reason.contains("operation 3"), "{reason}");
    }
    assert_eq!(count(&client, "Atomic").await, 0, "the change set was rolled back");

    let fixed = vec![account("Atomic A"), account("Atomic B"), account("Atomic C")];
    let outcomes = batch::run(&client, &fixed, &atomic()).await.unwrap();
    assert!(outcomes.iter().all(ItemOutcome::is_applied), "{outcomes:?}");
    assert_eq!(count(&client, "Atomic").await, 3);
}

/// Every page of a change-tracked read of `path` (the first read, or a delta link).
async fn tracked(client: &Arc<Client>, path: &str) -> Vec<Page> {
    let options = ReadOptions { page_size: 100, track_changes: true, ..Default::default() };
    read::pages(client.clone(), path.to_owned(), options).try_collect().await.unwrap()
}

async fn record(client: &Client, id: &str) -> Response {
    client.send(&Request::get(format!("accounts({id})?$select=name,telephone1"))).await.unwrap()
}

#[tokio::test]
async fn a_failing_change_set_leaves_updated_and_deleted_records_as_they_were() {
    let (_sandbox, client) = world().await;
    let first = tracked(&client, "accounts?$select=name,telephone1").await;
    let rows: Vec<_> = first.iter().flat_map(|p| &p.rows).collect();
    assert_eq!(rows.len(), 10);
    let delta = first.last().unwrap().delta_link.clone().expect("a delta link");
    let (updated, deleted) = (rows[0].id("accountid").unwrap(), rows[1].id("accountid").unwrap());
    let etag = rows[0].etag.clone().unwrap();
    let before =
        (record(&client, updated).await.json().unwrap(), record(&client, deleted).await.json().unwrap());

    // The update and the delete run before the failing create: the change set must undo them.
    let change_set = |last: Option<Operation>| {
        let mut operations = vec![
            Operation::update(
                &format!("accounts({updated})"),
                body(json!({ "name": "Renamed In Vain", "telephone1": "555-0199" })),
                &Concurrency::IfMatch(etag.clone()),
            ),
            Operation::delete(&format!("accounts({deleted})"), None),
        ];
        operations.extend(last);
        operations
    };
    let outcomes =
        batch::run(&client, &change_set(Some(account(&"z".repeat(200)))), &atomic()).await.unwrap();
    let [ItemOutcome::NotApplied { .. }, ItemOutcome::NotApplied { .. }, ItemOutcome::Failed { error }] =
        outcomes.as_slice()
    else {
        panic!("{outcomes:?}")
    };
    assert_eq!(error.kind, "api.invalid_request");

    let after =
        (record(&client, updated).await.json().unwrap(), record(&client, deleted).await.json().unwrap());
    assert_eq!(after, before, "the updated record keeps its values and ETag, the deleted one is still there");
    let changes = tracked(&client, &delta).await;
    let changed: Vec<_> = changes.iter().flat_map(|p| &p.rows).collect();
    let gone: Vec<_> = changes.iter().flat_map(|p| &p.deleted).collect();
    assert!(changed.is_empty() && gone.is_empty(), "nothing rolled back is in the delta: {changes:?}");

    // The same change set without the failure applies, and the same delta link then sees both changes.
    let outcomes = batch::run(&client, &change_set(None), &atomic()).await.unwrap();
    assert!(outcomes.iter().all(ItemOutcome::is_applied), "{outcomes:?}");
    let changes = tracked(&client, &delta).await;
    let changed: Vec<_> =
        changes.iter().flat_map(|p| &p.rows).map(|r| (r.id("accountid"), r.display("name"))).collect();
    assert_eq!(changed, [(Some(updated), "Renamed In Vain".to_owned())]);
    let gone: Vec<_> = changes.iter().flat_map(|p| &p.deleted).map(|d| d.id.as_str()).collect();
    assert_eq!(gone, [deleted]);
}

#[tokio::test]
async fn a_batch_whose_answer_is_cut_off_reports_every_operation_as_unknown() {
    let (sandbox, client) = world().await;
    sandbox.set_faults(vec![Fault::parse("truncate,path=*/$batch").unwrap()]);
    let operations = vec![account("Cut Off A"), account("Cut Off B")];
    let outcomes = batch::run(&client, &operations, &atomic()).await.unwrap();
    assert_eq!(outcomes.len(), 2);
    for outcome in &outcomes {
        let ItemOutcome::Failed { error } = outcome else { panic!("{outcomes:?}") };
        assert_eq!(error.kind, "api.malformed_response");
        assert!(error.message.contains("may or may not have been applied"), "{}", error.message);
    }
    sandbox.set_faults(Vec::new());
    assert_eq!(count(&client, "Cut Off").await, 2, "the change set was applied: only its answer was lost");
}

#[tokio::test]
async fn operations_in_a_change_set_refer_to_what_earlier_ones_created() {
    let (_sandbox, client) = world().await;
    let operations = vec![
        Operation::create("contacts", body(json!({ "lastname": "Linked" }))),
        Operation::create(
            "accounts",
            body(json!({ "name": "Linked Ltd", "primarycontactid@odata.bind": "$1" })),
        ),
    ];
    let outcomes = batch::run(&client, &operations, &atomic()).await.unwrap();
    let [ItemOutcome::Applied { id: Some(contact), .. }, ItemOutcome::Applied { id: Some(account), .. }] =
        outcomes.as_slice()
    else {
        panic!("{outcomes:?}")
    };
    let row = client
        .send(&Request::get(format!("accounts({account})?$select=_primarycontactid_value")))
        .await
        .unwrap();
    assert_eq!(row.json().unwrap()["_primarycontactid_value"], json!(contact));
}

#[tokio::test]
async fn continue_on_error_reports_each_operation_in_order() {
    let (_sandbox, client) = world().await;
    let doomed = "0d365de5-dead-4000-8000-000000000000";
    let first = batch::run(&client, &[account("Mixed 0")], &atomic()).await.unwrap();
    let ItemOutcome::Applied { id: Some(id), .. } = &first[0] else { panic!("{first:?}") };
    let operations = vec![
        account("Mixed 1"),
        Operation::update(
            &format!("accounts({doomed})"),
            body(json!({ "name": "x" })),
            &Concurrency::Overwrite,
        ),
        Operation::update(
            &format!("accounts({id})"),
            body(json!({ "name": "Mixed 0 renamed" })),
            &Concurrency::Overwrite,
        ),
        Operation::update(
            &format!("accounts({id})"),
            body(json!({ "name": "stale" })),
            &Concurrency::IfMatch("W/\"1\"".into()),
        ),
        Operation::delete(&format!("accounts({doomed})"), None),
        account("Mixed 2"),
    ];
    let outcomes = batch::run(&client, &operations, &continue_on_error()).await.unwrap();
    let kinds: Vec<&str> = outcomes
        .iter()
        .map(|o| match o {
            ItemOutcome::Applied { .. } => "applied",
            ItemOutcome::Failed { error } => error.kind,
            ItemOutcome::NotApplied { .. } => "not applied",
        })
        .collect();
    assert_eq!(kinds, ["applied", "api.not_found", "applied", "api.conflict", "api.not_found", "applied"]);
    assert_eq!(count(&client, "Mixed").await, 3);
    let renamed = client.send(&Request::get(format!("accounts({id})?$select=name"))).await.unwrap();
    assert_eq!(renamed.json().unwrap()["name"], "Mixed 0 renamed");
}

#[tokio::test]
async fn past_1000_operations_the_work_is_split_and_mapped_back() {
    let (_sandbox, client) = world().await;
    let operations: Vec<Operation> = (0..2500).map(|n| account(&format!("Split {n:04}"))).collect();
    let parallel = BatchOptions { parallel: 2, ..continue_on_error() };
    let outcomes = batch::run(&client, &operations, &parallel).await.unwrap();
    assert_eq!(outcomes.len(), 2500);
    let ids: std::collections::HashSet<String> = outcomes
        .iter()
        .map(|o| match o {
            ItemOutcome::Applied { id: Some(id), .. } => id.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(ids.len(), 2500, "one record each");
    assert_eq!(count(&client, "Split").await, 2500);
    // The 1001st outcome is the 1001st operation's record.
    let ItemOutcome::Applied { id: Some(id), .. } = &outcomes[1000] else { unreachable!() };
    let row = client.send(&Request::get(format!("accounts({id})?$select=name"))).await.unwrap();
    assert_eq!(row.json().unwrap()["name"], "Split 1000");

    // Atomic past 1000: batch by batch; a failing batch is rolled back and stops the rest.
    let mut operations: Vec<Operation> = (0..2500).map(|n| account(&format!("Chunked {n:04}"))).collect();
    operations[1500] = account(&"y".repeat(200));
    let outcomes = batch::run(&client, &operations, &atomic()).await.unwrap();
    assert!(outcomes[..1000].iter().all(ItemOutcome::is_applied));
    assert!(matches!(outcomes[1500], ItemOutcome::Failed { .. }));
    assert!(outcomes[1000..].iter().all(|o| !o.is_applied()));
    let ItemOutcome::NotApplied { reason } = &outcomes[2400] else { panic!("{:?}", outcomes[2400]) };
    assert!(reason.contains("batch 2 of 3 failed"), "{reason}");
    assert_eq!(count(&client, "Chunked").await, 1000);

    let too_big = BatchOptions { per_batch: 1001, ..atomic() };
    assert_eq!(batch::run(&client, &operations, &too_big).await.unwrap_err().kind, "input.batch_size");
}

#[tokio::test]
async fn a_line_break_in_a_part_s_header_sends_nothing_of_the_batch() {
    // A local server rather than the sandbox: the point is that no request reaches any server.
    let (base, seen) = common::local::server(|_, _| common::local::Answer::status(200));
    let client = common::local::client_for(&base);
    let forged = Concurrency::IfMatch("W/\"1\"\r\nIf-Match: *".to_owned());
    let operations = [
        account("Fine"),
        Operation::update(
            "accounts(6c3a3f5e-2d1b-4c8e-9a57-0d365de5a0aa)",
            body(json!({ "name": "x" })),
            &forged,
        ),
    ];
    let options = BatchOptions { mode: BatchMode::Atomic, ..Default::default() };
    let outcomes = batch::run(&client, &operations, &options).await.unwrap();
    assert_eq!(outcomes.len(), 2);
    for outcome in &outcomes {
        let ItemOutcome::Failed { error } = outcome else { panic!("{outcomes:?}") };
        assert_eq!(error.kind, "input.invalid_header", "{error:?}");
    }
    assert!(seen.requests().is_empty(), "nothing was sent: {:?}", seen.requests());
}
