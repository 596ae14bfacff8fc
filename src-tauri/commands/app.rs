//! Facts about the running app, for the status bar and support requests.

use serde::{Deserialize, Serialize};
use specta::Type;

/// What the status bar shows about the app itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct AppInfo {
    pub product_name: String,
    pub version: String,
    /// `linux`, `macos` or `windows`.
    pub os: String,
    pub arch: String,
}

impl AppInfo {
    pub fn current() -> Self {
        Self {
            product_name: "D365 Desk".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            os: std::env::consts::OS.into(),
            arch: std::env::consts::ARCH.into(),
        }
    }
}

#[tauri::command]
#[specta::specta]
pub async fn app_info() -> AppInfo {
    AppInfo::current()
}
