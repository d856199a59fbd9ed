//! Template filters for dates and numbers in the reader's own style.

use std::fmt::Write;

use chrono::NaiveDate;
use minijinja::{Environment, Error, ErrorKind, Value};

/// Adds arflow's filters to `env`:
/// - `date(fmt)`: formats a `YYYY-MM-DD` string with a strftime pattern
///   (`{{ inv.due_date | date("%d.%m.%Y") }}` → `31.01.2024`);
/// - `de_number`: swaps `,` and `.` in a grouped amount
///   (`{{ t.outstanding_display | de_number }}` → `1.234,50`);
/// - `ljust(width)` / `rjust(width)`: pads a value with spaces to `width`
///   characters, for plain-text tables.
pub fn register(env: &mut Environment<'static>) {
    env.add_filter("date", date);
    env.add_filter("de_number", de_number);
    env.add_filter("ljust", ljust);
    env.add_filter("rjust", rjust);
}

fn ljust(value: Value, width: usize) -> String {
    let s = value.to_string();
    let pad = width.saturating_sub(s.chars().count());
    format!("{s}{}", " ".repeat(pad))
}

fn rjust(value: Value, width: usize) -> String {
    let s = value.to_string();
    let pad = width.saturating_sub(s.chars().count());
    format!("{}{s}", " ".repeat(pad))
}

fn date(value: String, format: String) -> Result<String, Error> {
    let day: NaiveDate = value.parse().map_err(|_| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("date filter: '{value}' is not a YYYY-MM-DD date"),
        )
    })?;
    let mut out = String::new();
    write!(out, "{}", day.format(&format)).map_err(|_| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("date filter: '{format}' is not a valid date format"),
        )
    })?;
    Ok(out)
}

fn de_number(value: String) -> String {
    value
        .chars()
        .map(|c| match c {
            ',' => '.',
            '.' => ',',
            other => other,
        })
        .collect()
}
