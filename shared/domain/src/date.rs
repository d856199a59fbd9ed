//! Calendar dates: the one date parser arflow uses.

use chrono::{Datelike, NaiveDate};

/// Parses a date: ISO `YYYY-MM-DD` is always accepted; `format` (strftime,
/// e.g. `%m/%d/%Y`) is tried first when given.
pub fn parse_date(s: &str, format: Option<&str>) -> Result<NaiveDate, DateError> {
    let s = s.trim();
    if let Some(fmt) = format
        && let Ok(d) = NaiveDate::parse_from_str(s, fmt)
    {
        return Ok(d);
    }
    parse_iso(s).ok_or_else(|| DateError {
        value: s.to_string(),
        expected: format.map(str::to_string),
    })
}

/// Fast path for `YYYY-MM-DD` (the common case in large files).
fn parse_iso(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

/// A value that is not a date in the expected format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{value}' is not a date{}", match expected { Some(f) => format!(" (expected {f} or YYYY-MM-DD)"), None => " (expected YYYY-MM-DD)".to_string() })]
pub struct DateError {
    pub value: String,
    pub expected: Option<String>,
}

/// Appends `d` as `YYYY-MM-DD`, exactly as `Display` writes it, without the
/// formatting machinery (explanations and action ids write many dates).
pub fn push_iso(s: &mut String, d: NaiveDate) {
    let (y, m, day) = (d.year(), d.month(), d.day());
    if !(0..=9999).contains(&y) {
        s.push_str(&d.to_string());
        return;
    }
    let y = y as u32;
    let digits = [
        y / 1000,
        y / 100 % 10,
        y / 10 % 10,
        y % 10,
        10,
        m / 10,
        m % 10,
        10,
        day / 10,
        day % 10,
    ];
    for n in digits {
        s.push(if n == 10 {
            '-'
        } else {
            char::from(b'0' + n as u8)
        });
    }
}

/// Calendar days from `from` to `to` (negative when `to` is earlier).
pub fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn push_iso_writes_what_display_writes() {
        for day in [
            d(2024, 1, 9),
            d(1999, 12, 31),
            d(10, 10, 10),
            d(12345, 6, 7),
            d(-3, 6, 7),
        ] {
            let mut s = String::new();
            push_iso(&mut s, day);
            assert_eq!(s, day.to_string());
        }
    }

    #[test]
    fn iso_is_always_accepted() {
        assert_eq!(parse_date("2024-02-29", None), Ok(d(2024, 2, 29)));
        assert_eq!(
            parse_date("2024-02-29", Some("%m/%d/%Y")),
            Ok(d(2024, 2, 29))
        );
        assert!(parse_date("2023-02-29", None).is_err());
        assert!(parse_date("2024-13-01", None).is_err());
    }

    #[test]
    fn custom_formats_accept_unpadded_us_dates() {
        assert_eq!(parse_date("1/5/2013", Some("%m/%d/%Y")), Ok(d(2013, 1, 5)));
        assert_eq!(
            parse_date("12/02/2013", Some("%m/%d/%Y")),
            Ok(d(2013, 12, 2))
        );
    }

    #[test]
    fn errors_name_the_value_and_format() {
        let e = parse_date("31/31/2013", Some("%m/%d/%Y")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "'31/31/2013' is not a date (expected %m/%d/%Y or YYYY-MM-DD)"
        );
    }
}
