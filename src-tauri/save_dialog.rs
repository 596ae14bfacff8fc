//! The system's "Save as" dialog (Tauri's dialog plugin), asked from Rust so the webview needs no file
//! permission at all. Runtime-erased like `WindowFocus`, so commands stay free of a runtime parameter.
//!
//! `D365DESK_SAVE_AS=<path>` answers the dialog with that path without showing it: WebDriver cannot drive
//! the native GTK file chooser, so the desktop tests use it (and only they set it).

use std::path::PathBuf;

use tauri::{AppHandle, Runtime};
use tauri_plugin_dialog::DialogExt;
use tokio::sync::oneshot;

type Ask = dyn Fn(&str, &str, &[&str]) -> oneshot::Receiver<Option<PathBuf>> + Send + Sync;

pub struct SaveDialog(Box<Ask>);

impl SaveDialog {
    pub fn new<R: Runtime>(app: AppHandle<R>) -> Self {
        Self(Box::new(move |name, filter, extensions| {
            let (answer, asked) = oneshot::channel();
            if let Some(path) = std::env::var_os("D365DESK_SAVE_AS").filter(|p| !p.is_empty()) {
                let _ = answer.send(Some(PathBuf::from(path)));
                return asked;
            }
            app.dialog().file().set_file_name(name).add_filter(filter, extensions).save_file(move |path| {
                let _ = answer.send(path.and_then(|p| p.into_path().ok()));
            });
            asked
        }))
    }

    /// Where the person chose to save `name`, or `None` if they closed the dialog.
    pub async fn ask(&self, name: &str, filter: &str, extensions: &[&str]) -> Option<PathBuf> {
        (self.0)(name, filter, extensions).await.ok().flatten()
    }
}
