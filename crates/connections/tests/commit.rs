//! Committing staged changes against the in-process sandbox over real HTTP: an atomic commit applies every
//! change or none (a refusal by the check or by the environment leaves every record as it was, the refused
//! change named with its column); a record changed since it was read is a conflict, not overwritten; record
//! by record applies what it can.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use d365_connections::{CommitMode, CommitOutcome, PendingChange, commit};
use d365_dataverse::client::{Client, Request};
use d365_dataverse::data::cache::MetadataCache;
use d365_dataverse::data::read::retrieve;
use d365_dataverse::retry::Repeatable;
use d365_sandbox::{Sandbox, SandboxOptions};
use serde_json::{Value, json};

struct World {
    _sandbox: Sandbox,
    client: Arc<Client>,
    cache: MetadataCache,
}

impl World {
    async fn new() -> Self {
        let sandbox =
            Sandbox::bind("127.0.0.1:0", SandboxOptions { seed: 5, ..Default::default() }).await.unwrap();
        let client = common::app_client(&sandbox);
        let cache = MetadataCache::open(client.clone(), None);
        Self { _sandbox: sandbox, client, cache }
    }

    /// The first accounts' ids and ETags, as a grid read them.
    async fn accounts(&self, count: usize) -> Vec<(String, String)> {
        let page = self
            .client
            .send(&Request::get(format!("accounts?$select=name&$top={count}&$orderby=name")))
            .await
            .unwrap();
        page.json().unwrap()["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (r["accountid"].as_str().unwrap().to_owned(), r["@odata.etag"].as_str().unwrap().to_owned())
            })
            .collect()
    }

    async fn account(&self, id: &str) -> Value {
        retrieve(&self.client, &format!("accounts({id})"), None, false).await.unwrap().unwrap().to_flat_json()
    }
}

fn update(id: &(String, String), column: &str, new: Value) -> PendingChange {
    PendingChange::Update {
        table: "account".into(),
        id: id.0.clone(),
        etag: Some(id.1.clone()),
        column: column.into(),
        old: None,
        new,
    }
}

#[tokio::test]
async fn an_atomic_commit_applies_every_change_with_minimal_patches() {
    let world = World::new().await;
    let ids = world.accounts(2).await;
    let before = world.account(&ids[1].0).await;
    let changes = vec![
        update(&ids[0], "name", json!("Renamed One")),
        update(&ids[1], "telephone1", json!("555-0101")),
        update(&ids[0], "revenue", json!("12345678901234.56")),
        PendingChange::Create {
            table: "contact".into(),
            key: "new-1".into(),
            values: BTreeMap::from([("lastname".into(), json!("Staged"))]),
        },
    ];
    let results = commit(&world.cache, &changes, CommitMode::Atomic, &[]).await.unwrap();
    assert_eq!(results.len(), 3, "one request per record: {results:?}");
    assert_eq!(results[0].changes, [0, 2]);
    assert!(results.iter().all(|r| matches!(r.outcome, CommitOutcome::Applied { .. })), "{results:?}");
    let CommitOutcome::Applied { id: Some(created) } = &results[2].outcome else { panic!("{results:?}") };
    let one = world.account(&ids[0].0).await;
    assert_eq!(
        (one["name"].as_str(), one["revenue"].to_string().as_str()),
        (Some("Renamed One"), "12345678901234.5600")
    );
    let two = world.account(&ids[1].0).await;
    assert_eq!(two["telephone1"], "555-0101");
    for (column, value) in before.as_object().unwrap() {
        if !["telephone1", "modifiedon", "versionnumber", "@odata.etag"].contains(&column.as_str()) {
            assert_eq!(&two[column], value, "{column} was not changed");
        }
    }
    let contact =
        retrieve(&world.client, &format!("contacts({created})"), None, false).await.unwrap().unwrap();
    assert_eq!(contact.to_flat_json()["lastname"], "Staged");
}

#[tokio::test]
async fn a_refusal_applies_nothing_in_an_atomic_commit_and_names_the_column() {
    let world = World::new().await;
    let ids = world.accounts(2).await;
    let names =
        [world.account(&ids[0].0).await["name"].clone(), world.account(&ids[1].0).await["name"].clone()];
    // Refused by the environment: a lookup to a contact that does not exist.
    let missing = "contacts(0b1d0000-0000-4000-8000-00000000dead)";
    let changes = vec![
        update(&ids[0], "name", json!("Would Be Renamed")),
        update(&ids[1], "primarycontactid", json!(missing)),
    ];
    let results = commit(&world.cache, &changes, CommitMode::Atomic, &[]).await.unwrap();
    let CommitOutcome::Refused { error } = &results[1].outcome else { panic!("{results:?}") };
    assert!(error.message.contains("Does Not Exist"), "{error:?}");
    assert!(matches!(results[0].outcome, CommitOutcome::NotApplied { .. }), "{results:?}");
    assert_eq!(world.account(&ids[0].0).await["name"], names[0], "nothing applied");

    // Refused by the check before anything is sent: too long for the column.
    let long = "x".repeat(161);
    let changes = vec![update(&ids[0], "telephone1", json!("555")), update(&ids[1], "name", json!(long))];
    let results = commit(&world.cache, &changes, CommitMode::Atomic, &[]).await.unwrap();
    let CommitOutcome::Refused { error } = &results[1].outcome else { panic!("{results:?}") };
    assert_eq!(error.column.as_deref(), Some("name"), "{error:?}");
    assert!(
        matches!(&results[0].outcome, CommitOutcome::NotApplied { reason } if reason.contains("refused"))
    );
    assert_ne!(world.account(&ids[0].0).await["telephone1"], "555", "nothing sent");
    assert_eq!(world.account(&ids[1].0).await["name"], names[1]);

    // Record by record, the valid one is applied anyway.
    let results = commit(&world.cache, &changes, CommitMode::RecordByRecord, &[]).await.unwrap();
    assert!(matches!(results[0].outcome, CommitOutcome::Applied { .. }), "{results:?}");
    assert!(matches!(results[1].outcome, CommitOutcome::Refused { .. }), "{results:?}");
    assert_eq!(world.account(&ids[0].0).await["telephone1"], "555");
}

#[tokio::test]
async fn a_record_changed_since_it_was_read_is_a_conflict_and_keeps_theirs() {
    let world = World::new().await;
    let ids = world.accounts(1).await;
    let theirs =
        Request::patch(format!("accounts({})", ids[0].0), json!({ "name": "Theirs" }), Repeatable::Yes);
    world.client.send(&theirs).await.unwrap();
    let changes = vec![update(&ids[0], "name", json!("Mine"))];
    let results = commit(&world.cache, &changes, CommitMode::Atomic, &[]).await.unwrap();
    assert!(matches!(results[0].outcome, CommitOutcome::Conflict { deleted: false, .. }), "{results:?}");
    assert_eq!(world.account(&ids[0].0).await["name"], "Theirs");
    // Deleting what changed since is a conflict too.
    let delete = vec![PendingChange::Delete {
        table: "account".into(),
        id: ids[0].0.clone(),
        etag: Some(ids[0].1.clone()),
        name: "x".into(),
    }];
    let results = commit(&world.cache, &delete, CommitMode::Atomic, &[]).await.unwrap();
    assert!(matches!(results[0].outcome, CommitOutcome::Conflict { deleted: false, .. }), "{results:?}");
    assert_eq!(world.account(&ids[0].0).await["name"], "Theirs", "still there");
    // A record deleted since it was read: a conflict, not a refusal of the value.
    let gone = world.accounts(2).await[1].clone();
    world.client.send(&Request::delete(format!("accounts({})", gone.0))).await.unwrap();
    let results =
        commit(&world.cache, &[update(&gone, "name", json!("Mine"))], CommitMode::Atomic, &[]).await.unwrap();
    assert!(matches!(results[0].outcome, CommitOutcome::Conflict { deleted: true, .. }), "{results:?}");
}

#[tokio::test]
async fn a_new_record_sent_again_after_a_lost_answer_is_created_once() {
    let world = World::new().await;
    let key = "new-0123456789abcdef0123456789abcdef";
    let changes = vec![PendingChange::Create {
        table: "contact".into(),
        key: key.into(),
        values: BTreeMap::from([("lastname".into(), json!("Once"))]),
    }];
    let first = commit(&world.cache, &changes, CommitMode::RecordByRecord, &[]).await.unwrap();
    let id = "01234567-89ab-cdef-0123-456789abcdef";
    assert!(
        matches!(&first[0].outcome, CommitOutcome::Applied { id: Some(made) } if made == id),
        "{first:?}"
    );
    // The journal still had it (the answer never came): committed again, it is the same record, applied.
    let again = commit(&world.cache, &changes, CommitMode::RecordByRecord, &[]).await.unwrap();
    assert!(
        matches!(&again[0].outcome, CommitOutcome::Applied { id: Some(made) } if made == id),
        "{again:?}"
    );
    let named = world
        .client
        .send(&Request::get("contacts?$select=lastname&$filter=lastname eq 'Once'"))
        .await
        .unwrap();
    assert_eq!(named.json().unwrap()["value"].as_array().unwrap().len(), 1, "one record, not two");
}
