//! Bulk writes against the in-process sandbox over real HTTP: CreateMultiple/UpdateMultiple/UpsertMultiple in
//! calls of the chosen size, values checked before anything is sent, one refused item leaving its call (and
//! the rest) unapplied without any fallback, and `$batch` taking over only for a table without the messages.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use std::sync::Arc;

use d365_dataverse::client::{Client, ClientOptions, Request};
use d365_dataverse::data::batch::ItemOutcome;
use d365_dataverse::data::bulk::{self, BulkMode, BulkOptions, BulkReport, Item, Via};
use d365_dataverse::data::cache::MetadataCache;
use d365_dataverse::data::keys;
use d365_dataverse::data::metadata::{TableInfo, TableSchema};
use d365_sandbox::{Sandbox, SandboxOptions};
use serde_json::{Value, json};

struct World {
    _sandbox: Sandbox,
    client: Arc<Client>,
    cache: MetadataCache,
}

async fn world() -> World {
    let sandbox =
        Sandbox::bind("127.0.0.1:0", SandboxOptions { seed: 5, ..Default::default() }).await.unwrap();
    let client = Arc::new(Client::new(Arc::new(common::app_session(&sandbox)), ClientOptions::default()));
    let cache = MetadataCache::open(client.clone(), None);
    World { _sandbox: sandbox, client, cache }
}

impl World {
    async fn table(&self, name: &str) -> (TableSchema, Vec<TableInfo>) {
        (self.cache.schema(name).await.unwrap(), self.cache.tables().await.unwrap())
    }

    async fn run(&self, table: &str, items: &[Item], options: BulkOptions) -> BulkReport {
        let (schema, tables) = self.table(table).await;
        bulk::run(&self.client, &schema, &tables, items, &options).await.unwrap()
    }

    async fn get(&self, path: &str) -> Value {
        self.client.send(&Request::get(path)).await.unwrap().json().unwrap()
    }

    async fn names(&self, prefix: &str) -> Vec<String> {
        let rows = self
            .get(&format!("accounts?$select=name&$filter=startswith(name,'{prefix}')&$orderby=name"))
            .await;
        rows["value"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap().to_owned()).collect()
    }
}

fn changes(value: Value) -> serde_json::Map<String, Value> {
    value.as_object().unwrap().clone()
}

fn create(name: &str) -> Item {
    Item { target: None, changes: changes(json!({ "name": name, "telephone1": "1" })) }
}

fn options(mode: BulkMode, via: Via, chunk: usize) -> BulkOptions {
    BulkOptions { mode, via, chunk }
}

fn ids(report: &BulkReport) -> Vec<String> {
    report
        .outcomes
        .iter()
        .map(|o| match o {
            ItemOutcome::Applied { id: Some(id), .. } => id.clone(),
            other => panic!("{other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn create_multiple_in_calls_of_the_chosen_size_keeps_the_order() {
    let world = world().await;
    let items: Vec<Item> = (1..=5).map(|n| create(&format!("Bulk {n}"))).collect();
    let report = world.run("account", &items, options(BulkMode::Create, Via::Auto, 2)).await;
    assert_eq!((report.calls, report.via, report.fell_back), (3, Via::Bulk, false));
    assert_eq!(report.applied(), 5);
    for (n, id) in ids(&report).iter().enumerate() {
        assert_eq!(
            world.get(&format!("accounts({id})?$select=name")).await["name"],
            format!("Bulk {}", n + 1)
        );
    }
}

#[tokio::test]
async fn update_and_upsert_multiple_by_id_and_by_alternate_key() {
    let world = world().await;
    let created = world.run("account", &[create("Upd A"), create("Upd B")], BulkOptions::default()).await;
    let created = ids(&created);
    let (schema, _) = world.table("account").await;
    let updates: Vec<Item> = created
        .iter()
        .map(|id| Item {
            target: Some(keys::record_path(&schema, id).unwrap()),
            changes: changes(json!({ "telephone1": "updated", "accountnumber": format!("N-{}", &id[..8]) })),
        })
        .collect();
    let report = world.run("account", &updates, options(BulkMode::Update, Via::Bulk, 1000)).await;
    assert_eq!(ids(&report), created, "an update names its record");
    assert_eq!(
        world.get(&format!("accounts({})?$select=telephone1", created[1])).await["telephone1"],
        "updated"
    );

    let key = |n: &str| Some(keys::key_path(&schema, &[("accountnumber".into(), n.into())]).unwrap());
    let upserts = vec![
        Item {
            target: key(&format!("N-{}", &created[0][..8])),
            changes: changes(json!({ "name": "Upd A, upserted" })),
        },
        Item { target: key("NEW-1"), changes: changes(json!({ "name": "Upd C, new" })) },
    ];
    let report = world.run("account", &upserts, options(BulkMode::Upsert, Via::Bulk, 1000)).await;
    assert_eq!(report.applied(), 2, "{report:?}");
    assert_eq!(world.names("Upd").await, ["Upd A, upserted", "Upd B", "Upd C, new"]);
}

#[tokio::test]
async fn a_value_the_metadata_refuses_stops_everything_before_sending() {
    let world = world().await;
    let items = vec![create("Checked A"), create(&"x".repeat(200)), create("Checked C")];
    let report = world.run("account", &items, options(BulkMode::Create, Via::Auto, 1)).await;
    assert_eq!(report.calls, 0, "nothing was sent");
    let ItemOutcome::Failed { error } = &report.outcomes[1] else { panic!("{report:?}") };
    assert_eq!((error.kind, error.column.as_deref()), ("input.too_long", Some("name")));
    assert!(matches!(report.outcomes[0], ItemOutcome::NotApplied { .. }));
    assert!(world.names("Checked").await.is_empty());
}

#[tokio::test]
async fn a_refused_item_rolls_back_its_call_and_does_not_fall_back() {
    let world = world().await;
    let created =
        ids(&world.run("account", &[create("Kept A"), create("Kept B")], BulkOptions::default()).await);
    let (schema, _) = world.table("account").await;
    let missing = "00000000-0000-0000-0000-00000000beef";
    let update = |id: &str, phone: &str| Item {
        target: Some(keys::record_path(&schema, id).unwrap()),
        changes: changes(json!({ "telephone1": phone })),
    };
    let items = vec![update(&created[0], "new"), update(missing, "new"), update(&created[1], "new")];
    // Two calls: the first holds the missing record, so the second is never sent.
    let report = world.run("account", &items, options(BulkMode::Update, Via::Auto, 2)).await;
    assert_eq!((report.via, report.fell_back, report.calls), (Via::Bulk, false, 1), "{report:?}");
    let ItemOutcome::Failed { error } = &report.outcomes[1] else { panic!("{report:?}") };
    assert_eq!(error.kind, "api.not_found");
    assert!(error.message.contains(missing), "{}", error.message);
    let ItemOutcome::NotApplied { reason } = &report.outcomes[0] else { panic!("{report:?}") };
    assert!(reason.contains("Rolled back: item 2"), "{reason}");
    let ItemOutcome::NotApplied { reason } = &report.outcomes[2] else { panic!("{report:?}") };
    assert!(reason.contains("call 1 of 2 failed"), "{reason}");
    for id in &created {
        assert_eq!(world.get(&format!("accounts({id})?$select=telephone1")).await["telephone1"], "1");
    }
}

fn currency(code: &str) -> Item {
    Item {
        target: None,
        changes: changes(json!({ "currencyname": format!("Currency {code}"), "isocurrencycode": code,
            "currencysymbol": "¤" })),
    }
}

#[tokio::test]
async fn a_table_without_the_messages_falls_back_to_batch() {
    let world = world().await;
    let items = vec![currency("AAA"), currency("BBB"), currency("CCC")];
    let report = world.run("transactioncurrency", &items, options(BulkMode::Create, Via::Auto, 2)).await;
    assert_eq!((report.via, report.fell_back, report.applied()), (Via::Batch, true, 3), "{report:?}");
    assert_eq!(report.calls, 3, "one refused bulk call, then two batches");
    assert_eq!(ids(&report).len(), 3);
    let rows = world
        .get("transactioncurrencies?$select=isocurrencycode&$filter=startswith(currencyname,'Currency ')")
        .await;
    assert_eq!(rows["value"].as_array().unwrap().len(), 3);

    let report =
        world.run("transactioncurrency", &[currency("DDD")], options(BulkMode::Create, Via::Bulk, 10)).await;
    let ItemOutcome::Failed { error } = &report.outcomes[0] else { panic!("{report:?}") };
    assert!(error.message.contains("does not support entities of type 'transactioncurrency'"), "{error:?}");
    assert!(error.message.contains("0x80040800"), "{error:?}");

    // A refusal in the fallback's batch is the item's, as with the bulk message.
    let items =
        vec![currency("EEE"), Item { target: None, changes: changes(json!({ "currencyname": "No code" })) }];
    let report = world.run("transactioncurrency", &items, options(BulkMode::Create, Via::Batch, 10)).await;
    assert_eq!(report.calls, 0, "the required code is checked before sending: {report:?}");
    let ItemOutcome::Failed { error } = &report.outcomes[1] else { panic!("{report:?}") };
    assert_eq!(error.kind, "input.required");
}

#[tokio::test]
async fn batch_only_and_sizes() {
    let world = world().await;
    let items: Vec<Item> = (1..=3).map(|n| create(&format!("Batched {n}"))).collect();
    let report = world.run("account", &items, options(BulkMode::Create, Via::Batch, 2)).await;
    assert_eq!((report.via, report.fell_back, report.calls, report.applied()), (Via::Batch, false, 2, 3));

    let (schema, tables) = world.table("account").await;
    let error =
        bulk::run(&world.client, &schema, &tables, &items, &options(BulkMode::Create, Via::Auto, 1001))
            .await
            .unwrap_err();
    assert_eq!(error.kind, "input.batch_size");
    let report = world.run("account", &items[..1], options(BulkMode::Create, Via::Bulk, 5000)).await;
    assert_eq!(report.applied(), 1, "a bulk call alone may be larger than a $batch");

    let error = world
        .run(
            "account",
            &[Item { target: None, changes: changes(json!({"telephone1": "x"})) }],
            options(BulkMode::Update, Via::Bulk, 10),
        )
        .await;
    let ItemOutcome::Failed { error } = &error.outcomes[0] else { panic!("{error:?}") };
    assert_eq!(error.kind, "input.invalid_key");
}

#[tokio::test]
async fn a_call_without_an_answer_is_not_called_refused() {
    let failing = d365_sandbox::Fault::parse("status=500,path=*CreateMultiple").unwrap();
    let sandbox =
        Sandbox::bind("127.0.0.1:0", SandboxOptions { seed: 5, faults: vec![failing], ..Default::default() })
            .await
            .unwrap();
    let client = Arc::new(Client::new(Arc::new(common::app_session(&sandbox)), ClientOptions::default()));
    let cache = MetadataCache::open(client.clone(), None);
    let world = World { _sandbox: sandbox, client, cache };
    let options = BulkOptions { mode: BulkMode::Create, via: Via::Bulk, ..Default::default() };
    let report = world.run("account", &[create("Maybe One"), create("Maybe Two")], options).await;
    for outcome in &report.outcomes {
        let ItemOutcome::Failed { error } = outcome else { panic!("{outcome:?}") };
        assert_eq!(error.kind, "api.outcome_unknown", "{error}");
        assert!(error.message.contains("may or may not"), "{error}");
    }
}
