//! The D365 Desk desktop shell: Tauri wiring only.
//!
//! Commands in [`commands`] are thin async one-liners over the Tauri-free crates in `crates/`; the UI reaches
//! them only through the TypeScript bindings generated from [`bindings::specta_builder`].

pub mod app_dirs;
pub mod bindings;
pub mod close_guard;
pub mod commands;
pub mod connections;
pub mod data;
pub mod edits;
pub mod logging;
pub mod open_dialog;
pub mod sandbox;
pub mod save_dialog;
pub mod single_instance;
pub mod window;
pub mod window_state;

use std::path::PathBuf;

use tauri::{Builder, Manager, Runtime};

/// Everything the app registers on a Tauri builder, generic over the runtime so that the wiring tests can
/// use `tauri::test`'s mock runtime with exactly the same setup as the real window.
pub fn builder<R: Runtime>(builder: Builder<R>) -> Builder<R> {
    builder_with_data_dir(builder, None)
}

/// [`builder`], with the app's data kept in `data_dir` instead of the usual place (tests).
pub fn builder_with_data_dir<R: Runtime>(builder: Builder<R>, data_dir: Option<PathBuf>) -> Builder<R> {
    let commands = bindings::specta_builder::<R>();
    // The connections live where the `d365` CLI keeps them (`D365DESK_HOME` for both when set); tests
    // that pass their own data folder keep them there.
    let vault_dir = data_dir.clone().unwrap_or_else(d365_vault::default_dir);
    let data_dir = data_dir.unwrap_or_else(app_dirs::data_dir);
    builder
        .manage(edits::EditsService::new(data_dir.clone()))
        .manage(sandbox::SandboxService::new(data_dir))
        .manage(data::DataService::default())
        .plugin(tauri_plugin_dialog::init())
        .manage(connections::ConnectionsService::new(d365_vault::Vault::open(&vault_dir)))
        .setup(|app| {
            app.manage(window::WindowFocus::new(app.handle().clone()));
            app.manage(close_guard::CloseGuard::new(app.handle().clone()));
            app.manage(save_dialog::SaveDialog::new(app.handle().clone()));
            app.manage(open_dialog::OpenDialog::new(app.handle().clone()));
            Ok(())
        })
        .on_window_event(|window, event| {
            // Sizes, moves, focus and close requests: what the window-state and close-guard paths see.
            tracing::trace!(window = window.label(), ?event, "window event");
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                let staged =
                    window.try_state::<edits::EditsService>().is_some_and(|e| !e.connections().is_empty());
                if window.try_state::<close_guard::CloseGuard>().is_some_and(|guard| guard.holds(staged)) {
                    api.prevent_close();
                }
            }
        })
        .invoke_handler(commands.invoke_handler())
}

pub use app_dirs::IDENTIFIER;

/// Starts the desktop app. Blocks until the last window closes, then exits with the app's code.
pub fn run() {
    let log = logging::init();
    // The desktop plugins go on the real app only, single-instance first (its docs: a second start must
    // exit before anything else is set up). The wiring tests' mock runtime would claim the D-Bus name and
    // write a window state into the person's config folder.
    let desktop = Builder::default().plugin(single_instance::plugin()).plugin(window_state::plugin());
    let app = match builder(desktop).build(tauri::generate_context!()) {
        Ok(app) => app,
        Err(err) => {
            tracing::error!("could not start: {err}"); // stderr and the file
            drop(log);
            std::process::exit(1);
        }
    };
    // `run_return`, not `run` (which exits the process from inside the event loop): the log's guard is
    // dropped here, so the lines of the last moments reach the file.
    let code = app.run_return(|_, _| {});
    drop(log);
    std::process::exit(code);
}

/// On Linux and the BSDs a window needs an X11 or Wayland display; without one GTK would abort with a
/// stack trace, so say it in one line instead. Other platforms always have a display.
pub fn missing_display() -> Option<&'static str> {
    missing_display_in(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()))
}

fn missing_display_in(is_set: impl Fn(&str) -> bool) -> Option<&'static str> {
    if cfg!(any(target_os = "windows", target_os = "macos")) {
        return None;
    }
    if is_set("DISPLAY") || is_set("WAYLAND_DISPLAY") {
        None
    } else {
        Some(
            "no display: neither DISPLAY nor WAYLAND_DISPLAY is set. Start it from a desktop session, \
             or headless under Xvfb: xvfb-run -a make run",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::missing_display_in;

    #[test]
    fn a_display_of_either_kind_is_enough() {
        assert!(missing_display_in(|name| name == "DISPLAY").is_none());
        assert!(missing_display_in(|name| name == "WAYLAND_DISPLAY").is_none());
    }

    #[cfg(not(any(target_os = "windows", target_os = "macos")))]
    #[test]
    fn no_display_is_one_clear_line() {
        let problem = missing_display_in(|_| false).expect("no display must be reported");
        assert!(problem.contains("DISPLAY") && problem.contains("xvfb-run"));
        assert!(!problem.contains('\n'));
    }
}
