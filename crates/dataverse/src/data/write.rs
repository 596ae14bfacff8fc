//! Changing records: create, update (optimistic concurrency by default), upsert by alternate key, delete,
//! lookups set and cleared by `$ref`, one column cleared. Values are checked against metadata first
//! (`values`); a 412 on an update becomes a [`Conflict`] that keeps what the user typed. Read-only
//! connections are refused by the client before any of this is sent.

use reqwest::header::{HeaderName, IF_MATCH, IF_NONE_MATCH};
use serde::Serialize;
use serde_json::{Value, json};

use super::metadata::{TableInfo, TableSchema};
use super::read::retrieve;
use super::rows::Row;
use super::values::{Changes, Purpose, body, locate, target_column};
use crate::client::{Client, Request, Response};
use crate::error::{DataverseError, Result};
use crate::retry::Repeatable;

fn prefer() -> HeaderName {
    HeaderName::from_static("prefer")
}

const REPRESENTATION: &str = "return=representation,odata.include-annotations=\"*\"";

/// A record as written: its id and, when the environment sent it back, the row.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Written {
    pub id: String,
    pub row: Option<Row>,
}

/// The id in `accounts(<id>)`, if the path (or `OData-EntityId` URL) ends in one.
fn id_in(path: &str) -> Option<String> {
    let inner = path.trim_end_matches('/').rsplit_once('(')?.1.strip_suffix(')')?;
    inner.parse::<uuid::Uuid>().ok().map(|id| id.to_string())
}

/// The record a successful write wrote: its id from the row sent back, else `OData-EntityId`.
/// A body that is not JSON is no row: the write succeeded all the same.
fn written_row(schema: &TableSchema, response: &Response) -> Result<(Option<String>, Option<Row>)> {
    let row = match response.json().ok() {
        Some(Value::Object(object)) => Some(Row::from_json(object)),
        _ => None,
    };
    let id = row
        .as_ref()
        .and_then(|r| r.id(&schema.table.primary_id).map(str::to_owned))
        .or_else(|| response.header("odata-entityid").and_then(id_in));
    Ok((id, row))
}

/// A create's result. Without an id in the answer the record may well exist: the error says so.
fn created(schema: &TableSchema, response: &Response) -> Result<Written> {
    match written_row(schema, response)? {
        (Some(id), row) => Ok(Written { id, row }),
        (None, _) => Err(DataverseError::new(
            "api.malformed_response",
            format!(
                "The environment accepted the new {} (HTTP {}) but did not say which record it is.",
                schema.table.logical_name, response.status
            ),
            Some("The record may have been created: look for it (by its name or key) before creating it again.".to_owned()),
        )),
    }
}

/// An update's or upsert's result: it succeeded, so an answer without an id (a proxy, an older server) is
/// no failure. The id is the path's when it has one, else it is read back by the path (a key).
async fn updated(client: &Client, schema: &TableSchema, path: &str, response: &Response) -> Result<Written> {
    let (id, row) = written_row(schema, response)?;
    if let Some(id) = id.or_else(|| id_in(path)) {
        return Ok(Written { id, row });
    }
    let primary = &schema.table.primary_id;
    // Whatever stops the read-back (the key itself changed, say), the change was applied: say that.
    let read = retrieve(client, &format!("{path}?$select={primary}"), None, false).await.ok().flatten();
    let id = read.as_ref().and_then(|r| r.id(primary).map(str::to_owned)).ok_or_else(|| {
        DataverseError::new(
            "api.malformed_response",
            format!("The change was applied, but the record at {path} could not be read back for its id."),
            Some("Look the record up by its new values before changing it again.".to_owned()),
        )
    })?;
    Ok(Written { id, row })
}

/// Creates a record; the new id and row.
pub async fn create(
    client: &Client,
    schema: &TableSchema,
    tables: &[TableInfo],
    changes: &Changes,
) -> Result<Written> {
    let body = body(schema, tables, changes, Purpose::Create, &[])?;
    let request =
        Request::post(schema.table.entity_set.clone(), Value::Object(body)).header(prefer(), REPRESENTATION);
    let response = client.send(&request).await.map_err(|e| locate(schema, e))?;
    created(schema, &response)
}

/// How an update guards against overwriting someone else's change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Concurrency {
    /// Only if the record still has this ETag (as read); else a [`Conflict`].
    IfMatch(String),
    /// Whatever the record holds now (still never re-creates a deleted record).
    Overwrite,
}

/// One column of a conflict.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Difference {
    pub column: String,
    /// What the user wrote (absent for a column only the other side changed).
    #[cfg_attr(feature = "specta", specta(type = Option<d365_common::Json>))]
    pub yours: Option<Value>,
    /// What the record holds now, and how the environment shows it.
    #[cfg_attr(feature = "specta", specta(type = d365_common::Json))]
    pub theirs: Value,
    /// `theirs` as its exact text (a number with every digit the server wrote, which a JSON number in the
    /// window would round); none when the record holds nothing there.
    pub theirs_text: Option<String>,
    pub theirs_formatted: Option<String>,
    /// What the user had read, when the caller knows it.
    #[cfg_attr(feature = "specta", specta(type = Option<d365_common::Json>))]
    pub base: Option<Value>,
}

/// An update refused because the record changed since it was read: the record now, the user's change (all
/// of it, to apply again or merge) and the columns that differ.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Conflict {
    pub current: Row,
    #[cfg_attr(feature = "specta", specta(type = std::collections::BTreeMap<String, d365_common::Json>))]
    pub attempted: Changes,
    pub differences: Vec<Difference>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum UpdateOutcome {
    Updated(Written),
    Conflict(Box<Conflict>),
}

/// Updates the record at `path` (`accounts(<id>)` or by key). `base` is the row as the user read it, to
/// tell in a conflict which columns someone else changed.
pub async fn update(
    client: &Client,
    schema: &TableSchema,
    tables: &[TableInfo],
    path: &str,
    changes: &Changes,
    concurrency: &Concurrency,
    base: Option<&Row>,
) -> Result<UpdateOutcome> {
    let body = body(schema, tables, changes, Purpose::Update, &[])?;
    // `If-Match: *` even without a check: a PATCH to a deleted record would otherwise re-create it.
    let etag = match concurrency {
        Concurrency::IfMatch(etag) => etag.as_str(),
        Concurrency::Overwrite => "*",
    };
    let request = Request::patch(path, Value::Object(body), Repeatable::Yes)
        .header(IF_MATCH, etag)
        .header(prefer(), REPRESENTATION);
    match client.send(&request).await {
        Ok(response) => Ok(UpdateOutcome::Updated(updated(client, schema, path, &response).await?)),
        Err(error) if error.kind == "api.conflict" && matches!(concurrency, Concurrency::IfMatch(_)) => {
            let current = retrieve(client, path, None, true).await?.ok_or_else(|| {
                DataverseError::new("api.malformed_response", "The record came back empty.", None)
            })?;
            let differences = differences(schema, changes, &current, base);
            Ok(UpdateOutcome::Conflict(Box::new(Conflict {
                current,
                attempted: changes.clone(),
                differences,
            })))
        }
        Err(error) => Err(locate(schema, error)),
    }
}

/// The columns the user changed (whatever they hold now), and those someone else changed since `base`
/// (compared as [`same_value`] does: a base read as text, as the window keeps it, is no change).
pub fn differences(
    schema: &TableSchema,
    changes: &Changes,
    current: &Row,
    base: Option<&Row>,
) -> Vec<Difference> {
    let read_name = |column: &str| {
        let column = column.split('@').next().unwrap_or(column);
        schema.column(column).map_or_else(|| column.to_owned(), |c| c.read_name())
    };
    let mut differences: Vec<Difference> = Vec::new();
    let mut add = |column: &str, yours: Option<Value>| {
        let name = read_name(column);
        let cell = current.get(&name);
        differences.push(Difference {
            column: column.to_owned(),
            yours,
            theirs: cell.map_or(Value::Null, |c| c.value.clone()),
            theirs_text: cell.and_then(|c| exact_text(&c.value)),
            theirs_formatted: cell.and_then(|c| c.formatted.clone()),
            base: base.map(|b| b.get(&name).map_or(Value::Null, |c| c.value.clone())),
        });
    };
    for (column, value) in changes {
        add(column, Some(value.clone()));
    }
    if let Some(base) = base {
        for (name, cell) in &current.cells {
            let theirs_changed = base.get(name).is_some_and(|b| !same_value(&b.value, &cell.value));
            let column = name.strip_prefix('_').and_then(|n| n.strip_suffix("_value")).unwrap_or(name);
            if theirs_changed && !changes.contains_key(column) {
                add(column, None);
            }
        }
    }
    differences
}

/// Whether two raw values are the same value however they were carried: as JSON or as the text the window
/// keeps (`"12.50"` and `12.5`, `"true"` and `true`), a lookup as its id or its reference
/// (`/contacts(<id>)`), `null` as empty text.
pub fn same_value(a: &Value, b: &Value) -> bool {
    fn text(value: &Value) -> String {
        match value {
            Value::Null => String::new(),
            Value::String(text) => {
                // A reference (`/contacts(<id>)`, `contacts(<id>)`) is the record's id.
                let inner = text.strip_suffix(')').and_then(|t| t.rsplit_once('(')).map(|(_, id)| id);
                let id = inner.unwrap_or(text).parse::<uuid::Uuid>().ok();
                // An id in any case is the same id; other text is compared exactly ("ACME" → "Acme"
                // is a change someone made).
                id.map_or_else(|| text.clone(), |id| id.to_string())
            }
            other => other.to_string(),
        }
    }
    if a == b {
        return true;
    }
    let (a_text, b_text) = (text(a), text(b));
    if a_text == b_text {
        return true;
    }
    // A boolean read as text (`"true"`) against the value; a number's text against the number (`"12.50"`
    // and `12.5`), but never two texts that merely read as the same number ("007" and "7").
    let booleans = |x: &Value, y: &str| x.is_boolean() && x.to_string().eq_ignore_ascii_case(y);
    if booleans(a, &b_text) || booleans(b, &a_text) {
        return true;
    }
    if a.is_string() && b.is_string() {
        return false;
    }
    match (super::numbers::parse(&a_text), super::numbers::parse(&b_text)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// A value as the grid keeps its raw text: a number with all its digits, a text as it is.
fn exact_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        other => Some(other.to_string()),
    }
}

/// What an upsert may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UpsertMode {
    /// Create the record, or update it when the key exists.
    Either,
    /// Create only; an existing record is a conflict (`If-None-Match: *`).
    CreateOnly,
    /// Update only; a missing record is not found (`If-Match: *`).
    UpdateOnly,
}

/// Creates or updates the record the alternate key `key_columns` addresses at `path` (see `keys::key_path`).
/// Repeatable: the same upsert twice leaves the same record.
pub async fn upsert(
    client: &Client,
    schema: &TableSchema,
    tables: &[TableInfo],
    path: &str,
    key_columns: &[&str],
    changes: &Changes,
    mode: UpsertMode,
) -> Result<Written> {
    let purpose = if mode == UpsertMode::CreateOnly { Purpose::Create } else { Purpose::Update };
    let body = body(schema, tables, changes, purpose, key_columns)?;
    let mut request =
        Request::patch(path, Value::Object(body), Repeatable::Yes).header(prefer(), REPRESENTATION);
    request = match mode {
        UpsertMode::Either => request,
        UpsertMode::CreateOnly => request.header(IF_NONE_MATCH, "*"),
        UpsertMode::UpdateOnly => request.header(IF_MATCH, "*"),
    };
    let response = client.send(&request).await.map_err(|e| locate(schema, e))?;
    updated(client, schema, path, &response).await
}

/// Deletes the record at `path`; with `etag`, only if it has not changed since it was read.
pub async fn delete(client: &Client, path: &str, etag: Option<&str>) -> Result<()> {
    let mut request = Request::delete(path);
    if let Some(etag) = etag {
        request = request.header(IF_MATCH, etag);
    }
    client.send(&request).await.map(|_| ())
}

/// Points the lookup `column` of the record at `path` to `reference` (`contacts(<id>)`), by `$ref`.
pub async fn set_lookup(
    client: &Client,
    schema: &TableSchema,
    tables: &[TableInfo],
    path: &str,
    column: &str,
    reference: &str,
) -> Result<()> {
    let mut changes = Changes::new();
    changes.insert(column.to_owned(), Value::String(reference.to_owned()));
    let body = body(schema, tables, &changes, Purpose::Update, &[])?;
    let Some((bind, Value::String(target))) = body.into_iter().next() else {
        return Err(DataverseError::new(
            "input.invalid_lookup",
            format!("'{column}' is not a lookup."),
            None,
        )
        .on_column(column));
    };
    let navigation = bind.trim_end_matches("@odata.bind");
    let url = format!("{}{}", client.instance().web_api(), target.trim_start_matches('/'));
    let request = Request::put(format!("{path}/{navigation}/$ref"), json!({ "@odata.id": url }));
    client.send(&request).await.map(|_| ()).map_err(|e| locate(schema, e))
}

/// Empties one column of the record at `path`: a lookup by `DELETE .../<navigation>/$ref` (for one that can
/// point to several tables, the navigation of the table it points to now), any other by `DELETE .../<column>`.
pub async fn clear(client: &Client, schema: &TableSchema, path: &str, column: &str) -> Result<()> {
    let info = target_column(schema, column, Purpose::Update, true)?;
    let target = if !info.is_lookup() {
        column.to_owned()
    } else if info.targets.len() > 1 {
        let read = info.read_name();
        let row = retrieve(client, &format!("{path}?$select={read}"), None, true).await?;
        let cell = row.as_ref().and_then(|r| r.get(&read));
        match cell
            .and_then(|c| c.navigation.clone().or_else(|| info.navigation_to(c.lookup_table.as_deref())))
        {
            Some(navigation) => format!("{navigation}/$ref"),
            None => return Ok(()), // already empty
        }
    } else {
        format!("{}/$ref", info.navigation_to(None).unwrap_or_else(|| column.to_owned()))
    };
    client.send(&Request::delete(format!("{path}/{target}"))).await.map(|_| ()).map_err(|e| locate(schema, e))
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::{exact_text, same_value};

    #[test]
    fn a_conflicts_theirs_keeps_its_exact_text() {
        let amount: Value = serde_json::from_str("922337203685477.5807").expect("a number");
        assert_eq!(exact_text(&amount).as_deref(), Some("922337203685477.5807"));
        assert_eq!(exact_text(&json!("Contoso")).as_deref(), Some("Contoso"));
        assert_eq!(exact_text(&Value::Null), None);
    }

    #[test]
    fn values_are_the_same_however_they_were_carried() {
        for (a, b) in [
            (json!("12.50"), json!(12.5)),
            (json!("true"), json!(true)),
            (json!(null), json!("")),
            (
                json!("/contacts(0d365de5-0000-4000-8000-000000000002)"),
                json!("0d365de5-0000-4000-8000-000000000002"),
            ),
            (json!("Contoso"), json!("Contoso")),
            (json!("0D365DE5-0000-4000-8000-000000000002"), json!("0d365de5-0000-4000-8000-000000000002")),
        ] {
            assert!(same_value(&a, &b), "{a} and {b}");
        }
        for (a, b) in [
            (json!("12.5"), json!(12.51)),
            (json!("Contoso"), json!("Fabrikam")),
            (json!(null), json!(0)),
            (json!("ACME"), json!("Acme")),
            (json!("007"), json!("7")),
            (json!(" Contoso"), json!("Contoso")),
        ] {
            assert!(!same_value(&a, &b), "{a} and {b}");
        }
    }
}
