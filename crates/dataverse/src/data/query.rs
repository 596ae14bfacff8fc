//! A query over one table: `$select/$filter/$orderby/$top/$count/$expand`, with OData literals written
//! correctly and every table and column name checked against metadata before a request is made.

use std::fmt::Write as _;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use time::format_description::well_known::Rfc3339;

use super::keys;
use super::metadata::TableSchema;
use super::names::suggestion;
use crate::error::{DataverseError, Result};

/// A value in a filter or a key, written as OData wants it.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Text(String),
    Guid(uuid::Uuid),
    Integer(i64),
    /// Exact: a money or decimal key or filter value is matched digit for digit.
    Decimal(rust_decimal::Decimal),
    Boolean(bool),
    DateTime(time::OffsetDateTime),
    Date(time::Date),
    Null,
}

impl Literal {
    /// The OData text: strings in single quotes with `'` doubled, GUIDs and numbers bare, dates ISO 8601.
    pub fn odata(&self) -> String {
        match self {
            Literal::Text(text) => format!("'{}'", text.replace('\'', "''")),
            Literal::Guid(id) => id.to_string(),
            Literal::Integer(n) => n.to_string(),
            Literal::Decimal(n) if n.scale() == 0 => format!("{n}.0"),
            Literal::Decimal(n) => n.to_string(),
            Literal::Boolean(b) => b.to_string(),
            Literal::DateTime(at) => at.to_offset(time::UtcOffset::UTC).format(&Rfc3339).unwrap_or_default(),
            Literal::Date(date) => {
                format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
            }
            Literal::Null => "null".to_owned(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

/// A filter built from parts, so that values are always escaped.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Compare(String, Comparison, Literal),
    Contains(String, String),
    StartsWith(String, String),
    EndsWith(String, String),
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    /// A multi-select choice holding any of `values` (or, not `contains`, none of them): Learn's
    /// ContainValues / DoesNotContainValues query functions (PropertyValues a `Collection(Edm.String)`).
    Values {
        column: String,
        values: Vec<String>,
        contains: bool,
    },
    /// A filter the user typed; its column names are still checked.
    Raw(String),
}

impl Filter {
    pub fn odata(&self) -> String {
        let join = |parts: &[Filter], op: &str| {
            parts.iter().map(|p| format!("({})", p.odata())).collect::<Vec<_>>().join(&format!(" {op} "))
        };
        match self {
            Filter::Compare(column, op, value) => {
                let op = match op {
                    Comparison::Eq => "eq",
                    Comparison::Ne => "ne",
                    Comparison::Gt => "gt",
                    Comparison::Ge => "ge",
                    Comparison::Lt => "lt",
                    Comparison::Le => "le",
                };
                format!("{column} {op} {}", value.odata())
            }
            Filter::Contains(column, text) => {
                format!("contains({column},{})", Literal::Text(literal_pattern(text)).odata())
            }
            Filter::StartsWith(column, text) => {
                format!("startswith({column},{})", Literal::Text(literal_pattern(text)).odata())
            }
            Filter::EndsWith(column, text) => {
                format!("endswith({column},{})", Literal::Text(literal_pattern(text)).odata())
            }
            Filter::And(parts) => join(parts, "and"),
            Filter::Or(parts) => join(parts, "or"),
            Filter::Not(inner) => format!("not ({})", inner.odata()),
            Filter::Values { column, values, contains } => {
                let values: Vec<String> = values.iter().map(|v| Literal::Text(v.clone()).odata()).collect();
                format!(
                    "Microsoft.Dynamics.CRM.{}(PropertyName='{column}',PropertyValues=[{}])",
                    if *contains { "ContainValues" } else { "DoesNotContainValues" },
                    values.join(",")
                )
            }
            Filter::Raw(text) => text.clone(),
        }
    }

    /// The column names the filter uses (for a raw filter: its identifiers outside string literals that are
    /// not operators, functions or literals; of a path `a/b`, the first segment).
    pub fn columns(&self) -> Vec<String> {
        match self {
            Filter::Compare(c, _, _)
            | Filter::Contains(c, _)
            | Filter::StartsWith(c, _)
            | Filter::EndsWith(c, _) => {
                vec![c.clone()]
            }
            Filter::And(parts) | Filter::Or(parts) => parts.iter().flat_map(Filter::columns).collect(),
            Filter::Not(inner) => inner.columns(),
            Filter::Values { column, .. } => vec![column.clone()],
            Filter::Raw(text) => raw_identifiers(text),
        }
    }
}

/// `text` matched as it is by `contains`/`startswith`/`endswith`, in which Dataverse reads `%`, `_` and `[`
/// as SQL wildcards (Microsoft Learn, "Use wildcard characters in conditions for string values"): each in
/// brackets, `[%]`, `[_]`, `[[]`.
fn literal_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' | '_' | '[' => {
                pattern.push('[');
                pattern.push(c);
                pattern.push(']');
            }
            other => pattern.push(other),
        }
    }
    pattern
}

const KEYWORDS: &[&str] =
    &["eq", "ne", "gt", "ge", "lt", "le", "and", "or", "not", "null", "true", "false", "in", "has"];

fn is_guid_at(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 36
        && bytes[..36].iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

fn raw_identifiers(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '\'' {
            // A string literal: up to the closing quote that is not doubled.
            let mut end = 1;
            let bytes = rest.as_bytes();
            while end < bytes.len() {
                if bytes[end] == b'\'' {
                    if bytes.get(end + 1) == Some(&b'\'') {
                        end += 2;
                        continue;
                    }
                    break;
                }
                end += 1;
            }
            rest = &rest[(end + 1).min(rest.len())..];
        } else if is_guid_at(rest) {
            rest = &rest[36..];
        } else if c.is_ascii_digit() {
            let end =
                rest.find(|c: char| !(c.is_ascii_alphanumeric() || "-:.+".contains(c))).unwrap_or(rest.len());
            rest = &rest[end..];
        } else if c.is_ascii_alphabetic() || c == '_' {
            let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
            let word = &rest[..end];
            let after = rest[end..].trim_start();
            // A function (`contains(`), a namespace (`Microsoft.Dynamics.CRM.ContainValues(`) or a function's
            // named parameter (`PropertyName=`) is not a column.
            let is_function =
                after.starts_with('(') || rest[end..].starts_with('.') || after.starts_with('=');
            if !is_function && !KEYWORDS.contains(&word.to_ascii_lowercase().as_str()) {
                found.push(word.to_owned());
            }
            // Skip the rest of a path (`primarycontactid/fullname`): its segments belong to another table.
            let mut skip = end;
            while rest[skip..].starts_with('/') {
                skip += 1;
                skip += rest[skip..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len() - skip);
            }
            rest = &rest[skip..];
        } else {
            rest = &rest[c.len_utf8()..];
        }
    }
    found
}

/// What to read from a table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    /// Logical name or entity set name.
    pub table: String,
    pub select: Vec<String>,
    pub filter: Option<Filter>,
    /// Column, descending?
    pub order_by: Vec<(String, bool)>,
    pub top: Option<u32>,
    pub count: bool,
    /// Navigation properties with their own options, e.g. `primarycontactid($select=fullname)`.
    pub expand: Vec<String>,
    /// A predefined query to run instead (`savedQuery=<id>`, `userQuery=<id>`, already encoded): the view
    /// decides columns, filter and order, so the other options are not sent (their columns are still
    /// checked, for the file or grid they describe).
    pub predefined: Option<String>,
}

/// Characters left as they are in a query option's value; everything else is percent-encoded.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b',')
    .remove(b'(')
    .remove(b')')
    .remove(b'\'')
    .remove(b'/')
    .remove(b'$')
    .remove(b':');

pub fn encode(value: &str) -> String {
    utf8_percent_encode(value, QUERY_VALUE).to_string()
}

fn unknown_column(schema: &TableSchema, name: &str) -> DataverseError {
    let names = schema.columns.iter().map(|c| c.logical_name.as_str());
    let table = &schema.table.logical_name;
    DataverseError::new(
        "query.unknown_column",
        match suggestion(name, names) {
            Some(near) => format!("There is no column '{name}' on {table}; did you mean '{near}'?"),
            None => format!("There is no column '{name}' on {table}."),
        },
        Some(format!("Check the name against the columns of {table}.")),
    )
}

impl Query {
    pub fn new(table: impl Into<String>) -> Self {
        Self { table: table.into(), ..Default::default() }
    }

    /// Checks every column name against the table's metadata and returns the path to request.
    pub fn to_path(&self, schema: &TableSchema) -> Result<String> {
        let options = self.options(schema)?;
        let set = &schema.table.entity_set;
        Ok(if options.is_empty() { set.clone() } else { format!("{set}?{options}") })
    }

    /// The path to one record of the table, by id or alternate key (see [`keys::record_path`]), with the
    /// query's options (`$select`, `$expand`), checked like [`Query::to_path`].
    pub fn record_path(&self, schema: &TableSchema, key: &str) -> Result<String> {
        let record = keys::record_path(schema, key)?;
        let options = self.options(schema)?;
        Ok(if options.is_empty() { record } else { format!("{record}?{options}") })
    }

    /// The query options alone (`$select=...&$filter=...`), checked like [`Query::to_path`]; lookups may be
    /// named either way: `primarycontactid` or `_primarycontactid_value`.
    pub fn options(&self, schema: &TableSchema) -> Result<String> {
        let resolve = |name: &str| -> Result<String> {
            let bare = name.strip_prefix('_').and_then(|n| n.strip_suffix("_value")).unwrap_or(name);
            schema
                .columns
                .iter()
                .find(|c| c.logical_name.eq_ignore_ascii_case(bare))
                .filter(|c| c.valid_for_read)
                .map(|c| c.read_name())
                .ok_or_else(|| unknown_column(schema, name))
        };
        let mut options: Vec<String> = Vec::new();
        if !self.select.is_empty() {
            let columns = self.select.iter().map(|c| resolve(c.trim())).collect::<Result<Vec<_>>>()?;
            options.push(format!("$select={}", encode(&columns.join(","))));
        }
        if let Some(predefined) = &self.predefined {
            return Ok(predefined.clone());
        }
        if let Some(filter) = &self.filter {
            for column in filter.columns() {
                resolve(&column)?;
            }
            options.push(format!("$filter={}", encode(&filter.odata())));
        }
        if !self.order_by.is_empty() {
            let mut order = String::new();
            for (i, (column, descending)) in self.order_by.iter().enumerate() {
                let column = resolve(column)?;
                let _ = write!(
                    order,
                    "{}{column}{}",
                    if i > 0 { "," } else { "" },
                    if *descending { " desc" } else { "" }
                );
            }
            options.push(format!("$orderby={}", encode(&order)));
        }
        if let Some(top) = self.top {
            options.push(format!("$top={top}"));
        }
        if self.count {
            options.push("$count=true".to_owned());
        }
        if !self.expand.is_empty() {
            options.push(format!("$expand={}", encode(&self.expand.join(","))));
        }
        Ok(options.join("&"))
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn text_functions_match_wildcard_characters_literally() {
        let contains = Filter::Contains("name".into(), "50% [A]_b".into());
        assert_eq!(contains.odata(), "contains(name,'50[%] [[]A][_]b')");
        assert_eq!(Filter::StartsWith("name".into(), "O'_".into()).odata(), "startswith(name,'O''[_]')");
        assert_eq!(Filter::EndsWith("name".into(), "x".into()).odata(), "endswith(name,'x')");
        let values = Filter::Values {
            column: "cr0d1_channels".into(),
            values: vec!["1".into(), "9".into()],
            contains: true,
        };
        assert_eq!(
            values.odata(),
            "Microsoft.Dynamics.CRM.ContainValues(PropertyName='cr0d1_channels',PropertyValues=['1','9'])"
        );
    }
    use super::*;

    #[test]
    fn literals_are_escaped() {
        assert_eq!(Literal::Text("O'Neil & Sons".into()).odata(), "'O''Neil & Sons'");
        assert_eq!(Literal::Text("''".into()).odata(), "''''''");
        let id = uuid::Uuid::parse_str("0d365de5-0000-4000-8000-000000000001").unwrap();
        assert_eq!(Literal::Guid(id).odata(), "0d365de5-0000-4000-8000-000000000001");
        assert_eq!(Literal::Integer(-42).odata(), "-42");
        let decimal = |text: &str| Literal::Decimal(super::super::numbers::parse(text).unwrap_or_default());
        assert_eq!(decimal("2").odata(), "2.0");
        assert_eq!(decimal("1234.5678").odata(), "1234.5678");
        assert_eq!(decimal("922337203685477.5807").odata(), "922337203685477.5807");
        let at = time::macros::datetime!(2024-02-29 13:45:00 +02:00);
        assert_eq!(Literal::DateTime(at).odata(), "2024-02-29T11:45:00Z");
        assert_eq!(Literal::Date(time::macros::date!(2024 - 02 - 29)).odata(), "2024-02-29");
        assert_eq!(Literal::Null.odata(), "null");
    }

    #[test]
    fn filters_nest_with_parentheses() {
        let filter = Filter::And(vec![
            Filter::Compare("revenue".into(), Comparison::Ge, Literal::Integer(1000)),
            Filter::Or(vec![
                Filter::StartsWith("name".into(), "A'".into()),
                Filter::Not(Box::new(Filter::Compare(
                    "statecode".into(),
                    Comparison::Eq,
                    Literal::Integer(1),
                ))),
            ]),
        ]);
        assert_eq!(
            filter.odata(),
            "(revenue ge 1000) and ((startswith(name,'A''')) or (not (statecode eq 1)))"
        );
        assert_eq!(filter.columns(), ["revenue", "name", "statecode"]);
    }

    #[test]
    fn raw_filters_give_their_column_names_and_nothing_else() {
        let raw = "startswith(nmae,'it''s eq or') and _primarycontactid_value eq 0d365de5-aaaa-4000-8000-000000000001 \
                   and createdon ge 2024-01-01T00:00:00Z and primarycontactid/fullname ne null and not (revenue lt 5.5)";
        assert_eq!(
            raw_identifiers(raw),
            ["nmae", "_primarycontactid_value", "createdon", "primarycontactid", "revenue"]
        );
        assert_eq!(raw_identifiers("statecode eq 0 or Name eq 'x'"), ["statecode", "Name"]);
        let values = "Microsoft.Dynamics.CRM.ContainValues(PropertyName='cr0d1_channels',PropertyValues=['1']) and x eq 1";
        assert_eq!(raw_identifiers(values), ["x"]);
    }

    #[test]
    fn values_are_percent_encoded_for_the_url() {
        assert_eq!(encode("name eq 'a&b=c#d+e%'"), "name%20eq%20'a%26b%3Dc%23d%2Be%25'");
        assert_eq!(encode("é"), "%C3%A9");
    }
}
