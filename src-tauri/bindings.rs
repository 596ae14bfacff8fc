//! The typed bridge: every command and the types it carries, exported to `ui/src/bindings/index.ts`.
//!
//! `make bindings` regenerates the file; the `committed_bindings_are_current` test fails when the committed
//! file differs from what this code generates.

use std::path::{Path, PathBuf};

use tauri::Runtime;
use tauri_specta::{Builder, collect_commands};

use d365_common::ErrorPayload;

use crate::commands;

/// Where the generated bindings live, relative to the repository root.
pub const BINDINGS_PATH: &str = "ui/src/bindings/index.ts";

pub fn specta_builder<R: Runtime>() -> Builder<R> {
    Builder::<R>::new()
        .commands(collect_commands![
            commands::app::app_info,
            commands::about::about,
            // Generic over the runtime: the types are the same on any, Tauri's handler takes the builder's.
            commands::about::third_party_licences::<tauri::Wry>,
            commands::sandbox::sandbox_start,
            commands::sandbox::sandbox_status,
            commands::sandbox::sandbox_verify,
            commands::connections::connections_list,
            commands::connections::connection_check_org,
            commands::connections::connection_add_org,
            commands::connections::connection_pick_certificate,
            commands::connections::connection_inspect_certificate,
            commands::connections::connection_add_certificate,
            commands::import::import_pick_file,
            commands::import::import_preview,
            commands::import::import_apply,
            commands::connections::connection_check_user,
            commands::connections::connection_sign_in_user,
            commands::connections::connection_add_discovered,
            commands::connections::connection_cancel_sign_in,
            commands::connections::connection_sign_in_again,
            commands::connections::connection_inspect_bearer,
            commands::connections::connection_add_bearer,
            commands::connections::connection_verify,
            commands::connections::connection_edit,
            commands::connections::connection_delete,
            commands::data::tables_list,
            commands::data::grid_open,
            commands::data::grid_rows,
            commands::data::grid_load_more,
            commands::data::grid_close,
            commands::data::record_get,
            commands::data::lookup_search,
            commands::data::open_in_app,
            commands::data::console_send,
            commands::data::grid_export,
            commands::data::grid_export_cancel,
            commands::data::data_watch,
            commands::window::window_close_watch,
            commands::window::window_close,
            commands::data::views_list,
            commands::edits::pending_load,
            commands::edits::pending_save,
            commands::edits::pending_connections,
            commands::edits::changes_commit,
            commands::edits::changes_preview,
            commands::edits::changes_inverse,
            commands::edits::value_check,
        ])
        .typ::<ErrorPayload>()
        // The data screens' types, exported ahead of their commands so the UI is written against them.
        .typ::<d365_dataverse::data::metadata::TableSchema>()
        .typ::<d365_dataverse::data::rows::Row>()
        .typ::<d365_dataverse::data::write::UpdateOutcome>()
        .typ::<d365_dataverse::data::batch::ItemOutcome>()
        // Types cross the bridge in one direction each, so one TypeScript type per Rust type is enough.
        .disable_serde_phases()
}

/// Writes the TypeScript bindings to `path`.
pub fn export_to(path: &Path) -> Result<(), String> {
    let header = "// Regenerate with `make bindings` after changing a command or a type it carries.\n";
    specta_builder::<tauri::Wry>()
        .export(specta_typescript::Typescript::default().header(header), path)
        .map_err(|err| format!("exporting TypeScript bindings to {}: {err}", path.display()))
}

/// The committed bindings file inside this checkout.
pub fn committed_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(BINDINGS_PATH)
}
