//! Contact pressure of a backtest: how hard the strategy leans on each
//! customer — dunning messages in a customer's worst 7 days and external
//! messages in its busiest 30 — so a user sees it before deploying.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

/// Figures over the customers a simulation contacted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Pressure {
    /// Customers that got at least one dunning message.
    pub customers_reminded: usize,
    /// Dunning messages (reminders, cadences, final notices) in a
    /// customer's worst 7 days: the most of any customer, and the 95th
    /// percentile over customers reminded.
    pub dunning_in_7_days_max: usize,
    pub dunning_in_7_days_p95: usize,
    /// Customers whose worst 7 days held 3 or more dunning messages.
    pub customers_with_3_in_7_days: usize,
    /// External messages of any kind in a customer's busiest 30 days:
    /// median and most over customers contacted.
    pub external_in_30_days_median: usize,
    pub external_in_30_days_max: usize,
}

/// Message days per customer, as a simulation goes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PressureLog {
    dunning: HashMap<String, Vec<NaiveDate>>,
    external: HashMap<String, Vec<NaiveDate>>,
}

impl PressureLog {
    pub fn add(&mut self, customer: &str, day: NaiveDate, dunning: bool) {
        self.external
            .entry(customer.to_string())
            .or_default()
            .push(day);
        if dunning {
            self.dunning
                .entry(customer.to_string())
                .or_default()
                .push(day);
        }
    }

    pub fn figures(&self) -> Pressure {
        let mut week: Vec<usize> = self.dunning.values().map(|d| worst(d, 7)).collect();
        let mut month: Vec<usize> = self.external.values().map(|d| worst(d, 30)).collect();
        week.sort_unstable();
        month.sort_unstable();
        let at = |v: &[usize], q: usize| {
            if v.is_empty() {
                0
            } else {
                v[((v.len() - 1) * q).div_ceil(100)]
            }
        };
        Pressure {
            customers_reminded: week.len(),
            dunning_in_7_days_max: week.last().copied().unwrap_or(0),
            dunning_in_7_days_p95: at(&week, 95),
            customers_with_3_in_7_days: week.iter().filter(|n| **n >= 3).count(),
            external_in_30_days_median: at(&month, 50),
            external_in_30_days_max: month.last().copied().unwrap_or(0),
        }
    }
}

/// The most days of `days` inside any window of `span` consecutive days.
fn worst(days: &[NaiveDate], span: i64) -> usize {
    let mut d = days.to_vec();
    d.sort_unstable();
    let mut best = 0;
    let mut start = 0;
    for end in 0..d.len() {
        while (d[end] - d[start]).num_days() >= span {
            start += 1;
        }
        best = best.max(end - start + 1);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_window_and_the_percentiles_are_counted_per_customer() {
        let day = |n: u32| NaiveDate::from_ymd_opt(2024, 9, n).unwrap_or_default();
        let mut log = PressureLog::default();
        for n in [2, 4, 8, 9] {
            log.add("A", day(n), true);
        }
        log.add("B", day(3), true);
        log.add("B", day(20), false);
        let p = log.figures();
        // A: 4, 8, 9 fall in one 7-day window (2..8 holds 2, 4, 8 too).
        assert_eq!(p.dunning_in_7_days_max, 3);
        assert_eq!(p.customers_with_3_in_7_days, 1);
        assert_eq!(p.customers_reminded, 2);
        assert_eq!(p.dunning_in_7_days_p95, 3);
        assert_eq!(p.external_in_30_days_max, 4);
        assert_eq!(p.external_in_30_days_median, 4);
    }
}
