//! A commit's conflict in full and the undo of a commit, against the in-process sandbox over real HTTP: a
//! record changed through another path after the window read it comes back with theirs, mine and the base
//! for the column changed and the other column listed, and staged again with the new version it commits;
//! the inverse of a commit puts the values back (with the versions read now) and deletes what it created,
//! says what it cannot undo, and notes a record someone changed since.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use d365_connections::{
    AppliedChange, CommitMode, CommitOutcome, DELETE_REASON, PendingChange, RecordRead, commit, inverse,
};
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

    /// The first account as the grid read it: its id, version, and name and phone as raw text.
    async fn read(&self) -> (String, String, RecordRead) {
        let page = self
            .client
            .send(&Request::get("accounts?$select=name,telephone1&$top=1&$orderby=name"))
            .await
            .unwrap();
        let row = page.json().unwrap()["value"][0].clone();
        let id = row["accountid"].as_str().unwrap().to_owned();
        let values = BTreeMap::from([
            ("name".to_owned(), row["name"].clone()),
            ("telephone1".to_owned(), row["telephone1"].clone()),
        ]);
        let read = RecordRead { table: "account".into(), id: id.clone(), values };
        (id, row["@odata.etag"].as_str().unwrap().to_owned(), read)
    }

    async fn patch(&self, id: &str, body: Value) {
        self.client.send(&Request::patch(format!("accounts({id})"), body, Repeatable::Yes)).await.unwrap();
    }

    async fn account(&self, id: &str) -> Value {
        retrieve(&self.client, &format!("accounts({id})"), None, false).await.unwrap().unwrap().to_flat_json()
    }
}

fn rename(id: &str, etag: &str, old: &Value, new: &str) -> PendingChange {
    PendingChange::Update {
        table: "account".into(),
        id: id.into(),
        etag: Some(etag.into()),
        column: "name".into(),
        old: old.as_str().map(str::to_owned),
        new: json!(new),
    }
}

#[tokio::test]
async fn a_conflict_shows_theirs_mine_and_the_base_and_commits_on_the_new_version() {
    let world = World::new().await;
    let (id, etag, read) = world.read().await;
    let base = read.values["name"].clone();
    world.patch(&id, json!({ "name": "Theirs", "telephone1": "555-0177" })).await;

    let changes = vec![rename(&id, &etag, &base, "Mine")];
    let results =
        commit(&world.cache, &changes, CommitMode::Atomic, std::slice::from_ref(&read)).await.unwrap();
    let CommitOutcome::Conflict { etag: now, deleted, columns, others, unread } = &results[0].outcome else {
        panic!("{results:?}")
    };
    assert!(!deleted && unread.is_none(), "{results:?}");
    let now = now.clone().expect("the version now");
    assert_ne!(now, etag, "a newer version");
    let [name] = columns.as_slice() else { panic!("{columns:?}") };
    assert_eq!(
        (name.column.as_str(), name.base.as_ref(), &name.theirs, name.yours.as_ref()),
        ("name", Some(&base), &json!("Theirs"), Some(&json!("Mine")))
    );
    let phone = others.iter().find(|d| d.column == "telephone1").expect("the other column changed");
    assert_eq!(
        (&phone.theirs, phone.base.as_ref(), phone.yours.as_ref()),
        (&json!("555-0177"), Some(&read.values["telephone1"]), None)
    );
    assert!(others.iter().all(|d| d.column != "name"), "mine is not listed twice: {others:?}");
    assert_eq!(world.account(&id).await["name"], "Theirs", "nothing of mine was written");

    // Keep mine: staged again on the version now, it commits, and theirs in the other column stays.
    let again = vec![rename(&id, &now, &json!("Theirs"), "Mine")];
    let results = commit(&world.cache, &again, CommitMode::Atomic, &[]).await.unwrap();
    assert!(matches!(results[0].outcome, CommitOutcome::Applied { .. }), "{results:?}");
    let record = world.account(&id).await;
    assert_eq!((record["name"].as_str(), record["telephone1"].as_str()), (Some("Mine"), Some("555-0177")));

    // Without the row read, only what the change itself knows: the staged old as the base, no others.
    let stale = etag;
    let results = commit(&world.cache, &[rename(&id, &stale, &base, "Mine again")], CommitMode::Atomic, &[])
        .await
        .unwrap();
    let CommitOutcome::Conflict { columns, others, .. } = &results[0].outcome else { panic!("{results:?}") };
    assert_eq!(columns[0].base.as_ref(), Some(&base));
    assert!(others.is_empty(), "{others:?}");
}

#[tokio::test]
async fn a_commit_is_undone_by_staging_its_inverse() {
    let world = World::new().await;
    let (id, etag, read) = world.read().await;
    let (name, phone) = (read.values["name"].clone(), read.values["telephone1"].clone());
    // A contact to delete in the commit, made first.
    let made = world.client.send(&Request::post("contacts", json!({ "lastname": "Doomed" }))).await.unwrap();
    let doomed =
        made.header("odata-entityid").unwrap().rsplit_once('(').unwrap().1.trim_end_matches(')').to_owned();
    let changes = vec![
        rename(&id, &etag, &name, "Committed"),
        PendingChange::Update {
            table: "account".into(),
            id: id.clone(),
            etag: Some(etag.clone()),
            column: "telephone1".into(),
            old: phone.as_str().map(str::to_owned),
            new: json!("555-0100"),
        },
        PendingChange::Create {
            table: "contact".into(),
            key: "new-1".into(),
            values: BTreeMap::from([("lastname".into(), json!("Undone"))]),
        },
        PendingChange::Delete { table: "contact".into(), id: doomed, etag: None, name: "Doomed".into() },
    ];
    let results = commit(&world.cache, &changes, CommitMode::Atomic, &[]).await.unwrap();
    assert!(results.iter().all(|r| matches!(r.outcome, CommitOutcome::Applied { .. })), "{results:?}");
    let created = results
        .iter()
        .find_map(|r| match &r.outcome {
            CommitOutcome::Applied { id: Some(id) } if r.changes == [2] => Some(id.clone()),
            _ => None,
        })
        .unwrap();
    let applied: Vec<AppliedChange> = changes
        .iter()
        .map(|change| AppliedChange {
            change: change.clone(),
            id: matches!(change, PendingChange::Create { .. }).then(|| created.clone()),
        })
        .collect();
    // Someone else changes the phone after the commit.
    world.patch(&id, json!({ "telephone1": "555-0199" })).await;
    let now = retrieve(&world.client, &format!("accounts({id})"), None, false).await.unwrap().unwrap().etag;

    let undo = inverse(&world.cache, &applied).await.unwrap();
    assert_eq!(undo.changes.len(), 3, "{undo:?}");
    let PendingChange::Update { etag: version, column, new, old, .. } = &undo.changes[0] else {
        panic!("{undo:?}")
    };
    assert_eq!((column.as_str(), new, old.as_deref()), ("name", &name, Some("Committed")));
    assert_eq!(version, &now, "the version read now, so the inverse is checked against later changes");
    let PendingChange::Update { column, new, .. } = &undo.changes[1] else { panic!("{undo:?}") };
    assert_eq!((column.as_str(), new), ("telephone1", &phone));
    let PendingChange::Delete { id: gone, name: shown, etag: delete_version, .. } = &undo.changes[2] else {
        panic!("{undo:?}")
    };
    assert_eq!((gone, shown.as_str()), (&created, "Undone"));
    assert!(delete_version.is_some(), "deleted only as it is now");
    let [note] = undo.notes.as_slice() else { panic!("one note: {undo:?}") };
    assert_eq!((note.change, note.applied), (1, 1), "{note:?}");
    assert!(note.note.contains("Changed by someone else") && note.note.contains("555-0199"), "{note:?}");
    let [refused] = undo.not_undoable.as_slice() else { panic!("{undo:?}") };
    assert_eq!((refused.index, refused.reason.as_str()), (3, DELETE_REASON));

    let results = commit(&world.cache, &undo.changes, CommitMode::Atomic, &[]).await.unwrap();
    assert!(results.iter().all(|r| matches!(r.outcome, CommitOutcome::Applied { .. })), "{results:?}");
    let record = world.account(&id).await;
    assert_eq!((&record["name"], &record["telephone1"]), (&name, &phone), "back as it was before the commit");
    let contact = retrieve(&world.client, &format!("contacts({created})"), None, false).await;
    assert!(
        matches!(contact, Ok(None)) || contact.is_err_and(|e| e.kind == "api.not_found"),
        "created, then undone"
    );
}
