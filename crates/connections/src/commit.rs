//! Sending staged changes: each record's updates as one minimal PATCH of the columns changed, with the
//! `If-Match` of the version read; new records as POSTs; deletions with their version. As one atomic change
//! set (the default: all or nothing) or record by record (continue on error). Every value is checked
//! against metadata before anything is sent; every staged change gets its result, so the window can show a
//! refusal beside its field and keep every change that was not applied. [`preview`] shows the very
//! requests [`commit`] sends (one code path builds both); a conflict carries theirs, mine and the base.
//!
//! Why `$batch` and not `UpdateMultiple`/`CreateMultiple`, even for a thousand updates of one table: each
//! update must carry the version it was read at, so that a record changed meanwhile is a conflict and not
//! overwritten. A change set gives every PATCH its own `If-Match`; `UpdateMultiple` takes one body of
//! `Targets` with no per-record condition, and Microsoft Learn ("Use bulk operation messages", Known issues:
//! "UpdateMultipleRequest.ConcurrencyBehavior doesn't work") says the concurrency behaviour asked for is
//! ignored and the default applied, whatever is set
//! (<https://learn.microsoft.com/power-apps/developer/data-platform/bulk-operations>). Bulk messages stay
//! for imports (`d365 import`), where no version was read.
//!
//! Throttling: a `$batch` answered 429 was not run (Dataverse refuses the request before it runs it, and
//! says when to send it again: Learn, "Service protection API limits",
//! <https://learn.microsoft.com/power-apps/developer/data-platform/api-limits>), so the client waits the
//! `Retry-After` and sends the same bytes again, even a batch holding POSTs (`client.rs`: a 429 is retried
//! whatever the request; only a lost answer is not). The wait reaches the status bar through the session's
//! event sink, as reads' waits do. A part answered 429 inside a batch is reported not applied, to commit
//! again, never guessed applied. What waiting cannot make safe is an answer lost after the batch left: its
//! records are `Unknown` (see there), never sent again on their own. More in `docs/committing.md`.

use std::collections::{BTreeMap, HashMap};

use d365_common::{Category, ErrorPayload};
use d365_dataverse::DataverseError;
use d365_dataverse::client::WireHeader;
use d365_dataverse::data::batch::{self, BatchMode, BatchOptions, ItemOutcome, MAX_OPERATIONS, Operation};
use d365_dataverse::data::cache::MetadataCache;
use d365_dataverse::data::metadata::{TableInfo, TableSchema};
use d365_dataverse::data::query::encode;
use d365_dataverse::data::read;
use d365_dataverse::data::values::{self, Changes, Purpose};
use d365_dataverse::data::write::{Concurrency, Difference};
use serde::{Deserialize, Serialize};

use crate::conflict::{self, RecordRead};
use crate::error::Result;
use crate::staging::PendingChange;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum CommitMode {
    /// One change set: every change applies, or none does.
    Atomic,
    /// Each record on its own; a refusal does not stop the others.
    RecordByRecord,
}

/// What became of one record's changes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum CommitOutcome {
    Applied {
        /// A new record's id.
        id: Option<String>,
    },
    /// Refused by the check before sending or by the environment; `error.column` names the field.
    Refused { error: ErrorPayload },
    /// The record changed (or went) since it was read: nothing of it was written. What the window needs to
    /// show theirs against mine: the version to stage again with, and the columns.
    Conflict {
        /// The record's version now (its ETag): staged again with it, mine applies on the new version. None
        /// when it was deleted since, or could not be read.
        etag: Option<String>,
        /// Deleted since it was read.
        deleted: bool,
        /// Each column this commit changed: `base` (as read: the staged `old`, else the row read), `theirs`
        /// and `theirs_formatted` (now), `yours` (staged).
        columns: Vec<Difference>,
        /// The other columns someone changed on the server since the window read them (`yours` is null).
        others: Vec<Difference>,
        /// Why the record as it is now is not shown, when it could not be read.
        unread: Option<ErrorPayload>,
    },
    /// No answer came, or the server failed: it may have been applied. An update or deletion sent with the
    /// version read is safe to send again (it is a conflict if it was applied); a new record is not —
    /// look for it first.
    Unknown { error: ErrorPayload },
    /// Not applied because another change was refused (an atomic commit) or never sent.
    NotApplied { reason: String },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CommitResult {
    /// The staged changes (indexes into the list committed) this result is for.
    #[cfg_attr(feature = "specta", specta(type = Vec<u32>))]
    pub changes: Vec<usize>,
    pub table: String,
    /// The record (a new one's key until it has an id).
    pub record: String,
    pub outcome: CommitOutcome,
}

/// One request of the commit, and the staged changes it carries.
struct Planned {
    table: String,
    record: String,
    changes: Vec<usize>,
    kind: PlannedKind,
}

impl Planned {
    /// The answer says this record changed (412) or is gone (a 404 naming it, not a lookup's target).
    fn gone_or_changed(&self, error: &DataverseError) -> bool {
        error.kind == "api.conflict"
            || (error.kind == "api.not_found"
                && error.message.to_lowercase().contains(&self.record.to_lowercase()))
    }

    fn sent_with_version(&self) -> bool {
        match &self.kind {
            PlannedKind::Update { etag, .. } | PlannedKind::Delete { etag } => etag.is_some(),
            PlannedKind::Create { .. } | PlannedKind::Nothing => false,
        }
    }
}

enum PlannedKind {
    Update {
        etag: Option<String>,
        columns: BTreeMap<String, serde_json::Value>,
    },
    Create {
        values: BTreeMap<String, serde_json::Value>,
    },
    Delete {
        etag: Option<String>,
    },
    /// A new record deleted before it was created: nothing to send.
    Nothing,
}

/// The requests for `changes`, in the order their records were first changed: a record's updates merged
/// (a column changed twice sends its last value, with the first version read); a record deleted carries
/// its updates with it; an update of a new record goes into its create, and a new record deleted again is
/// no request at all.
fn plan(changes: &[PendingChange]) -> Vec<Planned> {
    let mut planned: Vec<Planned> = Vec::new();
    // By table and record: thousands of changes are planned at once.
    let mut index_of: HashMap<(String, String), usize> = HashMap::new();
    for (index, change) in changes.iter().enumerate() {
        let (table, record) = (change.table().to_owned(), change.record().to_owned());
        let found = index_of.get(&(table.clone(), record.clone())).copied();
        if found.is_none() {
            index_of.insert((table, record), planned.len()); // the record's request, pushed below
        }
        match change {
            PendingChange::Update { table, id, etag, column, new, .. } => match found {
                Some(at) => {
                    planned[at].changes.push(index);
                    match &mut planned[at].kind {
                        // The first version read is sent: a change staged on it and a later one staged on
                        // a newer version (someone else changed the record between) is a conflict, never
                        // an overwrite of what the person did not see.
                        PlannedKind::Update { columns, etag: read } => {
                            columns.insert(column.clone(), new.clone());
                            if read.is_none() {
                                read.clone_from(etag);
                            }
                        }
                        PlannedKind::Create { values } => {
                            values.insert(column.clone(), new.clone());
                        }
                        PlannedKind::Delete { .. } | PlannedKind::Nothing => {}
                    }
                }
                None => planned.push(Planned {
                    table: table.clone(),
                    record: id.clone(),
                    changes: vec![index],
                    kind: PlannedKind::Update {
                        etag: etag.clone(),
                        columns: BTreeMap::from([(column.clone(), new.clone())]),
                    },
                }),
            },
            PendingChange::Create { table, key, values } => planned.push(Planned {
                table: table.clone(),
                record: key.clone(),
                changes: vec![index],
                kind: PlannedKind::Create { values: values.clone() },
            }),
            PendingChange::Delete { table, id, etag, .. } => match found {
                Some(at) => {
                    planned[at].changes.push(index);
                    planned[at].kind = match &planned[at].kind {
                        PlannedKind::Create { .. } | PlannedKind::Nothing => PlannedKind::Nothing,
                        // The record's first version read, as for its updates.
                        PlannedKind::Update { etag: read, .. } | PlannedKind::Delete { etag: read } => {
                            PlannedKind::Delete { etag: read.clone().or_else(|| etag.clone()) }
                        }
                    };
                }
                None => planned.push(Planned {
                    table: table.clone(),
                    record: id.clone(),
                    changes: vec![index],
                    kind: PlannedKind::Delete { etag: etag.clone() },
                }),
            },
        }
    }
    planned
}

fn result(planned: &Planned, outcome: CommitOutcome) -> CommitResult {
    CommitResult {
        changes: planned.changes.clone(),
        table: planned.table.clone(),
        record: planned.record.clone(),
        outcome,
    }
}

/// The Web API body for `values`, checked against the table's metadata.
fn checked_body(
    schema: &TableSchema,
    tables: &[TableInfo],
    values: &BTreeMap<String, serde_json::Value>,
    purpose: Purpose,
) -> Result<serde_json::Map<String, serde_json::Value>> {
    let changes: Changes = values.clone().into_iter().collect();
    Ok(values::body(schema, tables, &changes, purpose, &[])?)
}

/// The checked request for one planned record (none when there is nothing to send).
async fn operation(cache: &MetadataCache, planned: &Planned) -> Result<Option<Operation>> {
    if matches!(planned.kind, PlannedKind::Nothing) {
        return Ok(None);
    }
    let schema = cache.schema(&planned.table).await?;
    let tables = cache.tables().await?;
    let path = format!("{}({})", schema.table.entity_set, encode(&planned.record));
    Ok(Some(match &planned.kind {
        PlannedKind::Update { etag, columns } => {
            let concurrency = etag.clone().map_or(Concurrency::Overwrite, Concurrency::IfMatch);
            Operation::update(&path, checked_body(&schema, &tables, columns, Purpose::Update)?, &concurrency)
        }
        PlannedKind::Create { values } => {
            let mut values = values.clone();
            if let Some(id) = new_record_id(&planned.record) {
                values.entry(schema.table.primary_id.clone()).or_insert_with(|| id.into());
            }
            Operation::create(
                &schema.table.entity_set,
                checked_body(&schema, &tables, &values, Purpose::Create)?,
            )
        }
        PlannedKind::Delete { etag } => Operation::delete(&path, etag.as_deref()),
        PlannedKind::Nothing => return Ok(None),
    }))
}

/// The id a new record is created with, from its staging key (`new-` and 32 hex digits, drawn when it was
/// staged and journaled with it): sent again after an answer that never came, the create is refused as a
/// duplicate of itself instead of making a second record. Older, shorter keys get the server's id.
fn new_record_id(key: &str) -> Option<String> {
    let hex = key.strip_prefix("new-")?;
    (hex.len() == 32).then(|| uuid::Uuid::try_parse(hex).ok()).flatten().map(|id| id.to_string())
}

/// Whether a create refused as a duplicate (412) was refused because the record it makes exists already
/// (an earlier send of this very commit applied): then it is applied, once.
async fn created_before(cache: &MetadataCache, planned: &Planned, error: &DataverseError) -> Option<String> {
    if error.kind != "api.conflict" || !matches!(planned.kind, PlannedKind::Create { .. }) {
        return None;
    }
    let id = new_record_id(&planned.record)?;
    let schema = cache.schema(&planned.table).await.ok()?;
    let path = format!("{}({id})", schema.table.entity_set);
    read::retrieve(cache.client(), &path, None, false).await.ok().flatten().map(|_| id)
}

/// A value an editor holds, to check.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ValueCheck {
    pub table: String,
    pub column: String,
    #[cfg_attr(feature = "specta", specta(type = d365_common::Json))]
    pub value: serde_json::Value,
    /// The record's other values, as staged or read, that the value must go with (its `statecode` for a
    /// `statuscode`).
    #[serde(default)]
    #[cfg_attr(feature = "specta", specta(type = BTreeMap<String, d365_common::Json>))]
    pub row: BTreeMap<String, serde_json::Value>,
}

/// Checks one value as a commit will (the core's messages, the column named), for the editors to say
/// what is wrong as the person types; a status reason also against the state it goes with.
pub async fn check_value(cache: &MetadataCache, check: ValueCheck) -> Result<()> {
    let schema = cache.schema(&check.table).await?;
    let tables = cache.tables().await?;
    let values = BTreeMap::from([(check.column, check.value)]);
    checked_body(&schema, &tables, &values, Purpose::Update)?;
    let changes: Changes = values.into_iter().collect();
    Ok(values::status_pair(&schema, &changes, &check.row.into_iter().collect())?)
}

/// What a commit will do, worked out before anything is sent: the same for [`commit`] and [`preview`].
struct Prepared {
    planned: Vec<Planned>,
    checked: Vec<std::result::Result<Option<Operation>, ErrorPayload>>,
    /// Nothing is sent: an atomic commit with a refusal, each change's result already known.
    refused: Option<Vec<CommitResult>>,
    /// The requests to send, with the planned record each is for.
    sendable: Vec<(usize, Operation)>,
    options: BatchOptions,
}

async fn prepare(cache: &MetadataCache, changes: &[PendingChange], mode: CommitMode) -> Result<Prepared> {
    let planned = plan(changes);
    if mode == CommitMode::Atomic && planned.len() > MAX_OPERATIONS {
        return Err(DataverseError::new(
            "input.too_many_changes",
            format!(
                "An atomic commit holds at most {MAX_OPERATIONS} records (Dataverse's limit for one change set); \
                 these changes touch {}.",
                planned.len()
            ),
            Some("Commit record by record, or commit part of the changes first.".into()),
        )
        .into());
    }
    // Every value checked first: in an atomic commit one refusal means nothing is sent.
    let mut checked: Vec<std::result::Result<Option<Operation>, ErrorPayload>> =
        Vec::with_capacity(planned.len());
    for p in &planned {
        checked.push(operation(cache, p).await.map_err(ErrorPayload::from));
    }
    let refused =
        (mode == CommitMode::Atomic && checked.iter().any(std::result::Result::is_err)).then(|| {
            let reason = "Not sent: another change of this commit was refused.".to_owned();
            planned
                .iter()
                .zip(&checked)
                .map(|(p, checked)| match checked {
                    Err(error) => result(p, CommitOutcome::Refused { error: error.clone() }),
                    Ok(_) => result(p, CommitOutcome::NotApplied { reason: reason.clone() }),
                })
                .collect()
        });
    let sendable: Vec<(usize, Operation)> = checked
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.as_ref().ok().and_then(Option::as_ref).map(|op| (i, op.clone())))
        .collect();
    let options = BatchOptions {
        mode: if mode == CommitMode::Atomic { BatchMode::Atomic } else { BatchMode::ContinueOnError },
        per_batch: MAX_OPERATIONS,
        parallel: 1,
    };
    Ok(Prepared { planned, checked, refused, sendable, options })
}

/// One `$batch` the commit will send, exactly: method, URL, headers (the token shown as
/// `Bearer (hidden)`) and body, and the staged changes it carries.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BatchPreview {
    pub method: String,
    pub url: String,
    pub headers: Vec<WireHeader>,
    pub body: String,
    /// Indexes into the changes previewed.
    #[cfg_attr(feature = "specta", specta(type = Vec<u32>))]
    pub changes: Vec<usize>,
}

/// What a commit of these changes would send, and what it would refuse without sending.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CommitPreview {
    /// The `$batch` requests, in order (atomically, each after the one before it applied).
    pub batches: Vec<BatchPreview>,
    /// The records refused before sending, as the commit would report them (in an atomic commit with a
    /// refusal, every record, and no batch: nothing would be sent).
    pub refused: Vec<CommitResult>,
}

/// The requests [`commit`] would send for `changes` in `mode`, from the same code, sending nothing.
pub async fn preview(
    cache: &MetadataCache,
    changes: &[PendingChange],
    mode: CommitMode,
) -> Result<CommitPreview> {
    let prepared = prepare(cache, changes, mode).await?;
    if let Some(refused) = prepared.refused {
        return Ok(CommitPreview { batches: Vec::new(), refused });
    }
    let mut refused: Vec<CommitResult> = prepared
        .planned
        .iter()
        .zip(&prepared.checked)
        .filter_map(|(p, c)| {
            c.as_ref().err().map(|error| result(p, CommitOutcome::Refused { error: error.clone() }))
        })
        .collect();
    let operations: Vec<Operation> = prepared.sendable.iter().map(|(_, op)| op.clone()).collect();
    let mut batches = Vec::new();
    for previewed in batch::preview(cache.client(), &operations, &prepared.options)? {
        let records: Vec<&Planned> =
            prepared.sendable[previewed.operations].iter().map(|(at, _)| &prepared.planned[*at]).collect();
        match previewed.request {
            Ok(wire) => batches.push(BatchPreview {
                method: wire.method,
                url: wire.url,
                headers: wire.headers,
                body: wire.body,
                changes: records.iter().flat_map(|p| p.changes.iter().copied()).collect(),
            }),
            Err(error) => {
                let error = ErrorPayload::from(error);
                refused.extend(
                    records.iter().map(|p| result(p, CommitOutcome::Refused { error: error.clone() })),
                );
            }
        }
    }
    Ok(CommitPreview { batches, refused })
}

/// The sign-in that failed before anything was sent (an expired session, a revoked secret): then nothing
/// of the commit applied, and the window says so once, with "sign in again", rather than beside every
/// change as if the server had refused each.
fn sign_in_failed(outcomes: &[ItemOutcome]) -> Option<DataverseError> {
    let expired = outcomes.iter().find_map(|outcome| match outcome {
        ItemOutcome::Failed { error } if error.category == Category::Expired => Some(error.clone()),
        _ => None,
    })?;
    outcomes
        .iter()
        .all(|outcome| matches!(outcome, ItemOutcome::Failed { .. } | ItemOutcome::NotApplied { .. }))
        .then_some(expired)
}

/// Sends `changes` as `mode` says; a result for every record, in the order planned. `reads` are the rows
/// as the window read them (any, or none): a conflict lists the other columns changed on the server since.
pub async fn commit(
    cache: &MetadataCache,
    changes: &[PendingChange],
    mode: CommitMode,
    reads: &[RecordRead],
) -> Result<Vec<CommitResult>> {
    let Prepared { planned, checked, refused, sendable, options } = prepare(cache, changes, mode).await?;
    if let Some(refused) = refused {
        return Ok(refused);
    }
    let operations: Vec<Operation> = sendable.iter().map(|(_, op)| op.clone()).collect();
    let outcomes = if operations.is_empty() {
        Vec::new()
    } else {
        batch::run(cache.client(), &operations, &options).await?
    };
    if let Some(error) = sign_in_failed(&outcomes) {
        return Err(error.into());
    }
    let mut results: Vec<CommitResult> = planned
        .iter()
        .zip(&checked)
        .map(|(p, checked)| match checked {
            Err(error) => result(p, CommitOutcome::Refused { error: error.clone() }),
            // A new record deleted again: done, with nothing sent.
            Ok(None) => result(p, CommitOutcome::Applied { id: None }),
            Ok(Some(_)) => result(p, CommitOutcome::NotApplied { reason: "Not sent.".into() }),
        })
        .collect();
    for ((at, _), outcome) in sendable.iter().zip(outcomes) {
        let planned = &planned[*at];
        results[*at].outcome = match outcome {
            ItemOutcome::Applied { id, .. } => CommitOutcome::Applied { id },
            ItemOutcome::Failed { error } if created_before(cache, planned, &error).await.is_some() => {
                CommitOutcome::Applied { id: new_record_id(&planned.record) }
            }
            // A 412 (or 404) on a write sent with the version read: the record changed (or went) since; a
            // create's 412 is a duplicate key, refused like any other value. One GET for what it is now.
            ItemOutcome::Failed { error }
                if planned.sent_with_version() && planned.gone_or_changed(&error) =>
            {
                let read = reads.iter().find(|r| r.table == planned.table && r.id == planned.record);
                conflict::details(cache, &planned.table, &planned.record, &staged(planned, changes), read)
                    .await
            }
            // Throttled inside the batch: not run, so not applied; committed again, it applies once.
            ItemOutcome::Failed { error } if error.category == Category::Throttled => {
                CommitOutcome::NotApplied {
                    reason: format!("Not applied: {} Commit it again.", error.message),
                }
            }
            // No answer, or the server failed: the change may or may not have been made.
            ItemOutcome::Failed { error }
                if matches!(error.category, Category::Network | Category::Server) =>
            {
                CommitOutcome::Unknown { error: error.into() }
            }
            ItemOutcome::Failed { error } => {
                let error = match cache.schema(&planned.table).await {
                    Ok(schema) => values::locate(&schema, error),
                    Err(_) => error,
                };
                CommitOutcome::Refused { error: error.into() }
            }
            ItemOutcome::NotApplied { reason } => CommitOutcome::NotApplied { reason },
        };
    }
    Ok(results)
}

/// The columns a planned update sends, each with the value first read (the earliest staged `old`).
fn staged(planned: &Planned, changes: &[PendingChange]) -> Vec<conflict::Staged> {
    let PlannedKind::Update { columns, .. } = &planned.kind else { return Vec::new() };
    columns
        .iter()
        .map(|(column, mine)| conflict::Staged {
            column: column.clone(),
            mine: mine.clone(),
            old: planned.changes.iter().find_map(|i| match changes.get(*i) {
                Some(PendingChange::Update { column: c, old, .. }) if c == column => old.clone(),
                _ => None,
            }),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn update(id: &str, column: &str, new: serde_json::Value) -> PendingChange {
        PendingChange::Update {
            table: "account".into(),
            id: id.into(),
            etag: Some(format!("W/\"{id}\"")),
            column: column.into(),
            old: None,
            new,
        }
    }

    #[test]
    fn an_expired_sign_in_fails_the_commit_as_a_whole_unless_something_applied() {
        let expired = || ItemOutcome::Failed {
            error: DataverseError::new("auth.session_expired", "Your sign-in has expired.", None),
        };
        let rolled_back = ItemOutcome::NotApplied { reason: "Rolled back.".into() };
        let failed = sign_in_failed(&[expired(), rolled_back.clone()]).expect("the commit fails");
        assert_eq!(failed.kind, "auth.session_expired");
        let applied = ItemOutcome::Applied { status: 204, id: None };
        assert!(sign_in_failed(&[applied, expired()]).is_none(), "an applied change is reported as such");
        let refused = ItemOutcome::Failed { error: DataverseError::new("api.bad_request", "No.", None) };
        assert!(sign_in_failed(&[refused, rolled_back]).is_none(), "a refusal is the server's, per change");
    }

    #[test]
    fn a_records_updates_make_one_minimal_patch_and_a_delete_takes_them_along() {
        let changes = vec![
            update("a", "name", json!("First")),
            update("b", "name", json!("B")),
            update("a", "telephone1", json!("555")),
            update("a", "name", json!("Second")),
            PendingChange::Create { table: "contact".into(), key: "new-1".into(), values: BTreeMap::new() },
            PendingChange::Delete { table: "account".into(), id: "b".into(), etag: None, name: "B".into() },
        ];
        let planned = plan(&changes);
        let records: Vec<(&str, &[usize])> =
            planned.iter().map(|p| (p.record.as_str(), p.changes.as_slice())).collect();
        assert_eq!(records, [("a", &[0, 2, 3][..]), ("b", &[1, 5][..]), ("new-1", &[4][..])]);
        let PlannedKind::Update { etag, columns } = &planned[0].kind else { panic!("an update") };
        assert_eq!(etag.as_deref(), Some("W/\"a\""));
        assert_eq!(
            columns,
            &BTreeMap::from([("name".into(), json!("Second")), ("telephone1".into(), json!("555"))])
        );
        assert!(
            matches!(&planned[1].kind, PlannedKind::Delete { etag: Some(e) } if e == "W/\"b\""),
            "the delete wins, with the version its update read"
        );
    }

    #[test]
    fn a_new_records_updates_go_into_its_create_and_deleting_it_sends_nothing() {
        let new = |key: &str| PendingChange::Create {
            table: "contact".into(),
            key: key.into(),
            values: BTreeMap::from([("lastname".into(), json!("Ng"))]),
        };
        let edit = |key: &str, etag: Option<&str>| PendingChange::Update {
            table: "contact".into(),
            id: key.into(),
            etag: etag.map(Into::into),
            column: "firstname".into(),
            old: None,
            new: json!("Ada"),
        };
        let gone = PendingChange::Delete {
            table: "contact".into(),
            id: "new-2".into(),
            etag: None,
            name: "".into(),
        };
        let planned = plan(&[new("new-1"), edit("new-1", None), new("new-2"), gone]);
        let PlannedKind::Create { values } = &planned[0].kind else { panic!("a create") };
        assert_eq!(values["firstname"], json!("Ada"));
        assert_eq!(planned[0].changes, [0, 1]);
        assert!(matches!(planned[1].kind, PlannedKind::Nothing), "created and deleted: nothing to send");
        assert_eq!(planned[1].changes, [2, 3]);
        // The first version read is the one sent: a later one means someone changed the record between.
        let twice = plan(&[edit("a", None), edit("a", Some("W/\"1\"")), edit("a", Some("W/\"5\""))]);
        assert!(matches!(&twice[0].kind, PlannedKind::Update { etag: Some(e), .. } if e == "W/\"1\""));
        let deleted =
            PendingChange::Delete { table: "contact".into(), id: "a".into(), etag: None, name: "".into() };
        let gone = plan(&[edit("a", Some("W/\"1\"")), deleted]);
        assert!(
            matches!(&gone[0].kind, PlannedKind::Delete { etag: Some(e) } if e == "W/\"1\""),
            "keeps If-Match"
        );
    }
}
