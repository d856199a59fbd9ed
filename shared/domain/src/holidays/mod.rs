//! Public holidays by country, and by region where the regions differ,
//! computed from their statutory rules — fixed dates, nth weekdays of a
//! month, days counted from Easter (a computus) and each country's
//! substitute-day rule — so a strategy can name `"US"` or `"DE-BY"` instead
//! of listing dates year after year. Pure and offline: any year, no data
//! files, no clock.
//!
//! Written here, not taken from crates.io: of the crates looked at with
//! `cargo info` (December 2026), `holidays` 0.1.0 (MIT) carries
//! python-holidays' tables for 2000–2023 only, behind a global lock;
//! `bdays` 0.1.4 (MIT) has US, Brazilian and German calendars but no GB, FR
//! or IN; `py-holidays-rs` 0.1.3 (Apache-2.0, "in beta") embeds data for
//! 2000–2050 with its `offline` feature yet compiles its tokio/hyper/TLS
//! download client in either way, and this crate does no I/O;
//! `chrono-holidays` is not on crates.io.
//!
//! Calendars ([`HolidayCalendar::codes`]): `US` (federal holidays, on their
//! date and on the weekday federal offices observe), `GB` = `GB-ENG` =
//! `GB-WLS` (England and Wales bank holidays), `GB-SCT`, `GB-NIR`; `DE`
//! (national) and `DE-BW` … `DE-TH` (national plus the state's); `FR`
//! (metropolitan) and `FR-57`, `FR-67`, `FR-68` (Alsace-Moselle adds Good
//! Friday and 26 December); `IN` (the national days, Good Friday and
//! Christmas — the festivals India fixes by the lunar calendar each year
//! are given as dates). Rules are today's, with the first year of the
//! newer holidays and the one-off UK bank holidays since 1995.

mod de;
mod fr;
mod gb;
mod india;
mod us;

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// A country's (or region's) public holidays, known by its ISO 3166 code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HolidayCalendar {
    code: &'static str,
    rules: Rules,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Rules {
    Us,
    Gb(gb::Nation),
    De(Option<de::State>),
    Fr(fr::Region),
    In,
}

const fn cal(code: &'static str, rules: Rules) -> HolidayCalendar {
    HolidayCalendar { code, rules }
}

/// Every calendar, by code.
const CALENDARS: &[HolidayCalendar] = &[
    cal("US", Rules::Us),
    cal("GB", Rules::Gb(gb::Nation::EnglandWales)),
    cal("GB-ENG", Rules::Gb(gb::Nation::EnglandWales)),
    cal("GB-WLS", Rules::Gb(gb::Nation::EnglandWales)),
    cal("GB-SCT", Rules::Gb(gb::Nation::Scotland)),
    cal("GB-NIR", Rules::Gb(gb::Nation::NorthernIreland)),
    cal("DE", Rules::De(None)),
    cal("DE-BW", Rules::De(Some(de::State::BadenWurttemberg))),
    cal("DE-BY", Rules::De(Some(de::State::Bavaria))),
    cal("DE-BE", Rules::De(Some(de::State::Berlin))),
    cal("DE-BB", Rules::De(Some(de::State::Brandenburg))),
    cal("DE-HB", Rules::De(Some(de::State::Bremen))),
    cal("DE-HH", Rules::De(Some(de::State::Hamburg))),
    cal("DE-HE", Rules::De(Some(de::State::Hesse))),
    cal("DE-MV", Rules::De(Some(de::State::MecklenburgVorpommern))),
    cal("DE-NI", Rules::De(Some(de::State::LowerSaxony))),
    cal("DE-NW", Rules::De(Some(de::State::NorthRhineWestphalia))),
    cal("DE-RP", Rules::De(Some(de::State::RhinelandPalatinate))),
    cal("DE-SL", Rules::De(Some(de::State::Saarland))),
    cal("DE-SN", Rules::De(Some(de::State::Saxony))),
    cal("DE-ST", Rules::De(Some(de::State::SaxonyAnhalt))),
    cal("DE-SH", Rules::De(Some(de::State::SchleswigHolstein))),
    cal("DE-TH", Rules::De(Some(de::State::Thuringia))),
    cal("FR", Rules::Fr(fr::Region::Metropolitan)),
    cal("FR-57", Rules::Fr(fr::Region::AlsaceMoselle)),
    cal("FR-67", Rules::Fr(fr::Region::AlsaceMoselle)),
    cal("FR-68", Rules::Fr(fr::Region::AlsaceMoselle)),
    cal("IN", Rules::In),
];

impl HolidayCalendar {
    /// The calendar with this code ("US", "gb-sct"), any case.
    pub fn parse(code: &str) -> Option<HolidayCalendar> {
        let code = code.trim();
        CALENDARS
            .iter()
            .find(|c| c.code.eq_ignore_ascii_case(code))
            .copied()
    }

    /// Its code, upper case ("GB-SCT").
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// Every calendar.
    pub fn all() -> impl Iterator<Item = HolidayCalendar> {
        CALENDARS.iter().copied()
    }

    /// The calendar of a customer's country: its own code ("GB-SCT"), else
    /// the country's ("DE-XX" → "DE"); None when arflow has none.
    pub fn for_country(country: &str) -> Option<HolidayCalendar> {
        let country = country.trim();
        HolidayCalendar::parse(country).or_else(|| {
            let (nation, _) = country.split_once('-')?;
            HolidayCalendar::parse(nation)
        })
    }

    /// Every known code.
    pub fn codes() -> impl Iterator<Item = &'static str> {
        CALENDARS.iter().map(|c| c.code)
    }

    /// The holidays of `year`, sorted, each once: a holiday's own date and,
    /// where the country moves it off a weekend, the day it is kept on.
    pub fn holidays_in(&self, year: i32) -> Vec<NaiveDate> {
        let mut out = Vec::with_capacity(16);
        match self.rules {
            Rules::Us => us::holidays(year, &mut out),
            Rules::Gb(nation) => gb::holidays(year, nation, &mut out),
            Rules::De(state) => de::holidays(year, state, &mut out),
            Rules::Fr(region) => fr::holidays(year, region, &mut out),
            Rules::In => india::holidays(year, &mut out),
        }
        out.retain(|d| d.year() == year);
        out.sort_unstable();
        out.dedup();
        out
    }

    pub fn is_holiday(&self, d: NaiveDate) -> bool {
        self.holidays_in(d.year()).binary_search(&d).is_ok()
    }
}

/// `year-month-day`, if it exists.
fn date(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, day)
}

/// The `n`th (1-based) `weekday` of a month.
fn nth(year: i32, month: u32, weekday: Weekday, n: u8) -> Option<NaiveDate> {
    NaiveDate::from_weekday_of_month_opt(year, month, weekday, n)
}

/// The last `weekday` of a month.
fn last(year: i32, month: u32, weekday: Weekday) -> Option<NaiveDate> {
    nth(year, month, weekday, 5).or_else(|| nth(year, month, weekday, 4))
}

/// `days` (negative: before) from `d`.
fn shift(d: NaiveDate, days: i64) -> Option<NaiveDate> {
    match u64::try_from(days) {
        Ok(n) => d.checked_add_days(Days::new(n)),
        Err(_) => d.checked_sub_days(Days::new(days.unsigned_abs())),
    }
}

/// `days` from Easter Sunday of `year` (-2: Good Friday, 1: Easter Monday,
/// 39: Ascension, 50: Whit Monday, 60: Corpus Christi).
fn easter(year: i32, days: i64) -> Option<NaiveDate> {
    easter_sunday(year).and_then(|e| shift(e, days))
}

/// Easter Sunday in the Gregorian calendar (the anonymous Gregorian
/// computus, as in Meeus, *Astronomical Algorithms*).
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let y = i64::from(year);
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c.div_euclid(4);
    let k = c.rem_euclid(4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let month = (h + l - 7 * m + 114).div_euclid(31);
    let day = (h + l - 7 * m + 114).rem_euclid(31) + 1;
    date(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

#[cfg(test)]
mod tests;
