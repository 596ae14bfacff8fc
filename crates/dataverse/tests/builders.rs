//! Property tests: arbitrary text goes through the filter and key builders, over real HTTP into the
//! sandbox's OData parser, and matches exactly the row it was written into.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use std::sync::Arc;

use d365_dataverse::client::{Client, ClientOptions, Request};
use d365_dataverse::data::cache::MetadataCache;
use d365_dataverse::data::keys;
use d365_dataverse::data::query::{Comparison, Filter, Literal, Query};
use d365_dataverse::data::read::{self, ReadOptions};
use d365_sandbox::{Sandbox, SandboxOptions};
use proptest::prelude::*;
use serde_json::json;

struct World {
    runtime: tokio::runtime::Runtime,
    client: Arc<Client>,
    cache: MetadataCache,
    _sandbox: Sandbox,
}

fn world() -> World {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let sandbox = runtime
        .block_on(Sandbox::bind("127.0.0.1:0", SandboxOptions { seed: 20, ..Default::default() }))
        .unwrap();
    let client = Arc::new(Client::new(Arc::new(common::app_session(&sandbox)), ClientOptions::default()));
    let cache = MetadataCache::open(client.clone(), None);
    World { runtime, client, cache, _sandbox: sandbox }
}

/// Creates an account with these columns and returns its id.
async fn create(client: &Client, body: serde_json::Value) -> String {
    let response = client.send(&Request::post("accounts", body)).await.unwrap();
    let entity = response.header("odata-entityid").unwrap();
    entity.rsplit_once('(').unwrap().1.trim_end_matches(')').to_owned()
}

/// Text Dataverse stores as given: any characters but control ones (which a text column does not keep).
fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>().prop_filter("printable", |c| !c.is_control()), 1..max)
        .prop_map(|chars| chars.into_iter().collect::<String>())
        .prop_filter("no surrounding spaces", |s| s.trim() == s && !s.is_empty())
}

/// One sandbox for all the cases of a property; a failing case is printed (no failure file).
fn runner() -> proptest::test_runner::TestRunner {
    let config = ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() };
    proptest::test_runner::TestRunner::new(config)
}

#[test]
fn any_text_in_an_eq_filter_finds_exactly_its_row() {
    let world = world();
    let schema = world.runtime.block_on(world.cache.schema("account")).unwrap();
    let cases = std::sync::atomic::AtomicUsize::new(0);
    runner()
        .run(&text(60), |name| {
            // A case number keeps cases (and shrinking steps) apart: each name is new to the table.
            let name = format!("{name} #{}", cases.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
            let (ids, id, by_contains) = world.runtime.block_on(async {
                let id = create(&world.client, json!({ "name": name })).await;
                let mut query = Query::new("account");
                query.select = vec!["name".into()];
                query.filter =
                    Some(Filter::Compare("name".into(), Comparison::Eq, Literal::Text(name.clone())));
                let path = query.to_path(&schema).unwrap();
                let page = read::page(&world.client, &path, &ReadOptions::default()).await.unwrap();
                let ids: Vec<String> =
                    page.rows.iter().map(|r| r.id("accountid").unwrap().to_owned()).collect();
                query.filter = Some(Filter::Contains("name".into(), name.clone()));
                let path = query.to_path(&schema).unwrap();
                let by_contains =
                    read::page(&world.client, &path, &ReadOptions::default()).await.unwrap().rows.len();
                (ids, id, by_contains)
            });
            prop_assert_eq!(ids, vec![id]);
            prop_assert_eq!(by_contains, 1);
            Ok(())
        })
        .unwrap();
}

#[test]
fn any_key_value_addresses_exactly_its_row() {
    let world = world();
    let schema = world.runtime.block_on(world.cache.schema("account")).unwrap();
    let numbers = text(20).prop_filter("key characters", |s| {
        !s.contains(['/', '<', '>', '*', '%', '&', ':', '\\', '?', '+']) && s.chars().count() <= 20
    });
    let used = std::sync::Mutex::new(std::collections::HashSet::new());
    runner()
        .run(&numbers, |number| {
            if !used.lock().unwrap().insert(number.clone()) {
                return Ok(()); // a key value twice would be a duplicate key, not a builder question
            }
            let (wanted, got) = world.runtime.block_on(async {
                let id = create(&world.client, json!({ "name": "Keyed", "accountnumber": number })).await;
                let path = keys::key_path(&schema, &[("accountnumber".into(), number.clone())]).unwrap();
                let path = format!("{path}?$select=accountnumber");
                let row = read::retrieve(&world.client, &path, None, false).await.unwrap().unwrap();
                (id, row.id("accountid").unwrap().to_owned())
            });
            prop_assert_eq!(wanted, got);
            Ok(())
        })
        .unwrap();
}
