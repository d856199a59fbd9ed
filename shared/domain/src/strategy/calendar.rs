//! Business days and send times: when a step's day actually comes, and the
//! RFC 3339 instant a message is scheduled for in the recipient's time zone.

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Tz;

use super::model::{CalendarSpec, Holiday};
use crate::holidays::HolidayCalendar;

/// Weekend days and holidays, ready to ask "is this a business day?".
#[derive(Clone, Debug, Default)]
pub struct BusinessDays {
    /// Bit `n` set when weekday `n` (Monday = 0) is a weekend day.
    weekend: u8,
    /// Sorted: the given dates, and the calendars' holidays of
    /// [`CALENDAR_YEARS`].
    holidays: Vec<NaiveDate>,
    /// Asked directly for a day outside [`CALENDAR_YEARS`].
    calendars: Vec<HolidayCalendar>,
}

/// Longest run of non-business days looked through before giving up; a
/// calendar with no business day at all moves nothing.
const MAX_SHIFT: i64 = 400;

/// The years whose calendar holidays are listed up front (a binary search
/// away); other years ask the calendar's rules each time.
const CALENDAR_YEARS: std::ops::RangeInclusive<i32> = 1990..=2100;

impl BusinessDays {
    pub fn new(spec: &CalendarSpec) -> BusinessDays {
        let weekend = spec
            .weekend
            .iter()
            .fold(0u8, |m, d| m | (1 << d.weekday().num_days_from_monday()));
        let mut holidays = Vec::new();
        let mut calendars: Vec<HolidayCalendar> = Vec::new();
        for h in &spec.holidays {
            match h {
                Holiday::Date(d) => holidays.push(*d),
                Holiday::Calendar(c) if !calendars.contains(c) => {
                    calendars.push(*c);
                    for year in CALENDAR_YEARS {
                        holidays.extend(c.holidays_in(year));
                    }
                }
                Holiday::Calendar(_) => {}
            }
        }
        holidays.sort_unstable();
        holidays.dedup();
        BusinessDays {
            weekend,
            holidays,
            calendars,
        }
    }

    /// Whether any day could be a non-business day.
    pub fn is_trivial(&self) -> bool {
        self.weekend == 0 && self.holidays.is_empty() && self.calendars.is_empty()
    }

    pub fn is_business_day(&self, d: NaiveDate) -> bool {
        self.weekend & (1 << d.weekday().num_days_from_monday()) == 0
            && self.holidays.binary_search(&d).is_err()
            && (CALENDAR_YEARS.contains(&d.year())
                || !self.calendars.iter().any(|c| c.is_holiday(d)))
    }

    /// `d`, or the first business day after it.
    pub fn on_or_after(&self, d: NaiveDate) -> NaiveDate {
        self.shift(d, 1)
    }

    /// `d`, or the last business day before it.
    pub fn on_or_before(&self, d: NaiveDate) -> NaiveDate {
        self.shift(d, -1)
    }

    fn shift(&self, d: NaiveDate, step: i64) -> NaiveDate {
        if self.is_trivial() {
            return d;
        }
        let mut day = d;
        for _ in 0..MAX_SHIFT {
            if self.is_business_day(day) {
                return day;
            }
            match day.checked_add_signed(Duration::days(step)) {
                Some(next) => day = next,
                None => return d,
            }
        }
        d
    }

    /// The month-end statement day of `d`'s month: its last business day.
    pub fn month_end(&self, d: NaiveDate) -> NaiveDate {
        self.on_or_before(last_day_of_month(d))
    }

    /// The longest a nominal day can move forward (a bound for look-backs).
    pub fn max_forward_shift(&self) -> i64 {
        if self.is_trivial() {
            return 0;
        }
        let mut longest = 0;
        let mut run = 0;
        // Weekends repeat weekly; holidays may extend a run. Scan the
        // holiday span plus two weeks either side.
        let (start, end) = match (self.holidays.first(), self.holidays.last()) {
            (Some(a), Some(b)) => (*a - Duration::days(14), *b + Duration::days(14)),
            _ => {
                let a = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default();
                (a, a + Duration::days(14))
            }
        };
        let mut day = start;
        while day <= end {
            if self.is_business_day(day) {
                run = 0;
            } else {
                run += 1;
                longest = longest.max(run);
            }
            day += Duration::days(1);
        }
        longest.min(MAX_SHIFT)
    }
}

/// The last day of `d`'s month.
pub fn last_day_of_month(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|first| first.pred_opt())
        .unwrap_or(d)
}

/// `d` moved to `years` later, Feb 29 becoming Feb 28 in common years.
pub fn add_years(d: NaiveDate, years: i32) -> Option<NaiveDate> {
    let y = d.year().checked_add(years)?;
    d.with_year(y)
        .or_else(|| NaiveDate::from_ymd_opt(y, d.month(), d.day() - 1))
}

/// `day` at `hour`:00 local time in `tz`, as RFC 3339 with that zone's offset.
/// An hour skipped by a daylight-saving change moves to the next hour that exists.
pub fn scheduled_for(day: NaiveDate, hour: u32, tz: Tz) -> String {
    let hour = hour.min(23);
    for h in hour..hour + 3 {
        let local = day.and_time(NaiveTime::from_hms_opt(h % 24, 0, 0).unwrap_or_default());
        if let Some(t) = tz.from_local_datetime(&local).earliest() {
            return t.to_rfc3339();
        }
    }
    tz.from_utc_datetime(&day.and_time(NaiveTime::default()))
        .to_rfc3339()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::model::WeekdayName;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn weekends_and(holidays: &[&str]) -> BusinessDays {
        BusinessDays::new(&CalendarSpec {
            weekend: vec![WeekdayName::Saturday, WeekdayName::Sunday],
            holidays: holidays
                .iter()
                .map(|h| Holiday::parse(h).unwrap())
                .collect(),
        })
    }

    #[test]
    fn a_step_on_a_weekend_or_holiday_moves_to_the_next_business_day() {
        let cal = weekends_and(&["2024-12-25", "2024-12-26"]);
        assert_eq!(cal.on_or_after(d("2024-06-01")), d("2024-06-03")); // Sat → Mon
        assert_eq!(cal.on_or_after(d("2024-06-04")), d("2024-06-04"));
        assert_eq!(cal.on_or_after(d("2024-12-25")), d("2024-12-27"));
        assert_eq!(cal.max_forward_shift(), 2);
    }

    #[test]
    fn the_us_calendar_closes_christmas_and_new_year_but_not_boxing_day() {
        let cal = weekends_and(&["US"]);
        assert!(!cal.is_business_day(d("2024-12-25")));
        assert!(!cal.is_business_day(d("2025-01-01")));
        assert!(cal.is_business_day(d("2024-12-26")));
        assert_eq!(cal.on_or_after(d("2024-12-25")), d("2024-12-26"));
        assert!(!cal.is_business_day(d("2150-12-25")), "any year, by rule");
        assert!(cal.is_business_day(d("2150-12-24")));
        assert_eq!(cal.max_forward_shift(), 3, "Sat, Sun and a Monday holiday");
    }

    #[test]
    fn calendars_and_dates_add_up() {
        let cal = weekends_and(&["US", "2024-12-24", "DE"]);
        assert!(!cal.is_business_day(d("2024-12-24")), "the date given");
        assert!(
            !cal.is_business_day(d("2024-12-26")),
            "Germany's second day"
        );
        assert_eq!(cal.on_or_after(d("2024-12-24")), d("2024-12-27"));
        assert!(!cal.is_business_day(d("2024-11-28")), "Thanksgiving");
    }

    #[test]
    fn nothing_is_planned_on_christmas_under_the_default_strategy() {
        use std::collections::HashMap;

        use crate::ledger::{Invoice, InvoiceStatus};
        use crate::money::Currency;
        use crate::strategy::{DEFAULT_STRATEGY, PlanInput, Strategy, plan};

        let strategy = Strategy::from_toml(DEFAULT_STRATEGY, "default.toml").unwrap();
        let invoices: Vec<Invoice> = ["2024-12-25", "2024-12-11"]
            .iter()
            .enumerate()
            .map(|(n, due)| Invoice {
                invoice_id: format!("INV-{n}"),
                customer_id: format!("C{n}"),
                invoice_date: d("2024-11-01"),
                due_date: d(due),
                amount: 100_000,
                currency: Currency::USD,
                paid_amount: 0,
                paid_date: None,
                disputed: false,
                status: InvoiceStatus::Open,
            })
            .collect();
        let customers = HashMap::new();
        let day = |as_of: &str| {
            plan(&PlanInput {
                as_of: d(as_of),
                invoices: &invoices,
                customers: &customers,
                strategy: &strategy,
                sent: &[],
            })
        };
        assert!(day("2024-12-25").is_empty(), "{:#?}", day("2024-12-25"));
        let after = day("2024-12-26");
        assert!(
            after.iter().any(|a| a.invoice_ids == ["INV-0"]),
            "the due-day reminder comes the next business day: {after:#?}"
        );
    }

    #[test]
    fn month_end_is_the_last_business_day_of_the_month() {
        let cal = weekends_and(&[]);
        assert_eq!(cal.month_end(d("2024-08-10")), d("2024-08-30")); // 31st is a Saturday
        assert_eq!(cal.month_end(d("2024-02-01")), d("2024-02-29"));
        assert_eq!(
            BusinessDays::default().month_end(d("2023-12-05")),
            d("2023-12-31")
        );
    }

    #[test]
    fn scheduled_for_carries_the_zone_offset_at_the_send_hour() {
        let ny: Tz = "America/New_York".parse().unwrap();
        assert_eq!(
            scheduled_for(d("2024-01-15"), 9, ny),
            "2024-01-15T09:00:00-05:00"
        );
        assert_eq!(
            scheduled_for(d("2024-07-15"), 9, ny),
            "2024-07-15T09:00:00-04:00"
        );
        // 02:00 does not exist on the spring-forward day.
        assert_eq!(
            scheduled_for(d("2024-03-10"), 2, ny),
            "2024-03-10T03:00:00-04:00"
        );
        assert_eq!(
            scheduled_for(d("2024-01-15"), 9, Tz::UTC),
            "2024-01-15T09:00:00+00:00"
        );
    }

    #[test]
    fn anniversaries_of_leap_days_fall_on_february_28() {
        assert_eq!(add_years(d("2024-02-29"), 1), Some(d("2025-02-28")));
        assert_eq!(add_years(d("2023-03-01"), 1), Some(d("2024-03-01")));
    }
}
