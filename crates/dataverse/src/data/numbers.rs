//! Money, decimal and float values as exact decimals: a value is read from the text the server or the
//! person wrote (serde_json keeps a number's text, see the workspace's `arbitrary_precision`), checked and
//! sent without passing through a double, so `922337203685477.5807` stays what it is.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::{Number, Value};

/// The exact value of `12.5`, `-3`, `1.5E+3` or `0.0000000001`; `None` for anything else, or past the
/// 28 digits an exact decimal holds (far beyond any Dataverse column).
pub fn parse(text: &str) -> Option<Decimal> {
    let text = text.trim();
    if text.contains(['e', 'E']) {
        Decimal::from_scientific(text).ok()
    } else {
        Decimal::from_str_exact(text).ok()
    }
}

/// A JSON number, or text holding one (how the window sends numbers: JavaScript's own would round).
pub fn of_value(value: &Value) -> Option<Decimal> {
    match value {
        Value::Number(n) => parse(&n.to_string()),
        Value::String(text) => parse(text),
        _ => None,
    }
}

/// The JSON number for an exact value, written plainly (`1500`, not `1.5E+3`).
pub fn to_json(value: Decimal) -> Value {
    Number::from_str(&value.to_string()).map_or(Value::Null, Value::Number)
}

/// Decimal places a value carries, trailing zeros aside (`1.500` has 1).
pub fn places(value: Decimal) -> u32 {
    value.normalize().scale()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_keep_every_digit() {
        let extreme: Value = serde_json::from_str("922337203685477.5807").unwrap_or_default();
        assert_eq!(of_value(&extreme).map(|d| d.to_string()).as_deref(), Some("922337203685477.5807"));
        assert_eq!(
            to_json(parse("12345678.1234567891").unwrap_or_default()).to_string(),
            "12345678.1234567891"
        );
        assert_eq!(
            of_value(&Value::from(" -0.0000000001 ")).map(|d| d.to_string()).as_deref(),
            Some("-0.0000000001")
        );
        assert_eq!(parse("1.5E+3").map(to_json).map(|v| v.to_string()).as_deref(), Some("1500"));
        assert_eq!(parse("1e400"), None);
        assert_eq!(parse("twelve"), None);
        assert_eq!(of_value(&Value::Bool(true)), None);
    }

    #[test]
    fn places_ignore_trailing_zeros() {
        assert_eq!(parse("1.500").map(places), Some(1));
        assert_eq!(parse("5000000.0000").map(places), Some(0));
        assert_eq!(parse("0.0001").map(places), Some(4));
    }
}
