//! A read's query options checked against the table's metadata, and turned into SQL with parameters.
//! Every property name is looked up in the metadata before it reaches SQL; every value is a parameter.

use std::collections::HashMap;

use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rusqlite::types::Value as SqlValue;
use serde_json::Value;

use super::filter::{self, Filter, Literal, Op, TextFunction};
use super::link::Joins;
use crate::data::decimal;
use crate::data::schema::{Column, ColumnKind, Table};
use crate::data::store::quote;
use crate::org::errors::DataverseError;

/// Dataverse's largest page, and the default without `odata.maxpagesize`.
pub const MAX_PAGE_SIZE: u32 = 5000;

#[derive(Debug)]
pub struct ReadQuery<'t> {
    pub table: &'t Table,
    /// What `$select` named, for the context URL.
    pub select_text: Option<String>,
    /// Columns to return (the primary id always among them).
    pub columns: Vec<&'t Column>,
    pub filter: Option<Filter>,
    /// Sort columns with `true` for descending; the primary id closes the list so the order is total.
    pub order: Vec<(&'t Column, bool)>,
    pub top: Option<u32>,
    pub count: bool,
    /// The previous page's last sort values, from `$skiptoken`.
    pub after: Option<Vec<Value>>,
    pub page_number: u32,
    /// Change tracking: the version the first page of a tracked read was taken at (kept in the cookie).
    pub tracking_since: Option<i64>,
    /// `$deltatoken`: the version a delta is wanted from.
    pub delta_since: Option<i64>,
    /// Single-valued navigation properties to expand.
    pub expand: Vec<Expand<'t>>,
    /// Rows to skip before the page (FetchXML's simple paging: `page` without a paging cookie).
    pub offset: u32,
    /// Leave out null columns, as FetchXML and views answer (OData queries return them as `null`).
    pub omit_nulls: bool,
    /// FetchXML's `<link-entity>` joins (none for OData).
    pub joins: Joins<'t>,
}

/// `$expand=primarycontactid($select=fullname)`: a lookup's related row, inline.
#[derive(Debug, Clone)]
pub struct Expand<'t> {
    /// The navigation property as written (`primarycontactid`, `parentcustomerid_account`).
    pub name: String,
    pub column: &'t Column,
    /// For a polymorphic lookup expanded through `<lookup>_<table>`: that table.
    pub only_target: Option<String>,
    /// The nested `$select`, if any.
    pub select: Option<String>,
}

pub fn bad_request(message: impl Into<String>) -> DataverseError {
    DataverseError::new(StatusCode::BAD_REQUEST, "0x80060888", message)
}

fn no_property(table: &Table, name: &str) -> DataverseError {
    DataverseError::new(
        StatusCode::BAD_REQUEST,
        "0x0",
        format!(
            "Could not find a property named '{name}' on type 'Microsoft.Dynamics.CRM.{}'.",
            table.logical_name
        ),
    )
}

fn property<'t>(table: &'t Table, name: &str) -> Result<&'t Column, DataverseError> {
    table.property(name).filter(|c| c.valid_for_read).ok_or_else(|| no_property(table, name))
}

/// Dataverse's predefined-query parameters: run on a collection by `org::views`, refused anywhere else.
pub const PREDEFINED: &[&str] = &["fetchXml", "savedQuery", "userQuery"];

/// The system query options the sandbox runs on a table's rows.
const SYSTEM_OPTIONS: &[&str] =
    &["$select", "$filter", "$orderby", "$top", "$count", "$skiptoken", "$deltatoken", "$expand"];

/// Refuses every query parameter a read of rows does not run, so that none is ignored (an ignored `sql`
/// or `$apply` would answer with the whole table: a wrong answer given silently). Microsoft Learn, "Use
/// OData to query data": Dataverse runs `$select $expand $orderby $filter $apply $top $count` and refuses
/// `$skip $search $format` (and OData 4.01's `$compute`, as Dataverse is OData 4.0) with 400 `0x80060888`
/// "The query parameter $skip is not supported"; a parameter without `$` it does not know gets
/// `{"code":"0x0","message":"The query parameter utm_source is not supported"}` (rappen/FetchXMLBuilder#437).
/// What Dataverse runs and the sandbox does not (`sql`, parameter aliases) is refused naming the sandbox as
/// the limit; `$apply` runs on a collection (`org::apply`).
pub fn check_options(options: &HashMap<String, String>) -> Result<(), DataverseError> {
    let mut names: Vec<&String> = options.keys().collect();
    names.sort();
    for name in names {
        let name = name.as_str();
        if SYSTEM_OPTIONS.contains(&name) || PREDEFINED.contains(&name) {
            continue;
        }
        return Err(match name {
            // Run on a collection by `org::apply`.
            "$apply" => continue,
            "sql" => bad_request(
                "The query parameter sql is not supported by the D365 Desk sandbox: Dataverse runs SQL \
                 queries with it (a preview), the sandbox does not (a limit of the sandbox, not of Dataverse).",
            ),
            alias if alias.starts_with('@') => bad_request(format!(
                "The parameter alias {alias} is not supported by the D365 Desk sandbox: Dataverse takes \
                 parameter aliases in $filter and $orderby, the sandbox does not (a limit of the sandbox)."
            )),
            system if system.starts_with('$') => {
                bad_request(format!("The query parameter {system} is not supported"))
            }
            other => DataverseError::new(
                StatusCode::BAD_REQUEST,
                "0x0",
                format!("The query parameter {other} is not supported"),
            ),
        });
    }
    Ok(())
}

pub fn parse<'t>(
    table: &'t Table,
    options: &HashMap<String, String>,
) -> Result<ReadQuery<'t>, DataverseError> {
    check_options(options)?;
    if options.contains_key("$apply") {
        return Err(bad_request(
            "The query parameter $apply is not supported on this request by the D365 Desk sandbox; it runs on a \
             table's collection (GET <entityset>?$apply=...).",
        ));
    }
    // A collection runs these before coming here; elsewhere (a single row, `$count`) they are refused, never
    // ignored: ignoring `fetchXml` would answer with the whole table, a wrong answer given silently.
    for name in PREDEFINED {
        if options.contains_key(*name) {
            return Err(bad_request(format!(
                "The query parameter {name} is not supported on this request by the D365 Desk sandbox; it runs \
                 on a table's collection (GET <entityset>?{name}=...)."
            )));
        }
    }
    let primary = table.column(table.primary_id).ok_or_else(|| no_property(table, table.primary_id))?;
    let mut columns = vec![primary];
    match options.get("$select") {
        Some(select) => {
            for name in select.split(',').map(str::trim) {
                let column = property(table, name)?;
                if !columns.iter().any(|c| c.logical_name == column.logical_name) {
                    columns.push(column);
                }
            }
            // Money columns bring the currency they are in, as Dataverse's do.
            if columns.iter().any(|c| matches!(c.kind, ColumnKind::Money { .. }))
                && let Some(currency) = table.column("transactioncurrencyid")
                && !columns.iter().any(|c| c.logical_name == currency.logical_name)
            {
                columns.push(currency);
            }
        }
        None => columns.extend(table.readable_columns().filter(|c| c.logical_name != table.primary_id)),
    }
    let filter = options
        .get("$filter")
        .map(|text| filter::parse(text).map_err(|e| bad_request(format!("{e} in '{text}'."))))
        .transpose()?;
    if let Some(filter) = &filter {
        check_filter(table, filter)?;
        check_patterns(filter)?;
    }
    let mut order = Vec::new();
    for item in options.get("$orderby").map(|o| o.split(',')).into_iter().flatten() {
        let mut words = item.split_whitespace();
        let name = words.next().ok_or_else(|| bad_request("An empty $orderby item."))?;
        let descending = match words.next() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(other) => return Err(bad_request(format!("'{other}' is not asc or desc in $orderby."))),
        };
        order.push((property(table, name)?, descending));
    }
    if !order.iter().any(|(c, _)| c.logical_name == table.primary_id) {
        order.push((primary, false));
    }
    let top = options
        .get("$top")
        .map(|t| {
            t.parse::<u32>()
                .ok()
                .filter(|t| *t > 0)
                .ok_or_else(|| bad_request(format!("Invalid $top value '{t}'.")))
        })
        .transpose()?;
    let count = match options.get("$count").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => return Err(bad_request(format!("Invalid $count value '{other}'."))),
    };
    let (after, page_number, tracking_since) = skiptoken_position(options, order.len())?;
    // `<version>!<date>`, as Dataverse's delta tokens look.
    let delta_since = options
        .get("$deltatoken")
        .map(|token| {
            token
                .split('!')
                .next()
                .and_then(|v| v.parse::<i64>().ok())
                .ok_or_else(|| bad_request("The $deltatoken is not valid."))
        })
        .transpose()?;
    let expand = match options.get("$expand") {
        Some(text) => parse_expand(table, text)?,
        None => Vec::new(),
    };
    let select_text = options.get("$select").cloned();
    Ok(ReadQuery {
        table,
        select_text,
        columns,
        filter,
        order,
        top,
        count,
        after,
        page_number,
        tracking_since,
        delta_since,
        expand,
        offset: 0,
        omit_nulls: false,
        joins: Joins::default(),
    })
}

/// Where a `$skiptoken` says the page starts: the previous page's last sort values (one per sort column),
/// the page number, and a tracked read's starting version.
type Position = (Option<Vec<Value>>, u32, Option<i64>);

pub fn skiptoken_position(
    options: &HashMap<String, String>,
    order_len: usize,
) -> Result<Position, DataverseError> {
    match options.get("$skiptoken") {
        Some(token) => {
            let cookie =
                decode_skiptoken(token).ok_or_else(|| bad_request("The $skiptoken is not valid."))?;
            if cookie.values.len() != order_len {
                return Err(bad_request("The $skiptoken does not belong to this query."));
            }
            Ok((Some(cookie.values), cookie.page, cookie.tracking_since))
        }
        None => Ok((None, 1, None)),
    }
}

/// `a($select=x,y),b` → the navigation properties, each with its nested `$select`.
fn parse_expand<'t>(table: &'t Table, text: &str) -> Result<Vec<Expand<'t>>, DataverseError> {
    super::split_top_level(text)
        .into_iter()
        .map(str::trim)
        .map(|item| {
            let (name, nested) = match item.split_once('(') {
                Some((name, rest)) => (
                    name.trim(),
                    Some(rest.strip_suffix(')').ok_or_else(|| {
                        bad_request(format!("Unbalanced parentheses in $expand '{item}'."))
                    })?),
                ),
                None => (item, None),
            };
            let select = match nested {
                None | Some("") => None,
                Some(options) => {
                    let select =
                        options.strip_prefix("$select=").filter(|s| !s.contains('$')).ok_or_else(|| {
                            bad_request(format!("Only $select is supported inside $expand, not '{options}'."))
                        })?;
                    Some(select.to_owned())
                }
            };
            let (column, only_target) = match table.column(name).filter(|c| c.kind.is_lookup()) {
                Some(column) => (column, None),
                None => {
                    let (lookup, target) = name.rsplit_once('_').ok_or_else(|| no_property(table, name))?;
                    let column = table
                        .column(lookup)
                        .filter(|c| c.kind.is_lookup())
                        .ok_or_else(|| no_property(table, name))?;
                    let ColumnKind::Lookup { targets } = column.kind else {
                        return Err(no_property(table, name));
                    };
                    if !targets.contains(&target) {
                        return Err(no_property(table, name));
                    }
                    (column, Some(target.to_owned()))
                }
            };
            Ok(Expand { name: name.to_owned(), column, only_target, select })
        })
        .collect()
}

/// Type-checks every comparison against the column's type, with OData's message for a mismatch.
pub fn check_filter(table: &Table, filter: &Filter) -> Result<(), DataverseError> {
    match filter {
        Filter::And(a, b) | Filter::Or(a, b) => {
            check_filter(table, a)?;
            check_filter(table, b)
        }
        Filter::Not(inner) => check_filter(table, inner),
        Filter::Text { property: name, .. } | Filter::Like { property: name, .. } => {
            let column = property(table, name)?;
            if column.kind.edm_type() == "Edm.String" {
                Ok(())
            } else {
                Err(bad_request(format!(
                    "The function arguments do not match: '{name}' is {}, not Edm.String.",
                    column.kind.edm_type()
                )))
            }
        }
        Filter::Values { property: name, .. } => {
            let column = property(table, name)?;
            if matches!(column.kind, ColumnKind::MultiSelect { .. }) {
                Ok(())
            } else {
                Err(bad_request(format!(
                    "The function arguments do not match: '{name}' is not a multi-select choice column."
                )))
            }
        }
        Filter::Compare { property: name, op, value } => {
            let column = property(table, name)?;
            let fits = match (&column.kind, value) {
                (_, Literal::Null) => matches!(op, Op::Eq | Op::Ne),
                (ColumnKind::String { .. } | ColumnKind::Memo { .. }, Literal::String(_)) => true,
                (ColumnKind::Uniqueidentifier | ColumnKind::Lookup { .. }, Literal::Guid(_)) => true,
                (ColumnKind::Boolean { .. }, Literal::Bool(_)) => matches!(op, Op::Eq | Op::Ne),
                (ColumnKind::DateTime { .. }, Literal::DateTime(_) | Literal::Date(_)) => true,
                (
                    ColumnKind::Integer { .. }
                    | ColumnKind::BigInt
                    | ColumnKind::Picklist { .. }
                    | ColumnKind::State { .. }
                    | ColumnKind::Status { .. },
                    Literal::Int(_),
                ) => true,
                (
                    ColumnKind::Decimal { .. } | ColumnKind::Double | ColumnKind::Money { .. },
                    Literal::Int(_) | Literal::Decimal(_),
                ) => true,
                _ => false,
            };
            if fits {
                Ok(())
            } else {
                Err(bad_request(format!(
                    "A binary operator with incompatible types was detected. Found operand types '{}' and '{}' \
                     for operator kind '{}'.",
                    column.kind.edm_type(),
                    literal_type(value),
                    op.kind()
                )))
            }
        }
    }
}

fn literal_type(value: &Literal) -> &'static str {
    match value {
        Literal::Null => "null",
        Literal::Bool(_) => "Edm.Boolean",
        Literal::Int(_) => "Edm.Int32",
        Literal::Decimal(_) => "Edm.Decimal",
        Literal::String(_) => "Edm.String",
        Literal::Guid(_) => "Edm.Guid",
        Literal::DateTime(_) => "Edm.DateTimeOffset",
        Literal::Date(_) => "Edm.Date",
    }
}

/// The SQL for a column in comparisons and sorting: strings compare without case, as in Dataverse.
pub fn sql_column(column: &Column) -> String {
    sql_column_named(column.logical_name, column)
}

/// The same for `column` under another name (a joined column, named as the answer names it).
pub fn sql_column_named(name: &str, column: &Column) -> String {
    match column.kind {
        ColumnKind::String { .. } | ColumnKind::Memo { .. } => format!("{} COLLATE NOCASE", quote(name)),
        ColumnKind::Money { .. } | ColumnKind::Decimal { .. } => {
            format!("{} COLLATE {}", quote(name), decimal::COLLATION)
        }
        _ => quote(name),
    }
}

fn sql_literal(value: &Literal) -> SqlValue {
    match value {
        Literal::Null => SqlValue::Null,
        Literal::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Literal::Int(i) => SqlValue::Integer(*i),
        Literal::Decimal(d) => SqlValue::Text(d.clone()),
        Literal::String(s) | Literal::DateTime(s) | Literal::Date(s) => SqlValue::Text(s.clone()),
        Literal::Guid(g) => SqlValue::Text(g.to_string()),
    }
}

/// A `contains`/`startswith`/`endswith` value as Dataverse reads it (Microsoft Learn, "Use wildcard
/// characters in conditions for string values"): `%` and `_` are wildcards, a bracketed `[%]`, `[_]`, `[[]`
/// the character itself; as SQLite's `LIKE ... ESCAPE '\'`. None for a character class, which the
/// sandbox does not run.
pub fn like_fragment(value: &str) -> Option<String> {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '[' => {
                let inner = chars.next()?;
                if chars.next() != Some(']') || !matches!(inner, '%' | '_' | '[') {
                    return None;
                }
                if inner != '[' {
                    out.push('\\'); // `\%` and `\_`; a `[` is no wildcard in SQLite's LIKE
                }
                out.push(inner);
            }
            '\\' => out.push_str("\\\\"),
            other => out.push(other),
        }
    }
    Some(out)
}

/// Refuses what `like_fragment` cannot run, rather than answer it wrongly.
fn check_patterns(filter: &Filter) -> Result<(), DataverseError> {
    match filter {
        Filter::And(a, b) | Filter::Or(a, b) => check_patterns(a).and_then(|()| check_patterns(b)),
        Filter::Not(inner) => check_patterns(inner),
        Filter::Text { value, .. } if like_fragment(value).is_none() => Err(bad_request(format!(
            "The character class in '{value}' ([a-c], [^x]) is not supported by the D365 Desk sandbox; \
             a bracketed [%], [_] or [[] is."
        ))),
        _ => Ok(()),
    }
}

/// `$filter` as a SQL condition; the table's columns were checked by `parse`.
pub fn filter_sql(table: &Table, filter: &Filter, params: &mut Vec<SqlValue>) -> String {
    match filter {
        Filter::And(a, b) => {
            format!("({} AND {})", filter_sql(table, a, params), filter_sql(table, b, params))
        }
        Filter::Or(a, b) => format!("({} OR {})", filter_sql(table, a, params), filter_sql(table, b, params)),
        Filter::Not(inner) => format!("(NOT {})", filter_sql(table, inner, params)),
        Filter::Text { function, property: name, value } => {
            let Some(column) = table.property(name) else { return "0".into() };
            let Some(escaped) = like_fragment(value) else {
                // A character class: `parse` refused it already (see `check_patterns`).
                return "0".into();
            };
            let pattern = match function {
                TextFunction::Contains => format!("%{escaped}%"),
                TextFunction::StartsWith => format!("{escaped}%"),
                TextFunction::EndsWith => format!("%{escaped}"),
            };
            params.push(SqlValue::Text(pattern));
            format!("({} LIKE ?{} ESCAPE '\\')", quote(column.logical_name), params.len())
        }
        Filter::Like { property: name, pattern } => {
            let Some(column) = table.property(name) else { return "0".into() };
            params.push(SqlValue::Text(pattern.clone()));
            format!("({} LIKE ?{})", quote(column.logical_name), params.len())
        }
        // Stored as "1,3": a value is in it when ",1,3," holds ",<value>,". Rows with none chosen do not
        // contain any value (so DoesNotContainValues takes them; unconfirmed for Dataverse).
        Filter::Values { property: name, values, contains } => {
            let Some(column) = table.property(name) else { return "0".into() };
            let any: Vec<String> = values
                .iter()
                .map(|value| {
                    params.push(SqlValue::Text(format!(",{},", value.trim())));
                    format!("instr(',' || {} || ',', ?{}) > 0", quote(column.logical_name), params.len())
                })
                .collect();
            let any = if any.is_empty() { "0".to_owned() } else { any.join(" OR ") };
            if *contains {
                format!("({} IS NOT NULL AND ({any}))", quote(column.logical_name))
            } else {
                format!("({} IS NULL OR NOT ({any}))", quote(column.logical_name))
            }
        }
        Filter::Compare { property: name, op, value } => {
            let Some(column) = table.property(name) else { return "0".into() };
            let sql = sql_column(column);
            if *value == Literal::Null {
                return format!("({sql} IS {}NULL)", if *op == Op::Ne { "NOT " } else { "" });
            }
            let mut literal = sql_literal(value);
            // Date literals against a date-and-time column mean midnight UTC.
            if let (ColumnKind::DateTime { .. }, Literal::Date(d)) = (&column.kind, value)
                && !column.kind.is_date_only()
            {
                literal = SqlValue::Text(format!("{d}T00:00:00Z"));
            }
            params.push(literal);
            let operator = match op {
                Op::Eq => "=",
                Op::Ne => "<>",
                Op::Gt => ">",
                Op::Ge => ">=",
                Op::Lt => "<",
                Op::Le => "<=",
            };
            format!("({sql} {operator} ?{})", params.len())
        }
    }
}

/// The keyset condition "after the previous page's last row" for the sort order, NULLs included (SQLite
/// sorts NULL first ascending, last descending).
pub fn after_sql(order: &[(&Column, bool)], after: &[Value], params: &mut Vec<SqlValue>) -> String {
    let mut alternatives = Vec::new();
    for (i, (column, descending)) in order.iter().enumerate() {
        let mut parts = Vec::new();
        for (j, (previous, _)) in order[..i].iter().enumerate() {
            params.push(json_to_sql(&after[j]));
            parts.push(format!("{} IS ?{}", sql_column(previous), params.len()));
        }
        let sql = sql_column(column);
        let beyond = match (&after[i], descending) {
            (Value::Null, false) => format!("{sql} IS NOT NULL"),
            (Value::Null, true) => "0".to_owned(),
            (value, false) => {
                params.push(json_to_sql(value));
                format!("{sql} > ?{}", params.len())
            }
            (value, true) => {
                params.push(json_to_sql(value));
                format!("({sql} < ?{} OR {sql} IS NULL)", params.len())
            }
        };
        parts.push(beyond);
        alternatives.push(format!("({})", parts.join(" AND ")));
    }
    format!("({})", alternatives.join(" OR "))
}

pub fn order_sql(order: &[(&Column, bool)]) -> String {
    order
        .iter()
        .map(|(c, desc)| format!("{}{}", sql_column(c), if *desc { " DESC" } else { "" }))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn json_to_sql(value: &Value) -> SqlValue {
    match value {
        Value::Null => SqlValue::Null,
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        // As text, not a double: a money or decimal column compares it by value, digit for digit (a REAL
        // column converts it back to a number).
        Value::Number(n) => n.as_i64().map_or_else(|| SqlValue::Text(n.to_string()), SqlValue::Integer),
        Value::String(s) => SqlValue::Text(s.clone()),
        other => SqlValue::Text(other.to_string()),
    }
}

/// What a `$skiptoken` carries between pages.
#[derive(Debug, Clone, PartialEq)]
pub struct Cookie {
    pub values: Vec<Value>,
    pub page: u32,
    pub tracking_since: Option<i64>,
}

/// `<cookie pagenumber="2" pagingcookie="..." istracking="False" />`, as Dataverse's skip tokens look; the
/// paging cookie holds the last row's sort values (and for a tracked read, the version it started at).
pub fn encode_skiptoken(cookie: &Cookie) -> String {
    let paging = URL_SAFE_NO_PAD.encode(Value::Array(cookie.values.clone()).to_string());
    match cookie.tracking_since {
        Some(version) => format!(
            r#"<cookie pagenumber="{}" pagingcookie="{paging}" istracking="True" trackingversion="{version}" />"#,
            cookie.page
        ),
        None => {
            format!(r#"<cookie pagenumber="{}" pagingcookie="{paging}" istracking="False" />"#, cookie.page)
        }
    }
}

fn decode_skiptoken(token: &str) -> Option<Cookie> {
    let attribute = |name: &str| {
        let start = token.find(&format!(" {name}=\""))? + name.len() + 3;
        token[start..].split('"').next()
    };
    let page = attribute("pagenumber")?.parse().ok()?;
    let bytes = URL_SAFE_NO_PAD.decode(attribute("pagingcookie")?).ok()?;
    let tracking_since = match attribute("trackingversion") {
        Some(version) => Some(version.parse().ok()?),
        None => None,
    };
    match serde_json::from_slice(&bytes).ok()? {
        Value::Array(values) => Some(Cookie { values, page, tracking_since }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn contains_values_read_wildcards_as_dataverse_does() {
        assert_eq!(like_fragment("50%").as_deref(), Some("50%"), "a bare % is a wildcard");
        assert_eq!(like_fragment("50[%]").as_deref(), Some("50\\%"), "a bracketed one the character");
        assert_eq!(like_fragment("A[_]1_").as_deref(), Some("A\\_1_"));
        assert_eq!(like_fragment("[[]x]").as_deref(), Some("[x]"));
        assert_eq!(like_fragment("back\\slash").as_deref(), Some("back\\\\slash"));
        assert_eq!(like_fragment("[a-c]"), None, "a character class is not run");
        assert_eq!(like_fragment("[^x]"), None);
        assert_eq!(like_fragment("open["), None);
    }
    use super::*;
    use crate::data::tables;

    fn options(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn names_are_checked_with_dataverse_messages() {
        let tables = tables::all();
        let account = tables.iter().find(|t| t.logical_name == "account").unwrap();
        let err = parse(account, &options(&[("$select", "name,nmae")])).unwrap_err();
        assert_eq!(
            err.message,
            "Could not find a property named 'nmae' on type 'Microsoft.Dynamics.CRM.account'."
        );
        let err = parse(account, &options(&[("$filter", "revenue eq 'lots'")])).unwrap_err();
        assert!(err.message.contains("'Edm.Decimal' and 'Edm.String'"), "{}", err.message);
        assert!(parse(account, &options(&[("$skip", "10")])).is_err());
        assert!(parse(account, &options(&[("$top", "0")])).is_err());
        assert!(parse(account, &options(&[("$orderby", "name sideways")])).is_err());
    }

    #[test]
    fn select_brings_the_primary_id_and_the_currency_of_money() {
        let tables = tables::all();
        let account = tables.iter().find(|t| t.logical_name == "account").unwrap();
        let query = parse(account, &options(&[("$select", "revenue,_primarycontactid_value")])).unwrap();
        let names: Vec<_> = query.columns.iter().map(|c| c.logical_name).collect();
        assert_eq!(names, ["accountid", "revenue", "primarycontactid", "transactioncurrencyid"]);
        assert_eq!(query.order.last().map(|(c, _)| c.logical_name), Some("accountid"));
    }

    #[test]
    fn skiptokens_round_trip_and_reject_tampering() {
        let values = vec![Value::String("Contoso".into()), Value::Null, Value::String("id".into())];
        for tracking_since in [None, Some(1234)] {
            let cookie = Cookie { values: values.clone(), page: 3, tracking_since };
            assert_eq!(decode_skiptoken(&encode_skiptoken(&cookie)), Some(cookie));
        }
        assert_eq!(decode_skiptoken("<cookie pagenumber=\"2\" pagingcookie=\"!!\" />"), None);
        assert_eq!(decode_skiptoken("garbage"), None);
    }
}
