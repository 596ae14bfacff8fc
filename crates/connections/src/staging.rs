//! Edits staged in the window, not yet sent: updates of one column of a record, new records, deletions.
//! They are journaled to disk as they are made (one file per connection, written atomically), so a crash,
//! a closed window or a sign-in that expired loses nothing. The journal holds what the person typed and
//! the versions they read; never a secret or a token.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use d365_dataverse::DataverseError;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Result;

/// One staged change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PendingChange {
    /// A column of a record set to a new value (`null` clears it). `etag` is the version read: the commit
    /// sends it as `If-Match`, so a record changed meanwhile is a conflict, not overwritten.
    Update {
        table: String,
        id: String,
        etag: Option<String>,
        column: String,
        /// The value read, as the grid showed it (raw text), for the review and for undo.
        old: Option<String>,
        /// As the editors give it: text for numbers (exact), an option's value, a lookup's `set(id)`.
        #[cfg_attr(feature = "specta", specta(type = d365_common::Json))]
        new: Value,
    },
    /// A new record of `table`, `key` naming it until it exists.
    Create {
        table: String,
        key: String,
        #[cfg_attr(feature = "specta", specta(type = BTreeMap<String, d365_common::Json>))]
        values: BTreeMap<String, Value>,
    },
    Delete {
        table: String,
        id: String,
        etag: Option<String>,
        /// Its primary name, for the confirmation and the review.
        name: String,
    },
}

impl PendingChange {
    pub fn table(&self) -> &str {
        match self {
            PendingChange::Update { table, .. }
            | PendingChange::Create { table, .. }
            | PendingChange::Delete { table, .. } => table,
        }
    }

    /// The record it is about: its id, or a new record's key.
    pub fn record(&self) -> &str {
        match self {
            PendingChange::Update { id, .. } | PendingChange::Delete { id, .. } => id,
            PendingChange::Create { key, .. } => key,
        }
    }

    /// One key per change, as the window's (`pendingList.ts` `changeKey`): a column of a record is changed
    /// once, whatever was staged on it since.
    pub fn key(&self) -> String {
        match self {
            PendingChange::Update { table, id, column, .. } => format!("update|{table}|{id}|{column}"),
            PendingChange::Create { table, key, .. } => format!("create|{table}|{key}"),
            PendingChange::Delete { table, id, .. } => format!("delete|{table}|{id}"),
        }
    }
}

/// Where a connection's staged changes are kept between starts.
#[derive(Debug, Clone)]
pub struct Journal {
    dir: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct JournalFile {
    /// The layout of this file; a newer one is refused rather than misread.
    version: u32,
    changes: Vec<PendingChange>,
}

const JOURNAL_VERSION: u32 = 1;

impl Journal {
    /// Journals under `dir` (the app's data directory's `pending` folder).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    fn file(&self, connection: &str) -> PathBuf {
        // Connection ids are UUIDs or "sandbox"; anything else is kept out of the path.
        let safe: String =
            connection.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
        self.dir.join(format!("{safe}.json"))
    }

    /// Replaces the connection's journal with `changes` (removes it when there are none).
    pub fn save(&self, connection: &str, changes: &[PendingChange]) -> Result<()> {
        let path = self.file(connection);
        if changes.is_empty() {
            return match std::fs::remove_file(&path) {
                Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(io_error(&path, &err)),
                _ => Ok(()),
            };
        }
        let file = JournalFile { version: JOURNAL_VERSION, changes: changes.to_vec() };
        let bytes = serde_json::to_vec_pretty(&file).unwrap_or_default();
        d365_common::files::write_private(&path, &bytes).map_err(|err| io_error(&path, &err))
    }

    /// The connection's staged changes (none when it has no journal).
    pub fn load(&self, connection: &str) -> Result<Vec<PendingChange>> {
        let path = self.file(connection);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(err) => return Err(io_error(&path, &err)),
        };
        let file: JournalFile = serde_json::from_slice(&bytes).map_err(|err| {
            DataverseError::new(
                "app.journal_damaged",
                format!("The staged changes in {} cannot be read: {err}.", path.display()),
                Some("Move the file away to start without them; it is plain JSON if you need them.".into()),
            )
        })?;
        if file.version > JOURNAL_VERSION {
            return Err(DataverseError::new(
                "app.journal_newer",
                format!("The staged changes in {} were written by a newer D365 Desk.", path.display()),
                Some("Open them with that version, or move the file away.".into()),
            )
            .into());
        }
        Ok(file.changes)
    }

    /// The connections that have staged changes, for the offer to resume at start.
    pub fn connections(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return Vec::new() };
        let mut found: Vec<String> = entries
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.strip_suffix(".json").map(str::to_owned))
            .collect();
        found.sort();
        found
    }
}

fn io_error(path: &Path, err: &std::io::Error) -> crate::ConnectionError {
    DataverseError::new(
        "app.journal_io",
        format!("The staged changes could not be kept in {}: {err}.", path.display()),
        Some("Check that the app's data folder is writable and the disk has room.".into()),
    )
    .into()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn update(column: &str, new: Value) -> PendingChange {
        PendingChange::Update {
            table: "account".into(),
            id: "3f2504e0-4f89-11d3-9a0c-0305e82c3301".into(),
            etag: Some("W/\"7\"".into()),
            column: column.into(),
            old: Some("12.5000".into()),
            new,
        }
    }

    fn temp() -> PathBuf {
        let unique = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        std::env::temp_dir().join(format!("d365desk-journal-{}-{unique}", std::process::id()))
    }

    #[test]
    fn a_journal_keeps_the_changes_exactly_and_is_gone_when_they_are() {
        let dir = temp();
        let journal = Journal::new(&dir);
        assert_eq!(journal.load("c-1").unwrap(), Vec::new());
        let changes = vec![
            update("revenue", json!("12345678901234.5678")),
            PendingChange::Create {
                table: "contact".into(),
                key: "new-1".into(),
                values: BTreeMap::from([("lastname".into(), json!("Ng"))]),
            },
            PendingChange::Delete { table: "account".into(), id: "x".into(), etag: None, name: "Old".into() },
        ];
        journal.save("c-1", &changes).unwrap();
        assert_eq!(journal.load("c-1").unwrap(), changes);
        assert_eq!(journal.connections(), ["c-1"]);
        let text = std::fs::read_to_string(dir.join("c-1.json")).unwrap();
        assert!(text.contains("\"12345678901234.5678\""), "numbers stay exact text: {text}");
        journal.save("c-1", &[]).unwrap();
        assert!(!dir.join("c-1.json").exists());
        journal.save("c-1", &[]).unwrap();
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_damaged_or_newer_journal_is_refused_and_left_in_place() {
        let dir = temp();
        let journal = Journal::new(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("c-1.json"), "{ not json").unwrap();
        assert_eq!(journal.load("c-1").unwrap_err().kind(), "app.journal_damaged");
        std::fs::write(dir.join("c-2.json"), r#"{"version":9,"changes":[]}"#).unwrap();
        assert_eq!(journal.load("c-2").unwrap_err().kind(), "app.journal_newer");
        assert!(dir.join("c-1.json").exists(), "nothing is thrown away");
        assert_eq!(journal.file("../../etc/passwd"), dir.join("______etc_passwd.json"));
        let _ = std::fs::remove_dir_all(dir);
    }
}
