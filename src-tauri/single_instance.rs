//! One app per data folder: a second start hands over to the running one (its window comes to the front)
//! and exits. On Linux the plugin owns a D-Bus name on the session bus made from [`instance_id`].
//!
//! Per data folder, not per user: two starts on the same data would both write its journal and profiles,
//! so the second must not run; two starts on different `D365DESK_HOME`s (portable copies, and every E2E
//! test, which each have their own folder on one D-Bus session) share nothing, and one must not swallow
//! the other (a test's app would vanish into the previous test's window still closing). Without
//! `D365DESK_HOME` every start uses the OS's one folder, so the id is the app's identifier: one per user.

use std::path::Path;

use tauri::{AppHandle, Manager, Runtime};

/// The plugin, registered first so that a second start exits before anything else is set up.
pub fn plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    let home = std::env::var_os("D365DESK_HOME").filter(|h| !h.is_empty());
    let id = instance_id(crate::app_dirs::IDENTIFIER, home.as_deref().map(Path::new));
    tauri_plugin_single_instance::Builder::new()
        .dbus_id(id)
        .callback(|app, _args, _cwd| focus_main(app))
        .build()
}

/// The instance's name: the identifier alone for the OS's data folder, else the identifier and a stable
/// hash of the folder (D-Bus names allow letters, digits and `_` only, an element not starting with a digit).
pub fn instance_id(identifier: &str, home: Option<&Path>) -> String {
    match home {
        None => identifier.to_owned(),
        Some(home) => {
            let home = std::fs::canonicalize(home).unwrap_or_else(|_| home.to_owned());
            format!("{identifier}.home_{:016x}", fnv1a(home.as_os_str().as_encoded_bytes()))
        }
    }
}

/// FNV-1a: stable across builds and Rust versions (std's hasher promises neither), enough to tell folders apart.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3))
}

fn focus_main<R: Runtime>(app: &AppHandle<R>) {
    tracing::info!("a second start focused this window (it exits; one app per data folder)");
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_os_data_folder_is_one_instance_per_user() {
        assert_eq!(instance_id("dev.d365desk.app", None), "dev.d365desk.app");
    }

    #[test]
    fn each_data_folder_is_its_own_instance_and_the_same_folder_the_same() {
        let a = instance_id("dev.d365desk.app", Some(Path::new("/tmp/test-a/home")));
        let b = instance_id("dev.d365desk.app", Some(Path::new("/tmp/test-b/home")));
        assert_ne!(a, b);
        assert_eq!(a, instance_id("dev.d365desk.app", Some(Path::new("/tmp/test-a/home"))));
    }

    #[test]
    fn an_existing_folder_is_the_same_instance_however_it_is_spelled() {
        let dir = std::env::temp_dir();
        let dotted = dir.join(".");
        assert_eq!(instance_id("x.y", Some(&dir)), instance_id("x.y", Some(&dotted)));
    }

    #[test]
    fn the_id_is_a_valid_dbus_name() {
        let id = instance_id("dev.d365desk.app", Some(Path::new("/home/élodie/D365 Desk")));
        assert!(id.len() < 200);
        for element in id.split('.') {
            assert!(!element.is_empty() && !element.starts_with(|c: char| c.is_ascii_digit()), "{id}");
            assert!(element.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "{id}");
        }
    }
}
