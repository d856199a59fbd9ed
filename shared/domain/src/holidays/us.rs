//! United States: the federal holidays (5 U.S.C. 6103), each on its date
//! and, when that is a Saturday, also the Friday before (31 December for
//! New Year's Day), when a Sunday, also the Monday after — the days
//! federal offices and banks close.

use chrono::Weekday::{Mon, Thu};
use chrono::{Datelike, NaiveDate, Weekday};

use super::{date, last, nth, shift};

pub(super) fn holidays(year: i32, out: &mut Vec<NaiveDate>) {
    let days = [
        date(year, 1, 1),                              // New Year's Day
        nth(year, 1, Mon, 3).filter(|_| year >= 1986), // Martin Luther King Jr. Day
        nth(year, 2, Mon, 3),                          // Washington's Birthday
        last(year, 5, Mon),                            // Memorial Day
        date(year, 6, 19).filter(|_| year >= 2021),    // Juneteenth
        date(year, 7, 4),                              // Independence Day
        nth(year, 9, Mon, 1),                          // Labor Day
        nth(year, 10, Mon, 2),                         // Columbus Day
        date(year, 11, 11),                            // Veterans Day
        nth(year, 11, Thu, 4),                         // Thanksgiving Day
        date(year, 12, 25),                            // Christmas Day
    ];
    for d in days.into_iter().flatten() {
        out.push(d);
        out.extend(observed(d));
    }
    // Next year's New Year's Day on a Saturday is observed this 31 December.
    if date(year + 1, 1, 1).is_some_and(|d| d.weekday() == Weekday::Sat) {
        out.extend(date(year, 12, 31));
    }
}

/// The weekday a federal holiday on a weekend is observed on.
fn observed(d: NaiveDate) -> Option<NaiveDate> {
    match d.weekday() {
        Weekday::Sat => shift(d, -1),
        Weekday::Sun => shift(d, 1),
        _ => None,
    }
}
