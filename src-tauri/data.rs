//! The data screens' state: a session per opened connection (its token and metadata cache reused between
//! screens) and the grids open in the window, each holding its rows here (see `d365_connections::Grid`).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use d365_common::ErrorPayload;
use d365_connections::{
    AppliedChange, BUILTIN_SANDBOX_ID, CommitMode, CommitPreview, CommitResult, ConsoleAnswer,
    ConsoleRequest, DataSession, Grid, GridProgress, GridRequest, GridRow, GridView, Inverse,
    LookupCandidate, PendingChange, RecordRead, RecordView, SandboxEndpoint, TableView, ValueCheck,
};
use d365_dataverse::DataverseError;
use d365_dataverse::client::EventSink;
use d365_dataverse::data::export::{ExportReport, Format as ExportFormat};
use d365_dataverse::data::metadata::TableInfo;
use d365_dataverse::retry::ClientEvent;
use d365_vault::{ConnectionKind, Vault};
use serde::Serialize;
use specta::Type;
use tauri::ipc::Channel;
use tokio::sync::Mutex;

use crate::sandbox::SandboxService;

/// A grid just opened: the id to ask for its rows by, and what it shows first.
#[derive(Debug, Clone, Serialize, Type)]
pub struct OpenedGrid {
    pub grid: u32,
    pub view: GridView,
}

/// What a connection's client reports while it works (a throttling wait, a retry), for the status bar.
#[derive(Debug, Clone, Serialize, Type)]
pub struct DataEvent {
    pub connection: String,
    pub event: ClientEvent,
}

/// A grid in the window: the connection it reads, and its rows.
type OpenGrid = (String, Arc<Mutex<Grid>>);

type Watcher = Arc<std::sync::Mutex<Option<Channel<DataEvent>>>>;

#[derive(Default)]
pub struct DataService {
    /// The window's channel for [`DataEvent`]s, once it watches.
    watcher: Watcher,
    sessions: Mutex<HashMap<String, Arc<DataSession>>>,
    /// Each open grid with the connection it reads.
    grids: std::sync::Mutex<HashMap<u32, OpenGrid>>,
    next_grid: AtomicU32,
    /// The flag that stops the export under way (one at a time: the window shows one).
    export_cancel: std::sync::Mutex<Option<Arc<AtomicBool>>>,
}

fn no_grid() -> ErrorPayload {
    DataverseError::new(
        "app.grid_closed",
        "These rows are no longer open.",
        Some("Open the table again.".to_owned()),
    )
    .into()
}

impl DataService {
    /// The connection's session, opened once and kept until the connection changes (see [`Self::forget`]).
    async fn session(
        &self,
        vault: &Vault,
        sandbox: &SandboxService,
        id: &str,
    ) -> Result<Arc<DataSession>, ErrorPayload> {
        let mut sessions = self.sessions.lock().await;
        if let Some(session) = sessions.get(id) {
            return Ok(session.clone());
        }
        let events: EventSink = {
            let (watcher, connection) = (self.watcher.clone(), id.to_owned());
            Arc::new(move |event: &ClientEvent| {
                let watching = watcher.lock().unwrap_or_else(|p| p.into_inner()).clone();
                if let Some(channel) = watching {
                    let _ = channel.send(DataEvent { connection: connection.clone(), event: event.clone() });
                }
            })
        };
        let session = if id == BUILTIN_SANDBOX_ID {
            d365_connections::open_builtin_sandbox(&sandbox.endpoint().await?, Some(events))?
        } else {
            // A sandbox connection saved by the CLI runs on the app's own sandbox.
            let endpoint: Option<SandboxEndpoint> = match vault.get(id)?.kind {
                ConnectionKind::Sandbox => Some(sandbox.endpoint().await?),
                _ => None,
            };
            let started = async || {
                endpoint.ok_or_else(|| {
                    DataverseError::new("sandbox.not_running", "The sandbox is not running.", None).into()
                })
            };
            d365_connections::open_data(vault, id, Some(events), started).await?
        };
        let session = Arc::new(session);
        sessions.insert(id.to_owned(), session.clone());
        Ok(session)
    }

    /// Where to report what the clients do from now on (the window's status bar).
    pub fn watch(&self, channel: Channel<DataEvent>) {
        *self.watcher.lock().unwrap_or_else(|p| p.into_inner()) = Some(channel);
    }

    /// Drops what was opened for a connection that was signed in again, edited or deleted: its session and
    /// its grids, which hold the old sign-in (and would keep its refresh token alive), and stops an export.
    pub async fn forget(&self, id: &str) {
        self.sessions.lock().await.remove(id);
        let closed: Vec<u32> = {
            let mut grids = self.lock_grids();
            let closed = grids.iter().filter(|(_, (of, _))| of == id).map(|(number, _)| *number).collect();
            grids.retain(|_, (of, _)| of != id);
            closed
        };
        if !closed.is_empty() {
            self.cancel_export();
        }
    }

    /// The environment's tables in browsing order: from the metadata cache when it has them (at once),
    /// else (or with `refresh`) from the environment.
    pub async fn tables(
        &self,
        vault: &Vault,
        sandbox: &SandboxService,
        id: &str,
        refresh: bool,
    ) -> Result<Vec<TableInfo>, ErrorPayload> {
        let session = self.session(vault, sandbox, id).await?;
        let tables = match (refresh, session.cache.cached_tables().await) {
            (false, Some(cached)) => cached,
            _ => session.cache.refresh_tables().await?.0,
        };
        Ok(d365_connections::tables_for_browsing(tables))
    }

    pub async fn open_grid(
        &self,
        vault: &Vault,
        sandbox: &SandboxService,
        id: &str,
        request: GridRequest,
    ) -> Result<OpenedGrid, ErrorPayload> {
        let session = self.session(vault, sandbox, id).await?;
        let (grid, view) = Grid::open(&session.cache, &request).await?;
        let number = self.next_grid.fetch_add(1, Ordering::Relaxed);
        self.lock_grids().insert(number, (id.to_owned(), Arc::new(Mutex::new(grid))));
        Ok(OpenedGrid { grid: number, view })
    }

    fn lock_grids(&self) -> std::sync::MutexGuard<'_, HashMap<u32, OpenGrid>> {
        self.grids.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn grid(&self, grid: u32) -> Result<Arc<Mutex<Grid>>, ErrorPayload> {
        self.lock_grids().get(&grid).map(|(_, grid)| grid.clone()).ok_or_else(no_grid)
    }

    pub async fn rows(&self, grid: u32, start: u32, count: u32) -> Result<Vec<GridRow>, ErrorPayload> {
        let grid = self.grid(grid)?;
        let rows = grid.lock().await.rows(start as usize, count.min(1000) as usize);
        Ok(rows)
    }

    pub async fn load_more(&self, grid: u32) -> Result<GridProgress, ErrorPayload> {
        let grid = self.grid(grid)?;
        let mut grid = grid.lock().await;
        Ok(grid.load_more().await?)
    }

    /// One record, whole, for the record view; `shown` are the grid's columns.
    pub async fn record(
        &self,
        vault: &Vault,
        sandbox: &SandboxService,
        id: &str,
        table: &str,
        record: &str,
        shown: &[String],
    ) -> Result<RecordView, ErrorPayload> {
        let session = self.session(vault, sandbox, id).await?;
        Ok(d365_connections::record(&session.cache, table, record, shown).await?)
    }

    /// Checks a value as a commit will.
    pub async fn check_value(
        &self,
        vault: &Vault,
        sandbox: &SandboxService,
        id: &str,
        check: ValueCheck,
    ) -> Result<(), ErrorPayload> {
        let session = self.session(vault, sandbox, id).await?;
        Ok(d365_connections::check_value(&session.cache, check).await?)
    }

    /// Sends staged changes through the connection's session (see `d365_connections::commit`): its client
    /// reports throttling waits to the status bar as reads do.
    pub async fn commit(
        &self,
        vault: &Vault,
        sandbox: &SandboxService,
        id: &str,
        changes: &[PendingChange],
        mode: CommitMode,
        reads: &[RecordRead],
    ) -> Result<Vec<CommitResult>, ErrorPayload> {
        let session = self.session(vault, sandbox, id).await?;
        Ok(d365_connections::commit(&session.cache, changes, mode, reads).await?)
    }

    /// The requests a commit of `changes` would send, exactly (see `d365_connections::preview`).
    pub async fn preview(
        &self,
        vault: &Vault,
        sandbox: &SandboxService,
        id: &str,
        changes: &[PendingChange],
        mode: CommitMode,
    ) -> Result<CommitPreview, ErrorPayload> {
        let session = self.session(vault, sandbox, id).await?;
        Ok(d365_connections::preview(&session.cache, changes, mode).await?)
    }

    /// The changes that undo a commit's applied changes (see `d365_connections::inverse`).
    pub async fn inverse(
        &self,
        vault: &Vault,
        sandbox: &SandboxService,
        id: &str,
        applied: &[AppliedChange],
    ) -> Result<Inverse, ErrorPayload> {
        let session = self.session(vault, sandbox, id).await?;
        Ok(d365_connections::inverse(&session.cache, applied).await?)
    }

    /// Records of `table` whose name contains `text`: a lookup's picker.
    pub async fn lookup_search(
        &self,
        vault: &Vault,
        sandbox: &SandboxService,
        id: &str,
        table: &str,
        text: &str,
    ) -> Result<Vec<LookupCandidate>, ErrorPayload> {
        let session = self.session(vault, sandbox, id).await?;
        Ok(d365_connections::lookup_search(&session.cache, table, text).await?)
    }

    /// The table's public views, the default first.
    pub async fn views(
        &self,
        vault: &Vault,
        sandbox: &SandboxService,
        id: &str,
        table: &str,
    ) -> Result<Vec<TableView>, ErrorPayload> {
        let session = self.session(vault, sandbox, id).await?;
        Ok(d365_connections::table_views(&session.client, table).await?)
    }

    /// Dynamics 365's address for a record, or a table's list without `record`.
    pub async fn app_link(
        &self,
        vault: &Vault,
        sandbox: &SandboxService,
        id: &str,
        table: &str,
        record: Option<&str>,
    ) -> Result<String, ErrorPayload> {
        let session = self.session(vault, sandbox, id).await?;
        Ok(d365_connections::app_link(&session.client, table, record))
    }

    pub async fn console(
        &self,
        vault: &Vault,
        sandbox: &SandboxService,
        id: &str,
        request: &ConsoleRequest,
    ) -> Result<ConsoleAnswer, ErrorPayload> {
        let session = self.session(vault, sandbox, id).await?;
        Ok(d365_connections::send_console(&session.client, request).await?)
    }

    /// Exports what the grid shows to `file`, reporting the rows written so far on `progress`; a
    /// [`Self::cancel_export`] stops it (the file is left as it was).
    pub async fn export(
        &self,
        grid: u32,
        file: &Path,
        format: ExportFormat,
        progress: impl Fn(u64) + Send + Sync + 'static,
    ) -> Result<ExportReport, ErrorPayload> {
        let grid = self.grid(grid)?;
        let cancel = Arc::new(AtomicBool::new(false));
        *self.export_cancel.lock().unwrap_or_else(|p| p.into_inner()) = Some(cancel.clone());
        let source = grid.lock().await.source();
        let exported = source.export(file, format, Some(Arc::new(progress)), Some(cancel.clone())).await;
        // Done: a later Cancel has nothing to stop.
        let mut slot = self.export_cancel.lock().unwrap_or_else(|p| p.into_inner());
        if slot.as_ref().is_some_and(|current| Arc::ptr_eq(current, &cancel)) {
            *slot = None;
        }
        Ok(exported?)
    }

    /// Stops the export under way, if any.
    pub fn cancel_export(&self) -> bool {
        let cancel = self.export_cancel.lock().unwrap_or_else(|p| p.into_inner()).take();
        cancel.inspect(|c| c.store(true, Ordering::Relaxed)).is_some()
    }

    pub fn close(&self, grid: u32) {
        self.lock_grids().remove(&grid);
    }
}
