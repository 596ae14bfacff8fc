//! Reading rows: `GET <entityset>` (paged, filtered, sorted, counted, annotated), `GET <entityset>/$count`,
//! and `GET <entityset>(<id> | <alternate key>)`.

use std::collections::{HashMap, HashSet};

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rusqlite::types::Value as SqlValue;
use serde_json::{Map, Value, json};

use super::auth::Caller;
use super::errors::{DataverseError, odata_json};
use super::format::formatted;
use super::views;
use crate::data::decimal;
use crate::data::schema::{Column, ColumnKind, Table};
use crate::data::store::{quote, target_column};
use crate::odata::fetchxml;
use crate::odata::link::{self, LinkedColumn};
use crate::odata::query::{self, MAX_PAGE_SIZE, ReadQuery, bad_request};
use crate::state::SandboxState;

const FORMATTED: &str = "@OData.Community.Display.V1.FormattedValue";
const ATTRIBUTE_NAME: &str = "@OData.Community.Display.V1.AttributeName";

/// What the client asked for in `Prefer` headers.
#[derive(Debug, Default)]
pub struct Prefer {
    pub max_page_size: Option<u32>,
    /// The `odata.include-annotations` value, as sent.
    pub annotations: Option<String>,
    pub return_representation: bool,
    pub track_changes: bool,
}

impl Prefer {
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let mut prefer = Prefer::default();
        let items = headers.get_all("prefer").iter().filter_map(|v| v.to_str().ok()).flat_map(preferences);
        for item in items.map(str::trim) {
            if let Some(size) = item.strip_prefix("odata.maxpagesize=") {
                prefer.max_page_size = size.trim().parse().ok();
            } else if let Some(value) = item.strip_prefix("odata.include-annotations=") {
                prefer.annotations = Some(value.trim().to_owned());
            } else if item == "return=representation" {
                prefer.return_representation = true;
            } else if item == "odata.track-changes" {
                prefer.track_changes = true;
            }
        }
        prefer
    }

    pub(crate) fn wants(&self, annotation: &str) -> bool {
        let Some(requested) = &self.annotations else { return false };
        requested.trim_matches('"').split(',').any(|pattern| {
            let pattern = pattern.trim();
            pattern == "*"
                || pattern == annotation
                || pattern.strip_suffix('*').is_some_and(|p| annotation.starts_with(p))
        })
    }

    /// `Preference-Applied`: what the response honoured.
    pub(crate) fn applied(&self, page_size: Option<u32>) -> Option<HeaderValue> {
        let mut applied = Vec::new();
        if let Some(size) = page_size {
            applied.push(format!("odata.maxpagesize={size}"));
        }
        if let Some(annotations) = &self.annotations {
            applied.push(format!("odata.include-annotations={annotations}"));
        }
        (!applied.is_empty()).then(|| HeaderValue::from_str(&applied.join(",")).ok()).flatten()
    }
}

/// A `Prefer` header's preferences: split at commas outside quotes, so that
/// `odata.include-annotations="a,b"` stays one.
fn preferences(header: &str) -> Vec<&str> {
    let (mut items, mut start, mut quoted) = (Vec::new(), 0, false);
    for (i, c) in header.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                items.push(&header[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&header[start..]);
    items
}

/// `GET <entityset>...`; `rest` is what follows the entity set name in the path.
pub fn get(
    state: &SandboxState,
    caller: &Caller,
    table: &Table,
    rest: &str,
    raw_query: Option<&str>,
    options: &HashMap<String, String>,
    headers: &HeaderMap,
) -> Response {
    let prefer = Prefer::from_headers(headers);
    if let Err(refused) = query::check_options(options) {
        return refused.into_response();
    }
    let result = match rest {
        "" => collection(state, caller, table, raw_query, options, &prefer),
        "/$count" => count(state, table, options),
        key if key.starts_with('(') && key.ends_with(')') => {
            single(state, caller, table, &key[1..key.len() - 1], options, &prefer, headers)
        }
        other => Err(DataverseError::segment_not_found(other.trim_start_matches('/'))),
    };
    result.unwrap_or_else(IntoResponse::into_response)
}

pub(crate) fn storage_err(e: rusqlite::Error) -> DataverseError {
    DataverseError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "0x80040216",
        format!("An unexpected error occurred: {e}"),
    )
}

/// The SQL columns to read for the query's columns and sort keys, with each one's place in the row.
struct Selection<'q, 't> {
    sql: Vec<String>,
    columns: Vec<&'t Column>,
    /// The joins' columns, read after the entity's.
    linked: Vec<&'q LinkedColumn<'t>>,
}

impl<'q, 't> Selection<'q, 't> {
    fn new(query: &'q ReadQuery<'t>) -> Self {
        let mut selection =
            Selection { sql: vec![quote("versionnumber")], columns: Vec::new(), linked: Vec::new() };
        let expanded = query.expand.iter().map(|e| &e.column);
        for column in query.columns.iter().chain(query.order.iter().map(|(c, _)| c)).chain(expanded) {
            if selection.columns.iter().any(|c| c.logical_name == column.logical_name) {
                continue;
            }
            selection.sql.push(quote(column.logical_name));
            if column.kind.is_lookup() {
                selection.sql.push(quote(&target_column(column.logical_name)));
            }
            selection.columns.push(column);
        }
        for linked in &query.joins.columns {
            selection.sql.push(quote(&linked.name));
            if linked.column.kind.is_lookup() {
                selection.sql.push(quote(&target_column(&linked.name)));
            }
            selection.linked.push(linked);
        }
        selection
    }
}

/// One row as read from SQLite: the version and each selected column's JSON value (+ lookup target).
struct RawRow {
    version: i64,
    values: HashMap<&'static str, (Value, Option<String>)>,
    /// The joins' columns, in the order of the query's `joins.columns`.
    linked: Vec<(Value, Option<String>)>,
}

fn read_rows(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[SqlValue],
    selection: &Selection<'_, '_>,
) -> rusqlite::Result<Vec<RawRow>> {
    let mut statement = conn.prepare(sql)?;
    let mut rows = statement.query(rusqlite::params_from_iter(params.iter()))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let mut values = HashMap::new();
        let mut index = 1;
        for column in &selection.columns {
            let value = to_json(&column.kind, row.get::<_, SqlValue>(index)?);
            index += 1;
            let target = if column.kind.is_lookup() {
                index += 1;
                row.get::<_, Option<String>>(index - 1)?
            } else {
                None
            };
            values.insert(column.logical_name, (value, target));
        }
        let mut linked = Vec::new();
        for column in &selection.linked {
            let value = to_json(&column.column.kind, row.get::<_, SqlValue>(index)?);
            index += 1;
            let target = if column.column.kind.is_lookup() {
                index += 1;
                row.get::<_, Option<String>>(index - 1)?
            } else {
                None
            };
            linked.push((value, target));
        }
        out.push(RawRow { version: row.get(0)?, values, linked });
    }
    Ok(out)
}

pub(crate) fn to_json(kind: &ColumnKind, value: SqlValue) -> Value {
    match (kind, value) {
        (_, SqlValue::Null) => Value::Null,
        (ColumnKind::Boolean { .. }, SqlValue::Integer(i)) => Value::Bool(i != 0),
        (_, SqlValue::Integer(i)) => json!(i),
        (_, SqlValue::Real(r)) => json!(r),
        (kind, SqlValue::Text(t)) if kind.exact_decimal().is_some() => decimal::to_json(&t),
        (_, SqlValue::Text(t)) => Value::String(t),
        (_, SqlValue::Blob(_)) => Value::Null,
    }
}

/// Primary names of the rows lookups point at, for their formatted values: (table, id) → name.
fn lookup_names(
    state: &SandboxState,
    conn: &rusqlite::Connection,
    rows: &[RawRow],
) -> rusqlite::Result<HashMap<(String, String), String>> {
    let mut wanted: HashMap<String, HashSet<String>> = HashMap::new();
    for row in rows {
        for (value, target) in row.values.values().chain(&row.linked) {
            if let (Value::String(id), Some(target)) = (value, target) {
                wanted.entry(target.clone()).or_default().insert(id.clone());
            }
        }
    }
    let mut names = HashMap::new();
    for (target, ids) in wanted {
        let Some(table) = state.store.table(&target) else { continue };
        let ids: Vec<String> = ids.into_iter().collect();
        for chunk in ids.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("?{i}")).collect();
            let sql = format!(
                "SELECT {}, {} FROM {} WHERE {} IN ({})",
                quote(table.primary_id),
                quote(table.primary_name),
                quote(table.logical_name),
                quote(table.primary_id),
                marks.join(", ")
            );
            let mut statement = conn.prepare(&sql)?;
            let mut found = statement.query(rusqlite::params_from_iter(chunk.iter()))?;
            while let Some(row) = found.next()? {
                let (id, name): (String, Option<String>) = (row.get(0)?, row.get(1)?);
                names.insert((target.clone(), id), name.unwrap_or_default());
            }
        }
    }
    Ok(names)
}

/// The navigation property behind a lookup, as `associatednavigationproperty` names it.
pub fn navigation_property(column: &Column, target: &str) -> String {
    match column.kind {
        ColumnKind::Lookup { targets } if targets.len() > 1 && column.logical_name != "ownerid" => {
            format!("{}_{target}", column.logical_name)
        }
        _ => column.logical_name.to_owned(),
    }
}

/// A row in the Web API's shape: `@odata.etag`, the columns (lookups as `_x_value`) and, when asked for,
/// their annotations.
fn row_json(
    query: &ReadQuery<'_>,
    row: &RawRow,
    prefer: &Prefer,
    names: &HashMap<(String, String), String>,
) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("@odata.etag".into(), Value::String(format!("W/\"{}\"", row.version)));
    for column in &query.columns {
        let Some((value, target)) = row.values.get(column.logical_name) else { continue };
        if query.omit_nulls && value.is_null() {
            continue;
        }
        let property = column.property_name();
        if prefer.wants("OData.Community.Display.V1.FormattedValue") {
            let text = match (column.kind.is_lookup(), value, target) {
                (true, Value::String(id), Some(target)) => names.get(&(target.clone(), id.clone())).cloned(),
                (false, value, _) => formatted(&column.kind, value),
                _ => None,
            };
            if let Some(text) = text {
                out.insert(format!("{property}{FORMATTED}"), Value::String(text));
            }
        }
        if let (true, Some(target)) = (column.kind.is_lookup(), target)
            && !value.is_null()
        {
            if prefer.wants("Microsoft.Dynamics.CRM.lookuplogicalname") {
                out.insert(
                    format!("{property}@Microsoft.Dynamics.CRM.lookuplogicalname"),
                    Value::String(target.clone()),
                );
            }
            if prefer.wants("Microsoft.Dynamics.CRM.associatednavigationproperty") {
                out.insert(
                    format!("{property}@Microsoft.Dynamics.CRM.associatednavigationproperty"),
                    Value::String(navigation_property(column, target)),
                );
            }
        }
        out.insert(property, value.clone());
    }
    for (linked, (value, target)) in query.joins.columns.iter().zip(&row.linked) {
        if !linked.visible || value.is_null() {
            continue;
        }
        // Learn, "Select columns using FetchXml" (column aliases, Web API): an aliased or joined value is
        // named by its alias, with the column it came from in an `AttributeName` annotation; a lookup's
        // value is its id, with `lookuplogicalname` (no navigation property: it is not one).
        let name = &linked.name;
        if prefer.wants("OData.Community.Display.V1.AttributeName") {
            out.insert(
                format!("{name}{ATTRIBUTE_NAME}"),
                Value::String(linked.column.logical_name.to_owned()),
            );
        }
        if prefer.wants("OData.Community.Display.V1.FormattedValue") {
            let text = match (value, target) {
                (Value::String(id), Some(target)) => names.get(&(target.clone(), id.clone())).cloned(),
                (value, None) => formatted(&linked.column.kind, value),
                _ => None,
            };
            if let Some(text) = text {
                out.insert(format!("{name}{FORMATTED}"), Value::String(text));
            }
        }
        if let Some(target) = target
            && prefer.wants("Microsoft.Dynamics.CRM.lookuplogicalname")
        {
            out.insert(
                format!("{name}@Microsoft.Dynamics.CRM.lookuplogicalname"),
                Value::String(target.clone()),
            );
        }
        out.insert(name.clone(), value.clone());
    }
    out
}

fn context(state: &SandboxState, query: &ReadQuery<'_>, suffix: &str) -> String {
    match &query.select_text {
        Some(select) => {
            format!("{}$metadata#{}({select}){suffix}", state.urls.web_api_url, query.table.entity_set)
        }
        None => format!("{}$metadata#{}{suffix}", state.urls.web_api_url, query.table.entity_set),
    }
}

fn where_clause(query: &ReadQuery<'_>, params: &mut Vec<SqlValue>) -> String {
    let mut conditions = Vec::new();
    if let Some(filter) = &query.filter {
        conditions.push(query::filter_sql(query.table, filter, params));
    }
    if let Some(after) = &query.after {
        conditions.push(query::after_sql(&query.order, after, params));
    }
    if conditions.is_empty() { String::new() } else { format!(" WHERE {}", conditions.join(" AND ")) }
}

fn collection(
    state: &SandboxState,
    caller: &Caller,
    table: &Table,
    raw_query: Option<&str>,
    options: &HashMap<String, String>,
    prefer: &Prefer,
) -> Result<Response, DataverseError> {
    if query::PREDEFINED.iter().any(|name| options.contains_key(*name)) {
        return views::run(state, caller, table, raw_query, options, prefer);
    }
    if options.contains_key("$apply") {
        return super::apply::run(state, caller, table, options, prefer);
    }
    let mut query = query::parse(table, options)?;
    if prefer.track_changes || query.delta_since.is_some() {
        check_trackable(table, options)?;
    }
    views::only_own_personal_views(caller, &mut query);
    if let Some(since) = query.delta_since {
        return delta(state, &query, raw_query, since, prefer);
    }
    page(state, &query, raw_query, prefer, &Paging::NextLink)
}

/// How a collection's answer pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// OData: `odata.maxpagesize` pages with `@odata.nextLink` (a `$top` alone is one page).
    NextLink,
    /// FetchXML: pages of `size` rows, numbered from 1, with the paging cookie and "more records"
    /// annotations when the client asks for them; never a next link.
    FetchXml { page: u32, size: u32, size_from_prefer: bool },
}

/// One page of a collection read, in the Web API's shape.
pub fn page(
    state: &SandboxState,
    query: &ReadQuery<'_>,
    raw_query: Option<&str>,
    prefer: &Prefer,
    paging: &Paging,
) -> Result<Response, DataverseError> {
    let table = query.table;
    let (page_size, paged, applied_size) = match *paging {
        // With odata.maxpagesize, $top is ignored and pages follow; with $top alone there is one page.
        Paging::NextLink => match (prefer.max_page_size, query.top) {
            (Some(size), _) => {
                let size = size.clamp(1, MAX_PAGE_SIZE);
                (size, true, Some(size))
            }
            (None, Some(top)) => (top.min(MAX_PAGE_SIZE), false, None),
            (None, None) => (MAX_PAGE_SIZE, true, None),
        },
        Paging::FetchXml { size, size_from_prefer, .. } => match query.top {
            Some(top) => (top, false, None),
            None => (size, true, size_from_prefer.then_some(size)),
        },
    };
    let selection = Selection::new(query);
    let mut params = Vec::new();
    let filter_only = query_clone_for_count(query);
    let sql = format!(
        "SELECT {} FROM {}{} ORDER BY {} LIMIT {} OFFSET {}",
        selection.sql.join(", "),
        link::from_sql(table, &query.joins.links, &mut params),
        where_clause(query, &mut params),
        order_by(query),
        page_size + 1,
        query.offset
    );
    let conn = state.store.lock();
    // A tracked read's delta starts where its first page was read.
    let tracking_since = match (prefer.track_changes, query.tracking_since) {
        (true, Some(since)) => Some(since),
        (true, None) => Some(current_version(&conn).map_err(storage_err)?),
        (false, _) => None,
    };
    let mut rows = read_rows(&conn, &sql, &params, &selection).map_err(storage_err)?;
    let more = rows.len() > page_size as usize;
    rows.truncate(page_size as usize);
    let names = if prefer.wants("OData.Community.Display.V1.FormattedValue") {
        lookup_names(state, &conn, &rows).map_err(storage_err)?
    } else {
        HashMap::new()
    };
    let total = if query.count {
        let mut count_params = Vec::new();
        let sql = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM {}{} LIMIT {MAX_PAGE_SIZE})",
            link::from_sql(table, &filter_only.joins.links, &mut count_params),
            where_clause(&filter_only, &mut count_params)
        );
        Some(
            conn.query_row(&sql, rusqlite::params_from_iter(count_params.iter()), |r| r.get::<_, i64>(0))
                .map_err(storage_err)?,
        )
    } else {
        None
    };
    drop(conn);

    let mut body = Map::new();
    body.insert("@odata.context".into(), Value::String(context(state, query, "")));
    if let Some(total) = total {
        body.insert("@odata.count".into(), json!(total));
    }
    let mut value: Vec<Map<String, Value>> =
        rows.iter().map(|row| row_json(query, row, prefer, &names)).collect();
    expand_rows(state, query, &rows, &mut value)?;
    body.insert("value".into(), Value::Array(value.into_iter().map(Value::Object).collect()));
    let sort_values = |row: &RawRow| -> Vec<Value> {
        query
            .order
            .iter()
            .map(|(c, _)| row.values.get(c.logical_name).map_or(Value::Null, |(v, _)| v.clone()))
            .collect()
    };
    match paging {
        Paging::NextLink => {
            if more
                && paged
                && let Some(last) = rows.last()
            {
                let cookie = query::Cookie {
                    values: sort_values(last),
                    page: query.page_number.saturating_add(1),
                    tracking_since,
                };
                let token = query::encode_skiptoken(&cookie);
                body.insert(
                    "@odata.nextLink".into(),
                    Value::String(next_link(state, table, raw_query, &token)),
                );
            } else if let Some(since) = tracking_since {
                body.insert(
                    "@odata.deltaLink".into(),
                    Value::String(delta_link(state, table, raw_query, since)),
                );
            }
        }
        // Learn, "Page results using FetchXml": the last page carries neither annotation.
        Paging::FetchXml { page, .. } => {
            if more
                && paged
                && let (Some(first), Some(last)) = (rows.first(), rows.last())
            {
                // Sorted by a linked column, the page has no cookie (Learn, "Page results using FetchXml":
                // some queries don't allow paging cookies): the next page is asked by number.
                if prefer.wants("Microsoft.Dynamics.CRM.fetchxmlpagingcookie") && query.joins.order.is_empty()
                {
                    let cookie =
                        fetchxml::paging_cookie(*page, &query.order, &sort_values(first), &sort_values(last));
                    body.insert("@Microsoft.Dynamics.CRM.fetchxmlpagingcookie".into(), Value::String(cookie));
                }
                if prefer.wants("Microsoft.Dynamics.CRM.morerecords") {
                    body.insert("@Microsoft.Dynamics.CRM.morerecords".into(), Value::Bool(true));
                }
            }
        }
    }
    let mut response = odata_json(Value::Object(body)).into_response();
    if let Some(applied) = prefer.applied(applied_size) {
        response.headers_mut().insert("Preference-Applied", applied);
    }
    if prefer.track_changes {
        response.headers_mut().append("Preference-Applied", HeaderValue::from_static("odata.track-changes"));
    }
    Ok(response)
}

/// Change tracking needs a table that has it on, and a plain query (Dataverse rejects the rest).
fn check_trackable(table: &Table, options: &HashMap<String, String>) -> Result<(), DataverseError> {
    if !table.change_tracking {
        return Err(bad_request(format!(
            "The entity '{}' is not enabled for change tracking.",
            table.logical_name
        )));
    }
    for option in ["$filter", "$orderby", "$expand", "$top"] {
        if options.contains_key(option) {
            return Err(bad_request(format!(
                "The query parameter {option} is not supported with change tracking."
            )));
        }
    }
    Ok(())
}

/// The organisation's latest row version: what a delta token records.
fn current_version(conn: &rusqlite::Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT value FROM sandbox_meta WHERE key = 'next_version'", [], |r| r.get(0))
}

/// The same query with `$deltatoken=<version>!<date>` instead of paging options.
fn delta_link(state: &SandboxState, table: &Table, raw_query: Option<&str>, version: i64) -> String {
    let kept: Vec<&str> = raw_query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("$skiptoken=") && !p.starts_with("$deltatoken="))
        .collect();
    let date = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!("[month]/[day]/[year] [hour]:[minute]:[second]"))
        .unwrap_or_default();
    let token: String =
        url::form_urlencoded::byte_serialize(format!("{version}!{date}").as_bytes()).collect();
    let mut query = kept.join("&");
    if !query.is_empty() {
        query.push('&');
    }
    format!("{}{}?{query}$deltatoken={token}", state.urls.web_api_url, table.entity_set)
}

/// Where a paged delta stands. Its next link keeps the `$deltatoken` (with the version the delta reads up
/// to added as a third part) and a `$skiptoken` whose cookie holds the last version sent in place of the
/// sort value (a delta is in version order), its page number the phase (1 changed rows, 2 deletions).
struct DeltaPosition {
    until: Option<i64>,
    deletions: bool,
    after: i64,
}

impl DeltaPosition {
    fn of(query: &ReadQuery<'_>, options_token: Option<&str>, since: i64) -> Self {
        let until = options_token.and_then(|t| t.split('!').nth(2)).and_then(|v| v.parse().ok());
        let after =
            query.after.as_ref().and_then(|values| values.first()).and_then(|v| v.to_string().parse().ok());
        match after {
            Some(after) => Self { until, deletions: query.page_number >= 2, after },
            None => Self { until, deletions: false, after: since },
        }
    }
}

/// What changed since `since`: new and updated rows, then `$deletedEntity` entries, in pages of
/// `odata.maxpagesize` with `@odata.nextLink`s, the last page with the `@odata.deltaLink` (Microsoft Learn,
/// "Use change tracking to synchronize data with external systems"). Changes made while the client pages
/// wait for the next delta: the pages read up to the version of the first.
fn delta(
    state: &SandboxState,
    query: &ReadQuery<'_>,
    raw_query: Option<&str>,
    since: i64,
    prefer: &Prefer,
) -> Result<Response, DataverseError> {
    let table = query.table;
    let token = query_value(raw_query, "$deltatoken");
    let position = DeltaPosition::of(query, token.as_deref(), since);
    let size = i64::from(prefer.max_page_size.unwrap_or(5000).clamp(1, 5000));
    let selection = Selection::new(query);
    let conn = state.store.lock();
    let until = match position.until {
        Some(until) => until,
        None => current_version(&conn).map_err(storage_err)?,
    };
    // The versions of up to `size + 1` changes after `after` (one more than a page: is there a next one?).
    let versions = |sql: &str, after: i64, table_name: Option<&str>| -> rusqlite::Result<Vec<i64>> {
        let mut params =
            vec![SqlValue::Integer(since.max(after)), SqlValue::Integer(until), SqlValue::Integer(size + 1)];
        params.extend(table_name.map(|name| SqlValue::Text(name.to_owned())));
        let mut statement = conn.prepare(sql)?;
        let found = statement
            .query_map(rusqlite::params_from_iter(params.iter()), |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<i64>>>()?;
        Ok(found)
    };
    let row_versions = |after| {
        let sql = format!(
            "SELECT versionnumber FROM {} WHERE versionnumber > ?1 AND versionnumber <= ?2 \
             ORDER BY versionnumber LIMIT ?3",
            quote(table.logical_name)
        );
        versions(&sql, after, None)
    };
    let deleted_versions = |after| {
        versions(
            "SELECT versionnumber FROM sandbox_deleted WHERE versionnumber > ?1 AND versionnumber <= ?2 \
             AND tablename = ?4 ORDER BY versionnumber LIMIT ?3",
            after,
            Some(table.logical_name),
        )
    };
    // This page: changed rows first, then deletions, `size` entries in all.
    let mut rows = Vec::new();
    let mut deleted: Vec<String> = Vec::new();
    let mut next: Option<(bool, i64)> = None;
    if !position.deletions {
        let found = row_versions(position.after).map_err(storage_err)?;
        let taken = &found[..found.len().min(size as usize)];
        if let Some(last) = taken.last() {
            let sql = format!(
                "SELECT {} FROM {} WHERE versionnumber > ?1 AND versionnumber <= ?2 ORDER BY versionnumber",
                selection.sql.join(", "),
                quote(table.logical_name)
            );
            let bounds = [SqlValue::Integer(since.max(position.after)), SqlValue::Integer(*last)];
            rows = read_rows(&conn, &sql, &bounds, &selection).map_err(storage_err)?;
        }
        if found.len() > taken.len() {
            next = taken.last().map(|last| (false, *last));
        }
    }
    let room = size - rows.len() as i64;
    if next.is_none() && room > 0 {
        let after = if position.deletions { position.after } else { since };
        let found = deleted_versions(after).map_err(storage_err)?;
        let taken = &found[..found.len().min(room as usize)];
        if let Some(last) = taken.last() {
            let mut statement = conn
                .prepare(
                    "SELECT id FROM sandbox_deleted WHERE tablename = ?1 AND versionnumber > ?2 \
                     AND versionnumber <= ?3 ORDER BY versionnumber",
                )
                .map_err(storage_err)?;
            deleted = statement
                .query_map(rusqlite::params![table.logical_name, since.max(after), last], |r| r.get(0))
                .and_then(Iterator::collect)
                .map_err(storage_err)?;
        }
        if found.len() > taken.len() {
            next = taken.last().map(|last| (true, *last));
        }
    } else if next.is_none() {
        // The page is full of rows: deletions, if any, come on the next page.
        let any = deleted_versions(since).map_err(storage_err)?;
        if !any.is_empty() {
            next = Some((true, since));
        }
    }
    let names = if prefer.wants("OData.Community.Display.V1.FormattedValue") {
        lookup_names(state, &conn, &rows).map_err(storage_err)?
    } else {
        HashMap::new()
    };
    drop(conn);
    let deleted_context = format!("{}$metadata#{}/$deletedEntity", state.urls.web_api_url, table.entity_set);
    let mut value: Vec<Value> =
        rows.iter().map(|row| Value::Object(row_json(query, row, prefer, &names))).collect();
    value.extend(
        deleted
            .into_iter()
            .map(|id| json!({ "@odata.context": deleted_context, "id": id, "reason": "deleted" })),
    );
    let mut body = serde_json::Map::new();
    body.insert("@odata.context".into(), Value::String(context(state, query, "/$delta")));
    body.insert("value".into(), Value::Array(value));
    match next {
        Some((deletions, after)) => {
            let cookie = query::Cookie {
                values: vec![Value::from(after)],
                page: if deletions { 2 } else { 1 },
                tracking_since: None,
            };
            let link = format!(
                "{}!{until}&$skiptoken={}",
                delta_link(state, table, raw_query, since),
                query::encode_skiptoken(&cookie)
            );
            body.insert("@odata.nextLink".into(), Value::String(link));
        }
        None => {
            body.insert("@odata.deltaLink".into(), Value::String(delta_link(state, table, raw_query, until)));
        }
    }
    let mut response = odata_json(Value::Object(body)).into_response();
    response.headers_mut().insert("Preference-Applied", HeaderValue::from_static("odata.track-changes"));
    Ok(response)
}

/// A query option's value as sent (percent-decoded).
fn query_value(raw_query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(raw_query.unwrap_or_default().as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// The query without its keyset position (counts cover every page).
fn query_clone_for_count<'t>(query: &ReadQuery<'t>) -> ReadQuery<'t> {
    ReadQuery {
        table: query.table,
        select_text: None,
        columns: Vec::new(),
        filter: query.filter.clone(),
        order: Vec::new(),
        top: None,
        count: false,
        after: None,
        page_number: 1,
        tracking_since: None,
        delta_since: None,
        expand: Vec::new(),
        offset: 0,
        omit_nulls: false,
        joins: query.joins.clone(),
    }
}

/// `ORDER BY`: the entity's orders, then the links' (on their joined columns), then what closes the order.
fn order_by(query: &ReadQuery<'_>) -> String {
    let mut items: Vec<String> = query
        .order
        .iter()
        .map(|(c, desc)| format!("{}{}", query::sql_column(c), if *desc { " DESC" } else { "" }))
        .collect();
    let linked = query.joins.order.iter().filter_map(|(name, desc)| {
        let column = query.joins.column(name)?;
        Some(format!("{}{}", query::sql_column_named(name, column), if *desc { " DESC" } else { "" }))
    });
    let at = query.joins.order_at.min(items.len());
    items.splice(at..at, linked);
    items.join(", ")
}

/// The same request with the next page's `$skiptoken`: the original options are kept as sent.
fn next_link(state: &SandboxState, table: &Table, raw_query: Option<&str>, token: &str) -> String {
    let kept: Vec<&str> = raw_query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("$skiptoken=") && !p.starts_with("%24skiptoken="))
        .collect();
    let encoded: String = url::form_urlencoded::byte_serialize(token.as_bytes()).collect();
    let mut query = kept.join("&");
    if !query.is_empty() {
        query.push('&');
    }
    format!("{}{}?{query}$skiptoken={encoded}", state.urls.web_api_url, table.entity_set)
}

fn count(
    state: &SandboxState,
    table: &Table,
    options: &HashMap<String, String>,
) -> Result<Response, DataverseError> {
    let query = query::parse(table, options)?;
    let mut params = Vec::new();
    let sql = format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM {}{} LIMIT {MAX_PAGE_SIZE})",
        quote(table.logical_name),
        where_clause(&query_clone_for_count(&query), &mut params)
    );
    let total: i64 = state
        .store
        .lock()
        .query_row(&sql, rusqlite::params_from_iter(params.iter()), |r| r.get(0))
        .map_err(storage_err)?;
    Ok(([(header::CONTENT_TYPE, "text/plain")], total.to_string()).into_response())
}

/// The `(...)` of a record URL: the primary id, or alternate key values `name='x',other=1`.
pub fn parse_key(table: &Table, key: &str) -> Result<Vec<(&'static str, SqlValue)>, DataverseError> {
    let invalid = || {
        bad_request(format!(
            "The key in the request URI is not valid for resource 'Microsoft.Dynamics.CRM.{}'. Ensure that the \
             names and number of key properties match the declared or alternate key properties for the resource.",
            table.logical_name
        ))
    };
    if let Ok(id) = key.trim().parse::<uuid::Uuid>() {
        return Ok(vec![(table.primary_id, SqlValue::Text(id.to_string()))]);
    }
    let mut pairs = Vec::new();
    let mut rest = key;
    while !rest.is_empty() {
        let (name, after) = rest.split_once('=').ok_or_else(invalid)?;
        let column = table.column(name.trim()).ok_or_else(invalid)?;
        let (value, remaining) = if let Some(quoted) = after.strip_prefix('\'') {
            let mut value = String::new();
            let mut chars = quoted.char_indices().peekable();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                if c == '\'' {
                    if chars.peek().map(|(_, n)| *n) == Some('\'') {
                        value.push('\'');
                        chars.next();
                    } else {
                        end = Some(i + 1);
                        break;
                    }
                } else {
                    value.push(c);
                }
            }
            let end = end.ok_or_else(invalid)?;
            (SqlValue::Text(value), &quoted[end..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            let raw = after[..end].trim();
            let value = raw.parse::<i64>().map(SqlValue::Integer).or_else(|_| {
                raw.parse::<uuid::Uuid>().map(|g| SqlValue::Text(g.to_string())).map_err(|_| invalid())
            })?;
            (value, &after[end..])
        };
        pairs.push((column.logical_name, value));
        rest = remaining.strip_prefix(',').unwrap_or(remaining);
    }
    let mut names: Vec<&str> = pairs.iter().map(|(n, _)| *n).collect();
    names.sort_unstable();
    let is_key = table.keys.iter().any(|(_, columns)| {
        let mut columns = columns.clone();
        columns.sort_unstable();
        columns == names
    });
    if is_key { Ok(pairs) } else { Err(invalid()) }
}

pub fn not_found(table: &Table, key: &str) -> DataverseError {
    DataverseError::new(
        StatusCode::NOT_FOUND,
        "0x80040217",
        format!("{} With Id = {key} Does Not Exist", table.logical_name),
    )
}

fn single(
    state: &SandboxState,
    caller: &Caller,
    table: &Table,
    key: &str,
    options: &HashMap<String, String>,
    prefer: &Prefer,
    headers: &HeaderMap,
) -> Result<Response, DataverseError> {
    let key_values = parse_key(table, key)?;
    let query = query::parse(table, options)?;
    let selection = Selection::new(&query);
    let mut conditions: Vec<String> =
        key_values.iter().enumerate().map(|(i, (n, _))| format!("{} = ?{}", quote(n), i + 1)).collect();
    let mut params: Vec<SqlValue> = key_values.into_iter().map(|(_, v)| v).collect();
    // Someone else's personal view does not exist for the caller (see `views::only_own_personal_views`).
    if table.logical_name == "userquery" {
        params.push(SqlValue::Text(caller.system_user_id.to_string()));
        conditions.push(format!("{} = ?{}", quote("ownerid"), params.len()));
    }
    let sql = format!(
        "SELECT {} FROM {} WHERE {}",
        selection.sql.join(", "),
        quote(table.logical_name),
        conditions.join(" AND ")
    );
    let conn = state.store.lock();
    let rows = read_rows(&conn, &sql, &params, &selection).map_err(storage_err)?;
    let Some(row) = rows.first() else {
        return Err(not_found(table, key));
    };
    let etag = format!("W/\"{}\"", row.version);
    let unchanged = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str());
    if unchanged && prefer.annotations.is_none() {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    let names = if prefer.wants("OData.Community.Display.V1.FormattedValue") {
        lookup_names(state, &conn, &rows).map_err(storage_err)?
    } else {
        HashMap::new()
    };
    drop(conn);
    let mut body = row_json(&query, row, prefer, &names);
    expand_rows(state, &query, std::slice::from_ref(row), std::slice::from_mut(&mut body))?;
    body.insert("@odata.context".into(), Value::String(context(state, &query, "/$entity")));
    let mut response = odata_json(Value::Object(body)).into_response();
    if let Some(applied) = prefer.applied(None) {
        response.headers_mut().insert("Preference-Applied", applied);
    }
    Ok(response)
}

/// One row by id in the Web API's shape (with the annotations `prefer` asks for), on a connection the
/// caller holds: what a write returns under `return=representation`.
pub fn read_one(
    state: &SandboxState,
    conn: &rusqlite::Connection,
    table: &Table,
    id: &str,
    options: &HashMap<String, String>,
    prefer: &Prefer,
) -> Result<Map<String, Value>, DataverseError> {
    let select_only: HashMap<String, String> = options
        .iter()
        .filter(|(k, _)| k.as_str() == "$select")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let query = query::parse(table, &select_only)?;
    let selection = Selection::new(&query);
    let sql = format!(
        "SELECT {} FROM {} WHERE {} = ?1",
        selection.sql.join(", "),
        quote(table.logical_name),
        quote(table.primary_id)
    );
    let rows = read_rows(conn, &sql, &[SqlValue::Text(id.to_owned())], &selection).map_err(storage_err)?;
    let row = rows.first().ok_or_else(|| not_found(table, id))?;
    let names = if prefer.wants("OData.Community.Display.V1.FormattedValue") {
        lookup_names(state, conn, &rows).map_err(storage_err)?
    } else {
        HashMap::new()
    };
    Ok(row_json(&query, row, prefer, &names))
}

/// Fills in each row's `$expand`ed lookups: the related row (its `$select`ed columns and ETag) or null.
fn expand_rows(
    state: &SandboxState,
    query: &ReadQuery<'_>,
    rows: &[RawRow],
    out: &mut [Map<String, Value>],
) -> Result<(), DataverseError> {
    for expand in &query.expand {
        let mut related: HashMap<(String, String), Map<String, Value>> = HashMap::new();
        let mut wanted: HashMap<String, Vec<String>> = HashMap::new();
        for row in rows {
            if let Some((Value::String(id), Some(target))) = row.values.get(expand.column.logical_name)
                && expand.only_target.as_ref().is_none_or(|t| t == target)
            {
                wanted.entry(target.clone()).or_default().push(id.clone());
            }
        }
        for (target, ids) in wanted {
            let Some(table) = state.store.table(&target) else { continue };
            let select: HashMap<String, String> =
                expand.select.iter().map(|s| ("$select".to_owned(), s.clone())).collect();
            let nested = query::parse(table, &select)?;
            let selection = Selection::new(&nested);
            let conn = state.store.lock();
            for chunk in ids.chunks(500) {
                let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("?{i}")).collect();
                let sql = format!(
                    "SELECT {} FROM {} WHERE {} IN ({})",
                    selection.sql.join(", "),
                    quote(table.logical_name),
                    quote(table.primary_id),
                    marks.join(", ")
                );
                let params: Vec<SqlValue> = chunk.iter().map(|id| SqlValue::Text(id.clone())).collect();
                for found in read_rows(&conn, &sql, &params, &selection).map_err(storage_err)? {
                    let id = found
                        .values
                        .get(table.primary_id)
                        .and_then(|(v, _)| v.as_str())
                        .unwrap_or_default()
                        .to_owned();
                    related.insert(
                        (target.clone(), id),
                        row_json(&nested, &found, &Prefer::default(), &HashMap::new()),
                    );
                }
            }
        }
        for (row, json) in rows.iter().zip(out.iter_mut()) {
            let value = match row.values.get(expand.column.logical_name) {
                Some((Value::String(id), Some(target))) => {
                    related.get(&(target.clone(), id.clone())).cloned().map(Value::Object)
                }
                _ => None,
            };
            json.insert(expand.name.clone(), value.unwrap_or(Value::Null));
        }
    }
    Ok(())
}
