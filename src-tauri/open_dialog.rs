//! The system's "Open" dialog for a certificate file, asked from Rust (as `SaveDialog` is) so the webview
//! needs no file permission: it gets the path back, and the certificate commands read only that file.
//!
//! `D365DESK_OPEN_FILE=<path>` answers the dialog with that path without showing it, for the desktop tests
//! (WebDriver cannot drive the native file chooser).

use std::path::PathBuf;

use tauri::{AppHandle, Runtime};
use tauri_plugin_dialog::DialogExt;
use tokio::sync::oneshot;

type Ask = dyn Fn(&str, &[&str]) -> oneshot::Receiver<Option<PathBuf>> + Send + Sync;

pub struct OpenDialog(Box<Ask>);

impl OpenDialog {
    pub fn new<R: Runtime>(app: AppHandle<R>) -> Self {
        Self(Box::new(move |filter, extensions| {
            let (answer, asked) = oneshot::channel();
            if let Some(path) = std::env::var_os("D365DESK_OPEN_FILE").filter(|p| !p.is_empty()) {
                let _ = answer.send(Some(PathBuf::from(path)));
                return asked;
            }
            app.dialog().file().add_filter(filter, extensions).pick_file(move |path| {
                let _ = answer.send(path.and_then(|p| p.into_path().ok()));
            });
            asked
        }))
    }

    /// The file the person picked, or `None` if they closed the dialog.
    pub async fn ask(&self, filter: &str, extensions: &[&str]) -> Option<PathBuf> {
        (self.0)(filter, extensions).await.ok().flatten()
    }
}
