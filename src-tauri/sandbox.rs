//! The built-in Sandbox connection: the in-process sandbox, started on demand on a free loopback port
//! with its data in the app's data directory (edits survive restarts), stopped when the app exits.

use std::path::PathBuf;

use d365_common::ErrorPayload;
use d365_connections::SandboxEndpoint;
use d365_dataverse::DataverseError;
use d365_sandbox::{Sandbox, SandboxOptions, Storage};
use d365_vault::Secret;
use serde::{Deserialize, Serialize};
use specta::Type;
use tokio::sync::Mutex;

/// What the window may know about the running sandbox: addresses and ids, never its secret or password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct SandboxInfo {
    pub instance_url: String,
    pub web_api_url: String,
    pub authority: String,
    pub tenant_id: String,
    pub organization_name: String,
    /// The user to sign in as in the sandbox's browser sign-in.
    pub username: String,
    pub data_file: String,
}

pub struct SandboxService {
    data_dir: PathBuf,
    running: Mutex<Option<Sandbox>>,
}

impl SandboxService {
    pub fn new(data_dir: PathBuf) -> Self {
        Self { data_dir, running: Mutex::new(None) }
    }

    fn data_file(&self) -> PathBuf {
        self.data_dir.join("sandbox.sqlite3")
    }

    fn info(&self, sandbox: &Sandbox) -> SandboxInfo {
        let info = sandbox.info();
        SandboxInfo {
            instance_url: info.instance_url.clone(),
            web_api_url: info.web_api_url.clone(),
            authority: info.authority.clone(),
            tenant_id: info.tenant_id.clone(),
            organization_name: sandbox.directory().organization_name.clone(),
            username: info.username.clone(),
            data_file: self.data_file().display().to_string(),
        }
    }

    /// Starts the sandbox unless it is running; either way, says where it is.
    pub async fn start(&self) -> Result<SandboxInfo, ErrorPayload> {
        let mut running = self.running.lock().await;
        if let Some(sandbox) = running.as_ref() {
            return Ok(self.info(sandbox));
        }
        d365_common::files::create_private_dir(&self.data_dir).map_err(|err| {
            ErrorPayload::from(DataverseError::new(
                "sandbox.data_dir",
                format!("Could not create the sandbox's data folder {}: {err}", self.data_dir.display()),
                Some("Check that the folder is writable, or free some disk space.".into()),
            ))
        })?;
        let options = SandboxOptions { storage: Storage::File(self.data_file()), ..Default::default() };
        let sandbox = Sandbox::bind("127.0.0.1:0", options).await.map_err(|err| {
            ErrorPayload::from(DataverseError::new("sandbox.start_failed", format!("The sandbox did not start: {err}"),
                Some(format!(
                    "If the data file is damaged, move {} away and start the sandbox again for fresh sample data.",
                    self.data_file().display()
                )),
            ))
        })?;
        let info = self.info(&sandbox);
        *running = Some(sandbox);
        Ok(info)
    }

    /// What a sandbox connection signs in with (the sandbox started if need be), its secret included: for
    /// the Rust side only, never sent to the window.
    pub async fn endpoint(&self) -> Result<SandboxEndpoint, ErrorPayload> {
        self.start().await?;
        let running = self.running.lock().await;
        let sandbox = running.as_ref().ok_or_else(|| {
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
        })
    }

    pub async fn status(&self) -> Option<SandboxInfo> {
        self.running.lock().await.as_ref().map(|sandbox| self.info(sandbox))
    }
}
