//! Many rows of one table created, updated or upserted with Dataverse's bulk operation messages
//! (`CreateMultiple`, `UpdateMultiple`, `UpsertMultiple`, bound to the entity set), in calls of a configurable
//! size (1000 by default, Microsoft's suggested start). Every value is checked against the metadata first,
//! exactly as a single write checks it (`values::body`): a refused item stops everything before anything is
//! sent. On a standard table a call applies all its items or none; the calls run one after the other and the
//! first that fails stops the rest.
//!
//! Not every table has the messages (Dataverse enables them on custom tables and many, not all, system
//! tables). When the environment answers that the table does not support the message (`0x80040800`, or an
//! older environment without the action at all), the same items go as `$batch` change sets instead
//! (`batch.rs`, same size, same all-or-nothing per call) — only then: a refusal of an item (a validation
//! error, a missing record) never falls back, since nothing of that call was applied.

use d365_common::Category;
use reqwest::Method;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::batch::{self, BatchMode, BatchOptions, ItemOutcome, Operation};
use super::metadata::{TableInfo, TableSchema};
use super::values::{Changes, Purpose, body, locate};
use super::write::{Concurrency, UpsertMode};
use crate::client::{Client, Request};
use crate::error::{DataverseError, Result};
use crate::retry::Repeatable;

/// Microsoft's suggested starting size for a bulk call on a standard table.
pub const DEFAULT_CHUNK: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BulkMode {
    Create,
    /// Existing records only: a missing one is not found.
    Update,
    /// Create, or update the record the item's key names.
    Upsert,
}

impl BulkMode {
    fn message(self) -> &'static str {
        match self {
            BulkMode::Create => "CreateMultiple",
            BulkMode::Update => "UpdateMultiple",
            BulkMode::Upsert => "UpsertMultiple",
        }
    }
}

/// How the items are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// The bulk message; `$batch` when the table does not support it.
    Auto,
    /// The bulk message only.
    Bulk,
    /// `$batch` change sets only.
    Batch,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkOptions {
    pub mode: BulkMode,
    pub via: Via,
    /// Items per call (a `$batch` holds at most 1000).
    pub chunk: usize,
}

impl Default for BulkOptions {
    fn default() -> Self {
        Self { mode: BulkMode::Create, via: Via::Auto, chunk: DEFAULT_CHUNK }
    }
}

/// One row to write.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The record (update, upsert), as `keys::record_path` gives it: `accounts(<id>)` or by alternate key.
    /// An upsert without one creates.
    pub target: Option<String>,
    pub changes: Changes,
}

/// What became of every item, in order, and how they were sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BulkReport {
    pub outcomes: Vec<ItemOutcome>,
    /// `Bulk` or `Batch`: what carried the items (the last call's, after a fallback).
    pub via: Via,
    /// The table did not support the bulk message, and the items went by `$batch`.
    pub fell_back: bool,
    pub calls: usize,
}

impl BulkReport {
    pub fn applied(&self) -> usize {
        self.outcomes.iter().filter(|o| o.is_applied()).count()
    }
}

/// An item checked and ready: its bulk entity and its `$batch` operation.
struct Prepared {
    entity: Map<String, Value>,
    operation: Operation,
    id: Option<String>,
}

fn id_in(path: &str) -> Option<String> {
    let inner = path.rsplit_once('(')?.1.strip_suffix(')')?;
    inner.parse::<uuid::Uuid>().ok().map(|id| id.to_string())
}

fn prepare(schema: &TableSchema, tables: &[TableInfo], mode: BulkMode, item: &Item) -> Result<Prepared> {
    let table = &schema.table;
    if mode == BulkMode::Update && item.target.is_none() {
        return Err(DataverseError::new(
            "input.invalid_key",
            format!("An update needs the record: its {} or an alternate key.", table.primary_id),
            None,
        ));
    }
    let purpose =
        if mode == BulkMode::Create || item.target.is_none() { Purpose::Create } else { Purpose::Update };
    let checked = body(schema, tables, &item.changes, purpose, &[])?;
    let mut entity = checked.clone();
    entity.insert(
        "@odata.type".into(),
        Value::String(format!("Microsoft.Dynamics.CRM.{}", table.logical_name)),
    );
    let target = item.target.as_deref();
    let id = target.and_then(id_in);
    let operation = match (mode, target) {
        (BulkMode::Update, Some(path)) => Operation::update(path, checked, &Concurrency::Overwrite),
        (BulkMode::Upsert, Some(path)) => Operation::upsert(path, checked, UpsertMode::Either),
        // A create, or an upsert that names no record (an update without one was refused above).
        _ => Operation::create(&table.entity_set, checked),
    };
    if let Some(path) = target.filter(|_| mode != BulkMode::Create) {
        match &id {
            Some(id) => entity.insert(table.primary_id.clone(), Value::String(id.clone())),
            None => entity.insert("@odata.id".into(), Value::String(path.to_owned())),
        };
    }
    Ok(Prepared { entity, operation, id })
}

/// Writes `items` to `schema`'s table; an outcome per item, in order. Fails as a whole only on bad options.
pub async fn run(
    client: &Client,
    schema: &TableSchema,
    tables: &[TableInfo],
    items: &[Item],
    options: &BulkOptions,
) -> Result<BulkReport> {
    let most = if options.via == Via::Bulk { usize::MAX } else { batch::MAX_OPERATIONS };
    if options.chunk == 0 || options.chunk > most {
        return Err(DataverseError::new(
            "input.batch_size",
            format!("A call holds 1 to {} items, not {}.", batch::MAX_OPERATIONS, options.chunk),
            Some("A $batch holds at most 1000 operations; only --via bulk takes larger calls.".to_owned()),
        ));
    }
    let mut report = BulkReport {
        outcomes: Vec::with_capacity(items.len()),
        via: options.via,
        fell_back: false,
        calls: 0,
    };
    report.via = if options.via == Via::Batch { Via::Batch } else { Via::Bulk };

    // Every item is checked before anything is sent: one refused item, and nothing is written.
    let mut prepared = Vec::with_capacity(items.len());
    let mut refused = false;
    for item in items {
        match prepare(schema, tables, options.mode, item) {
            Ok(p) => {
                prepared.push(Some(p));
            }
            Err(error) => {
                refused = true;
                prepared.push(None);
                report.outcomes.push(ItemOutcome::Failed { error });
                continue;
            }
        }
        report
            .outcomes
            .push(ItemOutcome::NotApplied { reason: "Not sent: another item was refused.".into() });
    }
    if refused {
        return Ok(report);
    }
    let prepared: Vec<Prepared> = prepared.into_iter().flatten().collect();
    report.outcomes.clear();

    let chunks: Vec<&[Prepared]> = prepared.chunks(options.chunk).collect();
    for (n, chunk) in chunks.iter().enumerate() {
        let mut results = None;
        if report.via == Via::Bulk {
            report.calls += 1;
            match send_bulk(client, schema, options.mode, chunk).await {
                Ok(outcomes) => results = Some(outcomes),
                Err(error) if options.via == Via::Auto && unsupported(&error) => {
                    tracing::info!(table = %schema.table.logical_name, %error, "bulk message not supported; using $batch");
                    report.via = Via::Batch;
                    report.fell_back = true;
                }
                Err(error) if matches!(error.category, Category::Network | Category::Server) => {
                    results = Some(unknown(chunk, &error));
                }
                Err(error) => results = Some(refusal(schema, chunk, &error)),
            }
        }
        let results = match results {
            Some(results) => results,
            None => {
                report.calls += 1;
                let operations: Vec<Operation> = chunk.iter().map(|p| p.operation.clone()).collect();
                let batch_options =
                    BatchOptions { mode: BatchMode::Atomic, per_batch: chunk.len(), parallel: 1 };
                batch::run(client, &operations, &batch_options).await?
            }
        };
        let failed = !results.iter().all(ItemOutcome::is_applied);
        report.outcomes.extend(results);
        if failed {
            let reason = format!("Not sent: call {} of {} failed.", n + 1, chunks.len());
            report.outcomes.resize(items.len(), ItemOutcome::NotApplied { reason });
            break;
        }
    }
    Ok(report)
}

/// One bulk call; every item applied, or the error.
async fn send_bulk(
    client: &Client,
    schema: &TableSchema,
    mode: BulkMode,
    chunk: &[Prepared],
) -> Result<Vec<ItemOutcome>> {
    let targets: Vec<Value> = chunk.iter().map(|p| Value::Object(p.entity.clone())).collect();
    let path = format!("{}/Microsoft.Dynamics.CRM.{}", schema.table.entity_set, mode.message());
    // A CreateMultiple sent twice creates twice; updates and upserts land on the same records.
    let repeatable = if mode == BulkMode::Create { Repeatable::No } else { Repeatable::Yes };
    let request = Request::post(path, json!({ "Targets": targets })).repeatable(repeatable);
    let response = client.send(&request).await?;
    let status = response.status.as_u16();
    if mode != BulkMode::Create {
        return Ok(chunk.iter().map(|p| ItemOutcome::Applied { status, id: p.id.clone() }).collect());
    }
    let body = response.json()?;
    let ids: Vec<Option<String>> = body["Ids"]
        .as_array()
        .map(|ids| ids.iter().map(|id| id.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    if ids.len() != chunk.len() {
        return Err(DataverseError::new(
            "api.malformed_response",
            format!(
                "CreateMultiple created the records but answered {} ids for {} items.",
                ids.len(),
                chunk.len()
            ),
            Some("The records were created: look them up before creating them again.".to_owned()),
        ));
    }
    Ok(ids.into_iter().map(|id| ItemOutcome::Applied { status, id }).collect())
}

/// The environment has no such message for this table: Dataverse's `0x80040800` ("The 'CreateMultiple'
/// method does not support entities of type ..."), or no action of that name at all (an environment from
/// before the messages: 404 for the action's segment).
fn unsupported(error: &DataverseError) -> bool {
    let message = &error.message;
    message.contains("0x80040800")
        || message.contains("does not support entities of type")
        || (error.kind == "api.not_found"
            && (message.contains("segment 'Microsoft.Dynamics.CRM.") || message.contains("No HTTP resource")))
}

/// No answer to a call, or the server failed: its items may or may not have been applied, and a create
/// sent again would make them twice, so they are not reported as refused.
fn unknown(chunk: &[Prepared], error: &DataverseError) -> Vec<ItemOutcome> {
    let kind =
        if error.category == Category::Network { "net.outcome_unknown" } else { "api.outcome_unknown" };
    let error = DataverseError::new(
        kind,
        format!(
            "No answer came for this call ({}): its rows may or may not have been written.",
            error.message
        ),
        Some(
            "Look at the table before sending the same rows again: created rows would be created twice."
                .into(),
        ),
    );
    vec![ItemOutcome::Failed { error }; chunk.len()]
}

/// A refused call: nothing of it was applied. The item the error names (its id or key in the message) gets
/// the error, the others say they were rolled back with it; when no item is named, every one gets it.
fn refusal(schema: &TableSchema, chunk: &[Prepared], error: &DataverseError) -> Vec<ItemOutcome> {
    let error = locate(schema, error.clone());
    let named = chunk.iter().position(|p| {
        p.id.as_deref().is_some_and(|id| error.message.contains(id))
            || matches!(p.operation.method, Method::PATCH) && key_named(&p.operation.target, &error.message)
    });
    match named {
        Some(at) => (0..chunk.len())
            .map(|n| {
                if n == at {
                    ItemOutcome::Failed { error: error.clone() }
                } else {
                    ItemOutcome::NotApplied {
                        reason: format!("Rolled back: item {} of its call was refused.", at + 1),
                    }
                }
            })
            .collect(),
        None => vec![ItemOutcome::Failed { error }; chunk.len()],
    }
}

/// An alternate key's value (`accounts(accountnumber='A-1')` → `A-1`) quoted in `message`.
fn key_named(path: &str, message: &str) -> bool {
    path.split('\'')
        .skip(1)
        .step_by(2)
        .any(|value| !value.is_empty() && message.contains(&format!("'{value}'")))
}
