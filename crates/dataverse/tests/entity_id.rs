//! A write that succeeded is never reported as failed: answers without `OData-EntityId` (a proxy, a `$batch`
//! part, an older server), which the sandbox never gives, from a local server (`common::local`).
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use common::local::{Answer, server};
use d365_dataverse::data::metadata::TableSchema;
use d365_dataverse::data::write::{self, Concurrency, UpdateOutcome, UpsertMode};
use serde_json::json;

const ID: &str = "6c3a3f5e-2d1b-4c8e-9a57-0d365de5a0aa";

fn accounts() -> TableSchema {
    let column = |name: &str, kind: &str| {
        json!({
            "logical_name": name, "display_name": null, "attribute_type": kind, "required": "None",
            "valid_for_create": true, "valid_for_update": kind != "Uniqueidentifier", "valid_for_read": true,
            "is_primary_id": kind == "Uniqueidentifier", "is_primary_name": name == "name",
            "max_length": 100, "precision": null, "min_value": null, "max_value": null, "date_only": false,
            "targets": [], "options": [],
        })
    };
    serde_json::from_value(json!({
        "table": { "logical_name": "account", "entity_set": "accounts", "display_name": null,
                   "primary_id": "accountid", "primary_name": "name", "is_custom": false, "change_tracking": false },
        "columns": [column("accountid", "Uniqueidentifier"), column("name", "String"), column("accountnumber", "String")],
        "keys": [{ "name": "number", "columns": ["accountnumber"] }],
    }))
    .unwrap()
}

fn changes() -> serde_json::Map<String, serde_json::Value> {
    json!({ "name": "Renamed" }).as_object().unwrap().clone()
}

/// Every write answers 204 with no header and no body; a read by key answers the record's id.
fn bare_server() -> (String, common::local::Seen) {
    server(|_, line| {
        if line.starts_with("GET") {
            Answer::json(format!(r#"{{"accountid": "{ID}"}}"#))
        } else {
            Answer::status(204)
        }
    })
}

#[tokio::test]
async fn an_update_by_id_answered_without_an_entity_id_is_an_update() {
    let (base, seen) = bare_server();
    let client = common::local::client_for(&base);
    let path = format!("accounts({ID})");
    let outcome = write::update(&client, &accounts(), &[], &path, &changes(), &Concurrency::Overwrite, None)
        .await
        .unwrap();
    let UpdateOutcome::Updated(written) = outcome else { panic!("{outcome:?}") };
    assert_eq!(written.id, ID, "the id of the path it was sent to");
    assert_eq!(seen.requests().len(), 1, "nothing more was asked: {:?}", seen.requests());
}

#[tokio::test]
async fn an_upsert_by_key_without_an_entity_id_reads_its_id_back() {
    let (base, seen) = bare_server();
    let client = common::local::client_for(&base);
    let path = "accounts(accountnumber='A-1')";
    let written =
        write::upsert(&client, &accounts(), &[], path, &["accountnumber"], &changes(), UpsertMode::Either)
            .await
            .unwrap();
    assert_eq!(written.id, ID);
    let lines: Vec<String> = seen.requests().into_iter().map(|s| s.line).collect();
    assert!(lines[0].starts_with("PATCH") && lines[1].starts_with("GET"), "{lines:?}");
    assert_eq!(lines.len(), 2, "{lines:?}");
}

#[tokio::test]
async fn a_create_answered_without_an_id_says_it_may_have_happened() {
    let (base, seen) = bare_server();
    let client = common::local::client_for(&base);
    let err = write::create(&client, &accounts(), &[], &changes()).await.unwrap_err();
    assert_eq!(err.kind, "api.malformed_response");
    assert!(err.message.contains("accepted the new account"), "{}", err.message);
    assert!(err.hint.unwrap().contains("may have been created"));
    assert_eq!(seen.requests().len(), 1, "the POST is not sent twice");
}
