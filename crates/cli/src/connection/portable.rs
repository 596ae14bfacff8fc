//! `d365 connection export|import`: connections as JSON without secrets.

use std::path::Path;

use d365_dataverse::input;
use d365_vault::portable::{self, PortableProfile};
use d365_vault::{ConnectionKind, Skipped, Vault};

use super::read_stdin;
use crate::output::{Done, Failure};

pub fn export(vault: &Vault, out: Option<&Path>) -> Result<Done, Failure> {
    let document = vault.export()?;
    let Some(path) = out else {
        return Ok(Done::Text(document));
    };
    if path.exists() {
        return Err(Failure::other(
            "input.file_exists",
            format!("{} already exists; choose another file (nothing was written).", path.display()),
        ));
    }
    std::fs::write(path, format!("{document}\n")).map_err(|e| {
        Failure::other("cli.write_failed", format!("Could not write {}: {e}", path.display()))
    })?;
    Ok(Done::Exported { count: vault.list()?.len(), file: path.display().to_string() })
}

/// Imports an export file (`-` for stdin). Each connection is checked like a new one; those that fail are
/// skipped with the reason, the others saved in one write.
pub fn import(vault: &Vault, file: &str, allow_custom_authority: bool) -> Result<Done, Failure> {
    let text = if file == "-" {
        read_stdin()?
    } else {
        std::fs::read_to_string(file)
            .map_err(|e| Failure::other("input.unreadable", format!("Could not read {file}: {e}")))?
    };
    let mut invalid = Vec::new();
    let mut valid = Vec::new();
    for connection in portable::from_export(&text)? {
        match check(connection.clone(), allow_custom_authority) {
            Ok(checked) => valid.push(checked),
            Err(reason) => invalid.push(Skipped { name: connection.name, reason }),
        }
    }
    let mut report = vault.import(valid)?;
    report.skipped.extend(invalid);
    let needs = report.imported.iter().map(|p| vault.missing_credential(p).ok().flatten()).collect();
    Ok(Done::Imported(report, needs))
}

/// The checks `connection add` makes, on an imported connection; the URL normalised.
fn check(mut connection: PortableProfile, allow_custom_authority: bool) -> Result<PortableProfile, String> {
    if connection.kind == ConnectionKind::Sandbox {
        connection.instance_url = d365_connections::SANDBOX_INSTANCE.into();
        return Ok(connection);
    }
    let cloud = connection.cloud;
    // A custom host was accepted when the connection was made; the importer sees it in the list.
    let instance = input::instance(&connection.instance_url, cloud, true).map_err(|e| e.to_string())?;
    connection.instance_url = instance.resource();
    if let Some(tenant) = &connection.tenant {
        let checked =
            if connection.kind.is_app() { input::app_tenant(tenant) } else { input::tenant(tenant) };
        connection.tenant = Some(checked.map_err(|e| e.to_string())?);
    }
    if let Some(client_id) = &connection.client_id {
        connection.client_id = Some(input::client_id(client_id).map_err(|e| e.to_string())?);
    }
    if let Some(custom) = &connection.authority {
        let tenant = connection.tenant.as_deref().unwrap_or("organizations");
        input::authority(cloud, tenant, Some(custom), allow_custom_authority).map_err(|e| e.to_string())?;
    }
    Ok(connection)
}
