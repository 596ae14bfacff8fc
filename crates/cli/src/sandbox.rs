//! The built-in sandbox from the command line: started in-process on the app's data file, so `d365` and the
//! app see the same sample data.

use d365_connections::SandboxEndpoint;
use d365_dataverse::DataverseError;
use d365_sandbox::{Sandbox, SandboxOptions, Storage};
use d365_vault::Secret;

use crate::output::{Done, Failure};

/// The in-process sandbox on the app's data file (its data survives; its secrets never leave the process).
pub async fn start() -> Result<Sandbox, DataverseError> {
    let dir = d365_vault::default_dir();
    d365_common::files::create_private_dir(&dir).map_err(|e| {
        DataverseError::new("sandbox.data_dir", format!("Could not create {}: {e}", dir.display()), None)
    })?;
    let options =
        SandboxOptions { storage: Storage::File(dir.join("sandbox.sqlite3")), ..Default::default() };
    Sandbox::bind("127.0.0.1:0", options).await.map_err(|e| {
        DataverseError::new("sandbox.start_failed", format!("The sandbox did not start: {e}"), None)
    })
}

/// What a sandbox connection signs in with.
pub fn endpoint(sandbox: &Sandbox) -> SandboxEndpoint {
    let info = sandbox.info();
    SandboxEndpoint {
        instance_url: info.instance_url.clone(),
        authority: info.authority.clone(),
        client_id: info.org_client_id.clone(),
        client_secret: Secret::new(info.org_client_secret.clone()),
        data_file: Some(d365_vault::default_dir().join("sandbox.sqlite3")),
    }
}

/// `d365 sandbox`: serve until Ctrl-C, after printing the connection details as one JSON line.
pub async fn run() -> Result<Done, Failure> {
    let sandbox = start().await?;
    // Listen before announcing: whoever reads the line may interrupt at once.
    #[cfg(unix)]
    let mut interrupt = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .map_err(|e| Failure::other("sandbox.signal", format!("Cannot listen for Ctrl-C: {e}")))?;
    println!("{}", serde_json::to_string(sandbox.info()).unwrap_or_default());
    #[cfg(unix)]
    interrupt.recv().await;
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
    sandbox.shutdown().await.map_err(|e| Failure::other("sandbox.stop_failed", e.to_string()))?;
    Ok(Done::Stopped)
}
