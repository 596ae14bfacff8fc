//! The values a caller writes, checked against the table's metadata before anything is sent: each refusal
//! names its column and says what the column takes. What passes becomes the Web API body (lookups as
//! `<navigation>@odata.bind`, option labels as their values).

use serde_json::{Map, Value};

use super::metadata::{ColumnInfo, RequiredLevel, TableInfo, TableSchema};
use super::names::suggestion;
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
    let in_range = |n: f64| {
        let below = column.min_value.is_some_and(|min| n < min);
        let above = column.max_value.is_some_and(|max| n > max);
        if below || above {
            let (min, max) = (column.min_value.unwrap_or(f64::MIN), column.max_value.unwrap_or(f64::MAX));
            return Err(refused(
                "input.out_of_range",
                name,
                format!("{} must be between {min} and {max}; {n} is not.", label(column)),
                None,
            ));
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
            let n = value.as_i64().ok_or_else(|| wrong("a whole number"))?;
            in_range(n as f64)?;
            Ok(value.clone())
        }
        "Decimal" | "Double" | "Money" => {
            let n = value.as_f64().ok_or_else(|| wrong("a number"))?;
            in_range(n)?;
            Ok(value.clone())
        }
        "Boolean" => value.as_bool().map(Value::Bool).ok_or_else(|| wrong("true or false")),
        "Picklist" | "State" | "Status" => option(column, value),
        "Uniqueidentifier" => match value.as_str().map(str::parse::<uuid::Uuid>) {
            Some(Ok(id)) => Ok(Value::String(id.to_string())),
            _ => Err(wrong("a GUID")),
        },
        "DateTime" => date(column, value).ok_or_else(|| {
            wrong(if column.date_only {
                "a date (YYYY-MM-DD)"
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
    time::OffsetDateTime::parse(text, &Rfc3339).ok().map(|_| Value::String(text.to_owned()))
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

    use super::lookup;
    use crate::data::metadata::ColumnInfo;

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
