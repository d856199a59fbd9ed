//! The contact budget: how often dunning messages may reach one customer,
//! and what happens to steps a run finds already past (missed steps).
//! What the budget holds back is never dropped: it waits for the next
//! allowed day and goes out in that day's one grouped message.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::model::WeekdayName;

/// `[tenant.contact]` (and a segment's own `[segments.contact]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactBudget {
    /// Most dunning messages (reminders, cadences, final notices) one
    /// customer gets in any 7 days.
    #[serde(default = "default_max_per_week")]
    pub max_dunning_per_week: u32,
    /// Days of the week dunning messages may go out on (empty: every
    /// business day), e.g. `["mon", "thu"]`.
    #[serde(default)]
    pub send_days: Vec<WeekdayName>,
    /// A run that finds an invoice past several unsent overdue steps sends
    /// the earliest first and the others later, one at a time
    /// (`in_order`), or only the latest, naming the others as skipped
    /// (`latest`).
    #[serde(default)]
    pub missed_steps: MissedSteps,
    /// Invoice notifications and thank-you notes due on a day a reminder
    /// goes out ride along in it instead of taking a message of their own.
    #[serde(default = "yes")]
    pub ride_along: bool,
}

fn default_max_per_week() -> u32 {
    2
}

fn yes() -> bool {
    true
}

impl Default for ContactBudget {
    /// At most 2 dunning messages in any 7 days, any business day, missed
    /// steps in order, notifications riding along.
    fn default() -> Self {
        ContactBudget {
            max_dunning_per_week: default_max_per_week(),
            send_days: Vec::new(),
            missed_steps: MissedSteps::InOrder,
            ride_along: true,
        }
    }
}

/// What a run does with overdue steps whose day has passed unsent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MissedSteps {
    /// The earliest unsent step first; the next follow within the budget.
    #[default]
    InOrder,
    /// Only the most advanced step; the earlier ones are named as skipped.
    Latest,
}

impl ContactBudget {
    /// Whether a dunning message may go out on `day` given the days the
    /// customer's earlier dunning messages went out (any order) and the
    /// minimum gap between two of them.
    pub fn allows(
        &self,
        day: chrono::NaiveDate,
        earlier: &[chrono::NaiveDate],
        min_gap: i64,
    ) -> Result<(), Held> {
        use chrono::Datelike;
        if !self.send_days.is_empty()
            && !self.send_days.iter().any(|d| d.weekday() == day.weekday())
        {
            return Err(Held::NotASendDay);
        }
        let ago = |d: &chrono::NaiveDate| (day - *d).num_days();
        if let Some(last) = earlier.iter().filter(|d| ago(d) >= 0).map(ago).min()
            && last < min_gap
        {
            return Err(Held::Gap(min_gap - last));
        }
        let in_week = earlier.iter().filter(|d| (0..7).contains(&ago(d))).count();
        if in_week >= self.max_dunning_per_week as usize {
            return Err(Held::WeekSpent(self.max_dunning_per_week));
        }
        Ok(())
    }
}

impl ContactBudget {
    /// The first day after `day` on which a dunning message may go out
    /// (a business day the budget allows), looking four weeks ahead.
    pub fn next_allowed(
        &self,
        day: chrono::NaiveDate,
        earlier: &[chrono::NaiveDate],
        min_gap: i64,
        is_business_day: impl Fn(chrono::NaiveDate) -> bool,
    ) -> Option<chrono::NaiveDate> {
        day.iter_days()
            .skip(1)
            .take(28)
            .find(|d| is_business_day(*d) && self.allows(*d, earlier, min_gap).is_ok())
    }
}

/// Reminders due for a customer today that the contact budget holds back:
/// they stay due and go out in the first message it allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldBack {
    pub customer_id: String,
    /// Sorted.
    pub invoice_ids: Vec<String>,
    pub why: Held,
    /// The first day the budget allows a reminder again (None when not
    /// within four weeks, e.g. no send day is a business day).
    pub until: Option<chrono::NaiveDate>,
}

impl std::fmt::Display for HeldBack {
    /// "reminders for INV-1, INV-2 held back by the contact budget until
    /// 2024-09-05 (minimum gap between reminders (1 more day(s)))".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "reminder(s) for {} held back by the contact budget",
            self.invoice_ids.join(", ")
        )?;
        match self.until {
            Some(d) => write!(f, " until {d}")?,
            None => f.write_str(" (no allowed day within four weeks)")?,
        }
        write!(f, " ({})", self.why)
    }
}

/// Why the budget holds a reminder back today.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Held {
    NotASendDay,
    /// Days still to wait for the minimum gap.
    Gap(i64),
    /// The week's budget (this many) is spent.
    WeekSpent(u32),
}

impl std::fmt::Display for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Held::NotASendDay => write!(f, "not a send day"),
            Held::Gap(n) => write!(f, "minimum gap between reminders ({n} more day(s))"),
            Held::WeekSpent(n) => write!(f, "{n} reminder(s) in the last 7 days already"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_budget_counts_any_seven_days_the_gap_and_send_days() {
        let b = ContactBudget::default();
        assert_eq!(b.allows(d("2024-09-10"), &[], 3), Ok(()));
        assert_eq!(
            b.allows(d("2024-09-10"), &[d("2024-09-08")], 3),
            Err(Held::Gap(1))
        );
        assert_eq!(b.allows(d("2024-09-10"), &[d("2024-09-07")], 3), Ok(()));
        let two = [d("2024-09-03"), d("2024-09-07")];
        assert_eq!(b.allows(d("2024-09-09"), &two, 2), Err(Held::WeekSpent(2)));
        assert_eq!(
            b.allows(d("2024-09-10"), &two, 2),
            Ok(()),
            "09-03 is 7 days back"
        );
        let thu = ContactBudget {
            send_days: vec![WeekdayName::Monday, WeekdayName::Thursday],
            ..ContactBudget::default()
        };
        assert_eq!(thu.allows(d("2024-09-10"), &[], 3), Err(Held::NotASendDay));
        assert_eq!(thu.allows(d("2024-09-12"), &[], 3), Ok(()));
    }

    #[test]
    fn the_next_allowed_day_respects_the_gap_send_days_and_business_days() {
        let every_day = |_: NaiveDate| true;
        let b = ContactBudget::default();
        // Sent Monday 09-09 with a 3-day gap: Thursday 09-12 is next.
        assert_eq!(
            b.next_allowed(d("2024-09-10"), &[d("2024-09-09")], 3, every_day),
            Some(d("2024-09-12"))
        );
        // Two in the week (09-03, 09-07): 09-10 is the first with one left.
        let two = [d("2024-09-03"), d("2024-09-07")];
        assert_eq!(
            b.next_allowed(d("2024-09-08"), &two, 2, every_day),
            Some(d("2024-09-10"))
        );
        let thu = ContactBudget {
            send_days: vec![WeekdayName::Thursday],
            ..ContactBudget::default()
        };
        // Thursday 09-12 is a holiday: the next Thursday.
        let not_12th = |x: NaiveDate| x != d("2024-09-12");
        assert_eq!(
            thu.next_allowed(d("2024-09-10"), &[], 3, not_12th),
            Some(d("2024-09-19"))
        );
        assert_eq!(thu.next_allowed(d("2024-09-10"), &[], 3, |_| false), None);
    }
}
