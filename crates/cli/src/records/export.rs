//! `d365 export`: a table to CSV or JSON Lines, and `--changes` to bring such a file up to date.

use std::io::IsTerminal;
use std::sync::Arc;

use d365_dataverse::data::export::{self, ExportOptions, Format};
use d365_dataverse::data::query::{Filter, Query};
use d365_vault::Vault;
use serde_json::json;

use super::{open, split_list};
use crate::args::{ExportArgs, ExportFormat};
use crate::output::{Done, Failure};

pub async fn export(vault: &Vault, args: ExportArgs) -> Result<Done, Failure> {
    let opened = open(vault, &args.name).await?;
    let mut query = Query::new(&args.table);
    query.select = split_list(&args.select);
    query.filter = args.filter.clone().map(Filter::Raw);
    // Names are checked (and a stale cached schema refetched) before anything is read.
    let (schema, _) = opened.cache.check(&query).await?;
    let terminal = std::io::stderr().is_terminal();
    let progress: Option<export::Progress> =
        terminal.then(|| Arc::new(|rows: u64| eprint!("\r{rows} rows")) as export::Progress);
    let options = ExportOptions {
        format: match args.format {
            ExportFormat::Csv => Format::Csv,
            ExportFormat::Jsonl => Format::JsonLines,
            ExportFormat::Xlsx => Format::Xlsx,
        },
        page_size: args.page_size,
        parallel: args.parallel,
        track_changes: schema.table.change_tracking
            && query.filter.is_none()
            && args.parallel <= 1
            && args.format != ExportFormat::Xlsx,
        source: opened.profile.id.to_string(),
        progress,
        excel_safe: args.excel_safe,
        cancel: None,
    };
    let file = args.out.display().to_string();
    let report = if args.changes {
        export::refresh(opened.client.clone(), &schema, &args.out, &options).await
    } else {
        export::export(opened.client.clone(), &schema, &query, &args.out, &options).await
    };
    if terminal {
        eprintln!();
    }
    let report = report?;
    let table = &schema.table.logical_name;
    let human = if args.changes {
        format!(
            "Applied the changes to {file}: {} new or changed, {} deleted; {} rows now.",
            report.changed, report.deleted, report.rows
        )
    } else if report.tracking {
        format!(
            "Exported {} rows of {table} to {file}.\nTo bring it up to date later: d365 export '{}' {table} --format {} --out '{file}' --changes",
            report.rows,
            args.name,
            if options.format == Format::Csv { "csv" } else { "jsonl" }
        )
    } else {
        format!("Exported {} rows of {table} to {file}.", report.rows)
    };
    Ok(Done::Value { json: json!({ "file": file, "table": table, "report": report }), human })
}
