//! The grid's visual filter: conditions a person builds from a column, an operator that fits its type and a
//! value. The core turns them into `$filter`, so each value is typed and escaped as its column wants (the
//! window never writes OData text) and a wrong value is refused with the column's name before a request.

use d365_dataverse::DataverseError;
use d365_dataverse::data::metadata::{ColumnInfo, TableSchema};
use d365_dataverse::data::numbers;
use d365_dataverse::data::query::{Comparison, Filter, Literal};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;

use crate::error::Result;

/// What a condition asks of a column's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum FilterOperator {
    Eq,
    Ne,
    Contains,
    DoesNotContain,
    BeginsWith,
    EndsWith,
    Gt,
    Ge,
    Lt,
    Le,
    /// A date: any time that day (UTC for a date-time column).
    On,
    OnOrAfter,
    OnOrBefore,
    Null,
    NotNull,
}

/// One condition of the visual filter; conditions are joined with `and`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FilterCondition {
    pub column: String,
    pub operator: FilterOperator,
    /// As typed: a number's text, an option's value, a lookup's record id, a date `YYYY-MM-DD`. None for
    /// `null` / `not_null`.
    #[serde(default)]
    pub value: Option<String>,
}

/// The operators that fit a column, the most used first: what the filter bar offers for it.
pub fn operators(column: &ColumnInfo) -> Vec<FilterOperator> {
    use FilterOperator::*;
    if column.is_multi_select() {
        // "contains" as ContainValues: never eq on its "1,3" text.
        return vec![Contains, DoesNotContain, Null, NotNull];
    }
    match column.attribute_type.as_str() {
        "String" | "Memo" => vec![Contains, DoesNotContain, BeginsWith, EndsWith, Eq, Ne, Null, NotNull],
        "Integer" | "BigInt" | "Decimal" | "Double" | "Money" => vec![Eq, Ne, Gt, Ge, Lt, Le, Null, NotNull],
        "DateTime" => vec![On, OnOrAfter, OnOrBefore, Null, NotNull],
        "Picklist" | "Lookup" | "Customer" | "Owner" => vec![Eq, Ne, Null, NotNull],
        "Boolean" | "State" | "Status" | "Uniqueidentifier" => vec![Eq, Ne],
        _ => vec![Null, NotNull],
    }
}

/// The conditions as one `$filter` (none for no conditions).
pub fn conditions_filter(schema: &TableSchema, conditions: &[FilterCondition]) -> Result<Option<Filter>> {
    let parts = conditions.iter().map(|c| condition_filter(schema, c)).collect::<Result<Vec<_>>>()?;
    Ok(match parts.len() {
        0 => None,
        1 => parts.into_iter().next(),
        _ => Some(Filter::And(parts)),
    })
}

fn refused(message: String) -> crate::ConnectionError {
    DataverseError::new("input.invalid", message, None).into()
}

/// The condition as `$filter`; a refusal names the column, so the window marks that condition.
fn condition_filter(schema: &TableSchema, condition: &FilterCondition) -> Result<Filter> {
    inner_filter(schema, condition).map_err(|err| match err {
        crate::ConnectionError::Dataverse(e) => e.on_column(condition.column.clone()).into(),
        other => other,
    })
}

fn inner_filter(schema: &TableSchema, condition: &FilterCondition) -> Result<Filter> {
    let column = schema.column(&condition.column).ok_or_else(|| {
        refused(format!("There is no column '{}' on {}.", condition.column, schema.table.logical_name))
    })?;
    let label = column.display_name.clone().unwrap_or_else(|| column.logical_name.clone());
    if !operators(column).contains(&condition.operator) {
        return Err(refused(format!("{label} cannot be filtered with {:?}.", condition.operator)));
    }
    // Lookups are filtered by the id they hold, under the name Dataverse reads them by.
    let name = if column.is_lookup() {
        format!("_{}_value", column.logical_name)
    } else {
        column.logical_name.clone()
    };
    use FilterOperator::*;
    let value = match condition.operator {
        Null => return Ok(Filter::Compare(name, Comparison::Eq, Literal::Null)),
        NotNull => return Ok(Filter::Compare(name, Comparison::Ne, Literal::Null)),
        _ => condition.value.as_deref().map(str::trim).filter(|v| !v.is_empty()),
    };
    let value = value.ok_or_else(|| refused(format!("Give a value to filter {label} by.")))?;
    let text = || value.to_owned();
    if column.is_multi_select() {
        let option = column
            .options
            .iter()
            .find(|o| o.value.to_string() == value || o.label.eq_ignore_ascii_case(value));
        let option = option.ok_or_else(|| refused(format!("'{value}' is not an option of {label}.")))?;
        let contains = condition.operator == Contains;
        return Ok(Filter::Values { column: name, values: vec![option.value.to_string()], contains });
    }
    Ok(match condition.operator {
        Contains => Filter::Contains(name, text()),
        DoesNotContain => Filter::Not(Box::new(Filter::Contains(name, text()))),
        BeginsWith => Filter::StartsWith(name, text()),
        EndsWith => Filter::EndsWith(name, text()),
        On | OnOrAfter | OnOrBefore => date_filter(column, &label, name, condition.operator, value)?,
        Eq => Filter::Compare(name, Comparison::Eq, literal(column, &label, value)?),
        Ne => Filter::Compare(name, Comparison::Ne, literal(column, &label, value)?),
        Gt => Filter::Compare(name, Comparison::Gt, literal(column, &label, value)?),
        Ge => Filter::Compare(name, Comparison::Ge, literal(column, &label, value)?),
        Lt => Filter::Compare(name, Comparison::Lt, literal(column, &label, value)?),
        Le => Filter::Compare(name, Comparison::Le, literal(column, &label, value)?),
        Null | NotNull => unreachable!("answered above"),
    })
}

/// The value as the column's type wants it; an option must be one of the column's.
fn literal(column: &ColumnInfo, label: &str, value: &str) -> Result<Literal> {
    let not = |what: &str| refused(format!("'{value}' is not {what} ({label})."));
    Ok(match column.attribute_type.as_str() {
        "Integer" | "BigInt" => Literal::Integer(value.parse().map_err(|_| not("a whole number"))?),
        "Decimal" | "Double" | "Money" => {
            Literal::Decimal(numbers::parse(value).ok_or_else(|| not("a number"))?)
        }
        "Picklist" | "State" | "Status" => {
            let option: i64 = value.parse().map_err(|_| not("an option's value"))?;
            if !column.options.is_empty() && !column.options.iter().any(|o| o.value == option) {
                let known: Vec<String> =
                    column.options.iter().map(|o| format!("{} ({})", o.value, o.label)).collect();
                return Err(not(&format!("one of its options: {}", known.join(", "))));
            }
            Literal::Integer(option)
        }
        "Boolean" => Literal::Boolean(match value {
            "true" | "1" => true,
            "false" | "0" => false,
            _ => return Err(not("yes or no (true or false)")),
        }),
        "Lookup" | "Customer" | "Owner" | "Uniqueidentifier" => {
            Literal::Guid(value.parse().map_err(|_| not("a record's id"))?)
        }
        _ => Literal::Text(value.to_owned()),
    })
}

/// A day, or from/until it: a date-only column compares dates; a date-time column the day's range in UTC.
fn date_filter(
    column: &ColumnInfo,
    label: &str,
    name: String,
    operator: FilterOperator,
    value: &str,
) -> Result<Filter> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let day = time::Date::parse(value, &format);
    let at = |date: time::Date| Literal::DateTime(date.midnight().assume_utc());
    let compare = |op, literal| Filter::Compare(name.clone(), op, literal);
    Ok(match (day, column.date_only, operator) {
        (Ok(day), true, FilterOperator::On) => compare(Comparison::Eq, Literal::Date(day)),
        (Ok(day), true, FilterOperator::OnOrAfter) => compare(Comparison::Ge, Literal::Date(day)),
        (Ok(day), true, _) => compare(Comparison::Le, Literal::Date(day)),
        (Ok(day), false, operator) => {
            let next = day
                .next_day()
                .ok_or_else(|| refused(format!("'{value}' is past the last date ({label}).")))?;
            match operator {
                FilterOperator::On => {
                    Filter::And(vec![compare(Comparison::Ge, at(day)), compare(Comparison::Lt, at(next))])
                }
                FilterOperator::OnOrAfter => compare(Comparison::Ge, at(day)),
                _ => compare(Comparison::Lt, at(next)),
            }
        }
        (Err(_), false, operator) if operator != FilterOperator::On => {
            let instant = time::OffsetDateTime::parse(value, &Rfc3339).map_err(|_| {
                refused(format!("'{value}' is not a date (YYYY-MM-DD) or a date and time ({label})."))
            })?;
            let op = if operator == FilterOperator::OnOrAfter { Comparison::Ge } else { Comparison::Le };
            compare(op, Literal::DateTime(instant))
        }
        (Err(_), ..) => return Err(refused(format!("'{value}' is not a date (YYYY-MM-DD) ({label})."))),
    })
}

#[cfg(test)]
mod tests {
    use d365_dataverse::data::metadata::{OptionValue, RequiredLevel, TableInfo};

    use super::*;

    fn column(name: &str, kind: &str) -> ColumnInfo {
        ColumnInfo {
            logical_name: name.into(),
            display_name: Some(format!("The {name}")),
            attribute_type: kind.into(),
            required: RequiredLevel::None,
            valid_for_create: true,
            valid_for_update: true,
            valid_for_read: true,
            is_primary_id: false,
            is_primary_name: false,
            max_length: None,
            precision: None,
            precision_source: None,
            min_value: None,
            max_value: None,
            date_only: false,
            date_behavior: None,
            type_name: None,
            targets: Vec::new(),
            options: Vec::new(),
            navigation: Default::default(),
        }
    }

    fn schema() -> TableSchema {
        let mut industry = column("industrycode", "Picklist");
        industry.options = vec![OptionValue::new(1, "Accounting")];
        let mut contact = column("primarycontactid", "Lookup");
        contact.targets = vec!["contact".into()];
        let mut founded = column("founded", "DateTime");
        founded.date_only = true;
        TableSchema {
            table: TableInfo {
                logical_name: "account".into(),
                entity_set: "accounts".into(),
                display_name: None,
                primary_id: "accountid".into(),
                primary_name: Some("name".into()),
                is_custom: false,
                change_tracking: false,
            },
            columns: vec![
                column("name", "String"),
                column("revenue", "Money"),
                column("createdon", "DateTime"),
                column("donotemail", "Boolean"),
                industry,
                contact,
                founded,
            ],
            keys: Vec::new(),
            related: Vec::new(),
        }
    }

    fn odata(conditions: &[(&str, FilterOperator, Option<&str>)]) -> Result<Option<String>> {
        let conditions: Vec<FilterCondition> = conditions
            .iter()
            .map(|(c, op, v)| FilterCondition {
                column: (*c).into(),
                operator: *op,
                value: v.map(Into::into),
            })
            .collect();
        Ok(conditions_filter(&schema(), &conditions)?.map(|f| f.odata()))
    }

    fn message(result: Result<Option<String>>) -> String {
        result.expect_err("refused").to_string()
    }

    #[test]
    fn a_refusal_names_the_conditions_column() {
        let err = odata(&[("revenue", FilterOperator::Eq, Some("x"))]).unwrap_err();
        let payload = d365_common::ErrorPayload::from(err);
        assert_eq!(payload.column.as_deref(), Some("revenue"));
    }

    #[test]
    fn each_type_gets_its_literal_escaped_and_joined_with_and() {
        use FilterOperator::*;
        assert_eq!(odata(&[]).unwrap(), None);
        assert_eq!(
            odata(&[("name", Contains, Some("O'Neil"))]).unwrap().unwrap(),
            "contains(name,'O''Neil')"
        );
        assert_eq!(
            odata(&[("name", DoesNotContain, Some("x")), ("revenue", Ge, Some("12345678901234.5678"))])
                .unwrap()
                .unwrap(),
            "(not (contains(name,'x'))) and (revenue ge 12345678901234.5678)"
        );
        assert_eq!(odata(&[("industrycode", Eq, Some("1"))]).unwrap().unwrap(), "industrycode eq 1");
        assert_eq!(
            odata(&[("primarycontactid", Eq, Some("3f2504e0-4f89-11d3-9a0c-0305e82c3301"))])
                .unwrap()
                .unwrap(),
            "_primarycontactid_value eq 3f2504e0-4f89-11d3-9a0c-0305e82c3301"
        );
        assert_eq!(
            odata(&[("primarycontactid", Null, None)]).unwrap().unwrap(),
            "_primarycontactid_value eq null"
        );
        assert_eq!(odata(&[("name", NotNull, None)]).unwrap().unwrap(), "name ne null");
        assert_eq!(odata(&[("donotemail", Ne, Some("true"))]).unwrap().unwrap(), "donotemail ne true");
        assert_eq!(odata(&[("name", BeginsWith, Some("  A  "))]).unwrap().unwrap(), "startswith(name,'A')");
        assert_eq!(odata(&[("name", EndsWith, Some("Ltd"))]).unwrap().unwrap(), "endswith(name,'Ltd')");
    }

    #[test]
    fn dates_are_a_day_in_utc_or_a_date_for_date_only_columns() {
        use FilterOperator::*;
        assert_eq!(
            odata(&[("createdon", On, Some("2024-02-29"))]).unwrap().unwrap(),
            "(createdon ge 2024-02-29T00:00:00Z) and (createdon lt 2024-03-01T00:00:00Z)"
        );
        assert_eq!(
            odata(&[("createdon", OnOrBefore, Some("2024-12-31"))]).unwrap().unwrap(),
            "createdon lt 2025-01-01T00:00:00Z"
        );
        assert_eq!(
            odata(&[("createdon", OnOrAfter, Some("2024-12-31"))]).unwrap().unwrap(),
            "createdon ge 2024-12-31T00:00:00Z"
        );
        assert_eq!(
            odata(&[("createdon", OnOrAfter, Some("2024-05-01T10:00:00+02:00"))]).unwrap().unwrap(),
            "createdon ge 2024-05-01T08:00:00Z"
        );
        assert_eq!(odata(&[("founded", On, Some("2001-01-01"))]).unwrap().unwrap(), "founded eq 2001-01-01");
        assert_eq!(
            odata(&[("founded", OnOrAfter, Some("2001-01-01"))]).unwrap().unwrap(),
            "founded ge 2001-01-01"
        );
        assert_eq!(
            odata(&[("founded", OnOrBefore, Some("2001-01-01"))]).unwrap().unwrap(),
            "founded le 2001-01-01"
        );
        assert!(
            message(odata(&[("createdon", On, Some("yesterday"))])).contains("'yesterday' is not a date")
        );
        assert!(
            message(odata(&[("founded", OnOrAfter, Some("2024-05-01T10:00:00Z"))])).contains("not a date")
        );
    }

    #[test]
    fn a_wrong_value_operator_or_column_is_refused_with_the_columns_label() {
        use FilterOperator::*;
        assert!(
            message(odata(&[("revenue", Eq, Some("12,5"))])).contains("'12,5' is not a number (The revenue)")
        );
        let option = message(odata(&[("industrycode", Eq, Some("7"))]));
        assert!(option.contains("one of its options: 1 (Accounting)"), "{option}");
        assert!(message(odata(&[("primarycontactid", Eq, Some("Ada"))])).contains("not a record's id"));
        assert!(message(odata(&[("donotemail", Eq, Some("maybe"))])).contains("yes or no"));
        assert!(
            message(odata(&[("revenue", Contains, Some("1"))])).contains("cannot be filtered with Contains")
        );
        assert!(message(odata(&[("name", Eq, Some("   "))])).contains("Give a value to filter The name by"));
        assert!(message(odata(&[("nope", Eq, Some("1"))])).contains("There is no column 'nope' on account"));
    }

    #[test]
    fn operators_fit_the_type() {
        use FilterOperator::*;
        let schema = schema();
        let of = |name: &str| operators(schema.column(name).unwrap());
        assert_eq!(of("name")[0], Contains);
        assert!(!of("revenue").contains(&Contains) && of("revenue").contains(&Le));
        assert_eq!(of("donotemail"), [Eq, Ne]);
        assert_eq!(of("createdon")[0], On);
        assert_eq!(operators(&column("x", "Virtual")), [Null, NotNull]);
        let mut channels = column("channels", "Virtual");
        channels.type_name = Some("MultiSelectPicklistType".into());
        assert_eq!(operators(&channels), [Contains, DoesNotContain, Null, NotNull]);
    }
}
