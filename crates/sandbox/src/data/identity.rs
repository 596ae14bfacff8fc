//! What the identity provider keeps with the organisation's rows, so that a sandbox on a data file
//! remembers across restarts: its signing key and secrets (`sandbox_identity`), the users' consents
//! (`sandbox_consents`) and the refresh tokens it issued (`sandbox_refresh_tokens`, by SHA-256 hash only:
//! the token itself is a secret and is never written). In memory they go when the sandbox stops, as before.

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::identity::scopes::Scopes;
use crate::state::RefreshGrant;

/// The tables; `IF NOT EXISTS`, so that a file of the layout before them gains them as it is opened.
pub fn create(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS sandbox_identity (key TEXT PRIMARY KEY, value TEXT NOT NULL);
         CREATE TABLE IF NOT EXISTS sandbox_consents (
             user_id TEXT NOT NULL, client_id TEXT NOT NULL, PRIMARY KEY (user_id, client_id));
         CREATE TABLE IF NOT EXISTS sandbox_refresh_tokens (
             token_hash TEXT PRIMARY KEY, client_id TEXT NOT NULL, user_id TEXT NOT NULL,
             scope TEXT NOT NULL, last_used INTEGER NOT NULL);",
    )
}

/// The value kept under `key`, made by `make` and kept the first time. When two processes open the same
/// file at once, the first value written is the one both use.
pub fn remembered<E>(
    conn: &Connection,
    key: &str,
    make: impl FnOnce() -> Result<String, E>,
) -> Result<Result<String, E>, rusqlite::Error> {
    let get = |conn: &Connection| {
        conn.query_row("SELECT value FROM sandbox_identity WHERE key = ?1", params![key], |r| r.get(0))
            .optional()
    };
    if let Some(value) = get(conn)? {
        return Ok(Ok(value));
    }
    let value = match make() {
        Ok(value) => value,
        Err(err) => return Ok(Err(err)),
    };
    conn.execute("INSERT OR IGNORE INTO sandbox_identity VALUES (?1, ?2)", params![key, value])?;
    Ok(Ok(get(conn)?.unwrap_or(value)))
}

pub fn consented(conn: &Connection, user: Uuid, client: Uuid) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sandbox_consents WHERE user_id = ?1 AND client_id = ?2)",
        params![user.to_string(), client.to_string()],
        |r| r.get(0),
    )
}

pub fn add_consent(conn: &Connection, user: Uuid, client: Uuid) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO sandbox_consents VALUES (?1, ?2)",
        params![user.to_string(), client.to_string()],
    )
    .map(drop)
}

fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The scopes as a `scope` parameter that parses back to them.
fn scope_text(scopes: &Scopes) -> String {
    let mut items: Vec<String> =
        scopes.permissions.iter().map(|p| format!("{}/{p}", scopes.resource)).collect();
    items.extend(scopes.oidc.iter().cloned());
    items.join(" ")
}

fn nanos(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos()).unwrap_or(i64::MAX)
}

pub fn insert_refresh(conn: &Connection, token: &str, grant: &RefreshGrant) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO sandbox_refresh_tokens VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            token_hash(token),
            grant.client_id.to_string(),
            grant.user.to_string(),
            scope_text(&grant.scopes),
            nanos(grant.last_used),
        ],
    )
    .map(drop)
}

/// Forgets the refresh tokens unused since `before` (expired: the table would otherwise only grow).
pub fn forget_unused_refresh(conn: &Connection, before: OffsetDateTime) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM sandbox_refresh_tokens WHERE last_used < ?1", params![nanos(before)]).map(drop)
}

/// The grant behind a refresh token, if the sandbox issued it (a row it cannot read counts as unknown).
pub fn refresh(conn: &Connection, token: &str) -> rusqlite::Result<Option<RefreshGrant>> {
    let row = conn
        .query_row(
            "SELECT client_id, user_id, scope, last_used FROM sandbox_refresh_tokens WHERE token_hash = ?1",
            params![token_hash(token)],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            },
        )
        .optional()?;
    Ok(row.and_then(|(client, user, scope, last_used)| {
        Some(RefreshGrant {
            client_id: client.parse().ok()?,
            user: user.parse().ok()?,
            scopes: Scopes::parse(&scope).ok()?,
            last_used: OffsetDateTime::from_unix_timestamp_nanos(i128::from(last_used)).ok()?,
        })
    }))
}

pub fn touch_refresh(conn: &Connection, token: &str, at: OffsetDateTime) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE sandbox_refresh_tokens SET last_used = ?2 WHERE token_hash = ?1",
        params![token_hash(token), nanos(at)],
    )
    .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refresh_token_is_kept_by_its_hash_with_its_grant() {
        let conn = Connection::open_in_memory().unwrap();
        create(&conn).unwrap();
        let grant = RefreshGrant {
            client_id: Uuid::from_u128(1),
            user: Uuid::from_u128(2),
            scopes: Scopes::parse("http://127.0.0.1:5/user_impersonation offline_access").unwrap(),
            last_used: OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_789).unwrap(),
        };
        insert_refresh(&conn, "the-token", &grant).unwrap();
        let kept: String =
            conn.query_row("SELECT token_hash FROM sandbox_refresh_tokens", [], |r| r.get(0)).unwrap();
        assert!(!kept.contains("the-token") && kept.len() == 64, "{kept}");
        let back = refresh(&conn, "the-token").unwrap().expect("found by the token");
        assert_eq!(
            (back.client_id, back.user, back.last_used),
            (grant.client_id, grant.user, grant.last_used)
        );
        assert_eq!(back.scopes, grant.scopes);
        assert!(refresh(&conn, "another").unwrap().is_none());
        let later = grant.last_used + time::Duration::hours(1);
        touch_refresh(&conn, "the-token", later).unwrap();
        assert_eq!(refresh(&conn, "the-token").unwrap().unwrap().last_used, later);
        // Unused since before the cut: forgotten; used after it: kept.
        forget_unused_refresh(&conn, later).unwrap();
        assert!(refresh(&conn, "the-token").unwrap().is_some(), "used at the cut itself");
        forget_unused_refresh(&conn, later + time::Duration::seconds(1)).unwrap();
        assert!(refresh(&conn, "the-token").unwrap().is_none());
    }

    #[test]
    fn a_remembered_value_is_made_once() {
        let conn = Connection::open_in_memory().unwrap();
        create(&conn).unwrap();
        let first = remembered(&conn, "k", || Ok::<_, ()>("one".into())).unwrap().unwrap();
        let second = remembered(&conn, "k", || Ok::<_, ()>("two".into())).unwrap().unwrap();
        assert_eq!((first.as_str(), second.as_str()), ("one", "one"));
        assert!(!consented(&conn, Uuid::from_u128(1), Uuid::from_u128(2)).unwrap());
        add_consent(&conn, Uuid::from_u128(1), Uuid::from_u128(2)).unwrap();
        add_consent(&conn, Uuid::from_u128(1), Uuid::from_u128(2)).unwrap();
        assert!(consented(&conn, Uuid::from_u128(1), Uuid::from_u128(2)).unwrap());
    }
}
