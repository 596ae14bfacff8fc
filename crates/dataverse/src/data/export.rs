//! Exports of a table (or a query) to CSV or JSON Lines, streamed page by page so memory stays flat
//! whatever the size, written to a temporary file that replaces the target only when complete. With change
//! tracking, the delta link is kept beside the file (`<file>.d365-changes.json`) and [`refresh`] applies
//! what changed since: changed and new rows replace theirs, deleted rows leave the file.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::{Stream, TryStreamExt};
use serde::{Deserialize, Serialize};

use super::metadata::TableSchema;
use super::partition;
use super::query::Query;
use super::read::{self, Page, ReadOptions};
use super::rows::Row;
use crate::client::Client;
use crate::error::{DataverseError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// A header, then one line per row: raw values, and `<column>@formatted` for labels, names and money.
    Csv,
    /// One JSON object per row: raw values with their `@formatted` and `@table` annotations.
    JsonLines,
    /// An Excel workbook, the CSV's columns on one sheet (see [`super::xlsx`]). Written whole: it cannot be
    /// refreshed with changes.
    Xlsx,
}

/// Called with the number of rows written so far, after each page.
pub type Progress = Arc<dyn Fn(u64) + Send + Sync>;

#[derive(Clone)]
pub struct ExportOptions {
    pub format: Format,
    pub page_size: u32,
    /// Parts read at once; above 1 a partitioned read (which cannot track changes).
    pub parallel: usize,
    /// Keep a delta link beside the file for [`refresh`].
    pub track_changes: bool,
    /// Who may refresh the export: the connection it was made with.
    pub source: String,
    pub progress: Option<Progress>,
    /// CSV for spreadsheets: a text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
    /// gets a leading `'`, so that Excel or LibreOffice shows it instead of running it as a formula (OWASP's
    /// "CSV injection"). Numbers are left as they are.
    pub excel_safe: bool,
    /// Set to stop the export after the page being written; the target is left as it was.
    pub cancel: Option<Arc<std::sync::atomic::AtomicBool>>,
}

/// A text cell as a spreadsheet will show it rather than run it (see [`ExportOptions::excel_safe`]).
pub fn neutralised(text: String) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ExportReport {
    /// Rows in the file now.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub rows: u64,
    /// Rows written by this run (all of them for an export; the changed ones for a refresh).
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub changed: u64,
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub deleted: u64,
    /// Whether the file can be refreshed with its changes.
    pub tracking: bool,
}

const STATE_FORMAT: &str = "d365desk.export-changes";

/// What a refresh needs, beside the export.
#[derive(Debug, Serialize, Deserialize)]
struct State {
    format: String,
    version: u32,
    source: String,
    table: String,
    file_format: Format,
    /// The columns of the file (the header of a CSV).
    columns: Vec<String>,
    /// Relative to the Web API: a sandbox's port changes, an environment's URL may be renamed.
    delta_link: String,
    rows: u64,
    /// Written Excel-safe, so the changes are too.
    #[serde(default)]
    excel_safe: bool,
}

pub fn state_file(file: &Path) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(".d365-changes.json");
    file.with_file_name(name)
}

fn io_error(file: &Path, err: impl std::fmt::Display) -> DataverseError {
    DataverseError::new("export.io", format!("Could not write {}: {err}", file.display()), None)
}

fn temp_of(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{suffix}.tmp"));
    file.with_file_name(name)
}

/// The file's columns: the primary id first, then each selected column's read name, then the
/// `@formatted` companions of those the environment displays differently.
fn columns(schema: &TableSchema, query: &Query) -> Vec<String> {
    let primary = &schema.table.primary_id;
    let selected: Vec<&super::metadata::ColumnInfo> = if query.select.is_empty() {
        schema.columns.iter().filter(|c| c.valid_for_read && !c.is_primary_id).collect()
    } else {
        query
            .select
            .iter()
            .filter_map(|name| {
                let bare = name.strip_prefix('_').and_then(|n| n.strip_suffix("_value")).unwrap_or(name);
                schema.column(&bare.to_lowercase())
            })
            .filter(|c| c.logical_name != *primary)
            .collect()
    };
    let mut columns = vec![primary.clone()];
    columns.extend(selected.iter().map(|c| c.read_name()));
    for column in &selected {
        let formatted = column.is_lookup()
            || !column.options.is_empty()
            || matches!(
                column.attribute_type.as_str(),
                "Picklist" | "State" | "Status" | "Boolean" | "Money"
            );
        if formatted {
            columns.push(format!("{}@formatted", column.read_name()));
        }
    }
    columns
}

/// Writes rows in the file's format, through one buffered writer for the whole file.
struct RowWriter {
    columns: Vec<String>,
    sink: Sink,
    excel_safe: bool,
}

enum Sink {
    Csv(Box<csv::Writer<File>>),
    JsonLines(BufWriter<File>),
    Xlsx(Box<super::xlsx::Sheet>),
}

impl RowWriter {
    fn create(
        file: &Path,
        format: Format,
        columns: Vec<String>,
        header: bool,
        excel_safe: bool,
    ) -> Result<Self> {
        let sink = match format {
            Format::Xlsx => Sink::Xlsx(Box::new(
                super::xlsx::Sheet::create(file, &columns).map_err(|e| io_error(file, e))?,
            )),
            Format::Csv | Format::JsonLines => {
                let out = File::create(file).map_err(|e| io_error(file, e))?;
                match format {
                    Format::Csv => Sink::Csv(Box::new(csv::Writer::from_writer(out))),
                    _ => Sink::JsonLines(BufWriter::new(out)),
                }
            }
        };
        let mut writer = Self { columns, sink, excel_safe };
        if let (true, Sink::Csv(csv)) = (header, &mut writer.sink) {
            csv.write_record(&writer.columns).map_err(|e| io_error(file, e))?;
        }
        Ok(writer)
    }

    fn row(&mut self, row: &Row) -> std::io::Result<()> {
        match &mut self.sink {
            Sink::JsonLines(out) => {
                let mut object = row.to_flat_json();
                if let Some(map) = object.as_object_mut() {
                    map.retain(|key, _| {
                        let column = key.split('@').next().unwrap_or(key);
                        self.columns.iter().any(|c| c == column)
                    });
                }
                writeln!(out, "{object}")
            }
            Sink::Xlsx(sheet) => sheet.row(&self.columns, row),
            Sink::Csv(csv) => {
                let excel_safe = self.excel_safe;
                let cells = self.columns.iter().map(|c| {
                    let (text, is_number) = match c.strip_suffix("@formatted") {
                        Some(base) => {
                            (row.get(base).and_then(|cell| cell.formatted.clone()).unwrap_or_default(), false)
                        }
                        None => (row.raw_text(c), row.get(c).is_some_and(|cell| cell.value.is_number())),
                    };
                    if excel_safe && !is_number { neutralised(text) } else { text }
                });
                csv.write_record(cells).map_err(std::io::Error::other)
            }
        }
    }

    fn finish(self) -> std::io::Result<()> {
        let file = match self.sink {
            Sink::Csv(csv) => csv.into_inner().map_err(|e| e.into_error())?,
            Sink::JsonLines(out) => out.into_inner().map_err(|e| e.into_error())?,
            Sink::Xlsx(sheet) => sheet.finish()?,
        };
        file.sync_all()
    }
}

/// Exports what `query` reads to `file` (replaced only once the export is complete).
pub async fn export(
    client: Arc<Client>,
    schema: &TableSchema,
    query: &Query,
    file: &Path,
    options: &ExportOptions,
) -> Result<ExportReport> {
    if options.track_changes {
        let refusal = if options.format == Format::Xlsx {
            Some("An Excel file is written whole: export it again rather than refresh it.".to_owned())
        } else if !schema.table.change_tracking {
            Some(format!("Change tracking is not enabled on {}.", schema.table.logical_name))
        } else if query.filter.is_some() || query.top.is_some() || !query.order_by.is_empty() {
            Some("Dataverse tracks changes of whole tables only: no filter, order or top.".to_owned())
        } else if options.parallel > 1 {
            Some("A partitioned (parallel) read gives no delta link.".to_owned())
        } else {
            None
        };
        if let Some(message) = refusal {
            return Err(DataverseError::new("export.no_change_tracking", message, Some("Export without change tracking, or enable it on the table (Power Apps → Tables → the table → Properties → Advanced options → Track changes).".to_owned())));
        }
    }
    let columns = columns(schema, query);
    let mut query = query.clone();
    query.select = columns.iter().filter(|c| !c.contains('@')).cloned().collect();
    let read_options =
        ReadOptions { page_size: options.page_size, annotations: true, track_changes: options.track_changes };
    let temp = temp_of(file, "export");
    let mut writer = RowWriter::create(&temp, options.format, columns.clone(), true, options.excel_safe)?;
    let written = if options.parallel > 1 {
        let parts =
            partition::split(&client, schema, &query, partition::part_count(options.parallel)).await?;
        let pages = partition::pages(client.clone(), schema, &parts, read_options, options.parallel)?;
        write_pages(pages, &mut writer, None, options, &temp).await
    } else {
        let pages = read::pages(client.clone(), query.to_path(schema)?, read_options);
        write_pages(pages, &mut writer, None, options, &temp).await
    };
    let (rows, delta_link) = match written {
        Ok(done) => done,
        Err(error) => {
            drop(writer);
            let _ = std::fs::remove_file(&temp);
            return Err(error);
        }
    };
    let cancelled = options.cancel.as_ref().is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed));
    let finished = if cancelled {
        Err(cancelled_error())
    } else {
        writer
            .finish()
            .map_err(|e| io_error(file, e))
            .and_then(|()| std::fs::rename(&temp, file).map_err(|e| io_error(file, e)))
    };
    if let Err(error) = finished {
        // Nothing of a failed export stays beside the user's file.
        let _ = std::fs::remove_file(&temp);
        return Err(error);
    }
    let state = state_file(file);
    let tracking = match (options.track_changes, delta_link) {
        (true, Some(link)) => {
            let state_doc = State {
                format: STATE_FORMAT.into(),
                version: 1,
                source: options.source.clone(),
                table: schema.table.logical_name.clone(),
                file_format: options.format,
                columns,
                delta_link: relative(&client, &link),
                rows,
                excel_safe: options.excel_safe,
            };
            save_state(&state, &state_doc)?;
            true
        }
        _ => {
            // An older delta link would describe another file now.
            let _ = std::fs::remove_file(&state);
            false
        }
    };
    Ok(ExportReport { rows, changed: rows, deleted: 0, tracking })
}

/// The rows a refresh replaces: those written again (changed or new) and those deleted.
#[derive(Default)]
struct Delta {
    written: HashSet<String>,
    deleted: HashSet<String>,
}

/// Writes every page; the rows written and the last page's delta link. With `delta` (a refresh), the ids
/// written and deleted are collected too.
async fn write_pages(
    pages: impl Stream<Item = Result<Page>>,
    writer: &mut RowWriter,
    mut delta: Option<&mut Delta>,
    options: &ExportOptions,
    target: &Path,
) -> Result<(u64, Option<String>)> {
    let mut pages = std::pin::pin!(pages);
    let mut rows = 0u64;
    let mut delta_link = None;
    while let Some(page) = pages.try_next().await? {
        if options.cancel.as_ref().is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed)) {
            return Err(cancelled_error());
        }
        for row in &page.rows {
            writer.row(row).map_err(|e| io_error(target, e))?;
        }
        if let Some(delta) = delta.as_deref_mut() {
            // The first column is always the primary id.
            delta.written.extend(page.rows.iter().map(|r| r.raw_text(&writer.columns[0])));
            delta.deleted.extend(page.deleted.iter().map(|d| d.id.clone()));
        }
        rows += page.rows.len() as u64;
        delta_link = page.delta_link.or(delta_link);
        if let Some(progress) = &options.progress {
            progress(rows);
        }
    }
    Ok((rows, delta_link))
}

fn cancelled_error() -> DataverseError {
    DataverseError::new("export.cancelled", "The export was cancelled; the file was left as it was.", None)
}

fn relative(client: &Client, link: &str) -> String {
    let base = client.instance().web_api();
    link.strip_prefix(&base).map(str::to_owned).unwrap_or_else(|| {
        link.split_once("/api/data/v9.2/").map_or_else(|| link.to_owned(), |(_, rest)| rest.to_owned())
    })
}

fn save_state(path: &Path, state: &State) -> Result<()> {
    let text = serde_json::to_vec_pretty(state).map_err(|e| io_error(path, e))?;
    d365_common::files::write_private(path, &text).map_err(|e| io_error(path, e))
}

fn no_state(file: &Path, why: String) -> DataverseError {
    DataverseError::new(
        "export.no_changes_to_apply",
        format!("{} cannot be refreshed: {why}", file.display()),
        Some("Export it again with change tracking first.".to_owned()),
    )
}

/// Applies what changed since the export (or the last refresh) to `file`: changed and new rows replace
/// theirs (at the end of the file), deleted ones are removed. The file is replaced only when complete.
pub async fn refresh(
    client: Arc<Client>,
    schema: &TableSchema,
    file: &Path,
    options: &ExportOptions,
) -> Result<ExportReport> {
    let state_path = state_file(file);
    let text = std::fs::read(&state_path)
        .map_err(|_| no_state(file, "it was not exported with change tracking".into()))?;
    let state: State = serde_json::from_slice(&text)
        .map_err(|e| no_state(file, format!("its change state is unreadable ({e})")))?;
    if state.format != STATE_FORMAT || state.version != 1 {
        return Err(no_state(file, "its change state is of another version".into()));
    }
    if state.source != options.source || state.table != schema.table.logical_name {
        return Err(no_state(file, format!("it was exported from {} with another connection", state.table)));
    }
    // The changes first, into a side file, remembering which rows they replace.
    let changes_path = temp_of(file, "changes");
    let mut changes =
        RowWriter::create(&changes_path, state.file_format, state.columns.clone(), false, state.excel_safe)?;
    let mut delta = Delta::default();
    let read_options = ReadOptions { page_size: options.page_size, annotations: true, track_changes: true };
    let pages = read::pages(client.clone(), state.delta_link.clone(), read_options);
    let quiet = ExportOptions { progress: None, ..options.clone() };
    let written = write_pages(pages, &mut changes, Some(&mut delta), &quiet, &changes_path).await;
    let cleanup = |paths: &[&Path]| paths.iter().for_each(|p| drop(std::fs::remove_file(p)));
    let (changed, delta_link) = match written {
        Ok(done) => done,
        Err(error) => {
            drop(changes);
            cleanup(&[changes_path.as_path()]);
            return Err(error);
        }
    };
    changes.finish().map_err(|e| io_error(file, e))?;
    // Then the file again: its rows the delta leaves alone, and the changes after them.
    let merged = temp_of(file, "export");
    let mut out = BufWriter::new(File::create(&merged).map_err(|e| io_error(&merged, e))?);
    let mut rows = 0u64;
    let mut removed = 0u64;
    let kept = for_each_row(file, state.file_format, &schema.table.primary_id, |id, line| {
        if delta.written.contains(id) || delta.deleted.contains(id) {
            removed += u64::from(delta.deleted.contains(id));
            return Ok(());
        }
        rows += u64::from(!id.is_empty()); // not the CSV header
        out.write_all(line.as_bytes())
    });
    let appended = kept.and_then(|()| {
        let mut changes_file = File::open(&changes_path).map_err(|e| io_error(&changes_path, e))?;
        std::io::copy(&mut changes_file, &mut out).map_err(|e| io_error(&merged, e))?;
        out.flush().map_err(|e| io_error(&merged, e))
    });
    if let Err(error) = appended {
        cleanup(&[changes_path.as_path(), merged.as_path()]);
        return Err(error);
    }
    drop(out);
    std::fs::rename(&merged, file).map_err(|e| io_error(file, e))?;
    cleanup(&[changes_path.as_path()]);
    let rows = rows + changed;
    let link = delta_link.map(|l| relative(&client, &l)).unwrap_or(state.delta_link);
    save_state(&state_path, &State { delta_link: link, rows, ..state })?;
    if let Some(progress) = &options.progress {
        progress(rows);
    }
    Ok(ExportReport { rows, changed, deleted: removed, tracking: true })
}

/// Calls `each` with every row's id and its text (a CSV record or JSON line, with its line end); a CSV
/// header is passed through with an empty id.
fn for_each_row(
    file: &Path,
    format: Format,
    primary_id: &str,
    mut each: impl FnMut(&str, &str) -> std::io::Result<()>,
) -> Result<()> {
    let unreadable = |e: &dyn std::fmt::Display| {
        DataverseError::new("export.io", format!("Could not read {}: {e}", file.display()), None)
    };
    if format == Format::Xlsx {
        return Err(DataverseError::new(
            "export.no_changes_to_apply",
            "An Excel export cannot be refreshed with changes.",
            Some("Export it again.".to_owned()),
        ));
    }
    let input = BufReader::new(File::open(file).map_err(|e| unreadable(&e))?);
    match format {
        Format::Xlsx => {}
        Format::JsonLines => {
            for line in input.lines() {
                let line = line.map_err(|e| unreadable(&e))?;
                if line.trim().is_empty() {
                    continue;
                }
                let value: serde_json::Value = serde_json::from_str(&line).map_err(|e| unreadable(&e))?;
                let id = value[primary_id].as_str().unwrap_or_default();
                each(id, &format!("{line}\n")).map_err(|e| io_error(file, e))?;
            }
        }
        Format::Csv => {
            let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(input);
            let mut first = true;
            for record in reader.records() {
                let record = record.map_err(|e| unreadable(&e))?;
                let mut line = csv::WriterBuilder::new().from_writer(Vec::new());
                line.write_record(&record).map_err(|e| unreadable(&e))?;
                let text =
                    String::from_utf8_lossy(&line.into_inner().map_err(|e| unreadable(&e))?).into_owned();
                let id = if first { "" } else { record.get(0).unwrap_or_default() };
                first = false;
                each(id, &text).map_err(|e| io_error(file, e))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::neutralised;

    #[test]
    fn formula_starts_are_shown_as_text() {
        for formula in ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralised(formula.to_owned()), format!("'{formula}"));
        }
        for plain in ["Contoso", "", "1-2", " =not first"] {
            assert_eq!(neutralised(plain.to_owned()), plain);
        }
    }
}
