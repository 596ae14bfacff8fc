//! The values a caller writes, checked against the table's metadata before anything is sent: each refusal
//! names its column and says what the column takes. What passes becomes the Web API body (lookups as
//! `<navigation>@odata.bind`, option labels as their values).

use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::metadata::{ColumnInfo, RequiredLevel, TableInfo, TableSchema};
use super::names::suggestion;
use super::numbers;
use crate::error::{DataverseError, Result};

/// What the caller changes: column logical name → value, as typed (JSON). A lookup takes
/// `<entity set or table>(<id>)`, a bare id when it has one target, or `null`; an option set takes its value
/// or its label.
pub type Changes = Map<String, Value>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Create,
    Update,
}

fn refused(kind: &'static str, column: &str, message: String, hint: Option<String>) -> DataverseError {
    DataverseError::new(kind, message, hint).on_column(column)
}

fn unknown(schema: &TableSchema, name: &str) -> DataverseError {
    let table = &schema.table.logical_name;
    let message = match suggestion(name, schema.columns.iter().map(|c| c.logical_name.as_str())) {
        Some(near) => format!("There is no column '{name}' on {table}; did you mean '{near}'?"),
        None => format!("There is no column '{name}' on {table}."),
    };
    refused("input.unknown_column", name, message, None)
}

/// The Web API body for `changes`. On create, every required column must have a value (`present` names
/// those that come from elsewhere, such as an upsert's key).
pub fn body(
    schema: &TableSchema,
    tables: &[TableInfo],
    changes: &Changes,
    purpose: Purpose,
    present: &[&str],
) -> Result<Map<String, Value>> {
    let mut body = Map::new();
    for (name, value) in changes {
        if let Some(navigation) = name.strip_suffix("@odata.bind") {
            let column = schema
                .columns
                .iter()
                .find(|c| c.is_lookup() && c.navigation_to_any(navigation))
                .ok_or_else(|| unknown(schema, navigation))?;
            writable(schema, column, purpose)?;
            body.insert(name.clone(), value.clone());
            continue;
        }
        let column = target_column(schema, name, purpose, value.is_null())?;
        if column.is_lookup() {
            let (navigation, reference) = lookup(tables, column, value)?;
            body.insert(format!("{navigation}@odata.bind"), reference);
        } else {
            body.insert(name.clone(), checked(column, value)?);
        }
    }
    status_pair(schema, changes, &Changes::new())?;
    if purpose == Purpose::Create {
        let missing: Vec<&ColumnInfo> = schema
            .columns
            .iter()
            .filter(|c| is_required(c) && c.valid_for_create && !c.is_primary_id)
            .filter(|c| !matches!(c.attribute_type.as_str(), "Owner" | "State" | "Status"))
            .filter(|c| !present.contains(&c.logical_name.as_str()))
            .filter(|c| {
                !changes.contains_key(&c.logical_name)
                    && !c.navigation.values().any(|n| changes.contains_key(&format!("{n}@odata.bind")))
            })
            .collect();
        if let Some(first) = missing.first() {
            let names: Vec<String> = missing.iter().map(|c| label(c)).collect();
            return Err(refused(
                "input.required",
                &first.logical_name,
                format!("A new {} needs a value for {}.", schema.table.logical_name, names.join(", ")),
                None,
            ));
        }
    }
    Ok(body)
}

/// The column `name` as a write target: it exists, is writable now, and is not required if `clearing` it.
pub fn target_column<'s>(
    schema: &'s TableSchema,
    name: &str,
    purpose: Purpose,
    clearing: bool,
) -> Result<&'s ColumnInfo> {
    let column = schema.column(name).ok_or_else(|| unknown(schema, name))?;
    writable(schema, column, purpose)?;
    if clearing && purpose == Purpose::Update && is_required(column) {
        return Err(refused(
            "input.required",
            name,
            format!("{} is required on {}: it cannot be cleared.", label(column), schema.table.logical_name),
            None,
        ));
    }
    Ok(column)
}

fn is_required(column: &ColumnInfo) -> bool {
    matches!(column.required, RequiredLevel::ApplicationRequired | RequiredLevel::SystemRequired)
}

/// `'Account Name' (name)`, as users know columns by either.
fn label(column: &ColumnInfo) -> String {
    match &column.display_name {
        Some(display) if display != &column.logical_name => format!("'{display}' ({})", column.logical_name),
        _ => format!("'{}'", column.logical_name),
    }
}

fn writable(schema: &TableSchema, column: &ColumnInfo, purpose: Purpose) -> Result<()> {
    let (allowed, when) = match purpose {
        Purpose::Create => (column.valid_for_create, "when a record is created"),
        Purpose::Update => (column.valid_for_update, "on an existing record"),
    };
    if allowed {
        return Ok(());
    }
    Err(refused(
        "input.not_writable",
        &column.logical_name,
        format!("{} of {} cannot be written {when}.", label(column), schema.table.logical_name),
        Some("Dataverse sets it; leave it out of the change.".to_owned()),
    ))
}

/// `value` as `column` takes it, or why not.
pub fn checked(column: &ColumnInfo, value: &Value) -> Result<Value> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    let name = &column.logical_name;
    let wrong = |takes: &str| {
        refused("input.invalid_value", name, format!("{} takes {takes}, not {value}.", label(column)), None)
    };
    // Compared exactly: near money's limits a double cannot tell 922337203685476.9999 from the limit.
    let out_of_range = |shown: &dyn std::fmt::Display| {
        let (min, max) = (column.min_value.unwrap_or(f64::MIN), column.max_value.unwrap_or(f64::MAX));
        refused(
            "input.out_of_range",
            name,
            format!("{} must be between {min} and {max}; {shown} is not.", label(column)),
            None,
        )
    };
    let in_range = |n: Decimal| {
        let bound = |limit: Option<f64>| limit.and_then(|l| numbers::parse(&l.to_string()));
        let (min, max) = (bound(column.min_value), bound(column.max_value));
        if min.is_some_and(|min| n < min) || max.is_some_and(|max| n > max) {
            return Err(out_of_range(&n));
        }
        Ok(())
    };
    match column.attribute_type.as_str() {
        "String" | "Memo" => {
            let text = value.as_str().ok_or_else(|| wrong("text"))?;
            if let Some(max) = column.max_length
                && text.chars().count() > max as usize
            {
                return Err(refused(
                    "input.too_long",
                    name,
                    format!(
                        "{} takes at most {max} characters; this has {}.",
                        label(column),
                        text.chars().count()
                    ),
                    None,
                ));
            }
            Ok(value.clone())
        }
        "Integer" | "BigInt" => {
            // Text too: the window sends big integers as text, since JavaScript's numbers stop at 2^53.
            let text = value.as_str().map_or_else(|| value.to_string(), |t| t.trim().to_owned());
            let Some(n) = value.as_i64().or_else(|| text.parse().ok()) else {
                // Digits past a 64-bit integer are out of every whole number column's range, not "not a number".
                let digits = text.strip_prefix('-').unwrap_or(&text);
                return Err(if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                    out_of_range(&text)
                } else {
                    wrong("a whole number")
                });
            };
            in_range(Decimal::from(n))?;
            Ok(Value::from(n))
        }
        "Decimal" | "Double" | "Money" => {
            let Some(n) = numbers::of_value(value) else {
                // A number past the 28 digits of an exact decimal is far outside every column's range.
                let huge = value.as_f64().or_else(|| value.as_str().and_then(|t| t.trim().parse().ok()));
                return Err(match huge.filter(|h: &f64| h.is_finite()) {
                    Some(huge) => out_of_range(&huge),
                    None => wrong("a number"),
                });
            };
            in_range(n)?;
            let allowed = most_places(column);
            if numbers::places(n) > allowed {
                return Err(refused(
                    "input.too_precise",
                    name,
                    format!(
                        "{} takes at most {allowed} decimal places; {n} has {}.",
                        label(column),
                        numbers::places(n)
                    ),
                    Some("Round it first: Dataverse would round it without saying so.".to_owned()),
                ));
            }
            Ok(numbers::to_json(n))
        }
        "Boolean" => value.as_bool().map(Value::Bool).ok_or_else(|| wrong("true or false")),
        "Picklist" | "State" | "Status" => option(column, value),
        "Virtual" if column.is_multi_select() => multi_select(column, value),
        "Uniqueidentifier" => match value.as_str().map(str::parse::<uuid::Uuid>) {
            Some(Ok(id)) => Ok(Value::String(id.to_string())),
            _ => Err(wrong("a GUID")),
        },
        "DateTime" => date(column, value).ok_or_else(|| {
            wrong(if column.date_only {
                "a date (YYYY-MM-DD)"
            } else if column.zone_independent() {
                "a date and time as the clock reads (2024-05-01T09:30), or a date"
            } else {
                "a date and time (2024-05-01T09:30:00Z) or a date"
            })
        }),
        other => Err(refused(
            "input.not_writable",
            name,
            format!("{} is a {other} column, which D365 Desk does not write.", label(column)),
            None,
        )),
    }
}

/// Decimal places a column keeps: a decimal's or float's precision; for money the four places it is
/// stored with (its precision may be its currency's, which the metadata does not carry).
/// The places a value may have: a money column's own precision when it has one (Dataverse rounds to it),
/// else the four every money value keeps; a decimal's precision.
pub fn most_places(column: &ColumnInfo) -> u32 {
    match (column.attribute_type.as_str(), column.precision) {
        ("Money", Some(precision)) if column.precision_source == Some(0) => precision,
        ("Money", _) => 4,
        (_, Some(precision)) => precision,
        (_, None) => 10,
    }
}

/// An option by value or by label (case-insensitive).
fn option(column: &ColumnInfo, value: &Value) -> Result<Value> {
    let found = match value {
        Value::Number(n) => column.options.iter().find(|o| n.as_i64() == Some(o.value)),
        Value::String(text) => column.options.iter().find(|o| o.label.eq_ignore_ascii_case(text.trim())),
        _ => None,
    };
    if let Some(found) = found {
        return Ok(Value::from(found.value));
    }
    let options: Vec<String> = column.options.iter().map(|o| format!("{} {}", o.value, o.label)).collect();
    Err(refused(
        "input.invalid_option",
        &column.logical_name,
        format!("{value} is not an option of {}.", label(column)),
        Some(format!("Its options: {}.", options.join(", "))),
    ))
}

/// A day, or a date and time. A time-zone-independent one may be typed without an offset (as its clock
/// reads): it is sent with `Z`, which Dataverse stores as the same clock time, unconverted (Learn:
/// DateTimeBehavior, "stores the date and time values without the time zone information").
fn date(column: &ColumnInfo, value: &Value) -> Option<Value> {
    use time::format_description::well_known::Rfc3339;
    let text = value.as_str()?.trim();
    let day = time::macros::format_description!("[year]-[month]-[day]");
    if time::Date::parse(text, &day).is_ok() {
        return Some(Value::String(text.to_owned()));
    }
    if column.date_only {
        return None;
    }
    if time::OffsetDateTime::parse(text, &Rfc3339).is_ok() {
        return Some(Value::String(text.to_owned()));
    }
    let clock = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let with_seconds = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let typed = time::PrimitiveDateTime::parse(text, &with_seconds)
        .or_else(|_| time::PrimitiveDateTime::parse(text, &clock))
        .ok()
        .filter(|_| column.zone_independent())?;
    typed.assume_utc().format(&Rfc3339).ok().map(Value::String)
}

/// A multi-select choice's value: its options' values joined by commas (`"1,3"`), from that text, a list
/// of values, or labels; none chosen clears it.
fn multi_select(column: &ColumnInfo, value: &Value) -> Result<Value> {
    let parts: Vec<Value> = match value {
        Value::String(text) => text
            .split([',', ';'])
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| part.parse::<i64>().map_or_else(|_| Value::from(part), Value::from))
            .collect(),
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    };
    let mut chosen: Vec<i64> = Vec::new();
    for part in &parts {
        let Value::Number(n) = option(column, part)? else { continue };
        if let Some(n) = n.as_i64().filter(|n| !chosen.contains(n)) {
            chosen.push(n);
        }
    }
    if chosen.is_empty() {
        return Ok(Value::Null);
    }
    Ok(Value::String(chosen.iter().map(i64::to_string).collect::<Vec<_>>().join(",")))
}

/// The number an option column holds in `values`, if it is there as one.
fn option_number(values: &Changes, column: &ColumnInfo) -> Option<i64> {
    match values.get(&column.logical_name)? {
        Value::Number(n) => n.as_i64(),
        Value::String(text) => column
            .options
            .iter()
            .find(|o| o.label.eq_ignore_ascii_case(text.trim()))
            .map(|o| o.value)
            .or_else(|| text.trim().parse().ok()),
        _ => None,
    }
}

/// A status reason must go with the state staged or read with it (`StatusOptionMetadata.State`), or
/// Dataverse refuses it: 0x80048408, "2 is not a valid status code for state code AccountState.Active on
/// account with Id <id>." (as a Q&A thread quotes it; the code and message are not on Learn). `changes`
/// are what is written; `read` the record's other values (its state when only the status changes).
pub fn status_pair(schema: &TableSchema, changes: &Changes, read: &Changes) -> Result<()> {
    let of_type = |kind: &str| schema.columns.iter().find(|c| c.attribute_type == kind);
    let (Some(state_column), Some(status_column)) = (of_type("State"), of_type("Status")) else {
        return Ok(());
    };
    let Some(status) = option_number(changes, status_column) else { return Ok(()) };
    let Some(state) = option_number(changes, state_column).or_else(|| option_number(read, state_column))
    else {
        return Ok(());
    };
    let Some(found) = status_column.options.iter().find(|o| o.value == status) else { return Ok(()) };
    if found.state.is_none_or(|of| i64::from(of) == state) {
        return Ok(());
    }
    let shown = |column: &ColumnInfo, n: i64| match column.options.iter().find(|o| o.value == n) {
        Some(o) => format!("{n} ({})", o.label),
        None => n.to_string(),
    };
    let valid: Vec<String> = status_column
        .options
        .iter()
        .filter(|o| o.state.is_some_and(|of| i64::from(of) == state))
        .map(|o| format!("{} {}", o.value, o.label))
        .collect();
    Err(refused(
        "input.invalid_status",
        &status_column.logical_name,
        format!(
            "{} is not a valid status code for state code {} of {}: {} does not go with {}.",
            shown(status_column, status),
            shown(state_column, state),
            schema.table.logical_name,
            label(status_column),
            label(state_column),
        ),
        Some(format!(
            "With this state it takes {}; Dataverse would refuse the pair (0x80048408).",
            if valid.is_empty() { "no status reason".to_owned() } else { valid.join(", ") }
        )),
    ))
}

/// A lookup's navigation property and `@odata.bind` value: `/contacts(<id>)`, or `null` to clear it.
fn lookup(tables: &[TableInfo], column: &ColumnInfo, value: &Value) -> Result<(String, Value)> {
    let name = &column.logical_name;
    let usage = || {
        let example = column.targets.first().map(String::as_str).unwrap_or("contact");
        let set = tables.iter().find(|t| t.logical_name == example).map_or("contacts", |t| &t.entity_set);
        Some(format!(
            "Write {set}(<id>) or {example}(<id>){}; null clears it.",
            if column.targets.len() == 1 { ", or just the id" } else { "" }
        ))
    };
    let invalid = |message: String| refused("input.invalid_lookup", name, message, usage());
    if value.is_null() {
        let navigation = column
            .navigation_to(None)
            .ok_or_else(|| invalid(format!("'{name}' cannot be cleared: its navigation is unknown.")))?;
        return Ok((navigation, Value::Null));
    }
    let text = value.as_str().ok_or_else(|| invalid(format!("'{name}' takes a reference, not {value}.")))?;
    let text =
        text.rsplit_once("/api/data/v9.2/").map_or(text, |(_, rest)| rest).trim().trim_start_matches('/');
    let (prefix, id) = match text.strip_suffix(')').and_then(|t| t.split_once('(')) {
        Some((prefix, id)) => (Some(prefix), id),
        None => (None, text),
    };
    let id: uuid::Uuid =
        id.parse().map_err(|_| invalid(format!("'{text}' is not a reference to a record for '{name}'.")))?;
    let target = match prefix {
        Some(prefix) => tables
            .iter()
            .find(|t| t.entity_set == prefix || t.logical_name == prefix)
            .map(|t| t.logical_name.clone())
            .ok_or_else(|| invalid(format!("There is no table '{prefix}'.")))?,
        None if column.targets.len() == 1 => column.targets[0].clone(),
        // Metadata without `Targets` (a server's omission): nothing to point to, rather than a panic.
        None if column.targets.is_empty() => {
            return Err(invalid(format!(
                "The environment's metadata names no table that '{name}' can point to; give it as <table>(<id>)."
            )));
        }
        None => {
            return Err(invalid(format!(
                "'{name}' can point to {}: say which, as in {}(<id>).",
                column.targets.join(" or "),
                column.targets[0]
            )));
        }
    };
    if !column.targets.contains(&target) {
        return Err(invalid(format!("'{name}' points to {}, not to {target}.", column.targets.join(" or "))));
    }
    let set =
        tables.iter().find(|t| t.logical_name == target).map(|t| t.entity_set.clone()).unwrap_or_default();
    let navigation = column.navigation_to(Some(&target)).unwrap_or_else(|| name.clone());
    Ok((navigation, Value::String(format!("/{set}({id})"))))
}

/// A server's refusal of a write, with the column it concerns when its message names one (`'name'`).
pub fn locate(schema: &TableSchema, error: DataverseError) -> DataverseError {
    if error.column.is_some() {
        return error;
    }
    let quoted = error.message.split('\'').skip(1).step_by(2);
    let column = quoted.into_iter().find_map(|word| {
        schema
            .columns
            .iter()
            .find(|c| c.logical_name == word || c.read_name() == word || c.navigation_to_any(word))
            .map(|c| c.logical_name.clone())
    });
    match column {
        Some(column) => error.on_column(column),
        None => error,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{checked, lookup};
    use crate::data::metadata::ColumnInfo;

    fn numeric(attribute_type: &str, precision: u32, limit: f64) -> ColumnInfo {
        serde_json::from_value(json!({
            "logical_name": "amount", "display_name": "Amount", "attribute_type": attribute_type,
            "required": "None", "valid_for_create": true, "valid_for_update": true, "valid_for_read": true,
            "is_primary_id": false, "is_primary_name": false, "max_length": null, "precision": precision,
            "min_value": -limit, "max_value": limit, "date_only": false, "targets": [], "options": [],
        }))
        .expect("a column")
    }

    fn number(text: &str) -> serde_json::Value {
        serde_json::from_str(text).expect("a JSON number")
    }

    #[test]
    fn numbers_pass_digit_for_digit_whether_typed_as_numbers_or_text() {
        let money = numeric("Money", 2, 922_337_203_685_477.0);
        for (given, sent) in [
            (number("922337203685476.9999"), "922337203685476.9999"),
            (json!("-922337203685477"), "-922337203685477"),
            (json!(" 12.50 "), "12.50"),
            (number("1.5E+3"), "1500"),
        ] {
            assert_eq!(checked(&money, &given).map(|v| v.to_string()).as_deref(), Ok(sent), "{given}");
        }
        let big = numeric("BigInt", 0, 9.223_372_036_854_776e18);
        assert_eq!(
            checked(&big, &json!("9223372036854775807")).map(|v| v.to_string()).as_deref(),
            Ok("9223372036854775807")
        );
        assert!(checked(&big, &json!("12.5")).is_err());
        let past = checked(&big, &json!("9223372036854775808")).unwrap_err();
        assert_eq!(past.kind, "input.out_of_range", "{past}");
        assert_eq!(checked(&big, &json!("twelve")).unwrap_err().kind, "input.invalid_value");
        let whole = numeric("Integer", 0, 100.0);
        assert!(checked(&whole, &json!("101")).unwrap_err().message.contains("between -100 and 100"));
    }

    #[test]
    fn the_range_is_compared_exactly_not_as_doubles() {
        let money = numeric("Money", 4, 922_337_203_685_477.0);
        // As doubles, 922337203685477.0001 and the limit are the same number.
        let err = checked(&money, &number("922337203685477.0001")).unwrap_err();
        assert_eq!(err.kind, "input.out_of_range");
        assert!(err.message.contains("922337203685477.0001 is not"), "{err}");
        assert!(checked(&money, &number("922337203685477")).is_ok());
        let err = checked(&numeric("Double", 5, 1e11), &number("1e300")).unwrap_err();
        assert_eq!(err.kind, "input.out_of_range", "{err}");
    }

    #[test]
    fn more_places_than_the_column_keeps_are_refused_not_rounded() {
        let decimal = numeric("Decimal", 10, 1e11);
        assert!(checked(&decimal, &number("12345678.1234567891")).is_ok());
        let err = checked(&decimal, &number("1.12345678901")).unwrap_err();
        assert_eq!(err.kind, "input.too_precise");
        assert!(err.message.contains("at most 10 decimal places; 1.12345678901 has 11"), "{err}");
        // Trailing zeros are not places; money keeps four whatever its precision.
        assert!(checked(&numeric("Decimal", 2, 1e11), &number("1.5000")).is_ok());
        assert!(checked(&numeric("Money", 2, 1e11), &number("1.2345")).is_ok());
        // A money column with a precision of its own (PrecisionSource 0) is rounded to it by Dataverse:
        // more places are refused.
        let mut own = numeric("Money", 2, 1e11);
        own.precision_source = Some(0);
        assert!(checked(&own, &number("1.23")).is_ok());
        assert_eq!(checked(&own, &number("1.234")).unwrap_err().kind, "input.too_precise");
        assert_eq!(
            checked(&numeric("Money", 2, 1e11), &number("1.23456")).unwrap_err().kind,
            "input.too_precise"
        );
        assert_eq!(checked(&decimal, &json!("twelve")).unwrap_err().kind, "input.invalid_value");
    }

    #[test]
    fn a_lookup_whose_metadata_names_no_target_is_refused_not_a_panic() {
        let column: ColumnInfo = serde_json::from_value(json!({
            "logical_name": "regardingobjectid", "display_name": null, "attribute_type": "Lookup",
            "required": "None", "valid_for_create": true, "valid_for_update": true, "valid_for_read": true,
            "is_primary_id": false, "is_primary_name": false, "max_length": null, "precision": null,
            "min_value": null, "max_value": null, "date_only": false, "targets": [], "options": [],
        }))
        .expect("a column");
        let id = "6c3a3f5e-2d1b-4c8e-9a57-0d365de5a000";
        let err = lookup(&[], &column, &json!(id)).unwrap_err();
        assert!(err.message.contains("names no table"), "{err}");
    }
}
