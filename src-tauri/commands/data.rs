//! Browsing an environment: its tables, and grids of a table's records whose rows stay in Rust (the
//! window asks for the rows it shows).

use tauri::State;

use d365_common::ErrorPayload;
use d365_connections::{ConsoleAnswer, ConsoleRequest, GridProgress, GridRequest, GridRow, RecordView};
use d365_dataverse::data::metadata::TableInfo;

use crate::connections::ConnectionsService;
use crate::data::{DataService, OpenedGrid};
use crate::sandbox::SandboxService;

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
