//! Exact money: integer minor units tagged with an ISO 4217 currency.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An ISO 4217 currency code (three ASCII upper-case letters).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    pub const USD: Currency = Currency(*b"USD");
    pub const EUR: Currency = Currency(*b"EUR");

    /// Parses a currency code, accepting any case ("usd" → USD).
    pub fn parse(s: &str) -> Result<Currency, MoneyError> {
        let b = s.trim().as_bytes();
        if b.len() != 3 || !b.iter().all(|c| c.is_ascii_alphabetic()) {
            return Err(MoneyError::BadCurrency(s.to_string()));
        }
        Ok(Currency([
            b[0].to_ascii_uppercase(),
            b[1].to_ascii_uppercase(),
            b[2].to_ascii_uppercase(),
        ]))
    }

    pub fn code(&self) -> &str {
        // Only ever built from ASCII letters.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Digits after the decimal point this currency allows (ISO 4217 minor unit).
    pub fn exponent(&self) -> u32 {
        match &self.0 {
            b"BIF" | b"CLP" | b"DJF" | b"GNF" | b"ISK" | b"JPY" | b"KMF" | b"KRW" | b"PYG"
            | b"RWF" | b"UGX" | b"UYI" | b"VND" | b"VUV" | b"XAF" | b"XOF" | b"XPF" => 0,
            b"BHD" | b"IQD" | b"JOD" | b"KWD" | b"LYD" | b"OMR" | b"TND" => 3,
            b"CLF" | b"UYW" => 4,
            _ => 2,
        }
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// An exact amount: `minor` units of `currency` (cents for USD, yen for JPY).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    /// Parses "1234.5" / "-1,234.50" / "(12.00)" exactly; more decimals than
    /// the currency allows is an error, never a rounding.
    pub fn parse(s: &str, currency: Currency) -> Result<Money, MoneyError> {
        parse_minor(s, currency.exponent()).map(|minor| Money { minor, currency })
    }

    /// The amount as a plain decimal string ("-1234.50"), as used in JSON and CSV.
    pub fn to_decimal_string(&self) -> String {
        format_minor(self.minor, self.currency.exponent(), false)
    }

    /// The amount with thousands separators ("-1,234.50"), for tables.
    pub fn to_grouped_string(&self) -> String {
        format_minor(self.minor, self.currency.exponent(), true)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.to_grouped_string(), self.currency)
    }
}

/// Why a money value could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("'{0}' is not a currency code (expected three letters, e.g. USD)")]
    BadCurrency(String),
    #[error("'{0}' is not a number")]
    NotANumber(String),
    #[error("'{value}' has {given} decimal places; {currency_digits} allowed for this currency")]
    TooManyDecimals {
        value: String,
        given: usize,
        currency_digits: u32,
    },
    #[error("'{0}' is too large")]
    Overflow(String),
}

/// Parses a decimal string into minor units with `exp` fractional digits.
///
/// Accepts an optional sign, thousands separators in the right places,
/// accounting negatives in parentheses and trailing zeros beyond the
/// currency's digits ("10.500" USD is 1050 cents). Anything that would need
/// rounding is rejected.
pub fn parse_minor(raw: &str, exp: u32) -> Result<i64, MoneyError> {
    let nan = || MoneyError::NotANumber(raw.to_string());
    let mut s = raw.trim();
    let mut negative = false;
    if let Some(inner) = s.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        negative = true;
        s = inner.trim();
    }
    if let Some(r) = s.strip_prefix('-') {
        if negative {
            return Err(nan());
        }
        negative = true;
        s = r;
    } else if let Some(r) = s.strip_prefix('+') {
        s = r;
    }
    let (int_part, frac_part) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(nan());
    }
    if !frac_part.bytes().all(|b| b.is_ascii_digit()) {
        return Err(nan());
    }
    let overflow = || MoneyError::Overflow(raw.to_string());
    let mut value: i64 = 0;
    if int_part.contains(',') {
        let mut groups = int_part.split(',');
        let first = groups.next().unwrap_or("");
        if first.is_empty() || first.len() > 3 || !first.bytes().all(|b| b.is_ascii_digit()) {
            return Err(nan());
        }
        for g in groups {
            if g.len() != 3 || !g.bytes().all(|b| b.is_ascii_digit()) {
                return Err(nan());
            }
        }
        for b in int_part.bytes().filter(|b| *b != b',') {
            value = push_digit(value, b).ok_or_else(overflow)?;
        }
    } else {
        if !int_part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(nan());
        }
        for b in int_part.bytes() {
            value = push_digit(value, b).ok_or_else(overflow)?;
        }
    }
    let frac = frac_part.as_bytes();
    let significant = frac.len() - frac.iter().rev().take_while(|b| **b == b'0').count();
    if significant > exp as usize {
        return Err(MoneyError::TooManyDecimals {
            value: raw.trim().to_string(),
            given: frac.len(),
            currency_digits: exp,
        });
    }
    for i in 0..exp as usize {
        let d = frac.get(i).copied().unwrap_or(b'0');
        value = push_digit(value, d).ok_or_else(overflow)?;
    }
    Ok(if negative { -value } else { value })
}

fn push_digit(acc: i64, digit: u8) -> Option<i64> {
    acc.checked_mul(10)?.checked_add(i64::from(digit - b'0'))
}

/// Formats minor units as a decimal string with `exp` fractional digits.
pub fn format_minor(minor: i64, exp: u32, grouped: bool) -> String {
    let neg = minor < 0;
    let abs = minor.unsigned_abs();
    let scale = 10u64.pow(exp);
    let int = (abs / scale).to_string();
    let mut out = String::with_capacity(int.len() + 8);
    if neg {
        out.push('-');
    }
    if grouped {
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
    } else {
        out.push_str(&int);
    }
    if exp > 0 {
        out.push('.');
        let frac = abs % scale;
        out.push_str(&format!("{:0width$}", frac, width = exp as usize));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exact_amounts_in_minor_units() {
        assert_eq!(parse_minor("1234.5", 2), Ok(123450));
        assert_eq!(parse_minor("-1,234.56", 2), Ok(-123456));
        assert_eq!(parse_minor("(12.00)", 2), Ok(-1200));
        assert_eq!(parse_minor("10.500", 2), Ok(1050));
        assert_eq!(parse_minor(".5", 2), Ok(50));
        assert_eq!(parse_minor("7", 0), Ok(7));
        assert_eq!(parse_minor("1.234", 3), Ok(1234));
    }

    #[test]
    fn rejects_amounts_that_would_need_rounding() {
        assert!(matches!(
            parse_minor("12.345", 2),
            Err(MoneyError::TooManyDecimals { given: 3, .. })
        ));
        assert!(matches!(
            parse_minor("1.5", 0),
            Err(MoneyError::TooManyDecimals { .. })
        ));
    }

    #[test]
    fn rejects_things_that_are_not_numbers() {
        for s in ["", "abc", "1.2.3", "1,23", "12e3", "--1", "1 000", "-", "."] {
            assert!(parse_minor(s, 2).is_err(), "{s:?} should be rejected");
        }
        assert!(matches!(
            parse_minor("99999999999999999999", 2),
            Err(MoneyError::Overflow(_))
        ));
    }

    #[test]
    fn formats_with_and_without_grouping() {
        assert_eq!(format_minor(-123456789, 2, true), "-1,234,567.89");
        assert_eq!(format_minor(5, 2, false), "0.05");
        assert_eq!(format_minor(1000, 0, true), "1,000");
        assert_eq!(format_minor(1000, 3, false), "1.000");
    }

    #[test]
    fn currency_digits_follow_iso_4217() {
        assert_eq!(Currency::parse("jpy").unwrap().exponent(), 0);
        assert_eq!(Currency::parse("KWD").unwrap().exponent(), 3);
        assert_eq!(Currency::USD.exponent(), 2);
        assert!(Currency::parse("US").is_err());
    }
}
