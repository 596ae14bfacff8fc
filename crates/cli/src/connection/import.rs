//! `d365 connection import --from xrmtoolbox|pac FILE`: the other tool's connections previewed as a table,
//! then the picked ones saved without their secrets.

use d365_connections::import::{self, ImportItem};
use d365_connections::{ImportPreview, ImportSource};
use d365_vault::{ConnectionKind, Profile, Vault};
use serde_json::json;

use crate::args::ImportFromArg;
use crate::output::{Done, Failure};

/// Which items to bring: by number, all that can be, or none (a preview).
pub struct Picked {
    pub numbers: Vec<u32>,
    pub all: bool,
    pub dry_run: bool,
    /// Instances outside the Dynamics 365 domains may be imported.
    pub allow_custom_host: bool,
}

pub fn from_tool(vault: &Vault, from: ImportFromArg, file: &str, picked: Picked) -> Result<Done, Failure> {
    let source = match from {
        ImportFromArg::Xrmtoolbox => ImportSource::XrmToolBox,
        ImportFromArg::Pac => ImportSource::Pac,
    };
    let bytes = d365_connections::read_small_file(
        std::path::Path::new(file),
        d365_connections::MAX_IMPORT_FILE,
        "a connection file",
    )
    .map_err(|e| Failure::other("input.unreadable", format!("Could not read {file}: {e}")))?;
    let preview = import::preview(vault, source, &bytes, picked.allow_custom_host)?;
    let numbers: Vec<u32> = if picked.all {
        preview.items.iter().filter(|i| i.importable).map(|i| i.number).collect()
    } else {
        picked.numbers
    };
    let mut human = table(&preview);
    if picked.dry_run || numbers.is_empty() {
        if !preview.items.is_empty() {
            human.push_str(if picked.dry_run {
                "\nNothing imported (--dry-run)."
            } else if picked.all {
                "\nNothing imported: none of them can be."
            } else {
                "\nNothing imported: pick with --pick N,M or --all."
            });
        }
        let json = json!({ "source": source, "items": preview.items, "imported": [], "skipped": [] });
        return Ok(Done::Value { json, human });
    }
    let report = import::import(vault, source, &bytes, &numbers, &preview.sha256, picked.allow_custom_host)?;
    human.push('\n');
    for profile in &report.imported {
        human.push_str(&format!("\nImported {}: {}", profile.name, waits_for(profile)));
    }
    for skipped in &report.skipped {
        human.push_str(&format!("\nSkipped {}: {}", skipped.name, skipped.reason));
    }
    let json = json!({
        "source": source,
        "items": preview.items,
        "imported": report.imported,
        "skipped": report.skipped,
    });
    Ok(Done::Value { json, human })
}

/// What an imported connection needs before it can be used, and the command that gives it.
fn waits_for(profile: &Profile) -> String {
    // Quoted for a POSIX shell: the name came from the imported file, and the line is meant to be pasted.
    let name = profile.name.replace('\'', "'\\''");
    match profile.kind {
        ConnectionKind::Certificate => {
            format!("needs its certificate: d365 connection set-secret '{name}' --certificate FILE")
        }
        ConnectionKind::User => format!("needs a sign-in: d365 connection sign-in '{name}'"),
        _ => format!("needs its client secret: d365 connection set-secret '{name}' --client-secret-stdin"),
    }
}

/// The preview: one line per connection, then what comes over and what does not.
fn table(preview: &ImportPreview) -> String {
    if preview.items.is_empty() {
        return "The file holds no connections.".into();
    }
    let width =
        |f: fn(&ImportItem) -> usize, min: usize| preview.items.iter().map(f).max().unwrap_or(0).max(min);
    let name_width = width(|i| i.name.chars().count(), 4);
    let kind_width = width(|i| i.kind.label().len(), 4);
    let url_width = width(|i| i.instance_url.chars().count(), 8);
    let mut lines = vec![format!(
        "{:>3}  {:name_width$}  {:kind_width$}  {:url_width$}  IMPORT",
        "#", "NAME", "KIND", "INSTANCE"
    )];
    for item in &preview.items {
        let import = if item.importable { "yes".to_owned() } else { "no".to_owned() };
        lines.push(format!(
            "{:>3}  {:name_width$}  {:kind_width$}  {:url_width$}  {import}",
            item.number,
            item.name,
            item.kind.label(),
            item.instance_url
        ));
        if item.name != item.source_name && !item.source_name.is_empty() {
            lines.push(format!("       (\"{}\" in the file; that name is taken here)", item.source_name));
        }
        for what in &item.what_is_imported {
            lines.push(format!("       + {what}"));
        }
        for what in &item.what_is_not {
            lines.push(format!("       - not imported: {what}"));
        }
        if let Some(reason) = &item.reason {
            lines.push(format!("       ! cannot be imported: {reason}"));
        }
    }
    lines.join("\n")
}
