//! `d365 tables|columns|query|get|api|import`: the records core, as commands.

pub mod edit;
mod export;
pub mod import;
mod print;

pub use export::export;

use std::io::{IsTerminal, Write};
use std::sync::Arc;

use d365_connections::DataSession;
use d365_dataverse::DataverseError;
use d365_dataverse::client::Request;
use d365_dataverse::data::query::{Filter, Query};
use d365_dataverse::data::read::{self, ReadOptions};
use d365_dataverse::retry::{ClientEvent, Repeatable, RetryReason};
use d365_sandbox::Sandbox;
use d365_vault::Vault;
use futures_util::TryStreamExt;
use serde_json::{Value, json};

use crate::args::{ApiMethod, QueryArgs};
use crate::output::{Done, Failure};

/// A connection opened for data, and the sandbox it runs on when it is the built-in one.
pub struct Opened {
    session: DataSession,
    _sandbox: Option<Sandbox>,
}

impl std::ops::Deref for Opened {
    type Target = DataSession;

    fn deref(&self) -> &DataSession {
        &self.session
    }
}

/// Retries and waits go to stderr, so that a long read shows why it pauses.
fn report(event: &ClientEvent) {
    let ClientEvent::Retrying { reason, attempt, wait_ms } = event;
    let why = match reason {
        RetryReason::Throttled => "throttled by Dataverse's service protection".to_owned(),
        RetryReason::Unavailable { status } => format!("the environment answered {status}"),
        RetryReason::Network => "the connection failed".to_owned(),
    };
    eprintln!("d365: {why}; retrying in {:.1} s (try {})", *wait_ms as f64 / 1000.0, attempt + 1);
}

pub async fn open(vault: &Vault, name: &str) -> Result<Opened, Failure> {
    let mut started = None;
    let session = d365_connections::open_data(vault, name, Some(Arc::new(report)), async || {
        let sandbox = crate::sandbox::start().await?;
        let endpoint = crate::sandbox::endpoint(&sandbox);
        started = Some(sandbox);
        Ok(endpoint)
    })
    .await?;
    Ok(Opened { session, _sandbox: started })
}

pub async fn tables(vault: &Vault, name: &str, refresh: bool) -> Result<Done, Failure> {
    let opened = open(vault, name).await?;
    let tables = if refresh { opened.cache.refresh_tables().await?.0 } else { opened.cache.tables().await? };
    let human = tables
        .iter()
        .map(|t| {
            let mut flags = Vec::new();
            if t.is_custom {
                flags.push("custom");
            }
            if t.change_tracking {
                flags.push("change tracking");
            }
            format!(
                "{:<32} {:<34} {}{}",
                t.logical_name,
                t.entity_set,
                t.display_name.as_deref().unwrap_or_default(),
                if flags.is_empty() { String::new() } else { format!("  ({})", flags.join(", ")) }
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    Ok(Done::Value { json: json!({ "tables": tables }), human })
}

pub async fn columns(vault: &Vault, name: &str, table: &str) -> Result<Done, Failure> {
    let opened = open(vault, name).await?;
    let schema = opened.cache.schema(table).await?;
    Ok(Done::Value {
        human: print::columns(&schema),
        json: json!({ "table": schema.table, "columns": schema.columns, "keys": schema.keys }),
    })
}

fn split_list(text: &Option<String>) -> Vec<String> {
    text.iter().flat_map(|t| t.split(',')).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect()
}

pub async fn query(vault: &Vault, args: QueryArgs) -> Result<Done, Failure> {
    let opened = open(vault, &args.name).await?;
    let mut query = Query::new(&args.table);
    query.select = split_list(&args.select);
    query.filter = args.filter.clone().map(Filter::Raw);
    query.order_by = split_list(&args.orderby)
        .into_iter()
        .map(|item| match item.rsplit_once(' ') {
            Some((column, dir)) if dir.eq_ignore_ascii_case("desc") => (column.trim().to_owned(), true),
            Some((column, dir)) if dir.eq_ignore_ascii_case("asc") => (column.trim().to_owned(), false),
            _ => (item, false),
        })
        .collect();
    query.top = args.top;
    query.count = args.count;
    let (schema, path) = opened.cache.check(&query).await?;
    let options = ReadOptions { page_size: args.page_size, ..Default::default() };
    let mut pages = Box::pin(read::pages(opened.client.clone(), path, options));
    let progress = std::io::stderr().is_terminal();
    let mut printer = print::RowPrinter::new(args.format, &schema, &query.select);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut total = 0usize;
    let mut more = false;
    while let Some(page) = pages.try_next().await? {
        if total == 0
            && let Some(count) = page.count
        {
            eprintln!(
                "{count} row(s) match{}",
                if count >= 5000 { " (at least: Dataverse counts to 5000)" } else { "" }
            );
        }
        total += page.rows.len();
        let written = printer.page(&mut out, &page.rows).and_then(|()| out.flush());
        match written {
            // The reader has all it wanted (`| head`): stop reading.
            Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => return Ok(Done::Streamed),
            other => other.map_err(write_failed)?,
        }
        if progress && args.all {
            eprint!("\r{total} rows read");
        }
        if !args.all {
            more = page.next_link.is_some();
            break;
        }
    }
    if progress && args.all {
        eprintln!();
    }
    if more {
        eprintln!("(more rows: --all reads them all)");
    }
    Ok(Done::Streamed)
}

fn write_failed(err: std::io::Error) -> Failure {
    Failure::other("cli.write_failed", format!("Could not write the output: {err}"))
}

pub async fn get(
    vault: &Vault,
    name: &str,
    table: &str,
    key: &str,
    select: Option<String>,
) -> Result<Done, Failure> {
    let opened = open(vault, name).await?;
    let mut query = Query::new(table);
    query.select = split_list(&select);
    let (_, path) = opened.cache.check_record(&query, key).await?;
    let row = read::retrieve(&opened.client, &path, None, true)
        .await?
        .ok_or_else(|| Failure::other("api.error", "No record came back."))?;
    Ok(Done::Value {
        human: print::record(&row),
        json: json!({ "etag": row.etag, "record": row.to_flat_json() }),
    })
}

pub async fn api(
    vault: &Vault,
    name: &str,
    method: ApiMethod,
    path: &str,
    data: Option<String>,
) -> Result<Done, Failure> {
    let opened = open(vault, name).await?;
    let body = match data.as_deref() {
        Some("-") => Some(crate::connection::read_stdin()?),
        Some(text) => Some(text.to_owned()),
        None => None,
    };
    let body = body.map(|text| serde_json::from_str::<Value>(&text)).transpose().map_err(|e| {
        Failure::from(DataverseError::new("input.invalid_json", format!("The body is not JSON: {e}"), None))
    })?;
    let path = path.trim_start_matches('/').trim_start_matches("api/data/v9.2/").to_owned();
    let request = match method {
        ApiMethod::Get => Request::get(path),
        ApiMethod::Post => Request::post(path, body.unwrap_or(Value::Null)),
        ApiMethod::Patch => Request::patch(path, body.unwrap_or(Value::Null), Repeatable::No),
        ApiMethod::Put => Request::put(path, body.unwrap_or(Value::Null)),
        ApiMethod::Delete => Request::delete(path),
    };
    let response = opened.client.send(&request).await?;
    let value = response
        .json()
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&response.body).into_owned()));
    let human = if value.is_null() {
        let id = response.header("odata-entityid").map(|id| format!("\n{id}")).unwrap_or_default();
        format!("{}{id}", response.status)
    } else {
        serde_json::to_string_pretty(&value).unwrap_or_default()
    };
    Ok(Done::Value {
        json: json!({ "status": response.status.as_u16(), "entity_id": response.header("odata-entityid"), "body": value }),
        human,
    })
}
