//! Money and decimal values, kept exactly as Dataverse keeps them (SQL Server `money` and `decimal`): stored
//! as text at the column's scale (`5000000.0000` for money, as the Web API writes it back), compared and
//! sorted by value through the `dataverse_decimal` collation, never through a double.

use std::cmp::Ordering;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};

/// The SQLite collation that orders stored decimal text by value.
pub const COLLATION: &str = "dataverse_decimal";

/// Decimal places a money value is stored and returned with, whatever its precision (SQL Server `money`).
pub const MONEY_SCALE: u32 = 4;

/// Dataverse's ranges: money ±922,337,203,685,477; decimal and float ±100,000,000,000.
pub const MONEY_LIMIT: i64 = 922_337_203_685_477;
pub const DECIMAL_LIMIT: i64 = 100_000_000_000;

/// The exact value of a JSON number's text or a filter literal (`12.5`, `-3`, `1.5E+3`, `12.50m`).
pub fn parse(text: &str) -> Option<Decimal> {
    let text = text.trim().trim_end_matches(['m', 'M']);
    if text.contains(['e', 'E']) {
        Decimal::from_scientific(text).ok()
    } else {
        Decimal::from_str_exact(text).ok()
    }
}

/// Why a value cannot be stored.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    NotANumber,
    OutOfRange { min: i64, max: i64 },
}

/// The text a value is stored as: within `±limit`, rounded half away from zero to `precision` places (as
/// SQL Server rounds on assignment), written with `scale` places.
pub fn stored(text: &str, precision: u32, scale: u32, limit: i64) -> Result<String, Refusal> {
    let value = parse(text).ok_or(Refusal::NotANumber)?;
    if value.abs() > Decimal::from(limit) {
        return Err(Refusal::OutOfRange { min: -limit, max: limit });
    }
    let mut value = value.round_dp_with_strategy(precision, RoundingStrategy::MidpointAwayFromZero);
    value.rescale(scale);
    Ok(value.to_string())
}

/// The stored text as a JSON number, digit for digit.
pub fn to_json(stored: &str) -> serde_json::Value {
    serde_json::Number::from_str(stored).map_or_else(|_| serde_json::Value::Null, serde_json::Value::Number)
}

/// Orders two stored values by value (text that is not a number sorts after, by its bytes).
pub fn compare(a: &str, b: &str) -> Ordering {
    match (parse(a), parse(b)) {
        (Some(a), Some(b)) => a.cmp(&b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

/// Makes [`COLLATION`] known to a connection.
pub fn register(connection: &rusqlite::Connection) -> rusqlite::Result<()> {
    connection.create_collation(COLLATION, compare)
}

/// `value` rounded to `places` for display, grouped by thousands (`1,234,567.89`).
pub fn grouped(value: Decimal, places: u32) -> String {
    let mut rounded = value.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(places);
    let text = rounded.abs().to_string();
    let (integer, fraction) = text.split_once('.').map_or((text.as_str(), None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    for (i, c) in integer.chars().enumerate() {
        if i > 0 && (integer.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(fraction) = fraction {
        out.push('.');
        out.push_str(fraction);
    }
    if rounded.is_sign_negative() && !rounded.is_zero() { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_kept_to_the_last_digit_at_its_scale() {
        assert_eq!(stored("922337203685477", 4, 4, MONEY_LIMIT).as_deref(), Ok("922337203685477.0000"));
        assert_eq!(stored("-922337203685477", 4, 4, MONEY_LIMIT).as_deref(), Ok("-922337203685477.0000"));
        assert_eq!(stored("922337203685476.9999", 4, 4, MONEY_LIMIT).as_deref(), Ok("922337203685476.9999"));
        assert_eq!(stored("5000000", 2, 4, MONEY_LIMIT).as_deref(), Ok("5000000.0000"));
        assert_eq!(
            stored("922337203685477.01", 4, 4, MONEY_LIMIT),
            Err(Refusal::OutOfRange { min: -MONEY_LIMIT, max: MONEY_LIMIT })
        );
    }

    #[test]
    fn decimals_round_half_away_from_zero_to_their_precision() {
        assert_eq!(
            stored("12345678.1234567891", 10, 10, DECIMAL_LIMIT).as_deref(),
            Ok("12345678.1234567891")
        );
        assert_eq!(stored("1.005", 2, 2, DECIMAL_LIMIT).as_deref(), Ok("1.01"));
        assert_eq!(stored("-1.005", 2, 2, DECIMAL_LIMIT).as_deref(), Ok("-1.01"));
        assert_eq!(stored("1.004", 2, 2, DECIMAL_LIMIT).as_deref(), Ok("1.00"));
        assert_eq!(stored("1.5E+3", 2, 2, DECIMAL_LIMIT).as_deref(), Ok("1500.00"));
        assert_eq!(
            stored("100000000000.0000000000", 10, 10, DECIMAL_LIMIT).as_deref(),
            Ok("100000000000.0000000000")
        );
        assert_eq!(stored("abc", 2, 2, DECIMAL_LIMIT), Err(Refusal::NotANumber));
    }

    #[test]
    fn stored_values_order_by_value_not_by_text() {
        assert_eq!(compare("9.5000", "10.0000"), Ordering::Less);
        assert_eq!(compare("-2.0000", "-10.0000"), Ordering::Greater);
        assert_eq!(compare("12345678.1234567890", "12345678.1234567891"), Ordering::Less);
        assert_eq!(compare("5", "5.0000"), Ordering::Equal);
        assert_eq!(compare("5", "x"), Ordering::Less);
    }

    #[test]
    fn display_rounds_and_groups_without_a_double() {
        assert_eq!(grouped(parse("922337203685477.5807").unwrap_or_default(), 2), "922,337,203,685,477.58");
        assert_eq!(grouped(parse("-1234.5").unwrap_or_default(), 2), "-1,234.50");
        assert_eq!(grouped(parse("1200").unwrap_or_default(), 0), "1,200");
        assert_eq!(grouped(parse("-0.001").unwrap_or_default(), 2), "0.00");
    }

    #[test]
    fn json_keeps_every_digit() {
        assert_eq!(to_json("922337203685477.5807").to_string(), "922337203685477.5807");
        assert_eq!(to_json("5000000.0000").to_string(), "5000000.0000");
    }
}
