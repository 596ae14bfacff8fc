//! What deleting a row does to the rows whose lookups point to it, relationship by relationship, as
//! Dataverse's `CascadeConfiguration.Delete` says (Microsoft Learn, "Configure table relationship cascading
//! behavior"): parental relationships delete the children (`Cascade`), referential ones clear the lookup
//! (`RemoveLink`), and a restricted one refuses the delete while any child exists (`Restrict`,
//! `0x80040227` CannotDeleteDueToAssociation). The whole delete is one transaction: a refusal anywhere
//! in the tree leaves every row as it was.

use std::collections::HashSet;

use axum::http::StatusCode;
use rusqlite::Connection;
use serde_json::{Value, json};

use super::errors::DataverseError;
use crate::data::schema::{ColumnKind, Table};
use crate::data::store::{next_version, quote};

/// What deleting the referenced row does to a referencing row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteBehaviour {
    Cascade,
    RemoveLink,
    Restrict,
}

impl DeleteBehaviour {
    /// The relationship's `CascadeConfiguration`: parental relationships cascade everything; referential
    /// ones nothing but the delete's own behaviour.
    pub fn configuration(self) -> Value {
        let (all, delete) = match self {
            DeleteBehaviour::Cascade => ("Cascade", "Cascade"),
            DeleteBehaviour::RemoveLink => ("NoCascade", "RemoveLink"),
            DeleteBehaviour::Restrict => ("NoCascade", "Restrict"),
        };
        json!({
            "Assign": all, "Delete": delete, "Merge": all, "Reparent": all, "Share": all, "Unshare": all,
            "RollupView": "NoCascade", "Archive": "NoCascade",
        })
    }
}

/// The sandbox's relationships' delete behaviour, after Dataverse's system relationships: a customer's
/// contacts, opportunities and cases are its children (parental); owners, business units and currencies
/// are never deleted from under their rows (restrict); every other lookup is referential.
pub fn delete_behaviour(referencing: &str, column: &str, referenced: &str) -> DeleteBehaviour {
    match (referencing, column, referenced) {
        ("contact", "parentcustomerid", _) | ("opportunity" | "incident", "customerid", _) => {
            DeleteBehaviour::Cascade
        }
        (_, "ownerid" | "owninguser" | "owningteam", _) => DeleteBehaviour::Restrict,
        (_, _, "businessunit" | "transactioncurrency") => DeleteBehaviour::Restrict,
        _ => DeleteBehaviour::RemoveLink,
    }
}

fn storage(err: rusqlite::Error) -> DataverseError {
    DataverseError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "0x80040216",
        format!("The sandbox's store failed: {err}"),
    )
}

/// The rows of `referencing` whose `column` holds `id`.
fn children(conn: &Connection, referencing: &Table, column: &str, id: &str) -> rusqlite::Result<Vec<String>> {
    let sql = format!(
        "SELECT {} FROM {} WHERE {} = ?1",
        quote(referencing.primary_id),
        quote(referencing.logical_name),
        quote(column)
    );
    let mut statement = conn.prepare(&sql)?;
    let found = statement.query_map([id], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(found)
}

/// Deletes `id` of `table` and follows every relationship to it: the children of parental ones deleted
/// (and theirs, and so on), the lookups of referential ones cleared; refused, with nothing changed, when a
/// restricted relationship has a child anywhere in that tree. Every deleted row is recorded for change
/// tracking, every cleared lookup gets a new row version.
pub fn delete(conn: &Connection, tables: &[Table], table: &Table, id: &str) -> Result<(), DataverseError> {
    // First the whole tree, so that a restriction found deep in it refuses before anything changes.
    let mut doomed: Vec<(&Table, String)> = Vec::new();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut unlink: Vec<(&Table, &str, String)> = Vec::new();
    let mut queue = vec![(table, id.to_owned())];
    while let Some((current, row)) = queue.pop() {
        if !seen.insert((current.logical_name.to_owned(), row.clone())) {
            continue;
        }
        for referencing in tables {
            for column in &referencing.columns {
                let ColumnKind::Lookup { targets } = column.kind else { continue };
                if !targets.contains(&current.logical_name) {
                    continue;
                }
                let found = children(conn, referencing, column.logical_name, &row).map_err(storage)?;
                if found.is_empty() {
                    continue;
                }
                match delete_behaviour(referencing.logical_name, column.logical_name, current.logical_name) {
                    DeleteBehaviour::Cascade => {
                        queue.extend(found.into_iter().map(|child| (referencing, child)));
                    }
                    DeleteBehaviour::RemoveLink => {
                        unlink
                            .extend(found.into_iter().map(|child| (referencing, column.logical_name, child)));
                    }
                    DeleteBehaviour::Restrict => {
                        // The status is unconfirmed; the code and message are Dataverse's.
                        return Err(DataverseError::new(
                            StatusCode::BAD_REQUEST,
                            "0x80040227",
                            "The object you tried to delete is associated with another object and cannot be \
                             deleted.",
                        ));
                    }
                }
            }
        }
        doomed.push((current, row));
    }
    for (referencing, column, child) in unlink {
        if seen.contains(&(referencing.logical_name.to_owned(), child.clone())) {
            continue; // deleted anyway
        }
        let version = next_version(conn).map_err(storage)?;
        let sql = format!(
            "UPDATE {} SET {} = NULL, versionnumber = ?1 WHERE {} = ?2",
            quote(referencing.logical_name),
            quote(column),
            quote(referencing.primary_id)
        );
        conn.execute(&sql, rusqlite::params![version, child]).map_err(storage)?;
    }
    for (table, row) in doomed {
        let sql = format!("DELETE FROM {} WHERE {} = ?1", quote(table.logical_name), quote(table.primary_id));
        conn.execute(&sql, [&row]).map_err(storage)?;
        let version = next_version(conn).map_err(storage)?;
        conn.execute(
            "INSERT INTO sandbox_deleted VALUES (?1, ?2, ?3)",
            rusqlite::params![table.logical_name, row, version],
        )
        .map_err(storage)?;
    }
    Ok(())
}
