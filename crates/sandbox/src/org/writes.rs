//! Writing rows: create (`POST`), update and upsert (`PATCH`, with `If-Match`/`If-None-Match`), delete,
//! single-column `PUT`/`DELETE`, lookups set with `@odata.bind` and cleared with `$ref`. Every value is
//! checked against the metadata first, with Dataverse's messages. Each operation runs on a connection the
//! caller holds, inside the caller's transaction, so `$batch` change sets can group them.

use std::collections::HashMap;

use axum::http::{HeaderMap, Method, StatusCode, header};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, params_from_iter};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::auth::Caller;
use super::errors::DataverseError;
use super::records::{Prefer, not_found, parse_key};
use crate::data::decimal;
use crate::data::schema::{Column, ColumnKind, DateBehavior, Table};
use crate::data::seed::USD_ID;
use crate::data::store::{next_version, quote, target_column};
use crate::state::SandboxState;

/// What a write answers, before it becomes an HTTP response (or a `$batch` part).
#[derive(Debug)]
pub struct Outcome {
    pub status: StatusCode,
    /// `OData-EntityId`: the URL of the created or updated record.
    pub entity_id: Option<String>,
    pub body: Option<Value>,
    pub preference_applied: Option<&'static str>,
}

impl Outcome {
    fn no_content(entity_id: Option<String>) -> Self {
        Self { status: StatusCode::NO_CONTENT, entity_id, body: None, preference_applied: None }
    }
}

fn bad(code: &'static str, message: impl Into<String>) -> DataverseError {
    DataverseError::new(StatusCode::BAD_REQUEST, code, message)
}

pub fn missing_privilege(caller: &Caller, table: &Table, privilege: &str) -> DataverseError {
    let entity = table.display_name.replace(' ', "");
    DataverseError::new(
        StatusCode::FORBIDDEN,
        "0x80040220",
        format!(
            "Principal user (Id={}, type=8, roleCount={}, privilegeCount=0, accessMode=0), is missing prv{privilege}{entity} \
             privilege on OTC={} for entity '{}'. Consider assigning a role with the required privilege.",
            caller.system_user_id,
            u8::from(caller.role.can_read()),
            table.object_type_code,
            table.logical_name
        ),
    )
}

fn now() -> String {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

/// The record a path names: `accounts(<id>)` or `accounts(accountnumber='x')`, split off what follows.
struct Target<'t> {
    table: &'t Table,
    key: Option<String>,
    /// What follows `(...)`: `/name`, `/primarycontactid/$ref`, or empty.
    rest: String,
}

fn target<'t>(state: &'t SandboxState, path: &str) -> Result<Target<'t>, DataverseError> {
    let split = path.find(['(', '/']).unwrap_or(path.len());
    let (entity_set, rest) = path.split_at(split);
    let table =
        state.store.by_entity_set(entity_set).ok_or_else(|| DataverseError::segment_not_found(entity_set))?;
    if let Some(inner) = rest.strip_prefix('(') {
        let close = inner.find(')').ok_or_else(|| bad("0x80060888", format!("Bad key in '{path}'.")))?;
        Ok(Target { table, key: Some(inner[..close].to_owned()), rest: inner[close + 1..].to_owned() })
    } else {
        Ok(Target { table, key: None, rest: rest.to_owned() })
    }
}

/// Runs one write. `path` is what follows `/api/data/v9.2/`, decoded.
#[allow(clippy::too_many_arguments)] // an HTTP request's parts, as a $batch part has them too
pub fn execute(
    state: &SandboxState,
    caller: &Caller,
    conn: &Connection,
    method: &Method,
    path: &str,
    options: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Outcome, DataverseError> {
    if let Some((entity_set, message)) = super::bulk::bound_message(path) {
        return super::bulk::execute(state, caller, conn, method, entity_set, message, body);
    }
    let target = target(state, path)?;
    let table = target.table;
    let prefer = Prefer::from_headers(headers);
    let privilege = match *method {
        Method::POST => "Create",
        Method::DELETE if target.rest.is_empty() => "Delete",
        _ => "Write",
    };
    if !caller.role.can_write() {
        return Err(missing_privilege(caller, table, privilege));
    }
    let if_match = headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok());
    let if_none_match = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok());
    match (method.clone(), target.key.as_deref(), target.rest.as_str()) {
        (Method::POST, None, "") => {
            let values = parse_body(state, table, body, Mode::Create)?;
            check_references(conn, state.store.tables(), &values)?;
            let id = create(caller, conn, table, values)?;
            respond(state, conn, table, &id, options, &prefer, StatusCode::CREATED)
        }
        (Method::PATCH, Some(key), "") => {
            let values = parse_body(state, table, body, Mode::Update)?;
            check_references(conn, state.store.tables(), &values)?;
            let key_values = parse_key(table, key)?;
            match find(conn, table, &key_values)? {
                Some((id, version)) => {
                    if if_none_match == Some("*") {
                        return Err(DataverseError::new(
                            StatusCode::PRECONDITION_FAILED,
                            "0x80040237",
                            "A record with matching key values already exists.",
                        ));
                    }
                    check_if_match(if_match, version)?;
                    update(conn, table, &id, values)?;
                    respond(state, conn, table, &id, options, &prefer, StatusCode::OK)
                }
                None if if_match.is_some() => Err(not_found(table, key)),
                None => {
                    // PATCH without conditions upserts: the key's values become the new row's.
                    let mut values = values;
                    for (name, value) in key_values {
                        values.retain(|(n, _)| n != name);
                        values.push((name.to_owned(), value));
                    }
                    let id = create(caller, conn, table, values)?;
                    respond(state, conn, table, &id, options, &prefer, StatusCode::OK)
                }
            }
        }
        (Method::DELETE, Some(key), "") => {
            let (id, version) =
                find(conn, table, &parse_key(table, key)?)?.ok_or_else(|| not_found(table, key))?;
            check_if_match(if_match, version)?;
            super::cascade::delete(conn, state.store.tables(), table, &id)?;
            Ok(Outcome::no_content(None))
        }
        (method @ (Method::PUT | Method::DELETE), Some(key), rest) => {
            let (id, version) =
                find(conn, table, &parse_key(table, key)?)?.ok_or_else(|| not_found(table, key))?;
            check_if_match(if_match, version)?;
            let property = rest.trim_start_matches('/');
            let (name, is_ref) = match property.strip_suffix("/$ref") {
                Some(nav) => (nav, true),
                None => (property, false),
            };
            let column_name = if is_ref { navigation_column(table, name)?.0.logical_name } else { name };
            let column = writable_column(table, column_name, Mode::Update, is_ref)?;
            let value = if method == Method::PUT {
                let body: Value =
                    serde_json::from_slice(body).map_err(|e| payload_error(table, &e.to_string()))?;
                if is_ref {
                    // `{"@odata.id": "<base>contacts(<id>)"}` sets the lookup, as `@odata.bind` does.
                    let reference = body.get("@odata.id").ok_or_else(|| {
                        bad("0x0", "The body must be {\"@odata.id\": \"<entity set>(<id>)\"}.")
                    })?;
                    let values = bind(state, table, name, reference)?;
                    check_references(conn, state.store.tables(), &values)?;
                    values
                } else {
                    let value =
                        body.get("value").ok_or_else(|| bad("0x0", "The body must be {\"value\": ...}."))?;
                    convert(table, column, value)?
                }
            } else {
                vec![(column.logical_name.to_owned(), SqlValue::Null)]
            };
            update(conn, table, &id, value)?;
            Ok(Outcome::no_content(None))
        }
        _ => Err(DataverseError::no_resource(path)),
    }
}

fn check_if_match(if_match: Option<&str>, version: i64) -> Result<(), DataverseError> {
    match if_match {
        None | Some("*") => Ok(()),
        Some(etag) if etag == format!("W/\"{version}\"") => Ok(()),
        Some(_) => Err(DataverseError::new(
            StatusCode::PRECONDITION_FAILED,
            "0x80060882",
            "The version of the existing record doesn't match the RowVersion property provided.",
        )),
    }
}

fn find(
    conn: &Connection,
    table: &Table,
    key: &[(&str, SqlValue)],
) -> Result<Option<(String, i64)>, DataverseError> {
    let conditions: Vec<String> =
        key.iter().enumerate().map(|(i, (n, _))| format!("{} = ?{}", quote(n), i + 1)).collect();
    let sql = format!(
        "SELECT {}, versionnumber FROM {} WHERE {}",
        quote(table.primary_id),
        quote(table.logical_name),
        conditions.join(" AND ")
    );
    conn.query_row(&sql, params_from_iter(key.iter().map(|(_, v)| v)), |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .map_err(storage)
}

fn storage(e: rusqlite::Error) -> DataverseError {
    if let rusqlite::Error::SqliteFailure(failure, _) = &e
        && failure.code == rusqlite::ErrorCode::ConstraintViolation
    {
        return DataverseError::new(
            StatusCode::PRECONDITION_FAILED,
            "0x80040237",
            "A record with matching key values already exists.",
        );
    }
    DataverseError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "0x80040216",
        format!("An unexpected error occurred: {e}"),
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Create,
    Update,
}

fn payload_error(table: &Table, detail: &str) -> DataverseError {
    bad(
        "0x80048d19",
        format!(
            "Error identified in Payload provided by the user for Entity :'{}', For more information on this error \
             please follow this help link https://go.microsoft.com/fwlink/?linkid=2195293  ----> InnerException : \
             Microsoft.OData.ODataException: {detail}",
            table.logical_name
        ),
    )
}

fn invalid_property(table: &Table, name: &str) -> DataverseError {
    bad(
        "0x0",
        format!(
            "Invalid property '{name}' was found in entity 'Microsoft.Dynamics.CRM.{}'.",
            table.logical_name
        ),
    )
}

/// The column a body property writes, or `None` for one the platform sets (ignored, as Dataverse does).
fn writable_column<'t>(
    table: &'t Table,
    name: &str,
    mode: Mode,
    lookup: bool,
) -> Result<&'t Column, DataverseError> {
    let column = table.column(name).ok_or_else(|| invalid_property(table, name))?;
    if column.kind.is_lookup() != lookup {
        return Err(invalid_property(table, name));
    }
    let allowed = match mode {
        Mode::Create => column.valid_for_create,
        Mode::Update => column.valid_for_update,
    };
    if allowed { Ok(column) } else { Err(invalid_property(table, name)) }
}

/// The body's properties as (column, value) pairs, checked; lookups add their `__target` column.
fn parse_body(
    state: &SandboxState,
    table: &Table,
    body: &[u8],
    mode: Mode,
) -> Result<Vec<(String, SqlValue)>, DataverseError> {
    let json: Value =
        serde_json::from_slice(body).map_err(|e| payload_error(table, &format!("Invalid JSON: {e}")))?;
    let Value::Object(properties) = json else {
        return Err(payload_error(table, "The payload must be a JSON object."));
    };
    let mut values = Vec::new();
    for (name, value) in &properties {
        if let Some(navigation) = name.strip_suffix("@odata.bind") {
            values.extend(bind(state, table, navigation, value)?);
        } else if name.starts_with('@') || name.contains('@') {
            continue; // annotations (`@odata.type`, `x@OData.Community...`) are not data
        } else {
            let column = table.column(name).ok_or_else(|| invalid_property(table, name))?;
            if column.kind.is_lookup() {
                return Err(invalid_property(table, name));
            }
            let platform_set = match mode {
                Mode::Create => !column.valid_for_create,
                Mode::Update => !column.valid_for_update,
            };
            if platform_set {
                continue; // read-only columns in a body are ignored
            }
            values.extend(convert(table, column, value)?);
        }
    }
    Ok(values)
}

/// `primarycontactid@odata.bind: "/contacts(<id>)"` (or `customerid_account@odata.bind` for a polymorphic
/// lookup); `null` clears it.
fn bind(
    state: &SandboxState,
    table: &Table,
    navigation: &str,
    value: &Value,
) -> Result<Vec<(String, SqlValue)>, DataverseError> {
    let (column, fixed_target) = navigation_column(table, navigation)?;
    let ColumnKind::Lookup { targets } = column.kind else {
        return Err(invalid_property(table, navigation));
    };
    if value.is_null() {
        return Ok(vec![
            (column.logical_name.to_owned(), SqlValue::Null),
            (target_column(column.logical_name), SqlValue::Null),
        ]);
    }
    let reference = value
        .as_str()
        .ok_or_else(|| payload_error(table, &format!("'{navigation}@odata.bind' must be a string.")))?;
    let reference =
        reference.rsplit_once("/api/data/v9.2/").map_or(reference, |(_, r)| r).trim_start_matches('/');
    let (entity_set, id) = reference.strip_suffix(')').and_then(|r| r.split_once('(')).ok_or_else(|| {
        payload_error(table, &format!("'{reference}' is not an entity reference like /contacts(<id>)."))
    })?;
    let target =
        state.store.by_entity_set(entity_set).ok_or_else(|| DataverseError::segment_not_found(entity_set))?;
    if !targets.contains(&target.logical_name) || fixed_target.is_some_and(|t| t != target.logical_name) {
        return Err(bad(
            "0x80040203",
            format!("'{navigation}' cannot refer to a {} record.", target.logical_name),
        ));
    }
    let id =
        id.parse::<Uuid>().map_err(|_| payload_error(table, &format!("'{id}' is not a GUID.")))?.to_string();
    Ok(vec![
        (column.logical_name.to_owned(), SqlValue::Text(id)),
        (target_column(column.logical_name), SqlValue::Text(target.logical_name.to_owned())),
    ])
}

/// Every lookup set points to a record that exists, as Dataverse checks (404 `0x80040217` "contact With
/// Id = <id> Does Not Exist").
fn check_references(
    conn: &Connection,
    tables: &[Table],
    values: &[(String, SqlValue)],
) -> Result<(), DataverseError> {
    for (name, value) in values {
        let Some(target_name) = name.strip_suffix("__target") else { continue };
        let (Some((_, SqlValue::Text(id))), SqlValue::Text(target)) =
            (values.iter().find(|(n, _)| n == target_name), value)
        else {
            continue;
        };
        let Some(target) = tables.iter().find(|t| t.logical_name == target) else { continue };
        let sql =
            format!("SELECT 1 FROM {} WHERE {} = ?1", quote(target.logical_name), quote(target.primary_id));
        let exists = conn.query_row(&sql, [id], |_| Ok(())).optional().map_err(storage)?.is_some();
        if !exists {
            return Err(not_found(target, id));
        }
    }
    Ok(())
}

/// The lookup column behind a navigation property: `primarycontactid`, or `customerid_account` for one
/// target of a polymorphic lookup.
fn navigation_column<'t>(
    table: &'t Table,
    navigation: &'t str,
) -> Result<(&'t Column, Option<&'t str>), DataverseError> {
    match table.column(navigation) {
        Some(column) => Ok((column, None)),
        None => {
            let (name, target) =
                navigation.rsplit_once('_').ok_or_else(|| invalid_property(table, navigation))?;
            Ok((table.column(name).ok_or_else(|| invalid_property(table, navigation))?, Some(target)))
        }
    }
}

fn validation(message: String) -> DataverseError {
    bad("0x80044331", format!("A validation error occurred.  {message}"))
}

/// One JSON value checked against its column and converted for SQLite.
fn convert(table: &Table, column: &Column, value: &Value) -> Result<Vec<(String, SqlValue)>, DataverseError> {
    let name = column.logical_name;
    let mismatch = || {
        bad(
            "0x0",
            format!(
                "Cannot convert the literal '{value}' to the expected type '{}'.",
                column.kind.edm_type()
            ),
        )
    };
    let out_of_range = |v: &str, min: i64, max: i64| {
        validation(format!(
            "The value {v} of '{name}' on record of type '{}' is outside the valid range. Accepted Values: {min} to {max}",
            table.logical_name
        ))
    };
    let converted = match (&column.kind, value) {
        (_, Value::Null) => SqlValue::Null,
        (ColumnKind::String { max_length } | ColumnKind::Memo { max_length }, Value::String(s)) => {
            if s.chars().count() > *max_length as usize {
                return Err(validation(format!(
                    "The length of the '{name}' attribute of the '{}' entity exceeded the maximum allowed length of '{max_length}'.",
                    table.logical_name
                )));
            }
            SqlValue::Text(s.clone())
        }
        (ColumnKind::Integer { min, max }, Value::Number(n)) => {
            let v = n.as_i64().ok_or_else(mismatch)?;
            if v < *min || v > *max {
                return Err(out_of_range(&v.to_string(), *min, *max));
            }
            SqlValue::Integer(v)
        }
        (ColumnKind::BigInt, Value::Number(n)) => SqlValue::Integer(n.as_i64().ok_or_else(mismatch)?),
        (kind, Value::Number(n)) if kind.options().is_some() => {
            let v = n.as_i64().ok_or_else(mismatch)?;
            if !kind.options().is_some_and(|o| o.iter().any(|(value, _)| i64::from(*value) == v)) {
                return Err(validation(format!(
                    "The value {v} of '{name}' on record of type '{}' is outside the valid range.",
                    table.logical_name
                )));
            }
            SqlValue::Integer(v)
        }
        (ColumnKind::Double, Value::Number(n)) => {
            let v = n.as_f64().ok_or_else(mismatch)?;
            let limit = decimal::DECIMAL_LIMIT as f64;
            if !(-limit..=limit).contains(&v) {
                return Err(out_of_range(&n.to_string(), -decimal::DECIMAL_LIMIT, decimal::DECIMAL_LIMIT));
            }
            SqlValue::Real(v)
        }
        (kind, Value::Number(n)) if kind.exact_decimal().is_some() => {
            let (precision, scale, limit) = kind.exact_decimal().unwrap_or_default();
            match decimal::stored(&n.to_string(), precision, scale, limit) {
                Ok(text) => SqlValue::Text(text),
                Err(decimal::Refusal::OutOfRange { min, max }) => {
                    return Err(out_of_range(&n.to_string(), min, max));
                }
                Err(decimal::Refusal::NotANumber) => return Err(mismatch()),
            }
        }
        (ColumnKind::Boolean { .. }, Value::Bool(b)) => SqlValue::Integer(i64::from(*b)),
        (ColumnKind::Uniqueidentifier, Value::String(s)) => {
            SqlValue::Text(s.parse::<Uuid>().map_err(|_| mismatch())?.to_string())
        }
        (ColumnKind::DateTime { behavior }, Value::String(s)) => {
            SqlValue::Text(normalise_date(s, *behavior).ok_or_else(mismatch)?)
        }
        (ColumnKind::MultiSelect { options }, Value::String(s)) => {
            let chosen = multi_select(table, column, options, s)?;
            if chosen.is_empty() { SqlValue::Null } else { SqlValue::Text(chosen) }
        }
        _ => return Err(mismatch()),
    };
    Ok(vec![(name.to_owned(), converted)])
}

/// A date as its column's behaviour stores it: user-local ones in UTC, time-zone-independent ones as the
/// clock reads that was sent (an offset given is dropped, not applied), date-only ones as a day.
fn normalise_date(text: &str, behavior: DateBehavior) -> Option<String> {
    use time::format_description::well_known::Rfc3339;
    let date_format = time::macros::format_description!("[year]-[month]-[day]");
    let date_only = behavior == DateBehavior::DateOnly;
    if let Ok(date) = time::Date::parse(text, &date_format) {
        return Some(if date_only { text.to_owned() } else { format!("{date}T00:00:00Z") });
    }
    let parsed = match time::OffsetDateTime::parse(text, &Rfc3339) {
        Ok(parsed) if behavior == DateBehavior::TimeZoneIndependent => {
            parsed.replace_offset(time::UtcOffset::UTC)
        }
        Ok(parsed) => parsed.to_offset(time::UtcOffset::UTC),
        // Without an offset, as people type a time-zone-independent time.
        Err(_) => {
            let local = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
            let short = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
            let at = time::PrimitiveDateTime::parse(text, &local)
                .or_else(|_| time::PrimitiveDateTime::parse(text, &short))
                .ok()?;
            at.assume_utc()
        }
    };
    if date_only {
        return parsed.date().format(&date_format).ok();
    }
    parsed.replace_nanosecond(0).ok()?.format(&Rfc3339).ok()
}

/// A multi-select choice's value, `"1,3"`: each an option of the column, none twice.
fn multi_select(
    table: &Table,
    column: &Column,
    options: &[(i32, &str)],
    text: &str,
) -> Result<String, DataverseError> {
    let mut chosen: Vec<i32> = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let value = part.parse::<i32>().ok().filter(|v| options.iter().any(|(o, _)| o == v));
        match value {
            Some(value) if !chosen.contains(&value) => chosen.push(value),
            _ => {
                return Err(validation(format!(
                    "The value {part} of '{}' on record of type '{}' is outside the valid range.",
                    column.logical_name, table.logical_name
                )));
            }
        }
    }
    Ok(chosen.iter().map(i32::to_string).collect::<Vec<_>>().join(","))
}

/// A status reason goes with its state, as its metadata says (`StatusOptionMetadata.State`): one that
/// does not is refused with Dataverse's 0x80048408 (its message as a Q&A thread quotes it, "2 is not a valid
/// status code for state code AccountState.Active on account with Id <id>."; not on Learn). A state set
/// without a status reason gets the state's first one, as Learn says of an update of `statecode` alone
/// (org-service/entity-operations-update-delete).
fn status_pair(
    table: &Table,
    id: &str,
    values: &mut Vec<(String, SqlValue)>,
    current_state: Option<i64>,
) -> Result<(), DataverseError> {
    let (Some(state_column), Some(Column { kind: ColumnKind::Status { options: statuses }, .. })) =
        (table.column("statecode"), table.column("statuscode"))
    else {
        return Ok(());
    };
    let given = |name: &str| {
        values.iter().find(|(n, _)| n == name).map(|(_, v)| match v {
            SqlValue::Integer(i) => Some(*i),
            _ => None,
        })
    };
    let state = given("statecode").flatten().or(current_state).unwrap_or(0);
    match given("statuscode") {
        Some(Some(status)) => {
            let belongs =
                statuses.iter().any(|(s, _, of)| i64::from(*s) == status && i64::from(*of) == state);
            if !belongs {
                let label = state_column
                    .kind
                    .options()
                    .and_then(|o| {
                        o.iter().find(|(v, _)| i64::from(*v) == state).map(|(_, l)| l.replace(' ', ""))
                    })
                    .unwrap_or_else(|| state.to_string());
                return Err(bad(
                    "0x80048408",
                    format!(
                        "{status} is not a valid status code for state code {}State.{label} on {} with Id {id}.",
                        super::metadata::schema_name(table.logical_name),
                        table.logical_name
                    ),
                ));
            }
        }
        Some(None) => {}
        None => {
            if let Some((status, _, _)) = statuses.iter().find(|(_, _, of)| i64::from(*of) == state) {
                values.push(("statuscode".to_owned(), SqlValue::Integer(i64::from(*status))));
            }
        }
    }
    Ok(())
}

fn set_default(values: &mut Vec<(String, SqlValue)>, name: &str, value: SqlValue) {
    if !values.iter().any(|(n, _)| n == name) {
        values.push((name.to_owned(), value));
    }
}

/// Computed columns: `fullname` from first and last name.
fn computed(conn: &Connection, table: &Table, id: &str) -> rusqlite::Result<()> {
    if table.column("fullname").is_some() && table.column("firstname").is_some() {
        conn.execute(
            &format!(
                "UPDATE {} SET fullname = trim(coalesce(firstname, '') || ' ' || coalesce(lastname, '')) WHERE {} = ?1",
                quote(table.logical_name),
                quote(table.primary_id)
            ),
            [id],
        )?;
    }
    Ok(())
}

fn create(
    caller: &Caller,
    conn: &Connection,
    table: &Table,
    mut values: Vec<(String, SqlValue)>,
) -> Result<String, DataverseError> {
    let id = match values.iter().find(|(n, _)| n == table.primary_id) {
        Some((_, SqlValue::Text(id))) => id.clone(),
        _ => Uuid::new_v4().to_string(),
    };
    values.retain(|(n, _)| n != table.primary_id);
    values.push((table.primary_id.to_owned(), SqlValue::Text(id.clone())));
    let stamp = now();
    values.push(("createdon".into(), SqlValue::Text(stamp.clone())));
    values.push(("modifiedon".into(), SqlValue::Text(stamp)));
    values.push(("versionnumber".into(), SqlValue::Integer(next_version(conn).map_err(storage)?)));
    if table.column("ownerid").is_some() {
        set_default(&mut values, "ownerid", SqlValue::Text(caller.system_user_id.to_string()));
        set_default(&mut values, "ownerid__target", SqlValue::Text("systemuser".into()));
    }
    if table.column("statecode").is_some() {
        set_default(&mut values, "statecode", SqlValue::Integer(0));
        status_pair(table, &id, &mut values, None)?;
    }
    if table.columns.iter().any(|c| matches!(c.kind, ColumnKind::Money { .. }))
        && table.column("transactioncurrencyid").is_some()
    {
        set_default(&mut values, "transactioncurrencyid", SqlValue::Text(USD_ID.to_string()));
        set_default(
            &mut values,
            "transactioncurrencyid__target",
            SqlValue::Text("transactioncurrency".into()),
        );
    }
    let names: Vec<String> = values.iter().map(|(n, _)| quote(n)).collect();
    let marks: Vec<String> = (1..=values.len()).map(|i| format!("?{i}")).collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        quote(table.logical_name),
        names.join(", "),
        marks.join(", ")
    );
    conn.execute(&sql, params_from_iter(values.iter().map(|(_, v)| v))).map_err(storage)?;
    computed(conn, table, &id).map_err(storage)?;
    Ok(id)
}

fn update(
    conn: &Connection,
    table: &Table,
    id: &str,
    values: Vec<(String, SqlValue)>,
) -> Result<(), DataverseError> {
    let mut values = values;
    if values.iter().any(|(n, _)| n == "statecode" || n == "statuscode") {
        let sql = format!(
            "SELECT statecode FROM {} WHERE {} = ?1",
            quote(table.logical_name),
            quote(table.primary_id)
        );
        let current: Option<i64> =
            conn.query_row(&sql, [id], |r| r.get(0)).optional().map_err(storage)?.flatten();
        status_pair(table, id, &mut values, current)?;
    }
    values.retain(|(n, _)| n != table.primary_id);
    values.push(("modifiedon".into(), SqlValue::Text(now())));
    values.push(("versionnumber".into(), SqlValue::Integer(next_version(conn).map_err(storage)?)));
    let assignments: Vec<String> =
        values.iter().enumerate().map(|(i, (n, _))| format!("{} = ?{}", quote(n), i + 1)).collect();
    let sql = format!(
        "UPDATE {} SET {} WHERE {} = ?{}",
        quote(table.logical_name),
        assignments.join(", "),
        quote(table.primary_id),
        values.len() + 1
    );
    let mut params: Vec<SqlValue> = values.into_iter().map(|(_, v)| v).collect();
    params.push(SqlValue::Text(id.to_owned()));
    conn.execute(&sql, params_from_iter(params.iter())).map_err(storage)?;
    computed(conn, table, id).map_err(storage)
}

/// 204 with `OData-EntityId`, or with `return=representation` the row (201 on create, 200 on update).
fn respond(
    state: &SandboxState,
    conn: &Connection,
    table: &Table,
    id: &str,
    options: &HashMap<String, String>,
    prefer: &Prefer,
    representation_status: StatusCode,
) -> Result<Outcome, DataverseError> {
    let entity_id = format!("{}{}({id})", state.urls.web_api_url, table.entity_set);
    if !prefer.return_representation {
        return Ok(Outcome::no_content(Some(entity_id)));
    }
    let row = super::records::read_one(state, conn, table, id, options, prefer)?;
    let mut body: Map<String, Value> = row;
    let context = match options.get("$select") {
        Some(select) => format!("{}$metadata#{}({select})/$entity", state.urls.web_api_url, table.entity_set),
        None => format!("{}$metadata#{}/$entity", state.urls.web_api_url, table.entity_set),
    };
    body.insert("@odata.context".into(), Value::String(context));
    Ok(Outcome {
        status: representation_status,
        entity_id: None,
        body: Some(Value::Object(body)),
        preference_applied: Some("return=representation"),
    })
}
