//! Every write path against the in-process sandbox over real HTTP: values checked before sending, create,
//! optimistic concurrency between two clients, upserts, deletes, lookups by `$ref`, single-column clears,
//! and safe retries of writes.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use std::sync::Arc;
use std::time::Duration;

use d365_dataverse::client::{Client, ClientOptions};
use d365_dataverse::data::cache::MetadataCache;
use d365_dataverse::data::keys::record_path;
use d365_dataverse::data::metadata::{TableInfo, TableSchema};
use d365_dataverse::data::read::retrieve;
use d365_dataverse::data::rows::Row;
use d365_dataverse::data::values::Changes;
use d365_dataverse::data::write::{self, Concurrency, UpdateOutcome, UpsertMode};
use d365_dataverse::retry::RetryPolicy;
use d365_sandbox::{Fault, FaultKind, Sandbox, SandboxOptions};
use serde_json::{Value, json};

struct World {
    sandbox: Sandbox,
    client: Arc<Client>,
    tables: Vec<TableInfo>,
    cache: MetadataCache,
}

impl World {
    async fn new() -> Self {
        let sandbox =
            Sandbox::bind("127.0.0.1:0", SandboxOptions { seed: 20, ..Default::default() }).await.unwrap();
        let client = new_client(&sandbox, false);
        let cache = MetadataCache::open(client.clone(), None);
        let tables = cache.tables().await.unwrap();
        Self { sandbox, client, tables, cache }
    }

    async fn schema(&self, table: &str) -> TableSchema {
        self.cache.schema(table).await.unwrap()
    }

    async fn row(&self, path: &str) -> Row {
        retrieve(&self.client, path, None, true).await.unwrap().unwrap()
    }

    async fn create(&self, table: &str, changes: Value) -> String {
        let schema = self.schema(table).await;
        write::create(&self.client, &schema, &self.tables, &changes_of(changes)).await.unwrap().id
    }
}

fn new_client(sandbox: &Sandbox, read_only: bool) -> Arc<Client> {
    let policy = RetryPolicy {
        base_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(100),
        ..Default::default()
    };
    let options = ClientOptions { read_only, policy, events: None };
    Arc::new(Client::new(Arc::new(common::app_session(sandbox)), options))
}

fn changes_of(value: Value) -> Changes {
    value.as_object().unwrap().clone()
}

#[tokio::test]
async fn values_are_checked_against_metadata_before_anything_is_sent() {
    let world = World::new().await;
    let account = world.schema("account").await;
    let refused = |changes: Value| {
        let (world, account) = (&world, &account);
        async move {
            write::create(&world.client, account, &world.tables, &changes_of(changes)).await.unwrap_err()
        }
    };
    let typo = refused(json!({ "nmae": "x" })).await;
    assert_eq!((typo.kind, typo.column.as_deref()), ("input.unknown_column", Some("nmae")));
    assert!(typo.message.contains("did you mean 'name'"), "{}", typo.message);

    let long = refused(json!({ "name": "x".repeat(161) })).await;
    assert_eq!((long.kind, long.column.as_deref()), ("input.too_long", Some("name")));
    assert!(long.message.contains("at most 160 characters; this has 161"), "{}", long.message);

    let option = refused(json!({ "name": "x", "industrycode": 999 })).await;
    assert_eq!((option.kind, option.column.as_deref()), ("input.invalid_option", Some("industrycode")));
    assert!(option.hint.unwrap().contains("1 Accounting"), "the options are listed");

    let kind = refused(json!({ "name": "x", "revenue": "lots" })).await;
    assert_eq!(
        (kind.kind, kind.message.as_str()),
        ("input.invalid_value", "'Annual Revenue' (revenue) takes a number, not \"lots\".")
    );

    let range = refused(json!({ "name": "x", "numberofemployees": -1 })).await;
    assert_eq!(range.kind, "input.out_of_range");

    let required = refused(json!({ "accountnumber": "N-1" })).await;
    assert_eq!((required.kind, required.column.as_deref()), ("input.required", Some("name")));

    let platform = refused(json!({ "name": "x", "createdon": "2024-01-01" })).await;
    assert_eq!((platform.kind, platform.column.as_deref()), ("input.not_writable", Some("createdon")));

    let lookup =
        refused(json!({ "name": "x", "primarycontactid": "accounts(0d365de5-0000-4000-8000-000000000001)" }))
            .await;
    assert_eq!((lookup.kind, lookup.column.as_deref()), ("input.invalid_lookup", Some("primarycontactid")));
    assert!(lookup.message.contains("points to contact, not to account"), "{}", lookup.message);

    let contact = world.schema("contact").await;
    let error = write::create(
        &world.client,
        &contact,
        &world.tables,
        &changes_of(json!({ "lastname": "x", "birthdate": "31/12/1990" })),
    )
    .await
    .unwrap_err();
    assert_eq!((error.kind, error.column.as_deref()), ("input.invalid_value", Some("birthdate")));
}

#[tokio::test]
async fn create_returns_the_id_and_row_with_labels_and_lookups_resolved() {
    let world = World::new().await;
    let contact = world.create("contact", json!({ "firstname": "Ana", "lastname": "Lima" })).await;
    let account = world.schema("account").await;
    let changes = changes_of(json!({
        "name": "Lima Ltd",
        "industrycode": "consulting",
        "revenue": 1250.5,
        "creditonhold": true,
        "primarycontactid": contact,
    }));
    let created = write::create(&world.client, &account, &world.tables, &changes).await.unwrap();
    let row = created.row.unwrap();
    assert_eq!(row.id("accountid"), Some(created.id.as_str()));
    assert_eq!(row.display("industrycode"), "Consulting", "a label is written as its option's value");
    assert_eq!(row.get("industrycode").unwrap().value, json!(9));
    assert_eq!(row.get("_primarycontactid_value").unwrap().value, json!(contact));
    assert_eq!(row.display("_primarycontactid_value"), "Ana Lima");
    assert!(row.etag.is_some());
}

#[tokio::test]
async fn the_server_s_validation_errors_name_their_column() {
    let world = World::new().await;
    let account = world.schema("account").await;
    let other = world.create("account", json!({ "name": "Other" })).await;
    // A raw bind passes through unchecked; the sandbox refuses the wrong table, as Dataverse does.
    let changes =
        changes_of(json!({ "name": "x", "primarycontactid@odata.bind": format!("/accounts({other})") }));
    let error = write::create(&world.client, &account, &world.tables, &changes).await.unwrap_err();
    assert_eq!(error.kind, "api.invalid_request");
    assert_eq!(error.column.as_deref(), Some("primarycontactid"), "{error:?}");
}

#[tokio::test]
async fn a_stale_etag_is_a_conflict_that_keeps_the_user_s_change() {
    let world = World::new().await;
    let schema = world.schema("account").await;
    let id = world.create("account", json!({ "name": "Shared", "telephone1": "111" })).await;
    let path = format!("accounts({id})");
    let read_by_alice = world.row(&path).await;
    let bob = new_client(&world.sandbox, false);

    let bobs = changes_of(json!({ "telephone1": "222" }));
    let etag = Concurrency::IfMatch(read_by_alice.etag.clone().unwrap());
    let outcome = write::update(&bob, &schema, &world.tables, &path, &bobs, &etag, None).await.unwrap();
    assert!(matches!(outcome, UpdateOutcome::Updated(_)), "Bob read the same version: {outcome:?}");

    let alices = changes_of(json!({ "name": "Shared by Alice" }));
    let outcome =
        write::update(&world.client, &schema, &world.tables, &path, &alices, &etag, Some(&read_by_alice))
            .await
            .unwrap();
    let UpdateOutcome::Conflict(conflict) = outcome else { panic!("expected a conflict: {outcome:?}") };
    assert_eq!(conflict.attempted, alices, "nothing Alice typed is lost");
    assert_eq!(conflict.current.display("telephone1"), "222");
    let by_column = |c: &str| conflict.differences.iter().find(|d| d.column == c).unwrap();
    assert_eq!(by_column("name").yours, Some(json!("Shared by Alice")));
    assert_eq!(by_column("name").theirs, json!("Shared"));
    let phone = by_column("telephone1");
    assert_eq!(
        (phone.yours.clone(), phone.theirs.clone(), phone.base.clone()),
        (None, json!("222"), Some(json!("111")))
    );
    assert_eq!(world.row(&path).await.display("name"), "Shared", "the stale update was not applied");

    let fresh = Concurrency::IfMatch(conflict.current.etag.clone().unwrap());
    let outcome =
        write::update(&world.client, &schema, &world.tables, &path, &alices, &fresh, None).await.unwrap();
    let UpdateOutcome::Updated(written) = outcome else { panic!("{outcome:?}") };
    assert_eq!(written.row.unwrap().display("name"), "Shared by Alice");

    let overwrite = changes_of(json!({ "telephone1": "333" }));
    let outcome =
        write::update(&bob, &schema, &world.tables, &path, &overwrite, &Concurrency::Overwrite, None)
            .await
            .unwrap();
    assert!(matches!(outcome, UpdateOutcome::Updated(_)), "without a check the stale reader still writes");
}

#[tokio::test]
async fn updating_a_deleted_record_never_re_creates_it() {
    let world = World::new().await;
    let schema = world.schema("account").await;
    let id = world.create("account", json!({ "name": "Doomed" })).await;
    let path = format!("accounts({id})");
    let etag = world.row(&path).await.etag.unwrap();
    write::delete(&world.client, &path, Some("W/\"1\"")).await.map(|_| panic!("a stale delete")).unwrap_err();
    write::delete(&world.client, &path, Some(&etag)).await.unwrap();
    let changes = changes_of(json!({ "name": "Back?" }));
    let error =
        write::update(&world.client, &schema, &world.tables, &path, &changes, &Concurrency::Overwrite, None)
            .await
            .unwrap_err();
    assert_eq!(error.kind, "api.not_found");
    assert!(retrieve(&world.client, &path, None, false).await.is_err(), "still gone");
    let error = write::delete(&world.client, &path, None).await.unwrap_err();
    assert_eq!(error.kind, "api.not_found");
}

#[tokio::test]
async fn upserts_by_alternate_key_in_each_mode() {
    let world = World::new().await;
    let schema = world.schema("account").await;
    let key = |number: &str| record_path(&schema, &format!("accountnumber={number}")).unwrap();
    let upsert = |path: String, changes: Value, mode| {
        let (world, schema) = (&world, &schema);
        async move {
            write::upsert(
                &world.client,
                schema,
                &world.tables,
                &path,
                &["accountnumber"],
                &changes_of(changes),
                mode,
            )
            .await
        }
    };
    let missing = upsert(key("U-1"), json!({ "name": "Nobody" }), UpsertMode::UpdateOnly).await.unwrap_err();
    assert_eq!(missing.kind, "api.not_found", "update-only does not create");

    let created = upsert(key("U-1"), json!({ "name": "Upserted" }), UpsertMode::CreateOnly).await.unwrap();
    let again = upsert(key("U-1"), json!({ "name": "Twice" }), UpsertMode::CreateOnly).await.unwrap_err();
    assert_eq!(again.kind, "api.conflict", "create-only refuses an existing key");

    let updated = upsert(key("U-1"), json!({ "telephone1": "555" }), UpsertMode::UpdateOnly).await.unwrap();
    assert_eq!(updated.id, created.id);
    let either = upsert(key("U-1"), json!({ "name": "Either" }), UpsertMode::Either).await.unwrap();
    assert_eq!(either.id, created.id, "either updates an existing key");
    let fresh = upsert(key("U-2"), json!({ "name": "New by either" }), UpsertMode::Either).await.unwrap();
    assert_ne!(fresh.id, created.id);

    let row = world.row(&format!("accounts({})", created.id)).await;
    assert_eq!((row.display("name"), row.display("telephone1")), ("Either".into(), "555".into()));
    assert_eq!(world.row(&format!("accounts({})", fresh.id)).await.display("accountnumber"), "U-2");

    let incomplete =
        upsert(key("U-3"), json!({ "telephone1": "1" }), UpsertMode::CreateOnly).await.unwrap_err();
    assert_eq!((incomplete.kind, incomplete.column.as_deref()), ("input.required", Some("name")));
}

#[tokio::test]
async fn lookups_are_set_and_cleared_by_ref_and_single_columns_cleared() {
    let world = World::new().await;
    let account_schema = world.schema("account").await;
    let contact_schema = world.schema("contact").await;
    let contact = world.create("contact", json!({ "lastname": "Ref" })).await;
    let account = world.create("account", json!({ "name": "Refs", "description": "To be cleared" })).await;
    let account_path = format!("accounts({account})");

    write::set_lookup(
        &world.client,
        &account_schema,
        &world.tables,
        &account_path,
        "primarycontactid",
        &format!("contacts({contact})"),
    )
    .await
    .unwrap();
    assert_eq!(world.row(&account_path).await.get("_primarycontactid_value").unwrap().value, json!(contact));
    write::clear(&world.client, &account_schema, &account_path, "primarycontactid").await.unwrap();
    write::clear(&world.client, &account_schema, &account_path, "description").await.unwrap();
    let row = world.row(&account_path).await;
    assert_eq!(row.get("_primarycontactid_value").unwrap().value, Value::Null);
    assert_eq!(row.get("description").unwrap().value, Value::Null);

    // A lookup that can point to two tables: set to an account, cleared through that table's navigation.
    let contact_path = format!("contacts({contact})");
    write::set_lookup(
        &world.client,
        &contact_schema,
        &world.tables,
        &contact_path,
        "parentcustomerid",
        &format!("account({account})"),
    )
    .await
    .unwrap();
    let cell = world.row(&contact_path).await.get("_parentcustomerid_value").unwrap().clone();
    assert_eq!((cell.value, cell.lookup_table.as_deref()), (json!(account), Some("account")));
    write::clear(&world.client, &contact_schema, &contact_path, "parentcustomerid").await.unwrap();
    assert_eq!(world.row(&contact_path).await.get("_parentcustomerid_value").unwrap().value, Value::Null);

    let required = write::clear(&world.client, &contact_schema, &contact_path, "lastname").await.unwrap_err();
    assert_eq!((required.kind, required.column.as_deref()), ("input.required", Some("lastname")));
}

#[tokio::test]
async fn a_conditional_update_is_retried_through_a_503() {
    let world = World::new().await;
    let schema = world.schema("account").await;
    let id = world.create("account", json!({ "name": "Flaky", "numberofemployees": 1 })).await;
    let path = format!("accounts({id})");
    let etag = world.row(&path).await.etag.unwrap();
    // Every second request to the record fails: the read below passes, the update's first try gets a 503.
    let unavailable = FaultKind::Status { status: 503, retry_after: None };
    world.sandbox.set_faults(vec![Fault::new(unavailable, "*/accounts(*", 2)]);
    world.row(&path).await;
    let changes = changes_of(json!({ "numberofemployees": 2 }));
    let outcome = write::update(
        &world.client,
        &schema,
        &world.tables,
        &path,
        &changes,
        &Concurrency::IfMatch(etag),
        None,
    )
    .await
    .unwrap();
    let UpdateOutcome::Updated(written) = outcome else { panic!("{outcome:?}") };
    assert_eq!(written.row.unwrap().get("numberofemployees").unwrap().value, json!(2));
}

#[tokio::test]
async fn a_read_only_connection_refuses_every_write_in_the_core() {
    let world = World::new().await;
    let schema = world.schema("account").await;
    let id = world.create("account", json!({ "name": "Guarded" })).await;
    let path = format!("accounts({id})");
    let reader = new_client(&world.sandbox, true);
    let changes = changes_of(json!({ "name": "Changed" }));
    let tables = &world.tables;
    let errors = [
        write::create(&reader, &schema, tables, &changes).await.unwrap_err(),
        write::update(&reader, &schema, tables, &path, &changes, &Concurrency::Overwrite, None)
            .await
            .unwrap_err(),
        write::upsert(&reader, &schema, tables, &path, &[], &changes, UpsertMode::Either).await.unwrap_err(),
        write::delete(&reader, &path, None).await.unwrap_err(),
        write::clear(&reader, &schema, &path, "description").await.unwrap_err(),
        write::set_lookup(&reader, &schema, tables, &path, "parentaccountid", &format!("accounts({id})"))
            .await
            .unwrap_err(),
    ];
    assert!(errors.iter().all(|e| e.kind == "api.read_only"), "{errors:?}");
    assert_eq!(world.row(&path).await.display("name"), "Guarded");
}
