//! Where the organisation's rows live: SQLite, one SQL table per Dataverse table (columns named by logical
//! name; each lookup has a `<name>__target` column beside it naming the target table), a global row
//! version counter (Dataverse's `versionnumber`, the ETag), and a log of deletions for change tracking.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, params};

use super::schema::Table;
use super::tables;
use crate::error::{Result, SandboxError};

/// Where the data is kept.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Storage {
    /// Gone when the sandbox stops (tests).
    #[default]
    Memory,
    /// A SQLite file: edits survive restarts (the app's embedded sandbox), and so do the signing key, the
    /// secrets, the consents and the refresh tokens: a sign-in made before a restart still works after it.
    File(PathBuf),
}

/// Bumped when the layout below changes; an older file is refused rather than misread.
/// 2: money and decimals became exact text (they were REAL). 3: the views tables (savedquery, userquery).
/// 4: what the identity provider remembers (signing key, secrets, consents, refresh tokens); a version 3
/// file gains those tables as it is opened, its rows untouched.
const SCHEMA_VERSION: i64 = 4;

pub struct Store {
    connection: Mutex<Connection>,
    tables: Vec<Table>,
}

/// Quotes an identifier for SQL. Identifiers come from the schema, never straight from a request.
pub fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

pub fn target_column(lookup: &str) -> String {
    format!("{lookup}__target")
}

impl Store {
    /// Opens the store, creating and seeding it with `seed` accounts (and proportional related rows) when
    /// it is new.
    pub fn open(storage: &Storage, seed: u32, directory: &crate::directory::Directory) -> Result<Self> {
        let db_err = |e: rusqlite::Error| SandboxError::Storage(e.to_string());
        let connection = match storage {
            Storage::Memory => Connection::open_in_memory(),
            Storage::File(path) => Connection::open(path).and_then(|connection| {
                // The data file holds the sandbox's rows (and its journal files take its mode): private.
                d365_common::files::make_private(path)
                    .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
                Ok(connection)
            }),
        }
        .map_err(db_err)?;
        super::decimal::register(&connection).map_err(db_err)?;
        connection.pragma_update(None, "journal_mode", "WAL").map_err(db_err)?;
        connection.pragma_update(None, "synchronous", "NORMAL").map_err(db_err)?;
        let store = Self { connection: Mutex::new(connection), tables: tables::all() };
        let existing: Option<i64> = {
            let conn = store.lock();
            conn.execute_batch(
                "CREATE TABLE IF NOT EXISTS sandbox_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
            )
            .map_err(db_err)?;
            conn.query_row("SELECT value FROM sandbox_meta WHERE key = 'schema_version'", [], |r| r.get(0))
                .optional()
                .map_err(db_err)?
        };
        match existing {
            Some(SCHEMA_VERSION) => Ok(store),
            Some(3) => {
                let mut conn = store.lock();
                let tx = conn.transaction().map_err(db_err)?;
                super::identity::create(&tx).map_err(db_err)?;
                tx.execute(
                    "UPDATE sandbox_meta SET value = ?1 WHERE key = 'schema_version'",
                    params![SCHEMA_VERSION],
                )
                .map_err(db_err)?;
                tx.commit().map_err(db_err)?;
                drop(conn);
                Ok(store)
            }
            Some(other) => Err(SandboxError::Storage(format!(
                "the data file has layout version {other}; this sandbox reads version {SCHEMA_VERSION}. \
                 Move the file away to start with fresh data."
            ))),
            None => {
                let mut conn = store.lock();
                let tx = conn.transaction().map_err(db_err)?;
                create_schema(&tx, &store.tables).map_err(db_err)?;
                super::seed::seed(&tx, &store.tables, directory, seed).map_err(db_err)?;
                tx.execute("INSERT INTO sandbox_meta VALUES ('schema_version', ?1)", params![SCHEMA_VERSION])
                    .map_err(db_err)?;
                tx.commit().map_err(db_err)?;
                drop(conn);
                Ok(store)
            }
        }
    }

    /// The connection, even if a request panicked while holding it (SQLite rolls back what it did not commit).
    pub fn lock(&self) -> MutexGuard<'_, Connection> {
        self.connection.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The value the store keeps under `key` (see [`super::identity::remembered`]).
    pub fn remembered(&self, key: &str, make: impl FnOnce() -> Result<String>) -> Result<String> {
        super::identity::remembered(&self.lock(), key, make)
            .map_err(|e| SandboxError::Storage(e.to_string()))?
    }

    pub fn tables(&self) -> &[Table] {
        &self.tables
    }

    pub fn table(&self, logical_name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.logical_name == logical_name)
    }

    /// The table behind an entity set name; case-sensitive, as in Dataverse.
    pub fn by_entity_set(&self, entity_set: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.entity_set == entity_set)
    }
}

fn create_schema(conn: &Connection, tables: &[Table]) -> rusqlite::Result<()> {
    conn.execute_batch(
        "INSERT INTO sandbox_meta VALUES ('next_version', 1000);
         CREATE TABLE sandbox_deleted (tablename TEXT NOT NULL, id TEXT NOT NULL, versionnumber INTEGER NOT NULL);
         CREATE INDEX sandbox_deleted_version ON sandbox_deleted (tablename, versionnumber);",
    )?;
    super::identity::create(conn)?;
    for table in tables {
        let mut columns = Vec::new();
        for column in &table.columns {
            let mut definition = format!("{} {}", quote(column.logical_name), column.kind.sql_type());
            if column.logical_name == table.primary_id {
                definition.push_str(" PRIMARY KEY NOT NULL");
            }
            columns.push(definition);
            if column.kind.is_lookup() {
                columns.push(format!("{} TEXT", quote(&target_column(column.logical_name))));
            }
        }
        let name = quote(table.logical_name);
        conn.execute_batch(&format!("CREATE TABLE {name} ({});", columns.join(", ")))?;
        conn.execute_batch(&format!(
            "CREATE INDEX {} ON {name} (versionnumber);",
            quote(&format!("{}_versionnumber", table.logical_name))
        ))?;
        for (key_name, key_columns) in &table.keys {
            let list: Vec<String> = key_columns.iter().map(|c| quote(c)).collect();
            let not_null: Vec<String> =
                key_columns.iter().map(|c| format!("{} IS NOT NULL", quote(c))).collect();
            conn.execute_batch(&format!(
                "CREATE UNIQUE INDEX {} ON {name} ({}) WHERE {};",
                quote(&format!("{}_{key_name}", table.logical_name)),
                list.join(", "),
                not_null.join(" AND ")
            ))?;
        }
    }
    Ok(())
}

/// The next row version: one counter for the whole organisation, as Dataverse's ROWVERSION.
pub fn next_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row(
        "UPDATE sandbox_meta SET value = value + 1 WHERE key = 'next_version' RETURNING value",
        [],
        |row| row.get(0),
    )
}
