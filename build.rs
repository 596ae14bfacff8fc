// Declares the app's own commands so Tauri generates an `allow-<command>` permission for each; the
// capability files then grant the main window only the ones it uses (no command is callable otherwise).
fn main() {
    // The built UI is embedded: a new build of it must rebuild the app, even when only ui/dist changed.
    println!("cargo:rerun-if-changed=ui/dist");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(d365_desk_commands())),
    )
    .expect("tauri-build failed: check tauri.conf.json and capabilities/");
}

/// Keep in step with `collect_commands!` in `src-tauri/bindings.rs`; the wiring tests call every one.
fn d365_desk_commands() -> &'static [&'static str] {
    &[
        "app_info",
        "about",
        "third_party_licences",
        "sandbox_start",
        "sandbox_status",
        "sandbox_verify",
        "connections_list",
        "connection_check_org",
        "connection_add_org",
        "connection_pick_certificate",
        "connection_inspect_certificate",
        "connection_add_certificate",
        "import_pick_file",
        "import_preview",
        "import_apply",
        "connection_check_user",
        "connection_sign_in_user",
        "connection_add_discovered",
        "connection_cancel_sign_in",
        "connection_sign_in_again",
        "connection_inspect_bearer",
        "connection_add_bearer",
        "connection_verify",
        "connection_edit",
        "connection_delete",
        "tables_list",
        "grid_open",
        "grid_rows",
        "grid_load_more",
        "grid_close",
        "record_get",
        "lookup_search",
        "open_in_app",
        "console_send",
        "grid_export",
        "grid_export_cancel",
        "data_watch",
        "window_close_watch",
        "window_close",
        "views_list",
        "pending_load",
        "pending_save",
        "pending_connections",
        "changes_commit",
        "changes_preview",
        "changes_inverse",
        "value_check",
    ]
}
