//! Connections brought over from other tools: XrmToolBox's connection files and the Power Platform CLI's
//! auth profiles. A file is read whole into a preview (each connection, what D365 Desk makes of it and what it
//! leaves behind), then the picked ones are saved without a single secret: secrets do not travel, so org
//! connections arrive waiting for their secret or certificate and user connections for a sign-in
//! ([`Vault::missing_credential`]). A file that is not what it claims imports nothing.

mod connection_string;
mod pac;
mod xrmtoolbox;

use std::collections::HashSet;

use d365_dataverse::{DataverseError, input};
use d365_vault::portable::PortableProfile;
use d365_vault::{Cloud, ConnectionKind, ImportReport, Skipped, Vault};
use serde::Serialize;

use crate::error::Result;
use crate::user::SAMPLE_CLIENT_ID;
use crate::views::ConnectionView;

/// Which tool the file comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum ImportSource {
    XrmToolBox,
    Pac,
}

impl ImportSource {
    fn label(self) -> &'static str {
        match self {
            ImportSource::XrmToolBox => "XrmToolBox connection file",
            ImportSource::Pac => "Power Platform CLI auth profiles file (authprofiles_v2.json)",
        }
    }
}

/// What a connection becomes here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    OrgSecret,
    OrgCertificate,
    User,
    /// Something D365 Desk cannot connect with (on-premises, an unknown kind); never importable.
    Other,
}

impl ImportKind {
    pub fn label(self) -> &'static str {
        match self {
            ImportKind::OrgSecret => "org (secret)",
            ImportKind::OrgCertificate => "org (certificate)",
            ImportKind::User => "user",
            ImportKind::Other => "other",
        }
    }
}

/// One connection of the file, as the preview lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImportItem {
    /// 1-based, what `--pick` and the window's checkboxes name.
    pub number: u32,
    /// Its name in the other tool.
    pub source_name: String,
    pub instance_url: String,
    pub kind: ImportKind,
    /// The name it gets here: the source's, with " (2)" and so on when that is taken.
    pub name: String,
    pub importable: bool,
    pub what_is_imported: Vec<String>,
    pub what_is_not: Vec<String>,
    /// Why it cannot be imported, when it cannot.
    pub reason: Option<String>,
    #[serde(skip)]
    #[cfg_attr(feature = "specta", specta(skip))]
    connection: Option<Draft>,
}

/// What an importable item saves.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Draft {
    profile: PortableProfile,
    username: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImportPreview {
    pub source: ImportSource,
    pub items: Vec<ImportItem>,
    /// The SHA-256 (hex) of the bytes previewed: the import is refused if the file changed since.
    pub sha256: String,
}

/// The SHA-256 of a file's bytes, in hex, as [`ImportPreview::sha256`] says it.
pub fn sha256_of(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// An import as the window shows it: the connections made, each with what it waits for, and those left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImportOutcome {
    pub imported: Vec<ConnectionView>,
    pub skipped: Vec<ImportSkipped>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImportSkipped {
    pub name: String,
    pub reason: String,
}

/// [`import`], shaped for the window.
pub fn apply(
    vault: &Vault,
    source: ImportSource,
    bytes: &[u8],
    picked: &[u32],
    previewed: &str,
    allow_custom_host: bool,
) -> Result<ImportOutcome> {
    let report = import(vault, source, bytes, picked, previewed, allow_custom_host)?;
    Ok(ImportOutcome {
        imported: report.imported.iter().map(|p| ConnectionView::from(p).waiting_in(vault, p)).collect(),
        skipped: report
            .skipped
            .into_iter()
            .map(|s| ImportSkipped { name: s.name, reason: s.reason })
            .collect(),
    })
}

/// A connection as a reader found it, before names and checks.
#[derive(Debug, Default)]
struct Found {
    source_name: String,
    url: String,
    kind: Option<ImportKind>,
    tenant: Option<String>,
    client_id: Option<String>,
    username: Option<String>,
    imported: Vec<String>,
    not_imported: Vec<String>,
    /// Set when it cannot be imported at all.
    refusal: Option<String>,
}

impl Found {
    fn refuse(mut self, why: impl Into<String>) -> Self {
        self.kind.get_or_insert(ImportKind::Other);
        self.refusal = Some(why.into());
        self
    }

    fn leaves(&mut self, what: impl Into<String>) {
        self.not_imported.push(what.into());
    }
}

/// Reads a file from `source` into its preview, naming each connection so that none clashes with an existing
/// one or another of the file. An instance outside the Dynamics 365 domains is not importable unless
/// `allow_custom_host`. Nothing is saved.
pub fn preview(
    vault: &Vault,
    source: ImportSource,
    bytes: &[u8],
    allow_custom_host: bool,
) -> Result<ImportPreview> {
    let text = decode(source, bytes)?;
    let found = match source {
        ImportSource::XrmToolBox => xrmtoolbox::read(&text)?,
        ImportSource::Pac => pac::read(&text)?,
    };
    let mut taken: HashSet<String> = vault.list()?.iter().map(|p| p.name.to_lowercase()).collect();
    let items = found
        .into_iter()
        .zip(1..)
        .map(|(found, number)| item(found, number, &mut taken, allow_custom_host))
        .collect();
    Ok(ImportPreview { source, items, sha256: sha256_of(bytes) })
}

/// Reads the file again and saves the picked items (by number) that are importable, in one write; the others
/// picked are reported as skipped with their reason. `previewed` is the preview's [`ImportPreview::sha256`]:
/// the numbers are the preview's, so a file changed since is refused.
pub fn import(
    vault: &Vault,
    source: ImportSource,
    bytes: &[u8],
    picked: &[u32],
    previewed: &str,
    allow_custom_host: bool,
) -> Result<ImportReport> {
    if !sha256_of(bytes).eq_ignore_ascii_case(previewed.trim()) {
        return Err(DataverseError::new(
            "input.import_changed",
            "The file changed since its preview: preview it again. Nothing was imported.",
            None,
        )
        .into());
    }
    let preview = preview(vault, source, bytes, allow_custom_host)?;
    if let Some(missing) = picked.iter().find(|n| !preview.items.iter().any(|i| i.number == **n)) {
        return Err(format_error(
            source,
            format!("there is no connection {missing}; the file has {}", preview.items.len()),
        )
        .into());
    }
    let (mut drafts, mut skipped) = (Vec::new(), Vec::new());
    for item in preview.items.into_iter().filter(|i| picked.contains(&i.number)) {
        match item.connection {
            Some(draft) => drafts.push(draft),
            None => skipped.push(Skipped {
                name: item.source_name,
                reason: item.reason.unwrap_or_else(|| "It cannot be imported.".into()),
            }),
        }
    }
    // Whom a user connection signed in as elsewhere (so that its first sign-in suggests it), in the same write.
    let mut report =
        vault.import_with_usernames(drafts.into_iter().map(|d| (d.profile, d.username)).collect())?;
    report.skipped.extend(skipped);
    Ok(report)
}

fn item(found: Found, number: u32, taken: &mut HashSet<String>, allow_custom_host: bool) -> ImportItem {
    let kind = found.kind.unwrap_or(ImportKind::Other);
    let base = if found.source_name.trim().is_empty() {
        host_of(&found.url).unwrap_or_else(|| format!("Imported {number}"))
    } else {
        found.source_name.trim().chars().take(90).collect()
    };
    let mut item = ImportItem {
        number,
        source_name: found.source_name.clone(),
        instance_url: found.url.clone(),
        kind,
        name: base.clone(),
        importable: false,
        what_is_imported: found.imported.clone(),
        what_is_not: found.not_imported.clone(),
        reason: found.refusal.clone(),
        connection: None,
    };
    if item.reason.is_some() {
        item.what_is_imported.clear();
        return item;
    }
    match draft(&found, kind, allow_custom_host) {
        Ok((profile, warning)) => {
            item.instance_url = profile.instance_url.clone();
            item.what_is_imported.insert(0, settings(&found));
            item.what_is_imported.extend(warning);
            item.name = free_name(&base, taken);
            item.importable = true;
            item.connection = Some(Draft {
                profile: PortableProfile { name: item.name.clone(), ..profile },
                username: found.username,
            });
        }
        Err(reason) => {
            item.what_is_imported.clear();
            item.reason = Some(reason);
        }
    }
    item
}

/// The settings an item brings, as the preview says them.
fn settings(found: &Found) -> String {
    let mut parts = vec!["its name", "instance URL"];
    parts.extend(found.tenant.as_ref().map(|_| "tenant"));
    parts.extend(found.client_id.as_ref().map(|_| "client ID"));
    let last = parts.pop().unwrap_or_default();
    format!("{} and {last}", parts.join(", "))
}

/// The profile an item saves, checked as `connection add` checks it; an unusual host comes back as a note.
fn draft(
    found: &Found,
    kind: ImportKind,
    allow_custom_host: bool,
) -> std::result::Result<(PortableProfile, Option<String>), String> {
    let cloud = host_of(&found.url).and_then(|h| Cloud::of_org_host(&h)).unwrap_or_default();
    let instance = input::instance(&found.url, cloud, allow_custom_host).map_err(|e| {
        if e.kind == "input.unknown_host" {
            format!(
                "{} If it really is a Dataverse environment behind a custom domain, import it with `d365 \
                 connection import --allow-custom-host`, or add it by hand.",
                e.message
            )
        } else {
            e.to_string()
        }
    })?;
    let tenant = found.tenant.as_deref().map(input::tenant).transpose().map_err(|e| e.to_string())?;
    let client_id =
        found.client_id.as_deref().map(input::client_id).transpose().map_err(|e| e.to_string())?;
    let kind = match kind {
        ImportKind::OrgSecret => ConnectionKind::Org,
        ImportKind::OrgCertificate => ConnectionKind::Certificate,
        ImportKind::User => ConnectionKind::User,
        ImportKind::Other => return Err("D365 Desk cannot connect this way.".into()),
    };
    let (tenant, client_id) = if kind.is_app() {
        let tenant = tenant.ok_or(
            "The file does not say the app's tenant (XrmToolBox keeps it once a connection has been used); add \
             the connection with `d365 connection add org`.",
        )?;
        let tenant = input::app_tenant(&tenant).map_err(|e| e.to_string())?;
        let client_id = client_id.ok_or("The file does not say the app's client ID.")?;
        (tenant, client_id)
    } else {
        (
            tenant.unwrap_or_else(|| "organizations".into()),
            client_id.unwrap_or_else(|| SAMPLE_CLIENT_ID.into()),
        )
    };
    let profile = PortableProfile {
        name: String::new(),
        kind,
        instance_url: instance.resource(),
        tenant: Some(tenant),
        client_id: Some(client_id),
        cloud,
        authority: None,
        tag: None,
        read_only: false,
        certificate: None,
    };
    Ok((profile, instance.warning))
}

/// `base`, or `base (2)`, `base (3)`… the first not taken (names compare without case, as the vault does).
fn free_name(base: &str, taken: &mut HashSet<String>) -> String {
    let name = (1..)
        .map(|n| if n == 1 { base.to_owned() } else { format!("{base} ({n})") })
        .find(|candidate| !taken.contains(&candidate.to_lowercase()))
        .unwrap_or_else(|| base.to_owned());
    taken.insert(name.to_lowercase());
    name
}

fn host_of(url: &str) -> Option<String> {
    let with_scheme = if url.contains("://") { url.to_owned() } else { format!("https://{url}") };
    url::Url::parse(&with_scheme).ok()?.host_str().map(str::to_owned)
}

/// The file's text: UTF-8 (a BOM dropped) or, as .NET may write XML, UTF-16 with its BOM.
fn decode(source: ImportSource, bytes: &[u8]) -> Result<String> {
    let text = if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        String::from_utf8(rest.to_vec()).ok()
    } else if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        utf16(rest, u16::from_le_bytes)
    } else if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        utf16(rest, u16::from_be_bytes)
    } else {
        String::from_utf8(bytes.to_vec()).ok()
    };
    let text = text.ok_or_else(|| format_error(source, "it is not text (neither UTF-8 nor UTF-16)"))?;
    if text.trim().is_empty() {
        return Err(format_error(source, "the file is empty").into());
    }
    Ok(text)
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Option<String> {
    let units: Vec<u16> = bytes.chunks(2).map(|c| unit([c[0], *c.get(1).unwrap_or(&0)])).collect();
    String::from_utf16(&units).ok()
}

/// A file that is not what it should be: said once, with what was wrong, and nothing imported.
fn format_error(source: ImportSource, what: impl Into<String>) -> DataverseError {
    DataverseError::new(
        "input.import_file",
        format!("This is not a usable {}: {}. Nothing was imported.", source.label(), what.into()),
        Some(match source {
            ImportSource::XrmToolBox => {
                "Pick a connection file: XrmToolBox lists them under Connections → Manage \
                                         connections, or in %APPDATA%\\MscrmTools\\XrmToolBox\\Connections."
                    .to_owned()
            }
            ImportSource::Pac => {
                "Pick authprofiles_v2.json from %LOCALAPPDATA%\\Microsoft\\PowerAppsCli (Windows) \
                                  or ~/.local/share/Microsoft/PowerAppsCli."
                    .to_owned()
            }
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_name_gets_the_first_free_suffix() {
        let mut taken: HashSet<String> = ["contoso".to_owned(), "contoso (2)".to_owned()].into();
        assert_eq!(free_name("Contoso", &mut taken), "Contoso (3)");
        assert_eq!(free_name("Contoso", &mut taken), "Contoso (4)");
        assert_eq!(free_name("Fabrikam", &mut taken), "Fabrikam");
        assert_eq!(free_name("FABRIKAM", &mut taken), "FABRIKAM (2)");
    }

    #[test]
    fn text_is_read_as_utf8_or_utf16_and_an_empty_file_is_refused() {
        let utf16: Vec<u8> =
            [0xFF, 0xFE].into_iter().chain("<a/>".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(decode(ImportSource::XrmToolBox, &utf16).expect("utf-16"), "<a/>");
        assert_eq!(decode(ImportSource::Pac, b"\xEF\xBB\xBF{}").expect("bom"), "{}");
        let empty = decode(ImportSource::Pac, b"  \n").expect_err("empty");
        assert!(empty.to_string().contains("the file is empty"), "{empty}");
        assert!(decode(ImportSource::Pac, &[0xC3, 0x28]).is_err());
    }
}
