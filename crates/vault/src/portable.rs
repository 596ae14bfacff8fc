//! Moving connections between machines: profiles as JSON without a single secret.
//!
//! Credentials are immutable, so an imported connection arrives without its secret and gets it once, the
//! way a new one does: an org connection its client secret (`Vault::set_client_secret`), a user connection a
//! sign-in. A pasted token does not travel at all; such connections are left out with a reason.

use serde::{Deserialize, Serialize};

use crate::error::{Result, VaultError};
use d365_common::{CertificateInfo, Cloud};

use crate::profile::{ConnectionKind, EnvironmentTag, NewProfile, Profile};

/// What an export file says it is, so that importing some other JSON fails clearly.
pub const EXPORT_FORMAT: &str = "d365desk.connections";
pub const EXPORT_VERSION: u32 = 1;

/// A profile as it travels: its settings, none of its identity (id, times) or history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortableProfile {
    pub name: String,
    pub kind: ConnectionKind,
    pub instance_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default)]
    pub cloud: Cloud,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<EnvironmentTag>,
    #[serde(default)]
    pub read_only: bool,
    /// A certificate connection's certificate (public facts): the one `set_certificate` must be given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertificateInfo>,
}

#[derive(Debug, Serialize, Deserialize)]
struct ExportFile {
    format: String,
    version: u32,
    connections: Vec<PortableProfile>,
}

impl From<&Profile> for PortableProfile {
    fn from(p: &Profile) -> Self {
        Self {
            name: p.name.clone(),
            kind: p.kind,
            instance_url: p.instance_url.clone(),
            tenant: p.tenant.clone(),
            client_id: p.client_id.clone(),
            cloud: p.cloud,
            authority: p.authority.clone(),
            tag: p.tag,
            read_only: p.read_only,
            certificate: p.certificate.clone(),
        }
    }
}

impl From<PortableProfile> for NewProfile {
    fn from(p: PortableProfile) -> Self {
        Self {
            name: p.name,
            kind: p.kind,
            instance_url: p.instance_url,
            tenant: p.tenant,
            client_id: p.client_id,
            cloud: p.cloud,
            authority: p.authority,
            tag: p.tag,
            read_only: Some(p.read_only),
        }
    }
}

/// The export document for these profiles.
pub fn to_export(profiles: &[Profile]) -> Result<String> {
    let file = ExportFile {
        format: EXPORT_FORMAT.into(),
        version: EXPORT_VERSION,
        connections: profiles.iter().map(PortableProfile::from).collect(),
    };
    serde_json::to_string_pretty(&file).map_err(|e| invalid(e.to_string()))
}

/// Reads an export document; anything else (another JSON, a newer version, a stray field) is refused whole.
pub fn from_export(text: &str) -> Result<Vec<PortableProfile>> {
    let file: ExportFile =
        serde_json::from_str(text).map_err(|e| invalid(format!("not an export file: {e}")))?;
    if file.format != EXPORT_FORMAT {
        return Err(invalid(format!("the file is a '{}', not '{EXPORT_FORMAT}'", file.format)));
    }
    if file.version > EXPORT_VERSION {
        return Err(invalid(format!(
            "the file has format version {}; this D365 Desk reads up to {EXPORT_VERSION}",
            file.version
        )));
    }
    Ok(file.connections)
}

fn invalid(message: String) -> VaultError {
    VaultError::Invalid { field: "import", message }
}

/// What an import did with each connection in the file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub imported: Vec<Profile>,
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub name: String,
    pub reason: String,
}
