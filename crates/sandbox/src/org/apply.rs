//! `$apply`, the aggregation subset the sandbox runs (Microsoft Learn, "Aggregate data using OData"):
//! `filter(<$filter>)/` before one `groupby((a,b)[,aggregate(...)])` or `aggregate(...)`, whose items are
//! `$count as <alias>` and `<column> with sum|average|min|max|countdistinct as <alias>`. Groups come in the
//! order of their values, null values are left out of a group's row (as in Learn's examples), and with
//! `odata.include-annotations` values carry their formatted values. Sums and averages of money and
//! decimals are exact. Learn's limits hold: no grouping by a date and time, at most 50,000 rows
//! aggregated (`0x8004E023`). Anything else (other transformations, paths such as
//! `primarycontactid/fullname`, other query options beside `$apply`) is refused, never ignored.

use std::collections::{HashMap, HashSet};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rusqlite::types::Value as SqlValue;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Map, Value, json};

use super::auth::Caller;
use super::errors::{DataverseError, odata_json};
use super::format::formatted;
use super::records::{self, Prefer};
use crate::data::decimal;
use crate::data::schema::{Column, ColumnKind, Table};
use crate::data::store::{quote, target_column};
use crate::odata::filter::{self, Filter, Literal, Op};
use crate::odata::query::{self, bad_request};
use crate::state::SandboxState;

/// Learn, "Aggregate data using OData": "The aggregate functions are limited to a collection of 50,000
/// records."
const AGGREGATE_LIMIT: usize = 50_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Function {
    Sum,
    Average,
    Min,
    Max,
    CountDistinct,
}

#[derive(Debug)]
enum Aggregate<'t> {
    Count,
    Of(&'t Column, Function),
}

/// A row read for aggregation: each column's value and, for a lookup, the table it points to.
type Row = Vec<(Value, Option<String>)>;

#[derive(Debug)]
struct Apply<'t> {
    filter: Option<Filter>,
    groups: Vec<&'t Column>,
    aggregates: Vec<(String, Aggregate<'t>)>,
}

fn sandbox_limit(what: impl std::fmt::Display) -> DataverseError {
    bad_request(format!("The D365 Desk sandbox does not support {what} in $apply."))
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

/// Splits at `separator` outside parentheses and string literals.
fn split_outside(text: &str, separator: char) -> Vec<&str> {
    let (mut depth, mut quoted, mut start, mut parts) = (0usize, false, 0, Vec::new());
    for (i, c) in text.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth = depth.saturating_sub(1),
            c if c == separator && !quoted && depth == 0 => {
                parts.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// `name(inner)` → `(name, inner)`.
fn call(text: &str) -> Option<(&str, &str)> {
    let (name, rest) = text.trim().split_once('(')?;
    Some((name.trim(), rest.strip_suffix(')')?))
}

fn valid_alias(alias: &str) -> bool {
    alias.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && alias.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn parse<'t>(table: &'t Table, text: &str) -> Result<Apply<'t>, DataverseError> {
    let mut apply = Apply { filter: None, groups: Vec::new(), aggregates: Vec::new() };
    let steps = split_outside(text, '/');
    let last = steps.len() - 1;
    for (n, step) in steps.into_iter().enumerate() {
        let (name, inner) = call(step)
            .ok_or_else(|| bad_request(format!("'{step}' is not a transformation in $apply '{text}'.")))?;
        match name {
            "filter" if n < last && apply.filter.is_none() => {
                let parsed = filter::parse(inner).map_err(|e| bad_request(format!("{e} in '{inner}'.")))?;
                query::check_filter(table, &parsed)?;
                apply.filter = Some(parsed);
            }
            "groupby" if n == last => {
                let (list, rest) =
                    inner.trim_start().strip_prefix('(').and_then(|r| r.split_once(')')).ok_or_else(
                        || bad_request(format!("groupby needs a list of properties: '{step}'.")),
                    )?;
                for name in list.split(',').map(str::trim) {
                    apply.groups.push(group_column(table, name)?);
                }
                let rest = rest.trim();
                if !rest.is_empty() {
                    let aggregate = rest.strip_prefix(',').map(str::trim).and_then(call);
                    match aggregate {
                        Some(("aggregate", items)) => apply.aggregates = aggregates(table, items)?,
                        _ => return Err(sandbox_limit(format!("'{rest}' inside groupby"))),
                    }
                }
            }
            "aggregate" if n == last => apply.aggregates = aggregates(table, inner)?,
            "filter" | "groupby" | "aggregate" => {
                return Err(sandbox_limit(format!(
                    "the transformations in this order ('{text}'; it runs filter(...)/ then one groupby or aggregate)"
                )));
            }
            other => return Err(sandbox_limit(format!("the transformation '{other}'"))),
        }
    }
    if apply.groups.is_empty() && apply.aggregates.is_empty() {
        return Err(sandbox_limit(format!("'{text}' without groupby or aggregate")));
    }
    let mut names: HashSet<String> = apply.groups.iter().map(|c| c.property_name()).collect();
    for (alias, _) in &apply.aggregates {
        if !names.insert(alias.clone()) {
            return Err(bad_request(format!("The alias '{alias}' is used twice in $apply.")));
        }
    }
    Ok(apply)
}

fn group_column<'t>(table: &'t Table, name: &str) -> Result<&'t Column, DataverseError> {
    if name.contains('/') {
        return Err(sandbox_limit(format!("grouping by a related table's column ('{name}')")));
    }
    let column = table.property(name).filter(|c| c.valid_for_read).ok_or_else(|| no_property(table, name))?;
    if matches!(column.kind, ColumnKind::DateTime { .. }) {
        // Learn, "Aggregate data using OData": "groupby with datetime values is not supported."
        return Err(bad_request(format!("groupby with datetime values is not supported: '{name}'.")));
    }
    Ok(column)
}

fn aggregates<'t>(table: &'t Table, items: &str) -> Result<Vec<(String, Aggregate<'t>)>, DataverseError> {
    let mut out = Vec::new();
    for item in split_outside(items, ',') {
        let words: Vec<&str> = item.split_whitespace().collect();
        let (aggregate, alias) = match words.as_slice() {
            ["$count", "as", alias] => (Aggregate::Count, *alias),
            [name, "with", function, "as", alias] => {
                let column = table
                    .property(name)
                    .filter(|c| c.valid_for_read)
                    .ok_or_else(|| no_property(table, name))?;
                let method = *function;
                let function = match method {
                    "sum" => Function::Sum,
                    "average" => Function::Average,
                    "min" => Function::Min,
                    "max" => Function::Max,
                    "countdistinct" => Function::CountDistinct,
                    other => {
                        return Err(bad_request(format!(
                            "'{other}' is not an aggregation method (sum, average, min, max, countdistinct)."
                        )));
                    }
                };
                let numeric = matches!(
                    column.kind,
                    ColumnKind::Integer { .. }
                        | ColumnKind::BigInt
                        | ColumnKind::Decimal { .. }
                        | ColumnKind::Money { .. }
                        | ColumnKind::Double
                );
                let fits = match function {
                    Function::Sum | Function::Average => numeric,
                    Function::Min | Function::Max => {
                        numeric || matches!(column.kind, ColumnKind::DateTime { .. })
                    }
                    Function::CountDistinct => true,
                };
                if !fits {
                    return Err(bad_request(format!(
                        "The aggregation method {method} can't be applied to the {} column '{name}'.",
                        column.kind.attribute_type()
                    )));
                }
                (Aggregate::Of(column, function), *alias)
            }
            _ => return Err(bad_request(format!("'{}' is not an aggregate expression.", item.trim()))),
        };
        if !valid_alias(alias) {
            return Err(bad_request(format!("'{alias}' is not a valid alias in $apply.")));
        }
        out.push((alias.to_owned(), aggregate));
    }
    Ok(out)
}

/// A value's key within its group: strings compare without case, as SQL Server groups them.
fn group_key(column: &Column, value: &Value) -> String {
    match (&column.kind, value) {
        (ColumnKind::String { .. } | ColumnKind::Memo { .. }, Value::String(s)) => s.to_lowercase(),
        (_, value) => value.to_string(),
    }
}

fn number(value: &Value) -> Option<Decimal> {
    match value {
        Value::Number(n) => decimal::parse(&n.to_string()),
        _ => None,
    }
}

/// One aggregate over the values of a group (nulls left out, as SQL aggregates leave them).
fn aggregate_value(column: &Column, function: Function, values: &[&Value]) -> Value {
    let present: Vec<&Value> = values.iter().copied().filter(|v| !v.is_null()).collect();
    if function == Function::CountDistinct {
        let distinct: HashSet<String> = present.iter().map(|v| group_key(column, v)).collect();
        return json!(distinct.len());
    }
    if present.is_empty() {
        return Value::Null;
    }
    let exact = column.kind.exact_decimal();
    match function {
        Function::Min | Function::Max => {
            let ordered = |a: &&Value, b: &&Value| match (number(a), number(b)) {
                (Some(x), Some(y)) => x.cmp(&y),
                _ => a.as_str().cmp(&b.as_str()),
            };
            let found = if function == Function::Min {
                present.iter().copied().min_by(ordered)
            } else {
                present.iter().copied().max_by(ordered)
            };
            found.cloned().unwrap_or(Value::Null)
        }
        Function::Sum | Function::Average => {
            if matches!(column.kind, ColumnKind::Double) {
                let sum: f64 = present.iter().filter_map(|v| v.as_f64()).sum();
                let count = present.len() as f64;
                return json!(if function == Function::Sum { sum } else { sum / count });
            }
            let sum: Decimal = present.iter().filter_map(|v| number(v)).sum();
            let value = match function {
                Function::Sum => sum,
                _ => {
                    let average = sum / Decimal::from(present.len());
                    // Money and decimals at their stored scale; whole numbers to ten places (unconfirmed).
                    let places = exact.map_or(10, |(_, scale, _)| scale);
                    let mut rounded =
                        average.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero);
                    if exact.is_none() {
                        rounded = rounded.normalize();
                    }
                    rounded
                }
            };
            decimal::to_json(&value.to_string())
        }
        Function::CountDistinct => Value::Null,
    }
}

/// `GET <set>?$apply=...`.
pub fn run(
    state: &SandboxState,
    caller: &Caller,
    table: &Table,
    options: &HashMap<String, String>,
    prefer: &Prefer,
) -> Result<Response, DataverseError> {
    if let Some(other) = options.keys().find(|k| k.as_str() != "$apply") {
        return Err(bad_request(format!(
            "The query parameter {other} can't be used with $apply in the D365 Desk sandbox (a limit of the sandbox); \
             filter inside it: $apply=filter(...)/groupby(...)."
        )));
    }
    let text = options.get("$apply").map(String::as_str).unwrap_or_default();
    let mut apply = parse(table, text)?;
    // Personal views are their owner's, in aggregates as in reads (see `views::only_own_personal_views`).
    if table.logical_name == "userquery" {
        let own = Filter::Compare {
            property: "_ownerid_value".into(),
            op: Op::Eq,
            value: Literal::Guid(caller.system_user_id),
        };
        apply.filter = Some(match apply.filter.take() {
            Some(filter) => Filter::And(Box::new(filter), Box::new(own)),
            None => own,
        });
    }
    let mut columns: Vec<&Column> = apply.groups.clone();
    for (_, aggregate) in &apply.aggregates {
        if let Aggregate::Of(column, _) = aggregate
            && !columns.iter().any(|c| c.logical_name == column.logical_name)
        {
            columns.push(column);
        }
    }
    let mut select = vec!["1".to_owned()];
    for column in &columns {
        select.push(quote(column.logical_name));
        if column.kind.is_lookup() {
            select.push(quote(&target_column(column.logical_name)));
        }
    }
    let mut params = Vec::new();
    let condition = match &apply.filter {
        Some(filter) => format!(" WHERE {}", query::filter_sql(table, filter, &mut params)),
        None => String::new(),
    };
    let order = if apply.groups.is_empty() {
        String::new()
    } else {
        let keys: Vec<String> = apply.groups.iter().map(|c| query::sql_column(c)).collect();
        format!(" ORDER BY {}", keys.join(", "))
    };
    let sql = format!(
        "SELECT {} FROM {}{condition}{order} LIMIT {}",
        select.join(", "),
        quote(table.logical_name),
        AGGREGATE_LIMIT + 1
    );
    // Each row: every column's value and, for a lookup, the table it points to.
    let rows: Vec<Row> = {
        let conn = state.store.lock();
        let mut statement = conn.prepare(&sql).map_err(records::storage_err)?;
        let mut found =
            statement.query(rusqlite::params_from_iter(params.iter())).map_err(records::storage_err)?;
        let mut rows = Vec::new();
        while let Some(row) = found.next().map_err(records::storage_err)? {
            let mut values = Vec::new();
            let mut index = 1;
            for column in &columns {
                let value = records::to_json(
                    &column.kind,
                    row.get::<_, SqlValue>(index).map_err(records::storage_err)?,
                );
                index += 1;
                let target = if column.kind.is_lookup() {
                    index += 1;
                    row.get::<_, Option<String>>(index - 1).map_err(records::storage_err)?
                } else {
                    None
                };
                values.push((value, target));
            }
            rows.push(values);
        }
        rows
    };
    if rows.len() > AGGREGATE_LIMIT {
        return Err(DataverseError::new(
            StatusCode::BAD_REQUEST,
            "0x8004E023",
            "AggregateQueryRecordLimit exceeded. Cannot perform this operation.",
        ));
    }
    // Consecutive rows with the same group values (they come sorted by them) make a group.
    let mut groups: Vec<Vec<&Row>> = Vec::new();
    let key = |row: &Row| -> Vec<String> {
        apply.groups.iter().zip(row).map(|(c, (v, _))| group_key(c, v)).collect()
    };
    if apply.groups.is_empty() {
        // aggregate() alone: one row over every row (none included).
        groups.push(rows.iter().collect());
    } else {
        for row in &rows {
            match groups.last_mut() {
                Some(group) if group.first().is_some_and(|first| key(first) == key(row)) => group.push(row),
                _ => groups.push(vec![row]),
            }
        }
    }
    let formatted_wanted = prefer.wants("OData.Community.Display.V1.FormattedValue");
    let names = if formatted_wanted { lookup_names(state, &apply.groups, &groups)? } else { HashMap::new() };
    let mut value = Vec::new();
    for group in &groups {
        let mut out = Map::new();
        if let Some(first) = group.first() {
            for (column, (cell, target)) in apply.groups.iter().zip(first.iter()) {
                if cell.is_null() {
                    continue;
                }
                let property = column.property_name();
                if formatted_wanted {
                    let text = match (cell, target) {
                        (Value::String(id), Some(target)) => {
                            names.get(&(target.clone(), id.clone())).cloned()
                        }
                        _ => formatted(&column.kind, cell),
                    };
                    if let Some(text) = text {
                        out.insert(
                            format!("{property}@OData.Community.Display.V1.FormattedValue"),
                            Value::String(text),
                        );
                    }
                }
                if let Some(target) = target
                    && prefer.wants("Microsoft.Dynamics.CRM.lookuplogicalname")
                {
                    out.insert(
                        format!("{property}@Microsoft.Dynamics.CRM.lookuplogicalname"),
                        Value::String(target.clone()),
                    );
                }
                out.insert(property, cell.clone());
            }
        }
        for (alias, aggregate) in &apply.aggregates {
            let (result, kind) = match aggregate {
                Aggregate::Count => (json!(group.len()), ColumnKind::BigInt),
                Aggregate::Of(column, function) => {
                    let at = columns.iter().position(|c| c.logical_name == column.logical_name).unwrap_or(0);
                    let values: Vec<&Value> = group.iter().map(|row| &row[at].0).collect();
                    let kind = match function {
                        Function::CountDistinct => ColumnKind::BigInt,
                        _ => column.kind.clone(),
                    };
                    (aggregate_value(column, *function, &values), kind)
                }
            };
            if result.is_null() {
                continue;
            }
            if formatted_wanted && let Some(text) = formatted(&kind, &result) {
                out.insert(format!("{alias}@OData.Community.Display.V1.FormattedValue"), Value::String(text));
            }
            out.insert(alias.clone(), result);
        }
        value.push(Value::Object(out));
    }
    let body = json!({
        "@odata.context": format!("{}$metadata#{}", state.urls.web_api_url, table.entity_set),
        "value": value,
    });
    let mut response = odata_json(body).into_response();
    if let Some(applied) = prefer.applied(None) {
        response.headers_mut().insert("Preference-Applied", applied);
    }
    Ok(response)
}

/// The primary names of the rows the grouped lookups point at: (table, id) → name.
fn lookup_names(
    state: &SandboxState,
    groups_by: &[&Column],
    groups: &[Vec<&Row>],
) -> Result<HashMap<(String, String), String>, DataverseError> {
    let mut names = HashMap::new();
    let conn = state.store.lock();
    for group in groups {
        let Some(first) = group.first() else { continue };
        for (column, (cell, target)) in groups_by.iter().zip(first.iter()) {
            let (true, Value::String(id), Some(target)) = (column.kind.is_lookup(), cell, target) else {
                continue;
            };
            let Some(table) = state.store.table(target) else { continue };
            let sql = format!(
                "SELECT {} FROM {} WHERE {} = ?1",
                quote(table.primary_name),
                quote(table.logical_name),
                quote(table.primary_id)
            );
            let name: Option<String> =
                conn.query_row(&sql, [id], |row| row.get(0)).map_err(records::storage_err).ok().flatten();
            names.insert((target.clone(), id.clone()), name.unwrap_or_default());
        }
    }
    Ok(names)
}
