//! `d365 create|update|upsert|delete`: record changes, checked against metadata first; an update is based on
//! the ETag read (or given), and a conflict shows what differs.

use d365_dataverse::DataverseError;
use d365_dataverse::data::keys;
use d365_dataverse::data::metadata::{TableInfo, TableSchema};
use d365_dataverse::data::read;
use d365_dataverse::data::rows::Row;
use d365_dataverse::data::values::Changes;
use d365_dataverse::data::write::{self, Concurrency, Conflict, UpdateOutcome, UpsertMode, Written};
use d365_vault::Vault;
use serde_json::{Value, json};

use super::{open, print};
use crate::output::{Done, Failure};

/// Which record: connection, table, and id or alternate key.
pub struct Target {
    pub name: String,
    pub table: String,
    pub key: String,
}

/// The target, opened: its connection, the table's schema, every table (for lookups), the record's path.
struct Opened {
    connection: super::Opened,
    schema: TableSchema,
    tables: Vec<TableInfo>,
    path: String,
}

async fn open_target(vault: &Vault, target: &Target) -> Result<Opened, Failure> {
    let connection = open(vault, &target.name).await?;
    let schema = connection.cache.schema(&target.table).await?;
    let tables = connection.cache.tables().await?;
    let path = keys::record_path(&schema, &target.key)?;
    Ok(Opened { connection, schema, tables, path })
}

/// The JSON object of `--data` (`-` or absent: stdin).
fn changes(data: Option<String>) -> Result<Changes, Failure> {
    let text = match data.as_deref() {
        None | Some("-") => crate::connection::read_stdin()?,
        Some(text) => text.to_owned(),
    };
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(changes)) => Ok(changes),
        Ok(other) => Err(invalid_json(format!("The values must be a JSON object of columns, not {other}."))),
        Err(e) => Err(invalid_json(format!("The values are not JSON: {e}"))),
    }
}

fn invalid_json(message: String) -> Failure {
    DataverseError::new(
        "input.invalid_json",
        message,
        Some(r#"Write e.g. {"name": "Contoso", "revenue": 1000}."#.to_owned()),
    )
    .into()
}

fn done(verb: &str, table: &str, written: &Written) -> Done {
    let row = written.row.as_ref();
    Done::Value {
        json: json!({ "id": written.id, "etag": row.and_then(|r| r.etag.clone()), "record": row.map(Row::to_flat_json) }),
        human: match row {
            Some(row) => format!("{verb} {table} {}\n{}", written.id, print::record(row)),
            None => format!("{verb} {table} {}", written.id),
        },
    }
}

pub async fn create(vault: &Vault, name: &str, table: &str, data: Option<String>) -> Result<Done, Failure> {
    let changes = changes(data)?;
    let opened = open(vault, name).await?;
    let schema = opened.cache.schema(table).await?;
    let tables = opened.cache.tables().await?;
    let written = write::create(&opened.client, &schema, &tables, &changes).await?;
    Ok(done("Created", &schema.table.logical_name, &written))
}

pub async fn update(
    vault: &Vault,
    target: Target,
    data: Option<String>,
    if_match: Option<String>,
    force: bool,
) -> Result<Done, Failure> {
    let changes = changes(data)?;
    let Opened { connection, schema, tables, path } = open_target(vault, &target).await?;
    let client = &connection.client;
    // Based on the version given, or on the one read now (kept to tell what someone else changed).
    let (concurrency, base) = match (if_match, force) {
        (_, true) => (Concurrency::Overwrite, None),
        (Some(etag), _) => (Concurrency::IfMatch(etag), None),
        (None, false) => {
            let row = read::retrieve(client, &path, None, true)
                .await?
                .ok_or_else(|| Failure::other("api.error", "No record came back."))?;
            let etag = row.etag.clone().ok_or_else(|| {
                Failure::other("api.malformed_response", "The record came back without an ETag.")
            })?;
            (Concurrency::IfMatch(etag), Some(row))
        }
    };
    let outcome =
        write::update(client, &schema, &tables, &path, &changes, &concurrency, base.as_ref()).await?;
    match outcome {
        UpdateOutcome::Updated(written) => Ok(done("Updated", &schema.table.logical_name, &written)),
        UpdateOutcome::Conflict(conflict) => Err(conflict_failure(&conflict)),
    }
}

/// Exit 5 with the record as it is now, the change (to apply again) and a column-by-column comparison.
fn conflict_failure(conflict: &Conflict) -> Failure {
    let mut failure = Failure::other(
        "api.conflict",
        "The record was changed by someone else since it was read; nothing was written.",
    );
    failure.error.hint = Some(format!(
        "Look at the difference; to apply your change over theirs, run the update again with --if-match '{}' (or --force).",
        conflict.current.etag.as_deref().unwrap_or_default()
    ));
    let show = |value: &Option<Value>| match value {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Null) => "(empty)".to_owned(),
        Some(value) => value.to_string(),
        None => "-".to_owned(),
    };
    let mut lines = vec![format!("  {:<28} {:<24} {:<24} {}", "column", "you read", "now", "yours")];
    for d in &conflict.differences {
        let now = d.theirs_formatted.clone().unwrap_or_else(|| show(&Some(d.theirs.clone())));
        lines.push(format!("  {:<28} {:<24} {:<24} {}", d.column, show(&d.base), now, show(&d.yours)));
    }
    failure.details = Some(Box::new((
        json!({
            "current": conflict.current.to_flat_json(),
            "etag": conflict.current.etag,
            "attempted": conflict.attempted,
            "differences": conflict.differences,
        }),
        lines.join("\n"),
    )));
    failure
}

pub async fn upsert(
    vault: &Vault,
    target: Target,
    data: Option<String>,
    mode: UpsertMode,
) -> Result<Done, Failure> {
    let changes = changes(data)?;
    let Opened { connection, schema, tables, path } = open_target(vault, &target).await?;
    let key_columns = keys::key_columns(&target.key);
    let key_columns: Vec<&str> = key_columns.iter().map(String::as_str).collect();
    let written =
        write::upsert(&connection.client, &schema, &tables, &path, &key_columns, &changes, mode).await?;
    Ok(done("Upserted", &schema.table.logical_name, &written))
}

pub async fn delete(vault: &Vault, target: Target, if_match: Option<String>) -> Result<Done, Failure> {
    let Opened { connection, schema, path, .. } = open_target(vault, &target).await?;
    write::delete(&connection.client, &path, if_match.as_deref()).await?;
    Ok(Done::Value {
        json: json!({ "deleted": target.key, "table": schema.table.logical_name }),
        human: format!("Deleted {} {}.", schema.table.logical_name, target.key),
    })
}
