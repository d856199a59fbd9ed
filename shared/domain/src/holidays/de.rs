//! Germany: the national public holidays and each state's own (the
//! states' Feiertagsgesetze); a holiday on a weekend is not moved.

use chrono::{Datelike, NaiveDate, Weekday};

use super::{date, easter, shift};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum State {
    BadenWurttemberg,
    Bavaria,
    Berlin,
    Brandenburg,
    Bremen,
    Hamburg,
    Hesse,
    MecklenburgVorpommern,
    LowerSaxony,
    NorthRhineWestphalia,
    RhinelandPalatinate,
    Saarland,
    Saxony,
    SaxonyAnhalt,
    SchleswigHolstein,
    Thuringia,
}

use State::*;

pub(super) fn holidays(year: i32, state: Option<State>, out: &mut Vec<NaiveDate>) {
    out.extend(date(year, 1, 1)); // Neujahr
    out.extend(easter(year, -2)); // Karfreitag
    out.extend(easter(year, 1)); // Ostermontag
    out.extend(date(year, 5, 1)); // Tag der Arbeit
    out.extend(easter(year, 39)); // Christi Himmelfahrt
    out.extend(easter(year, 50)); // Pfingstmontag
    out.extend(date(year, 10, 3).filter(|_| year >= 1990)); // Tag der Deutschen Einheit
    out.extend(date(year, 10, 31).filter(|_| year == 2017)); // 500 years of the Reformation
    out.extend(repentance_day(year).filter(|_| year < 1995)); // Buß- und Bettag, then national
    out.extend(date(year, 12, 25));
    out.extend(date(year, 12, 26));
    if let Some(state) = state {
        state_holidays(year, state, out);
    }
}

fn state_holidays(year: i32, state: State, out: &mut Vec<NaiveDate>) {
    let is = |states: &[State]| states.contains(&state);
    if is(&[BadenWurttemberg, Bavaria, SaxonyAnhalt]) {
        out.extend(date(year, 1, 6)); // Heilige Drei Könige
    }
    let womens_day = match state {
        Berlin => year >= 2019,
        MecklenburgVorpommern => year >= 2023,
        _ => false,
    };
    if womens_day {
        out.extend(date(year, 3, 8));
    }
    if state == Brandenburg {
        out.extend(easter(year, 0)); // Ostersonntag
        out.extend(easter(year, 49)); // Pfingstsonntag
    }
    if state == Berlin && matches!(year, 2020 | 2025) {
        out.extend(date(year, 5, 8)); // end of the Second World War, 75 and 80 years
    }
    if is(&[
        BadenWurttemberg,
        Bavaria,
        Hesse,
        NorthRhineWestphalia,
        RhinelandPalatinate,
        Saarland,
    ]) {
        out.extend(easter(year, 60)); // Fronleichnam
    }
    if state == Saarland {
        out.extend(date(year, 8, 15)); // Mariä Himmelfahrt
    }
    if state == Thuringia && year >= 2019 {
        out.extend(date(year, 9, 20)); // Weltkindertag
    }
    let reformation = is(&[
        Brandenburg,
        MecklenburgVorpommern,
        Saxony,
        SaxonyAnhalt,
        Thuringia,
    ]) || (year >= 2018
        && is(&[Bremen, Hamburg, LowerSaxony, SchleswigHolstein]));
    if reformation {
        out.extend(date(year, 10, 31)); // Reformationstag
    }
    if is(&[
        BadenWurttemberg,
        Bavaria,
        NorthRhineWestphalia,
        RhinelandPalatinate,
        Saarland,
    ]) {
        out.extend(date(year, 11, 1)); // Allerheiligen
    }
    if state == Saxony {
        out.extend(repentance_day(year)); // Buß- und Bettag
    }
}

/// Buß- und Bettag: the Wednesday before 23 November.
fn repentance_day(year: i32) -> Option<NaiveDate> {
    let nov22 = date(year, 11, 22)?;
    let back =
        (nov22.weekday().num_days_from_monday() + 7 - Weekday::Wed.num_days_from_monday()) % 7;
    shift(nov22, -i64::from(back))
}
