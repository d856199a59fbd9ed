//! United Kingdom bank holidays, by nation (Banking and Financial Dealings
//! Act 1971 and the yearly proclamations): a fixed-date holiday on a
//! Saturday or Sunday is also kept on the next weekday that is not already
//! a holiday, and the one-off holidays since 1995 are listed.

use chrono::NaiveDate;
use chrono::Weekday::Mon;

use super::{date, easter, is_weekend, last, nth, shift};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Nation {
    EnglandWales,
    Scotland,
    NorthernIreland,
}

/// Moved or added by proclamation, every nation: VE Day's 50th and 75th
/// anniversaries (the early May holiday moved), the millennium, jubilees
/// (the spring holiday moved), a royal wedding, a state funeral and a
/// coronation.
const ONE_OFF: [(i32, u32, u32); 7] = [
    (1999, 12, 31),
    (2002, 6, 3),
    (2011, 4, 29),
    (2012, 6, 5),
    (2022, 6, 3),
    (2022, 9, 19),
    (2023, 5, 8),
];

pub(super) fn holidays(year: i32, nation: Nation, out: &mut Vec<NaiveDate>) {
    let scotland = nation == Nation::Scotland;
    out.extend(easter(year, -2)); // Good Friday
    if !scotland {
        out.extend(easter(year, 1)); // Easter Monday
    }
    let early_may = match year {
        1995 | 2020 => date(year, 5, 8),
        _ => nth(year, 5, Mon, 1),
    };
    out.extend(early_may.filter(|_| year >= 1978));
    let spring = match year {
        2002 | 2012 => date(year, 6, 4),
        2022 => date(year, 6, 2),
        _ => last(year, 5, Mon),
    };
    out.extend(spring.filter(|_| year >= 1971));
    let summer = match nation {
        Nation::Scotland => nth(year, 8, Mon, 1),
        _ => last(year, 8, Mon),
    };
    out.extend(summer.filter(|_| year >= 1971));
    for (y, m, d) in ONE_OFF {
        if y == year {
            out.extend(date(y, m, d));
        }
    }
    let mut fixed = vec![date(year, 1, 1), date(year, 12, 25), date(year, 12, 26)];
    match nation {
        Nation::EnglandWales => {}
        Nation::Scotland => {
            fixed.push(date(year, 1, 2));
            fixed.push(date(year, 11, 30).filter(|_| year >= 2007)); // St Andrew's Day
        }
        Nation::NorthernIreland => {
            fixed.push(date(year, 3, 17)); // St Patrick's Day
            fixed.push(date(year, 7, 12)); // Battle of the Boyne
        }
    }
    let mut fixed: Vec<NaiveDate> = fixed.into_iter().flatten().collect();
    fixed.sort_unstable();
    with_substitutes(&fixed, out);
}

/// Adds `fixed` and, for each on a weekend, its substitute: the next
/// weekday not already a holiday (so Christmas on a Saturday and Boxing Day
/// on a Sunday are kept on Monday and Tuesday).
fn with_substitutes(fixed: &[NaiveDate], out: &mut Vec<NaiveDate>) {
    out.extend_from_slice(fixed);
    for d in fixed {
        if !is_weekend(*d) {
            continue;
        }
        let mut sub = shift(*d, 1);
        while let Some(s) = sub.filter(|s| is_weekend(*s) || out.contains(s)) {
            sub = shift(s, 1);
        }
        out.extend(sub);
    }
}
