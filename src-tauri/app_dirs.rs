//! Where the app keeps what it writes: its data and its logs. `D365DESK_HOME`, when set (tests, portable
//! use), holds both; otherwise each goes where the OS expects it.

use std::path::{Path, PathBuf};

/// The app's identifier (as in `tauri.conf.json`; a test keeps the two equal).
pub const IDENTIFIER: &str = "dev.d365desk.app";

/// The app's data: `D365DESK_HOME` when set, else the OS's data directory for the app
/// (`~/.local/share/dev.d365desk.app` on Linux), as Tauri's `app_data_dir`.
pub fn data_dir() -> PathBuf {
    if let Some(home) = portable_home() {
        return home;
    }
    match directories::BaseDirs::new() {
        Some(dirs) => dirs.data_dir().join(IDENTIFIER),
        None => no_home().join(IDENTIFIER),
    }
}

/// The app's log folder: `<D365DESK_HOME>/logs` when set; else the OS's place for an app's logs:
/// `$XDG_STATE_HOME/dev.d365desk.app/logs` (`~/.local/state/…`) on Linux, `~/Library/Logs/dev.d365desk.app`
/// on macOS, `%LOCALAPPDATA%\dev.d365desk.app\logs` on Windows.
pub fn log_dir() -> PathBuf {
    if let Some(home) = portable_home() {
        return home.join("logs");
    }
    match directories::BaseDirs::new() {
        Some(dirs) => os_log_dir(&dirs),
        None => no_home().join(IDENTIFIER).join("logs"),
    }
}

fn os_log_dir(dirs: &directories::BaseDirs) -> PathBuf {
    if cfg!(target_os = "macos") {
        return dirs.home_dir().join("Library").join("Logs").join(IDENTIFIER);
    }
    // Linux and the BSDs have a state directory (XDG), logs being state; Windows keeps them in local data.
    let base: &Path = dirs.state_dir().unwrap_or_else(|| dirs.data_local_dir());
    base.join(IDENTIFIER).join("logs")
}

fn portable_home() -> Option<PathBuf> {
    std::env::var_os("D365DESK_HOME").filter(|h| !h.is_empty()).map(PathBuf::from)
}

fn no_home() -> PathBuf {
    tracing::warn!("no home directory: keeping the app's files in the temp directory");
    std::env::temp_dir()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn linux_logs_are_state_under_the_identifier() {
        let dirs = directories::BaseDirs::new().expect("a home directory");
        let logs = os_log_dir(&dirs);
        assert_eq!(logs, dirs.state_dir().expect("Linux has a state dir").join(IDENTIFIER).join("logs"));
    }
}
