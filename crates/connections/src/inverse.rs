//! Undoing a commit: its inverse staged as new pending changes, for review before it is committed like any
//! other. An update goes back to the value read before it, with the record's version read now (one GET per
//! record), so the inverse is itself checked against anything changed after it is staged; a create becomes
//! the deletion of the record it made. A deletion cannot be undone by a change: see [`DELETE_REASON`].

use std::collections::{BTreeMap, BTreeSet};

use d365_dataverse::data::cache::MetadataCache;
use d365_dataverse::data::metadata::{ColumnInfo, TableInfo, TableSchema};
use d365_dataverse::data::query::encode;
use d365_dataverse::data::read::retrieve;
use d365_dataverse::data::rows::Row;
use d365_dataverse::data::write::same_value;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Result;
use crate::staging::PendingChange;

/// Why a deletion is not undone. Learn, "Restore deleted records with code" (preview,
/// <https://learn.microsoft.com/power-apps/developer/data-platform/restore-deleted-records>): only where an
/// administrator turned the recycle bin on for the table can a deleted record be restored (the `Restore`
/// action, by its id, within the configured period of up to 30 days); creating it again would make another
/// record, with a new id and without what was deleted with it.
pub const DELETE_REASON: &str = "A deleted record cannot be brought back by a change: it is gone, with the \
records its relationships deleted along with it, and creating it again would make a new record with a new id. \
Where an administrator has turned on the recycle bin for this table, they can restore it (Power Platform admin \
center, or Dataverse's Restore action) within the period it keeps deleted records, at most 30 days.";

/// A change as committed and applied; a create's new record id with it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AppliedChange {
    pub change: PendingChange,
    /// The record a create made (its commit result's `id`).
    pub id: Option<String>,
}

/// A change of the commit that has no inverse, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct NotUndoable {
    /// Into the applied changes given.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub index: usize,
    pub reason: String,
}

/// Something to know about one change of the inverse before committing it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct InverseNote {
    /// Into [`Inverse::changes`].
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub change: usize,
    /// Into the applied changes given.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub applied: usize,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Inverse {
    /// To stage as pending changes, in the order of the commit.
    pub changes: Vec<PendingChange>,
    pub notes: Vec<InverseNote>,
    pub not_undoable: Vec<NotUndoable>,
}

/// The record as it is now, read once however many changes touched it.
type Reads = BTreeMap<(String, String), std::result::Result<Option<Row>, String>>;

/// The record now, or why its change cannot be undone: `gone` when it no longer exists.
async fn read_now<'a>(
    cache: &MetadataCache,
    reads: &'a mut Reads,
    schema: &TableSchema,
    id: &str,
    gone: &str,
) -> std::result::Result<&'a Row, String> {
    let key = (schema.table.logical_name.clone(), id.to_owned());
    if !reads.contains_key(&key) {
        let path = format!("{}({})", schema.table.entity_set, encode(id));
        let read = match retrieve(cache.client(), &path, None, true).await {
            Ok(row) => Ok(row),
            Err(error) if error.kind == "api.not_found" => Ok(None),
            Err(error) => Err(error.message),
        };
        reads.insert(key.clone(), read);
    }
    match &reads[&key] {
        Ok(Some(row)) => Ok(row),
        Ok(None) => Err(gone.to_owned()),
        Err(message) => Err(format!("The record could not be read: {message}")),
    }
}

/// The inverse of `applied` (a commit's changes that were applied, in commit order).
pub async fn inverse(cache: &MetadataCache, applied: &[AppliedChange]) -> Result<Inverse> {
    let tables = cache.tables().await?;
    let created: BTreeSet<(&str, &str)> = applied
        .iter()
        .filter_map(|a| match &a.change {
            PendingChange::Create { table, key, .. } => Some((table.as_str(), key.as_str())),
            _ => None,
        })
        .collect();
    let mut out = Inverse { changes: Vec::new(), notes: Vec::new(), not_undoable: Vec::new() };
    let mut reads = Reads::new();
    let mut undone: BTreeSet<(&str, &str, &str)> = BTreeSet::new();
    for (index, applied_change) in applied.iter().enumerate() {
        let refuse = |reason: String| NotUndoable { index, reason };
        match &applied_change.change {
            PendingChange::Update { table, id, column, old, .. } => {
                // A new record's edits went into its create, undone by deleting it; a column changed twice
                // goes back to the value before the first change.
                if created.contains(&(table.as_str(), id.as_str()))
                    || !undone.insert((table.as_str(), id.as_str(), column.as_str()))
                {
                    continue;
                }
                let schema = cache.schema(table).await?;
                let row = match read_now(
                    cache,
                    &mut reads,
                    &schema,
                    id,
                    "The record was deleted since the commit.",
                )
                .await
                {
                    Ok(row) => row,
                    Err(reason) => {
                        out.not_undoable.push(refuse(reason));
                        continue;
                    }
                };
                let info = schema.column(column);
                let back = match typed(cache, &tables, info, old.as_deref()).await {
                    Ok(value) => value,
                    Err(reason) => {
                        out.not_undoable.push(refuse(reason));
                        continue;
                    }
                };
                let read = info.map_or_else(|| column.clone(), ColumnInfo::read_name);
                let now = row.get(&read).map_or(Value::Null, |c| c.value.clone());
                if let Some(committed) = last_committed(applied, table, id, column)
                    && !same_value(&now, committed)
                {
                    let shown = row.display(&read);
                    out.notes.push(InverseNote {
                        change: out.changes.len(),
                        applied: index,
                        note: format!(
                            "Changed by someone else since the commit: {column} holds '{shown}' now, not what was \
                             committed. Undoing sets it back over their change."
                        ),
                    });
                }
                out.changes.push(PendingChange::Update {
                    table: table.clone(),
                    id: id.clone(),
                    etag: row.etag.clone(),
                    column: column.clone(),
                    old: (!now.is_null()).then(|| row.raw_text(&read)),
                    new: back,
                });
            }
            PendingChange::Create { table, .. } => {
                let Some(id) = &applied_change.id else {
                    out.not_undoable.push(refuse(
                        "The new record's id is not known, so it cannot be found to delete.".into(),
                    ));
                    continue;
                };
                let schema = cache.schema(table).await?;
                let row =
                    match read_now(cache, &mut reads, &schema, id, "The record was already deleted.").await {
                        Ok(row) => row,
                        Err(reason) => {
                            out.not_undoable.push(refuse(reason));
                            continue;
                        }
                    };
                // Dataverse sets `modifiedon` to `createdon` when it creates a record: a later time is a
                // change since.
                let (created_on, modified_on) = (row.raw_text("createdon"), row.raw_text("modifiedon"));
                if !created_on.is_empty() && !modified_on.is_empty() && created_on != modified_on {
                    out.notes.push(InverseNote {
                        change: out.changes.len(),
                        applied: index,
                        note: format!(
                            "Changed since it was created (modified {modified_on}): deleting it loses those changes too."
                        ),
                    });
                }
                let name = schema.table.primary_name.as_deref().map(|n| row.display(n)).unwrap_or_default();
                out.changes.push(PendingChange::Delete {
                    table: table.clone(),
                    id: id.clone(),
                    etag: row.etag.clone(),
                    name,
                });
            }
            PendingChange::Delete { .. } => out.not_undoable.push(refuse(DELETE_REASON.to_owned())),
        }
    }
    Ok(out)
}

/// The value the commit left in `column` of the record: its last update of it.
fn last_committed<'a>(
    applied: &'a [AppliedChange],
    table: &str,
    id: &str,
    column: &str,
) -> Option<&'a Value> {
    applied.iter().rev().find_map(|a| match &a.change {
        PendingChange::Update { table: t, id: i, column: c, new, .. }
            if t == table && i == id && c == column =>
        {
            Some(new)
        }
        _ => None,
    })
}

/// A value read as the grid keeps it (raw text, none when empty) as the editors give it: an option's
/// number, yes/no as a boolean, a lookup as `<set>(<id>)`, numbers as exact text, anything else as text.
async fn typed(
    cache: &MetadataCache,
    tables: &[TableInfo],
    column: Option<&ColumnInfo>,
    old: Option<&str>,
) -> std::result::Result<Value, String> {
    let (Some(column), Some(old)) = (column, old) else {
        return Ok(old.map_or(Value::Null, |o| Value::String(o.to_owned())));
    };
    match column.attribute_type.as_str() {
        "Picklist" | "State" | "Status" => {
            Ok(old.trim().parse::<i64>().map_or_else(|_| Value::String(old.to_owned()), Value::from))
        }
        "Boolean" => match old.trim() {
            "true" | "1" => Ok(Value::Bool(true)),
            "false" | "0" => Ok(Value::Bool(false)),
            other => Err(format!("'{other}' is not a yes/no value for {}.", column.logical_name)),
        },
        _ if column.is_lookup() => lookup(cache, tables, column, old).await,
        _ => Ok(Value::String(old.to_owned())),
    }
}

/// The reference for a lookup's old id: its one target, or (for a customer, owner or regarding) the target
/// table that has a record with that id (one GET per table tried).
async fn lookup(
    cache: &MetadataCache,
    tables: &[TableInfo],
    column: &ColumnInfo,
    old: &str,
) -> std::result::Result<Value, String> {
    let id: uuid::Uuid = old.trim().parse().map_err(|_| format!("'{old}' is not a record's id."))?;
    let targets: Vec<&TableInfo> =
        column.targets.iter().filter_map(|t| tables.iter().find(|info| &info.logical_name == t)).collect();
    if let [only] = targets.as_slice() {
        return Ok(Value::String(format!("{}({id})", only.entity_set)));
    }
    for target in targets {
        let path = format!("{}({id})?$select={}", target.entity_set, target.primary_id);
        if let Ok(Some(_)) = retrieve(cache.client(), &path, None, false).await {
            return Ok(Value::String(format!("{}({id})", target.entity_set)));
        }
    }
    Err(format!("The record {} pointed to ({id}) is not found in any of its tables.", column.logical_name))
}
