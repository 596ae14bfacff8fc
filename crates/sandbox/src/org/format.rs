//! Formatted values, as Dataverse writes them for an en-US user (the sandbox's users' locale, in UTC):
//! money `$20,000.00`, numbers `1,200`, dates `4/7/2023 2:59 PM`, option and boolean labels.

use crate::data::decimal;
use crate::data::schema::ColumnKind;
use serde_json::Value;

fn group_thousands(integer_part: &str) -> String {
    let (sign, digits) = integer_part.strip_prefix('-').map_or(("", integer_part), |d| ("-", d));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

/// A stored money or decimal value, rounded for display without passing through a double.
fn exact(value: &serde_json::Number, places: u32) -> Option<String> {
    decimal::parse(&value.to_string()).map(|d| decimal::grouped(d, places))
}

fn number(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    match text.split_once('.') {
        Some((integer, fraction)) => format!("{}.{fraction}", group_thousands(integer)),
        None => group_thousands(&text),
    }
}

fn us_date_time(iso: &str, date_only: bool) -> Option<String> {
    let (date, time) = iso.split_once('T').unwrap_or((iso, ""));
    let mut parts = date.split('-');
    let (year, month, day) =
        (parts.next()?, parts.next()?.parse::<u32>().ok()?, parts.next()?.parse::<u32>().ok()?);
    let date = format!("{month}/{day}/{year}");
    if date_only || time.is_empty() {
        return Some(date);
    }
    let mut clock = time.split(':');
    let (hour, minute) = (clock.next()?.parse::<u32>().ok()?, clock.next()?);
    let (hour12, meridiem) = match hour {
        0 => (12, "AM"),
        1..=11 => (hour, "AM"),
        12 => (12, "PM"),
        _ => (hour - 12, "PM"),
    };
    Some(format!("{date} {hour12}:{minute} {meridiem}"))
}

/// The formatted value of a column's (JSON) value, or `None` where Dataverse gives none (text, ids).
pub fn formatted(kind: &ColumnKind, value: &Value) -> Option<String> {
    match (kind, value) {
        (_, Value::Null) => None,
        (ColumnKind::Money { precision }, Value::Number(n)) => {
            let text = exact(n, *precision)?;
            Some(match text.strip_prefix('-') {
                Some(positive) => format!("-${positive}"),
                None => format!("${text}"),
            })
        }
        // From the integer itself: a double would show 9223372036854775807 as ...808.
        (ColumnKind::Integer { .. } | ColumnKind::BigInt, Value::Number(n)) => {
            Some(group_thousands(&n.as_i64()?.to_string()))
        }
        (ColumnKind::Decimal { precision }, Value::Number(n)) => exact(n, *precision),
        (ColumnKind::Double, Value::Number(n)) => Some(number(n.as_f64()?, 2)),
        (ColumnKind::Boolean { true_label, false_label }, Value::Bool(b)) => {
            Some((if *b { true_label } else { false_label }).to_string())
        }
        (kind @ ColumnKind::DateTime { .. }, Value::String(s)) => us_date_time(s, kind.is_date_only()),
        // The options' labels, joined by "; " as Dataverse formats a multi-select choice.
        (ColumnKind::MultiSelect { options }, Value::String(s)) => Some(
            s.split(',')
                .map(|v| {
                    let v = v.trim();
                    options.iter().find(|(o, _)| o.to_string() == v).map_or(v, |(_, label)| *label)
                })
                .collect::<Vec<_>>()
                .join("; "),
        ),
        (kind, Value::Number(n)) if kind.options().is_some() => {
            let wanted = n.as_i64()?;
            kind.options()?
                .iter()
                .find(|(v, _)| i64::from(*v) == wanted)
                .map(|(_, label)| (*label).to_owned())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::schema::DateBehavior;
    use serde_json::json;

    #[test]
    fn dataverse_formats() {
        let money = ColumnKind::Money { precision: 2 };
        assert_eq!(formatted(&money, &json!(20000.0)).as_deref(), Some("$20,000.00"));
        assert_eq!(formatted(&money, &json!(-1234.5)).as_deref(), Some("-$1,234.50"));
        let extreme: Value = serde_json::from_str("922337203685477.5807").unwrap_or_default();
        assert_eq!(formatted(&money, &extreme).as_deref(), Some("$922,337,203,685,477.58"));
        let exact = ColumnKind::Money { precision: 4 };
        assert_eq!(formatted(&exact, &extreme).as_deref(), Some("$922,337,203,685,477.5807"));
        assert_eq!(
            formatted(&ColumnKind::BigInt, &json!(i64::MAX)).as_deref(),
            Some("9,223,372,036,854,775,807")
        );
        assert_eq!(
            formatted(&ColumnKind::BigInt, &json!(i64::MIN)).as_deref(),
            Some("-9,223,372,036,854,775,808")
        );
        assert_eq!(
            formatted(&ColumnKind::Integer { min: 0, max: 10 }, &json!(1200)).as_deref(),
            Some("1,200")
        );
        assert_eq!(
            formatted(
                &ColumnKind::DateTime { behavior: DateBehavior::UserLocal },
                &json!("2023-04-07T14:59:00Z")
            )
            .as_deref(),
            Some("4/7/2023 2:59 PM")
        );
        assert_eq!(
            formatted(
                &ColumnKind::DateTime { behavior: DateBehavior::UserLocal },
                &json!("2023-04-07T00:05:00Z")
            )
            .as_deref(),
            Some("4/7/2023 12:05 AM")
        );
        assert_eq!(
            formatted(&ColumnKind::DateTime { behavior: DateBehavior::DateOnly }, &json!("2026-01-09"))
                .as_deref(),
            Some("1/9/2026")
        );
        let bool_kind = ColumnKind::Boolean { true_label: "Yes", false_label: "No" };
        assert_eq!(formatted(&bool_kind, &json!(false)).as_deref(), Some("No"));
        let options: &'static [(i32, &str)] = &[(1, "Hot"), (2, "Warm")];
        assert_eq!(formatted(&ColumnKind::Picklist { options }, &json!(2)).as_deref(), Some("Warm"));
        assert_eq!(formatted(&ColumnKind::String { max_length: 5 }, &json!("x")), None);
    }
}
