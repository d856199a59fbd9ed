//! One entry of a strategy's `holidays`: a date nothing is sent on, or a
//! public-holiday calendar named by its ISO 3166 code whose every holiday
//! is such a day (`holidays = ["US", "2024-12-24"]`).

use std::fmt;

use chrono::NaiveDate;
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::date::parse_date;
use crate::holidays::HolidayCalendar;

/// A date, or a country's (region's) holiday calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub enum Holiday {
    Date(NaiveDate),
    Calendar(HolidayCalendar),
}

impl Holiday {
    /// "2024-12-24" (or any date the one date parser reads) or a calendar
    /// code ("US", "gb-sct"); anything else is an error naming the codes.
    pub fn parse(s: &str) -> Result<Holiday, String> {
        if let Some(c) = HolidayCalendar::parse(s) {
            return Ok(Holiday::Calendar(c));
        }
        if let Ok(d) = parse_date(s, None) {
            return Ok(Holiday::Date(d));
        }
        let codes: Vec<&str> = HolidayCalendar::codes().collect();
        Err(format!(
            "holidays: '{}' is neither a date (YYYY-MM-DD) nor a holiday calendar; calendars: {}",
            s.trim(),
            codes.join(", ")
        ))
    }
}

impl fmt::Display for Holiday {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Holiday::Date(d) => write!(f, "{d}"),
            Holiday::Calendar(c) => f.write_str(c.code()),
        }
    }
}

impl From<Holiday> for String {
    fn from(h: Holiday) -> String {
        h.to_string()
    }
}

impl<'de> Deserialize<'de> for Holiday {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Holiday, D::Error> {
        deserializer.deserialize_any(Written)
    }
}

/// Reads an entry as written: a string, or a TOML date (`2024-12-24`
/// unquoted). A bad one fails inside the entry's own read, so the error
/// points at the entry, not the whole list.
struct Written;

impl<'de> Visitor<'de> for Written {
    type Value = Holiday;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a date (YYYY-MM-DD) or a holiday calendar code such as \"US\"")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Holiday, E> {
        Holiday::parse(s).map_err(E::custom)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Holiday, A::Error> {
        // A TOML date arrives as toml's datetime, which reads from a map.
        let dt = toml::value::Datetime::deserialize(MapAccessDeserializer::new(map))?;
        let day = match (dt.date, dt.time, dt.offset) {
            (Some(d), None, None) => {
                NaiveDate::from_ymd_opt(i32::from(d.year), d.month.into(), d.day.into())
            }
            _ => None,
        };
        day.map(Holiday::Date)
            .ok_or_else(|| de::Error::custom(format!("holidays: {dt} is not a date")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Spec {
        holidays: Vec<Holiday>,
    }

    #[test]
    fn dates_and_calendar_codes_mix_in_one_list() {
        let s: Spec = toml::from_str(r#"holidays = ["us", "2024-12-24", 2024-12-31]"#).unwrap();
        let written: Vec<String> = s.holidays.iter().map(|h| h.to_string()).collect();
        assert_eq!(written, ["US", "2024-12-24", "2024-12-31"]);
    }

    #[test]
    fn an_unknown_code_is_an_error_at_its_place_naming_the_codes() {
        let e = toml::from_str::<Spec>("holidays = [\n  \"US\",\n  \"XX\",\n]\n").unwrap_err();
        let msg = e.message();
        assert!(msg.contains("'XX' is neither a date"), "{msg}");
        assert!(msg.contains("US, GB, GB-ENG"), "{msg}");
        let span = e.span().expect("a place in the file");
        assert_eq!(&"holidays = [\n  \"US\",\n  \"XX\",\n]\n"[span], "\"XX\"");
    }
}
