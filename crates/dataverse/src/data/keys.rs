//! Addressing one record: by id (`accounts(<guid>)`) or by alternate key (`accounts(accountnumber='A-1')`,
//! several parts joined by commas), each value written as its column's type wants it.

use super::metadata::TableSchema;
use super::names::suggestion;
use super::query::{Literal, encode};
use crate::error::{DataverseError, Result};

/// Characters Dataverse does not accept in alternate key values.
const UNSUPPORTED: &[char] = &['/', '<', '>', '*', '%', '&', ':', '\\', '?', '+'];

fn invalid(message: String) -> DataverseError {
    DataverseError::new(
        "input.invalid_key",
        message,
        Some(
            "Give the record's id (a GUID), or column=value pairs of one of the table's alternate keys."
                .to_owned(),
        ),
    )
}

/// The literal for `text` in `column`: strings quoted, numbers and GUIDs bare.
fn literal(schema: &TableSchema, column: &str, text: &str) -> Result<Literal> {
    let info = schema.column(column).ok_or_else(|| {
        let near = suggestion(column, schema.columns.iter().map(|c| c.logical_name.as_str()));
        invalid(match near {
            Some(near) => format!(
                "There is no column '{column}' on {}; did you mean '{near}'?",
                schema.table.logical_name
            ),
            None => format!("There is no column '{column}' on {}.", schema.table.logical_name),
        })
    })?;
    let number = |what: &str| invalid(format!("'{text}' is not {what} (column {column})."));
    Ok(match info.attribute_type.as_str() {
        "Integer" | "BigInt" | "Picklist" | "State" | "Status" => {
            Literal::Integer(text.parse().map_err(|_| number("a whole number"))?)
        }
        "Decimal" | "Double" | "Money" => {
            Literal::Decimal(super::numbers::parse(text).ok_or_else(|| number("a number"))?)
        }
        "Uniqueidentifier" | "Lookup" | "Customer" | "Owner" => {
            Literal::Guid(text.parse().map_err(|_| number("a GUID"))?)
        }
        "Boolean" => Literal::Boolean(text.parse().map_err(|_| number("true or false"))?),
        _ => Literal::Text(text.to_owned()),
    })
}

/// The record's address under the Web API, from `spec`: a GUID, or `column=value[,column=value]` naming an
/// alternate key of the table exactly. A comma starts a new pair only before `name=`, so values may hold
/// commas.
pub fn record_path(schema: &TableSchema, spec: &str) -> Result<String> {
    if let Ok(id) = spec.trim().parse::<uuid::Uuid>() {
        return Ok(format!("{}({id})", schema.table.entity_set));
    }
    let mut pairs: Vec<(String, String)> = Vec::new();
    for piece in split_pairs(spec) {
        let (column, value) = piece
            .split_once('=')
            .ok_or_else(|| invalid(format!("'{spec}' is neither a GUID nor column=value pairs.")))?;
        if column.trim().is_empty() {
            return Err(invalid(format!("'{piece}' names no column before '=' (column=value).")));
        }
        pairs.push((column.trim().to_lowercase(), value.to_owned()));
    }
    key_path(schema, &pairs)
}

/// The columns of a `column=value` spec (none for a GUID): what an upsert's key provides.
pub fn key_columns(spec: &str) -> Vec<String> {
    if spec.trim().parse::<uuid::Uuid>().is_ok() {
        return Vec::new();
    }
    split_pairs(spec).iter().filter_map(|p| p.split_once('=')).map(|(c, _)| c.trim().to_lowercase()).collect()
}

/// `a=1,b=x,y` → `a=1`, `b=x,y`: a comma splits only where a column name and `=` follow.
fn split_pairs(spec: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    for (at, _) in spec.match_indices(',') {
        let rest = &spec[at + 1..];
        let name_end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
        if name_end > 0 && rest[name_end..].starts_with('=') {
            pieces.push(&spec[start..at]);
            start = at + 1;
        }
    }
    pieces.push(&spec[start..]);
    pieces
}

/// The record's address by alternate key: the pairs must name one of the table's keys exactly.
pub fn key_path(schema: &TableSchema, pairs: &[(String, String)]) -> Result<String> {
    for (_, value) in pairs {
        if let Some(bad) = value.chars().find(|c| UNSUPPORTED.contains(c)) {
            return Err(invalid(format!("Dataverse does not accept '{bad}' in an alternate key value.")));
        }
    }
    let mut names: Vec<&str> = pairs.iter().map(|(c, _)| c.as_str()).collect();
    names.sort_unstable();
    let is_key = schema.keys.iter().any(|key| {
        let mut columns: Vec<&str> = key.columns.iter().map(String::as_str).collect();
        columns.sort_unstable();
        columns == names
    });
    if !is_key {
        let keys: Vec<String> = schema.keys.iter().map(|k| k.columns.join("+")).collect();
        return Err(invalid(format!(
            "{} is not an alternate key of {} (its keys: {}).",
            names.join("+"),
            schema.table.logical_name,
            if keys.is_empty() { "none".to_owned() } else { keys.join(", ") }
        )));
    }
    let mut segments = Vec::new();
    for (column, value) in pairs {
        let name = schema.column(column).map(|c| c.read_name()).unwrap_or_else(|| column.clone());
        segments.push(format!("{name}={}", encode(&literal(schema, column, value)?.odata())));
    }
    Ok(format!("{}({})", schema.table.entity_set, segments.join(",")))
}

#[cfg(test)]
mod tests {
    use super::{record_path, split_pairs};
    use crate::data::metadata::TableSchema;

    fn accounts() -> TableSchema {
        let table = serde_json::json!({
            "table": { "logical_name": "account", "entity_set": "accounts", "display_name": null,
                       "primary_id": "accountid", "primary_name": "name", "is_custom": false,
                       "change_tracking": true },
            "columns": [],
            "keys": [{ "name": "number", "columns": ["accountnumber"] }],
        });
        serde_json::from_value(table).expect("a schema")
    }

    #[test]
    fn a_key_spec_without_a_column_name_says_so() {
        let err = record_path(&accounts(), "=x").unwrap_err();
        assert_eq!(err.kind, "input.invalid_key");
        assert_eq!(err.message, "'=x' names no column before '=' (column=value).");
    }

    #[test]
    fn commas_split_pairs_only_before_a_name_and_equals() {
        assert_eq!(split_pairs("a=1,b=2"), ["a=1", "b=2"]);
        assert_eq!(split_pairs("accountnumber=A,B"), ["accountnumber=A,B"]);
        assert_eq!(split_pairs("x=1, 2,y=3"), ["x=1, 2", "y=3"]);
        assert_eq!(split_pairs("x="), ["x="]);
    }
}
