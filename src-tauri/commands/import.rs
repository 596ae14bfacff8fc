//! Connections brought over from XrmToolBox or the Power Platform CLI: the file picked in the system's Open
//! dialog (Rust reads it, the window gets its path), its preview, and the picked connections saved without
//! their secrets (`d365_connections::import`).

use tauri::State;

use d365_common::ErrorPayload;
use d365_connections::{ImportOutcome, ImportPreview, ImportSource};

use crate::connections::ConnectionsService;
use crate::open_dialog::OpenDialog;

/// Connection files are small; a larger one is not read whole. The CLI's limit too.
const MAX_IMPORT_FILE: u64 = d365_connections::MAX_IMPORT_FILE;

/// The system's Open dialog for the tool's file; its path, or null when closed.
#[tauri::command]
#[specta::specta]
pub async fn import_pick_file(
    dialog: State<'_, OpenDialog>,
    source: ImportSource,
) -> Result<Option<String>, ErrorPayload> {
    let picked = match source {
        ImportSource::XrmToolBox => dialog.ask("XrmToolBox connection file", &["xml"]).await,
        ImportSource::Pac => dialog.ask("pac auth profiles (authprofiles_v2.json)", &["json"]).await,
    };
    Ok(picked.map(|path| path.to_string_lossy().into_owned()))
}

/// Each connection of the file at `path`: the name it gets, its kind, what comes over and what does not.
/// Nothing is saved.
#[tauri::command]
#[specta::specta]
pub async fn import_preview(
    connections: State<'_, ConnectionsService>,
    source: ImportSource,
    path: String,
) -> Result<ImportPreview, ErrorPayload> {
    Ok(d365_connections::import::preview(&connections.vault, source, &read(&path)?, false)?)
}

/// Saves the connections numbered `picked` (the file is read again, and refused if its SHA-256 is no longer
/// the preview's `sha256`), without any secret: each waits for its secret, certificate or sign-in. An
/// instance outside the Dynamics 365 domains is not imported here (the CLI's `--allow-custom-host` does).
#[tauri::command]
#[specta::specta]
pub async fn import_apply(
    connections: State<'_, ConnectionsService>,
    source: ImportSource,
    path: String,
    picked: Vec<u32>,
    sha256: String,
) -> Result<ImportOutcome, ErrorPayload> {
    Ok(d365_connections::import::apply(&connections.vault, source, &read(&path)?, &picked, &sha256, false)?)
}

fn read(path: &str) -> Result<Vec<u8>, ErrorPayload> {
    let unreadable = |message: String| {
        ErrorPayload::from(d365_dataverse::DataverseError::new(
            "input.unreadable",
            message,
            Some("Pick the file again.".to_owned()),
        ))
    };
    // A regular file, read no further than the limit: a FIFO or a device reports no size and never ends.
    let metadata = std::fs::metadata(path).map_err(|e| unreadable(format!("{path} cannot be read: {e}")))?;
    if !metadata.is_file() {
        return Err(unreadable(format!("{path} is not a file")));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| {
            std::io::Read::read_to_end(&mut std::io::Read::take(file, MAX_IMPORT_FILE + 1), &mut bytes)
        })
        .map_err(|e| unreadable(format!("{path} cannot be read: {e}")))?;
    if bytes.len() as u64 > MAX_IMPORT_FILE {
        return Err(unreadable(format!("{path} is too large to be a connection file")));
    }
    Ok(bytes)
}
