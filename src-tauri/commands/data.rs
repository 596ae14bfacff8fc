//! Browsing an environment: its tables, and grids of a table's records whose rows stay in Rust (the
//! window asks for the rows it shows).

use tauri::State;
use tauri::ipc::Channel;

use d365_common::ErrorPayload;
use d365_connections::{
    ConsoleAnswer, ConsoleRequest, GridProgress, GridRequest, GridRow, LookupCandidate, RecordView, TableView,
};
use d365_dataverse::data::export::{ExportReport, Format as ExportFormat};
use d365_dataverse::data::metadata::TableInfo;
use serde::Serialize;
use specta::Type;

use crate::connections::ConnectionsService;
use crate::data::{DataEvent, DataService, OpenedGrid};
use crate::sandbox::SandboxService;
use crate::save_dialog::SaveDialog;

/// Where an export was saved, and how many rows it holds.
#[derive(Debug, Clone, Serialize, Type)]
pub struct SavedExport {
    pub file: String,
    pub report: ExportReport,
}

/// The connection's tables, common ones first: from the metadata cache at once, or with `refresh` from
/// the environment.
#[tauri::command]
#[specta::specta]
pub async fn tables_list(
    data: State<'_, DataService>,
    connections: State<'_, ConnectionsService>,
    sandbox: State<'_, SandboxService>,
    connection: String,
    refresh: bool,
) -> Result<Vec<TableInfo>, ErrorPayload> {
    data.tables(&connections.vault, &sandbox, &connection, refresh).await
}

/// Opens a grid of the request's table: its columns, the count and the first rows.
#[tauri::command]
#[specta::specta]
pub async fn grid_open(
    data: State<'_, DataService>,
    connections: State<'_, ConnectionsService>,
    sandbox: State<'_, SandboxService>,
    connection: String,
    request: GridRequest,
) -> Result<OpenedGrid, ErrorPayload> {
    data.open_grid(&connections.vault, &sandbox, &connection, request).await
}

/// Rows `start..start + count` of those read so far (at most 1000 at once).
#[tauri::command]
#[specta::specta]
pub async fn grid_rows(
    data: State<'_, DataService>,
    grid: u32,
    start: u32,
    count: u32,
) -> Result<Vec<GridRow>, ErrorPayload> {
    data.rows(grid, start, count).await
}

/// Reads the grid's next page (5000 rows); the window calls it again for "load all", and stops to cancel.
#[tauri::command]
#[specta::specta]
pub async fn grid_load_more(data: State<'_, DataService>, grid: u32) -> Result<GridProgress, ErrorPayload> {
    data.load_more(grid).await
}

/// Forgets a grid's rows (the window closed it or opened another).
#[tauri::command]
#[specta::specta]
pub async fn grid_close(data: State<'_, DataService>, grid: u32) -> Result<(), ErrorPayload> {
    data.close(grid);
    Ok(())
}

/// One record, whole, for the record view (`shown`: the grid's columns, listed first).
#[tauri::command]
#[specta::specta]
pub async fn record_get(
    data: State<'_, DataService>,
    connections: State<'_, ConnectionsService>,
    sandbox: State<'_, SandboxService>,
    connection: String,
    table: String,
    id: String,
    shown: Vec<String>,
) -> Result<RecordView, ErrorPayload> {
    data.record(&connections.vault, &sandbox, &connection, &table, &id, &shown).await
}

/// Records of `table` whose primary name contains `text` (the first 25, A–Z): a lookup's picker.
#[tauri::command]
#[specta::specta]
pub async fn lookup_search(
    data: State<'_, DataService>,
    connections: State<'_, ConnectionsService>,
    sandbox: State<'_, SandboxService>,
    connection: String,
    table: String,
    text: String,
) -> Result<Vec<LookupCandidate>, ErrorPayload> {
    data.lookup_search(&connections.vault, &sandbox, &connection, &table, &text).await
}

/// Opens the record (or without `id` the table's list) in Dynamics 365, in the system browser.
#[tauri::command]
#[specta::specta]
pub async fn open_in_app(
    data: State<'_, DataService>,
    connections: State<'_, ConnectionsService>,
    sandbox: State<'_, SandboxService>,
    connection: String,
    table: String,
    id: Option<String>,
) -> Result<String, ErrorPayload> {
    let link = data.app_link(&connections.vault, &sandbox, &connection, &table, id.as_deref()).await?;
    d365_dataverse::signin::open_system_browser(&link).map_err(|e| {
        let hint = format!("Open this address yourself: {link}");
        d365_dataverse::DataverseError::new(
            "app.no_browser",
            format!("The system browser could not be opened: {e}."),
            Some(hint),
        )
    })?;
    Ok(link)
}

/// The Web API console: one request as typed, the answer as it came.
#[tauri::command]
#[specta::specta]
pub async fn console_send(
    data: State<'_, DataService>,
    connections: State<'_, ConnectionsService>,
    sandbox: State<'_, SandboxService>,
    connection: String,
    request: ConsoleRequest,
) -> Result<ConsoleAnswer, ErrorPayload> {
    data.console(&connections.vault, &sandbox, &connection, &request).await
}

/// Exports what the grid shows (columns, filter, sort; every row) to a file the person picks in the
/// system's Save dialog; the rows written so far on `progress`. `None` when the dialog was closed.
#[tauri::command]
#[specta::specta]
pub async fn grid_export(
    data: State<'_, DataService>,
    dialog: State<'_, SaveDialog>,
    grid: u32,
    name: String,
    format: ExportFormat,
    progress: Channel<u32>,
) -> Result<Option<SavedExport>, ErrorPayload> {
    let (filter, extension) = match format {
        ExportFormat::Csv => ("CSV", "csv"),
        ExportFormat::JsonLines => ("JSON Lines", "jsonl"),
        ExportFormat::Xlsx => ("Excel workbook", "xlsx"),
    };
    let Some(file) = dialog.ask(&format!("{name}.{extension}"), filter, &[extension]).await else {
        return Ok(None);
    };
    let report = data
        .export(grid, &file, format, move |rows| {
            let _ = progress.send(u32::try_from(rows).unwrap_or(u32::MAX));
        })
        .await?;
    Ok(Some(SavedExport { file: file.display().to_string(), report }))
}

/// Stops the export under way; whether there was one.
#[tauri::command]
#[specta::specta]
pub async fn grid_export_cancel(data: State<'_, DataService>) -> Result<bool, ErrorPayload> {
    Ok(data.cancel_export())
}

/// Reports on `events` what the connections' clients do while they work: a wait Dataverse asked for
/// (throttling, with its length), a retry after a failure. The window shows it in its status bar.
#[tauri::command]
#[specta::specta]
pub async fn data_watch(
    data: State<'_, DataService>,
    events: Channel<DataEvent>,
) -> Result<(), ErrorPayload> {
    data.watch(events);
    Ok(())
}

/// The table's views (system, then the person's own), the default first, each with its columns.
#[tauri::command]
#[specta::specta]
pub async fn views_list(
    data: State<'_, DataService>,
    connections: State<'_, ConnectionsService>,
    sandbox: State<'_, SandboxService>,
    connection: String,
    table: String,
) -> Result<Vec<TableView>, ErrorPayload> {
    data.views(&connections.vault, &sandbox, &connection, &table).await
}
