//! `d365 import`: many rows of one table from a JSON Lines or CSV file, created, updated or upserted with the
//! bulk operation messages (or `$batch`), every value checked against the table's metadata first. Every
//! failed row is reported with its line or row number.

use std::collections::BTreeMap;
use std::path::Path;

use d365_common::ErrorPayload;
use d365_dataverse::DataverseError;
use d365_dataverse::data::batch::ItemOutcome;
use d365_dataverse::data::bulk::{self, BulkMode, BulkOptions, BulkReport, Item, Via};
use d365_dataverse::data::keys;
use d365_dataverse::data::metadata::TableSchema;
use d365_dataverse::data::values::Changes;
use d365_vault::Vault;
use serde_json::{Map, Value, json};

use super::open;
use crate::args::{ImportArgs, ImportFormat, ImportMode, ImportVia};
use crate::output::{Done, Failure};

fn invalid_file(message: String) -> Failure {
    DataverseError::new("input.invalid_file", message, None).into()
}

/// The file's rows as JSON objects, each with the number the user knows it by (line, or CSV row after the
/// header).
fn rows(args: &ImportArgs, schema: &TableSchema) -> Result<Vec<(usize, Changes)>, Failure> {
    let format = match args.format {
        Some(format) => format,
        None => {
            match Path::new(&args.file).extension().and_then(|e| e.to_str()).map(str::to_lowercase).as_deref()
            {
                Some("csv") => ImportFormat::Csv,
                Some("jsonl" | "ndjson" | "json") => ImportFormat::Jsonl,
                _ => {
                    return Err(invalid_file(format!(
                        "Cannot tell the format of '{}': give --format csv or --format jsonl.",
                        args.file
                    )));
                }
            }
        }
    };
    let text = if args.file == "-" {
        crate::connection::read_stdin()?
    } else {
        std::fs::read_to_string(&args.file)
            .map_err(|e| Failure::other("cli.read_failed", format!("Could not read {}: {e}", args.file)))?
    };
    match format {
        ImportFormat::Jsonl => text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(n, line)| match serde_json::from_str::<Value>(line) {
                Ok(Value::Object(row)) => Ok((n + 1, row)),
                Ok(_) => {
                    Err(invalid_file(format!("Line {}: a row must be a JSON object of columns.", n + 1)))
                }
                Err(e) => Err(invalid_file(format!("Line {}: not JSON: {e}", n + 1))),
            })
            .collect(),
        ImportFormat::Csv => {
            let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
            let header: Vec<String> = reader
                .headers()
                .map_err(|e| invalid_file(format!("The CSV header cannot be read: {e}")))?
                .iter()
                .map(|h| h.trim().to_lowercase())
                .collect();
            let mut rows = Vec::new();
            for (n, record) in reader.records().enumerate() {
                let record = record.map_err(|e| invalid_file(format!("CSV row {}: {e}", n + 1)))?;
                let mut row = Map::new();
                for (name, cell) in header.iter().zip(record.iter()) {
                    // An empty cell leaves the column as it is (CSV cannot tell empty from absent).
                    if !cell.is_empty() {
                        row.insert(name.clone(), csv_value(schema, name, cell));
                    }
                }
                rows.push((n + 1, row));
            }
            Ok(rows)
        }
    }
}

/// A CSV cell as the column takes it: text, which the value checks read as numbers, option labels or
/// lookups; `true`/`false` for a yes/no column.
fn csv_value(schema: &TableSchema, name: &str, cell: &str) -> Value {
    let boolean = schema.column(name).is_some_and(|c| c.attribute_type == "Boolean");
    match cell.trim().to_lowercase().as_str() {
        "true" | "yes" | "1" if boolean => Value::Bool(true),
        "false" | "no" | "0" if boolean => Value::Bool(false),
        _ => Value::String(cell.to_owned()),
    }
}

/// The record a row names by `key` (its primary id column by default), and the row without the key.
fn item(
    schema: &TableSchema,
    key: &[String],
    mode: ImportMode,
    mut row: Changes,
) -> Result<Item, DataverseError> {
    if mode == ImportMode::Create {
        return Ok(Item { target: None, changes: row });
    }
    let mut pairs = Vec::new();
    for column in key {
        match row.remove(column) {
            Some(Value::Null) | None => {}
            Some(Value::String(text)) => pairs.push((column.clone(), text)),
            Some(other) => pairs.push((column.clone(), other.to_string())),
        }
    }
    let target = match pairs.as_slice() {
        [] if mode == ImportMode::Upsert => None,
        [] => {
            return Err(DataverseError::new(
                "input.invalid_key",
                format!("The row has no {} to say which record to update.", key.join(", ")),
                Some("Give the key's columns in every row, or name them with --key.".to_owned()),
            ));
        }
        [(column, id)] if *column == schema.table.primary_id => Some(keys::record_path(schema, id)?),
        pairs => Some(keys::key_path(schema, pairs)?),
    };
    Ok(Item { target, changes: row })
}

pub async fn import(vault: &Vault, args: ImportArgs) -> Result<Done, Failure> {
    let opened = open(vault, &args.name).await?;
    let schema = opened.cache.schema(&args.table).await?;
    let tables = opened.cache.tables().await?;
    let rows = rows(&args, &schema)?;
    let key: Vec<String> = match &args.key {
        Some(key) => key.split(',').map(|c| c.trim().to_lowercase()).filter(|c| !c.is_empty()).collect(),
        None => vec![schema.table.primary_id.clone()],
    };
    let table = schema.table.logical_name.clone();
    let mut numbers = Vec::with_capacity(rows.len());
    let mut items = Vec::with_capacity(rows.len());
    let mut refused: Vec<(usize, DataverseError)> = Vec::new();
    for (number, row) in rows {
        match item(&schema, &key, args.mode, row) {
            Ok(item) => items.push(item),
            Err(error) => refused.push((number, error)),
        }
        numbers.push(number);
    }
    let (mode, verb) = match args.mode {
        ImportMode::Create => (BulkMode::Create, "Created"),
        ImportMode::Update => (BulkMode::Update, "Updated"),
        ImportMode::Upsert => (BulkMode::Upsert, "Upserted"),
    };
    let via = match args.via {
        ImportVia::Auto => Via::Auto,
        ImportVia::Bulk => Via::Bulk,
        ImportVia::Batch => Via::Batch,
    };
    if !refused.is_empty() {
        let failures: Vec<(usize, ErrorPayload)> =
            refused.into_iter().map(|(n, e)| (n, ErrorPayload::from(e))).collect();
        return Err(failed(&table, numbers.len(), 0, &failures, None));
    }
    let options = BulkOptions { mode, via, chunk: args.chunk };
    let report = bulk::run(&opened.client, &schema, &tables, &items, &options).await?;
    let failures: Vec<(usize, ErrorPayload)> = report
        .outcomes
        .iter()
        .zip(&numbers)
        .filter_map(|(o, n)| match o {
            ItemOutcome::Failed { error } => Some((*n, ErrorPayload::from(error.clone()))),
            _ => None,
        })
        .collect();
    let applied = report.applied();
    if !failures.is_empty() {
        return Err(failed(&table, numbers.len(), applied, &failures, Some(&report)));
    }
    let ids: Vec<Option<String>> = report
        .outcomes
        .iter()
        .map(|o| match o {
            ItemOutcome::Applied { id, .. } => id.clone(),
            _ => None,
        })
        .collect();
    Ok(Done::Value {
        json: json!({
            "table": table, "mode": mode, "via": report.via, "fell_back": report.fell_back,
            "calls": report.calls, "applied": applied, "ids": ids,
        }),
        human: format!("{verb} {applied} {table} record(s) {}.", how_sent(&report)),
    })
}

fn how_sent(report: &BulkReport) -> String {
    let calls = if report.calls == 1 { "1 call".to_owned() } else { format!("{} calls", report.calls) };
    match (report.via, report.fell_back) {
        (Via::Batch, true) => {
            format!("by $batch ({calls}): the table does not support the bulk messages")
        }
        (Via::Batch, _) => format!("by $batch ({calls})"),
        _ => format!("with the bulk messages ({calls})"),
    }
}

/// The failure: the first row's error, every failed row (with its number) in the details, and how many rows
/// were applied before (earlier calls stay applied).
fn failed(
    table: &str,
    total: usize,
    applied: usize,
    failures: &[(usize, ErrorPayload)],
    report: Option<&BulkReport>,
) -> Failure {
    let (first_row, first) = &failures[0];
    let mut failure = Failure::from(first.clone());
    let rolled_back = total - applied - failures.len();
    failure.error.message = format!(
        "{} of {total} {table} row(s) refused (row {first_row}: {}); {applied} applied, {rolled_back} not applied.",
        failures.len(),
        first.message
    );
    // Rows that failed for the same reason (a whole call refused) are shown once, with their numbers.
    let mut by_message: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (n, error) in failures {
        by_message.entry(error.message.as_str()).or_default().push(*n);
    }
    let lines: Vec<String> =
        by_message.iter().map(|(message, rows)| format!("  row(s) {}: {message}", ranges(rows))).collect();
    failure.details = Some(Box::new((
        json!({
            "applied": applied,
            "not_applied": rolled_back,
            "via": report.map(|r| r.via),
            "fell_back": report.is_some_and(|r| r.fell_back),
            "failures": failures.iter().map(|(n, e)| json!({ "row": n, "error": e })).collect::<Vec<_>>(),
        }),
        lines.join("\n"),
    )));
    failure
}

/// `1, 2, 3, 7` → `1-3, 7`.
fn ranges(numbers: &[usize]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut start = 0;
    for i in 0..numbers.len() {
        if i + 1 == numbers.len() || numbers[i + 1] != numbers[i] + 1 {
            parts.push(if i == start {
                numbers[i].to_string()
            } else {
                format!("{}-{}", numbers[start], numbers[i])
            });
            start = i + 1;
        }
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn ranges_join_runs() {
        assert_eq!(super::ranges(&[1, 2, 3, 7, 9, 10]), "1-3, 7, 9-10");
        assert_eq!(super::ranges(&[4]), "4");
    }
}
