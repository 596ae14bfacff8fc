//! Update strategies, a benchmark rather than a test (`make bench`, which starts the sandbox): the same
//! 10,000 accounts updated one request at a time, in `$batch`es of 1000 one after the other, in
//! `$batch`es sent in parallel (up to the environment's dop hint), and with the bulk message
//! `UpdateMultiple` in calls of 1000. Reads the sandbox's configuration line
//! from `SANDBOX_CONFIG`; prints one JSON line per strategy. `D365DESK_BENCH_UPDATES` changes the count.

use std::sync::Arc;
use std::time::Instant;

use d365_dataverse::client::{Client, ClientOptions};
use d365_dataverse::data::batch::{self, BatchMode, BatchOptions, Operation};
use d365_dataverse::data::bulk::{self, BulkMode, BulkOptions, Item, Via};
use d365_dataverse::data::cache::MetadataCache;
use d365_dataverse::data::read::{self, ReadOptions};
use d365_dataverse::data::values::{self, Changes, Purpose};
use d365_dataverse::data::write::{self, Concurrency};
use d365_dataverse::session::{Grant, Session};
use d365_dataverse::{Cloud, auth, input};
use futures_util::TryStreamExt;
use serde_json::{Value, json};

type Failure = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let config: Value = serde_json::from_str(&std::env::var("SANDBOX_CONFIG")?)?;
    let text = |key: &str| config[key].as_str().unwrap_or_default().to_owned();
    let count: usize =
        std::env::var("D365DESK_BENCH_UPDATES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let grant = Grant::App {
        authority: text("authority"),
        client_id: text("org_client_id"),
        client_secret: d365_dataverse::Secret::new(text("org_client_secret")),
    };
    let instance = input::instance(&text("instance_url"), Cloud::Public, false)?;
    let session = Session::new(auth::http_client()?, instance, grant);
    let client = Arc::new(Client::new(Arc::new(session), ClientOptions::default()));
    let cache = MetadataCache::open(client.clone(), None);
    let (schema, tables) = (cache.schema("account").await?, cache.tables().await?);

    let options = ReadOptions { annotations: false, ..Default::default() };
    let pages: Vec<read::Page> =
        read::pages(client.clone(), "accounts?$select=accountid".into(), options).try_collect().await?;
    let ids: Vec<String> = pages
        .iter()
        .flat_map(|p| &p.rows)
        .filter_map(|r| r.id("accountid").map(str::to_owned))
        .take(count)
        .collect();
    let change = |round: &str, n: usize| -> Changes {
        json!({ "telephone1": format!("{round}-{n}") }).as_object().cloned().unwrap_or_default()
    };

    let started = Instant::now();
    for (n, id) in ids.iter().enumerate() {
        let path = format!("accounts({id})");
        write::update(&client, &schema, &tables, &path, &change("one", n), &Concurrency::Overwrite, None)
            .await?;
    }
    report("one by one", ids.len(), started);

    let operations = |round: &str| -> Result<Vec<Operation>, Failure> {
        ids.iter()
            .enumerate()
            .map(|(n, id)| {
                let body = values::body(&schema, &tables, &change(round, n), Purpose::Update, &[])?;
                Ok(Operation::update(&format!("accounts({id})"), body, &Concurrency::Overwrite))
            })
            .collect()
    };
    let strategies =
        [("batched (1000 per $batch)", "b", 1), ("batched in parallel (1000 per $batch, 4 at once)", "p", 4)];
    for (name, round, parallel) in strategies {
        let operations = operations(round)?;
        let started = Instant::now();
        let options = BatchOptions { mode: BatchMode::ContinueOnError, parallel, ..Default::default() };
        let outcomes = batch::run(&client, &operations, &options).await?;
        let failed = outcomes.iter().filter(|o| !o.is_applied()).count();
        if failed > 0 {
            return Err(format!("{failed} updates failed").into());
        }
        report(name, operations.len(), started);
    }

    // The name says "batched" so that bench.sh compares it with one by one, as the $batch rows.
    let items: Vec<Item> = ids
        .iter()
        .enumerate()
        .map(|(n, id)| Item { target: Some(format!("accounts({id})")), changes: change("m", n) })
        .collect();
    let started = Instant::now();
    let options = BulkOptions { mode: BulkMode::Update, via: Via::Bulk, chunk: bulk::DEFAULT_CHUNK };
    let outcome = bulk::run(&client, &schema, &tables, &items, &options).await?;
    let failed = outcome.outcomes.iter().filter(|o| !o.is_applied()).count();
    if failed > 0 {
        return Err(format!("{failed} bulk updates failed").into());
    }
    report("UpdateMultiple (batched, 1000 per call)", items.len(), started);
    Ok(())
}

fn report(strategy: &str, rows: usize, started: Instant) {
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{}",
        json!({ "strategy": strategy, "rows": rows, "seconds": seconds, "rows_per_second": rows as f64 / seconds })
    );
}
