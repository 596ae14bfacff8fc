//! The built-in Sandbox connection: the in-process sandbox, started on demand with its data in the app's
//! data directory (edits, and sign-ins made to it, survive restarts), stopped when the app exits. It listens
//! on the loopback port it had last time (kept in `sandbox.port` beside the data file), so a user connection
//! saved for its instance URL still reaches it; when that port is taken it takes a free one and says so.
//! Its users have the documented demo password ([`DEMO_PASSWORD`]).

use std::path::PathBuf;

use d365_common::ErrorPayload;
use d365_connections::SandboxEndpoint;
use d365_dataverse::DataverseError;
use d365_sandbox::directory::DEMO_PASSWORD;
use d365_sandbox::{Sandbox, SandboxOptions, Storage};
use d365_vault::Secret;
use serde::{Deserialize, Serialize};
use specta::Type;
use tokio::net::TcpListener;
use tokio::sync::Mutex;

/// What the window may know about the running sandbox: addresses, ids and the demo credentials, never its
/// client secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct SandboxInfo {
    pub instance_url: String,
    pub web_api_url: String,
    pub authority: String,
    pub tenant_id: String,
    pub organization_name: String,
    /// The user to sign in as in the sandbox's browser sign-in.
    pub username: String,
    /// Its password: the documented demo password of the built-in loopback sandbox, published in the README
    /// like Azurite's well-known key. The one value called a password that may reach the window: it is no
    /// secret (sample data, loopback only). The org client secret never does.
    pub demo_password: String,
    pub data_file: String,
    /// The instance URL it had last time, when that port was taken and it listens on another now: user
    /// connections saved for the old URL no longer reach it.
    pub moved_from: Option<String>,
}

pub struct SandboxService {
    data_dir: PathBuf,
    running: Mutex<Option<Running>>,
}

struct Running {
    sandbox: Sandbox,
    moved_from: Option<u16>,
}

/// A loopback listener on the port kept in `port_file` when it is free, else on a free one; the port it got
/// is kept for next time. Returns the listener and, when the kept port was taken, that port.
pub async fn bind_remembered(port_file: &std::path::Path) -> std::io::Result<(TcpListener, Option<u16>)> {
    let kept = std::fs::read_to_string(port_file).ok().and_then(|text| text.trim().parse::<u16>().ok());
    let (listener, moved_from) = match kept.filter(|&port| port != 0) {
        Some(port) => match TcpListener::bind(("127.0.0.1", port)).await {
            Ok(listener) => (listener, None),
            Err(err) => {
                tracing::warn!(port, %err, "the sandbox's last port is taken; it listens on another");
                (TcpListener::bind("127.0.0.1:0").await?, Some(port))
            }
        },
        None => (TcpListener::bind("127.0.0.1:0").await?, None),
    };
    let port = listener.local_addr()?.port();
    if kept != Some(port) {
        // Only a convenience: a port that cannot be kept means a new one next time.
        if let Err(err) = std::fs::write(port_file, format!("{port}\n")) {
            tracing::warn!(%err, "could not keep the sandbox's port");
        }
    }
    Ok((listener, moved_from))
}

impl SandboxService {
    pub fn new(data_dir: PathBuf) -> Self {
        Self { data_dir, running: Mutex::new(None) }
    }

    fn data_file(&self) -> PathBuf {
        self.data_dir.join("sandbox.sqlite3")
    }

    fn port_file(&self) -> PathBuf {
        self.data_dir.join("sandbox.port")
    }

    fn info(&self, running: &Running) -> SandboxInfo {
        let sandbox = &running.sandbox;
        let info = sandbox.info();
        SandboxInfo {
            instance_url: info.instance_url.clone(),
            web_api_url: info.web_api_url.clone(),
            authority: info.authority.clone(),
            tenant_id: info.tenant_id.clone(),
            organization_name: sandbox.directory().organization_name.clone(),
            username: info.username.clone(),
            demo_password: DEMO_PASSWORD.to_owned(),
            data_file: self.data_file().display().to_string(),
            moved_from: running.moved_from.map(|port| format!("http://127.0.0.1:{port}")),
        }
    }

    /// Starts the sandbox unless it is running; either way, says where it is.
    pub async fn start(&self) -> Result<SandboxInfo, ErrorPayload> {
        let mut running = self.running.lock().await;
        if let Some(sandbox) = running.as_ref() {
            return Ok(self.info(sandbox));
        }
        let failed = |err: String| {
            ErrorPayload::from(DataverseError::new(
                "sandbox.start_failed",
                format!("The sandbox did not start: {err}"),
                Some(format!(
                    "If the data file is damaged, move {} away and start the sandbox again for fresh sample data.",
                    self.data_file().display()
                )),
            ))
        };
        d365_common::files::create_private_dir(&self.data_dir).map_err(|err| {
            ErrorPayload::from(DataverseError::new(
                "sandbox.data_dir",
                format!("Could not create the sandbox's data folder {}: {err}", self.data_dir.display()),
                Some("Check that the folder is writable, or free some disk space.".into()),
            ))
        })?;
        let options = SandboxOptions {
            storage: Storage::File(self.data_file()),
            // The built-in sandbox's users sign in with the documented demo password (loopback only).
            user_password: Some(DEMO_PASSWORD.to_owned()),
            ..Default::default()
        };
        let (listener, moved_from) =
            bind_remembered(&self.port_file()).await.map_err(|err| failed(err.to_string()))?;
        let sandbox = Sandbox::start(listener, options).await.map_err(|err| failed(err.to_string()))?;
        let started = Running { sandbox, moved_from };
        let info = self.info(&started);
        *running = Some(started);
        Ok(info)
    }

    /// What a sandbox connection signs in with (the sandbox started if need be), its secret included: for
    /// the Rust side only, never sent to the window.
    pub async fn endpoint(&self) -> Result<SandboxEndpoint, ErrorPayload> {
        self.start().await?;
        let running = self.running.lock().await;
        let sandbox = running.as_ref().map(|running| &running.sandbox).ok_or_else(|| {
            ErrorPayload::from(DataverseError::new(
                "sandbox.stopped",
                "The sandbox stopped.",
                Some("Start it again.".into()),
            ))
        })?;
        let info = sandbox.info();
        Ok(SandboxEndpoint {
            instance_url: info.instance_url.clone(),
            authority: info.authority.clone(),
            client_id: info.org_client_id.clone(),
            client_secret: Secret::new(info.org_client_secret.clone()),
            data_file: Some(self.data_file()),
        })
    }

    pub async fn status(&self) -> Option<SandboxInfo> {
        self.running.lock().await.as_ref().map(|sandbox| self.info(sandbox))
    }
}

#[cfg(test)]
mod tests {
    use super::bind_remembered;

    #[tokio::test]
    async fn the_sandbox_takes_its_last_port_again_or_a_free_one_when_it_is_taken() {
        let unique = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let dir = std::env::temp_dir().join(format!("d365desk-port-{}-{unique}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("sandbox.port");
        let (first, moved) = bind_remembered(&file).await.unwrap();
        let port = first.local_addr().unwrap().port();
        assert_eq!(
            (moved, std::fs::read_to_string(&file).unwrap().trim().parse::<u16>().ok()),
            (None, Some(port))
        );
        drop(first);
        let (again, moved) = bind_remembered(&file).await.unwrap();
        assert_eq!(
            (again.local_addr().unwrap().port(), moved),
            (port, None),
            "the same port after a restart"
        );
        let (other, moved) = bind_remembered(&file).await.unwrap();
        let new_port = other.local_addr().unwrap().port();
        assert!(new_port != port && moved == Some(port), "taken: another port, and the old one said");
        assert_eq!(std::fs::read_to_string(&file).unwrap().trim(), new_port.to_string());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
