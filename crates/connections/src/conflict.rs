//! A commit's conflict, told in full: after a 412 (or a 404 for a record deleted meanwhile) one GET reads
//! the record as it is now, so the window can show, for each column the person changed, the value they read
//! (base), the server's now (theirs) and theirs to keep (mine), and which other columns someone changed
//! since the window read the row. Comparing goes through `write::differences`, as the CLI's update does.

use std::collections::BTreeMap;

use d365_common::ErrorPayload;
use d365_dataverse::data::cache::MetadataCache;
use d365_dataverse::data::metadata::TableSchema;
use d365_dataverse::data::query::encode;
use d365_dataverse::data::read::retrieve;
use d365_dataverse::data::rows::{Cell, Row};
use d365_dataverse::data::values::Changes;
use d365_dataverse::data::write::{differences, same_value};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::commit::CommitOutcome;

/// The columns Dataverse itself sets on every write.
const EVERY_WRITE: [&str; 4] = ["modifiedon", "modifiedby", "modifiedonbehalfby", "versionnumber"];

/// A row as the window read it: each column's raw value (as the grid keeps it, text is fine), by its
/// logical name or the Web API's (`_x_value` for a lookup).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RecordRead {
    pub table: String,
    pub id: String,
    #[cfg_attr(feature = "specta", specta(type = BTreeMap<String, d365_common::Json>))]
    pub values: BTreeMap<String, Value>,
}

/// One column a conflicting update sent.
pub(crate) struct Staged {
    pub column: String,
    pub mine: Value,
    /// The value read, as staged (raw text).
    pub old: Option<String>,
}

/// The Web API's name for `column` (a lookup's `_x_value`), whichever of the two the window gave.
fn read_name(schema: &TableSchema, column: &str) -> String {
    if column.starts_with('_') && column.ends_with("_value") {
        return column.to_owned();
    }
    schema.column(column).map_or_else(|| column.to_owned(), |c| c.read_name())
}

fn cell(value: Value) -> Cell {
    Cell { value, formatted: None, lookup_table: None, navigation: None }
}

/// The row as read: the window's read, with each changed column's staged `old` first (kept typed when the
/// read says the same).
fn base_row(schema: &TableSchema, staged: &[Staged], read: Option<&RecordRead>) -> Row {
    let mut cells: BTreeMap<String, Cell> = read
        .map(|r| r.values.iter().map(|(c, v)| (read_name(schema, c), cell(v.clone()))).collect())
        .unwrap_or_default();
    for change in staged {
        let Some(old) = &change.old else { continue };
        let name = read_name(schema, &change.column);
        let old = Value::String(old.clone());
        if !cells.get(&name).is_some_and(|read| same_value(&read.value, &old)) {
            cells.insert(name, cell(old));
        }
    }
    Row { etag: None, cells }
}

/// The conflict of the record `id` of `table`, read as it is now.
pub(crate) async fn details(
    cache: &MetadataCache,
    table: &str,
    id: &str,
    staged: &[Staged],
    read: Option<&RecordRead>,
) -> CommitOutcome {
    let unread = |error: ErrorPayload| CommitOutcome::Conflict {
        etag: None,
        deleted: false,
        columns: Vec::new(),
        others: Vec::new(),
        unread: Some(error),
    };
    let schema = match cache.schema(table).await {
        Ok(schema) => schema,
        Err(error) => return unread(error.into()),
    };
    let path = format!("{}({})", schema.table.entity_set, encode(id));
    let current = match retrieve(cache.client(), &path, None, true).await {
        Ok(Some(row)) => Some(row),
        Ok(None) => None,
        Err(error) if error.kind == "api.not_found" => None,
        Err(error) => return unread(error.into()),
    };
    let Some(current) = current else {
        return CommitOutcome::Conflict {
            etag: None,
            deleted: true,
            columns: Vec::new(),
            others: Vec::new(),
            unread: None,
        };
    };
    let changes: Changes = staged.iter().map(|s| (s.column.clone(), s.mine.clone())).collect();
    let base = base_row(&schema, staged, read);
    let (mut columns, mut others): (Vec<_>, Vec<_>) =
        differences(&schema, &changes, &current, Some(&base)).into_iter().partition(|d| d.yours.is_some());
    // Dataverse sets these on every write: that they changed is what a conflict is, not news.
    others.retain(|d| !EVERY_WRITE.contains(&d.column.as_str()));
    // A base nobody knows (no `old` staged, the row not given) is no base, rather than "it was empty".
    for difference in &mut columns {
        if !base.cells.contains_key(&read_name(&schema, &difference.column)) {
            difference.base = None;
        }
    }
    CommitOutcome::Conflict { etag: current.etag, deleted: false, columns, others, unread: None }
}
