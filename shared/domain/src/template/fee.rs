//! Late-payment charges shown on notices: interest at a yearly rate on each
//! overdue invoice for its days past due, plus a fixed dunning fee — exact
//! integer arithmetic in minor units, never floating point.
//!
//! Interest on one invoice = outstanding × rate% × days past due ÷ days in
//! the year (365 for actual/365, 360 for actual/360), computed in `i128` and
//! rounded once, half away from zero, to the currency's minor unit.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ledger::Invoice;
use crate::money::{Currency, Money, format_minor, parse_minor};

/// Millionths of a percent: the finest rate step [`AnnualRate`] keeps.
const RATE_DIGITS: u32 = 6;
const RATE_SCALE: i128 = 1_000_000;

/// A yearly interest rate in percent, held exactly ("8.5" = 8.5 % a year).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AnnualRate {
    /// The rate in millionths of a percent (8.5 % = 8_500_000).
    micro_percent: i64,
}

impl AnnualRate {
    /// Parses "8.5", "8.5%" or "12" (percent a year). At most six decimals,
    /// no negatives, at most 1000 %.
    pub fn parse(s: &str) -> Result<AnnualRate, FeeError> {
        let bad = || FeeError::BadRate(s.to_string());
        let t = s.trim();
        let t = t.strip_suffix('%').unwrap_or(t).trim();
        if t.starts_with(['-', '(']) || t.contains(',') {
            return Err(bad());
        }
        let micro_percent = parse_minor(t, RATE_DIGITS).map_err(|_| bad())?;
        if micro_percent > 1000 * RATE_SCALE as i64 {
            return Err(bad());
        }
        Ok(AnnualRate { micro_percent })
    }

    /// The rate as a plain decimal without trailing zeros ("8.5").
    pub fn to_decimal_string(&self) -> String {
        let s = format_minor(self.micro_percent, RATE_DIGITS, false);
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

impl fmt::Debug for AnnualRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.to_decimal_string())
    }
}

impl fmt::Display for AnnualRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_decimal_string())
    }
}

impl Serialize for AnnualRate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_decimal_string())
    }
}

impl<'de> Deserialize<'de> for AnnualRate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        AnnualRate::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// How many days a year has for interest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayCount {
    /// Actual days past due over 365 (the default).
    #[default]
    Actual365,
    /// Actual days past due over 360.
    Actual360,
}

impl DayCount {
    pub fn days_in_year(self) -> i128 {
        match self {
            DayCount::Actual365 => 365,
            DayCount::Actual360 => 360,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DayCount::Actual365 => "actual/365",
            DayCount::Actual360 => "actual/360",
        }
    }
}

/// What a notice charges for paying late. Either part may be absent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct FeePolicy {
    pub annual_rate: Option<AnnualRate>,
    /// Charged once per notice that lists at least one overdue invoice.
    pub fixed_fee: Option<Money>,
    pub day_count: DayCount,
}

/// Why a fee could not be worked out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeeError {
    #[error("'{0}' is not an interest rate (expected percent a year, e.g. \"8.5\")")]
    BadRate(String),
    #[error("interest on invoice {0} is too large to represent")]
    Overflow(String),
}

/// Interest on one overdue invoice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FeeLine {
    pub invoice_id: String,
    pub currency: Currency,
    /// Outstanding amount the interest is charged on (decimal string).
    pub outstanding: String,
    pub outstanding_display: String,
    pub days_past_due: i64,
    /// Interest (decimal string, e.g. "6.99").
    pub interest: String,
    pub interest_display: String,
    #[serde(skip)]
    pub interest_minor: i64,
}

/// An amount in one currency, as template strings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CurrencyAmount {
    pub currency: Currency,
    /// Plain decimal ("1234.50").
    pub amount: String,
    /// Grouped for display ("1,234.50").
    pub amount_display: String,
    #[serde(skip)]
    pub minor: i64,
}

impl CurrencyAmount {
    pub fn new(minor: i64, currency: Currency) -> CurrencyAmount {
        let m = Money::new(minor, currency);
        CurrencyAmount {
            currency,
            amount: m.to_decimal_string(),
            amount_display: m.to_grouped_string(),
            minor,
        }
    }
}

/// The charges on one notice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FeeSummary {
    /// The yearly rate in percent ("8.5"), or null without interest.
    pub annual_rate: Option<AnnualRate>,
    pub day_count: &'static str,
    /// Interest per overdue invoice (empty without a rate).
    pub lines: Vec<FeeLine>,
    /// Interest summed per currency.
    pub interest_totals: Vec<CurrencyAmount>,
    pub fixed_fee: Option<CurrencyAmount>,
    /// Interest plus the fixed fee, per currency.
    pub totals: Vec<CurrencyAmount>,
}

/// Interest in minor units on `outstanding` for `days` at `rate`, rounded
/// half away from zero. `None` when the result does not fit an `i64`.
pub fn interest_minor(
    outstanding: i64,
    rate: AnnualRate,
    days: i64,
    count: DayCount,
) -> Option<i64> {
    let numerator = i128::from(outstanding)
        .checked_mul(i128::from(rate.micro_percent))?
        .checked_mul(i128::from(days))?;
    let denominator = 100 * RATE_SCALE * count.days_in_year();
    i64::try_from(div_round_half_away(numerator, denominator)).ok()
}

/// `n / d` rounded half away from zero (`d` > 0).
fn div_round_half_away(n: i128, d: i128) -> i128 {
    let q = n / d;
    let r = n % d;
    if 2 * r.abs() >= d { q + n.signum() } else { q }
}

impl FeePolicy {
    /// The charges for a notice listing `invoices` on `as_of`, or `None` when
    /// none of them is overdue with something outstanding (no fee before the
    /// due date, none on credit notes, none on an invoice in dispute).
    pub fn apply(
        &self,
        invoices: &[&Invoice],
        as_of: NaiveDate,
    ) -> Result<Option<FeeSummary>, FeeError> {
        let overdue: Vec<(&Invoice, i64, i64)> = invoices
            .iter()
            .map(|i| (*i, i.outstanding_on(as_of), i.days_past_due(as_of)))
            .filter(|(i, outstanding, days)| *outstanding > 0 && *days > 0 && !i.disputed)
            .collect();
        if overdue.is_empty() {
            return Ok(None);
        }
        let mut lines = Vec::new();
        let mut interest: BTreeMap<Currency, i64> = BTreeMap::new();
        if let Some(rate) = self.annual_rate {
            for (inv, outstanding, days) in overdue {
                let minor = interest_minor(outstanding, rate, days, self.day_count)
                    .ok_or_else(|| FeeError::Overflow(inv.invoice_id.clone()))?;
                let sum = interest.entry(inv.currency).or_default();
                *sum = sum
                    .checked_add(minor)
                    .ok_or_else(|| FeeError::Overflow(inv.invoice_id.clone()))?;
                let money = Money::new(minor, inv.currency);
                lines.push(FeeLine {
                    invoice_id: inv.invoice_id.clone(),
                    currency: inv.currency,
                    outstanding: Money::new(outstanding, inv.currency).to_decimal_string(),
                    outstanding_display: Money::new(outstanding, inv.currency).to_grouped_string(),
                    days_past_due: days,
                    interest: money.to_decimal_string(),
                    interest_display: money.to_grouped_string(),
                    interest_minor: minor,
                });
            }
        }
        let mut totals = interest.clone();
        if let Some(fee) = self.fixed_fee {
            let sum = totals.entry(fee.currency).or_default();
            *sum = sum
                .checked_add(fee.minor)
                .ok_or_else(|| FeeError::Overflow("(fixed fee)".to_string()))?;
        }
        let amounts = |m: BTreeMap<Currency, i64>| {
            m.into_iter()
                .map(|(c, v)| CurrencyAmount::new(v, c))
                .collect::<Vec<_>>()
        };
        Ok(Some(FeeSummary {
            annual_rate: self.annual_rate,
            day_count: self.day_count.as_str(),
            lines,
            interest_totals: amounts(interest),
            fixed_fee: self
                .fixed_fee
                .map(|m| CurrencyAmount::new(m.minor, m.currency)),
            totals: amounts(totals),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::InvoiceStatus;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn inv(id: &str, amount: i64, currency: Currency, due: &str) -> Invoice {
        Invoice {
            invoice_id: id.into(),
            customer_id: "C1".into(),
            invoice_date: d("2024-01-01"),
            due_date: d(due),
            amount,
            currency,
            paid_amount: 0,
            paid_date: None,
            disputed: false,
            status: InvoiceStatus::Open,
        }
    }

    fn rate(s: &str) -> AnnualRate {
        AnnualRate::parse(s).unwrap()
    }

    #[test]
    fn interest_on_1000_at_8_5_percent_for_30_days_is_6_99() {
        // 1000.00 × 8.5 % × 30 / 365 = 6.9863… → 6.99
        assert_eq!(
            interest_minor(100_000, rate("8.5"), 30, DayCount::Actual365),
            Some(699)
        );
        // 2500.00 × 12 % × 45 / 360 = 37.50 exactly
        assert_eq!(
            interest_minor(250_000, rate("12"), 45, DayCount::Actual360),
            Some(3750)
        );
        // 100.00 × 5 % × 73 / 365 = 1.00 exactly
        assert_eq!(
            interest_minor(10_000, rate("5%"), 73, DayCount::Actual365),
            Some(100)
        );
    }

    #[test]
    fn interest_rounds_half_away_from_zero() {
        // 1.00 × 36.5 % × 1 / 365 = 0.001 → 0.00; 5.00 × 36.5 % × 1 / 365 = 0.005 → 0.01
        assert_eq!(
            interest_minor(100, rate("36.5"), 1, DayCount::Actual365),
            Some(0)
        );
        assert_eq!(
            interest_minor(500, rate("36.5"), 1, DayCount::Actual365),
            Some(1)
        );
        assert_eq!(
            interest_minor(-500, rate("36.5"), 1, DayCount::Actual365),
            Some(-1)
        );
        // 0.0049… stays 0.00
        assert_eq!(
            interest_minor(499, rate("36.5"), 1, DayCount::Actual365),
            Some(0)
        );
    }

    #[test]
    fn interest_uses_the_currency_minor_unit() {
        // JPY has no minor unit: 100,000 × 8.5 % × 30 / 365 = 698.63… → 699 yen
        let jpy = Currency::parse("JPY").unwrap();
        let i = inv("J1", 100_000, jpy, "2024-03-01");
        let policy = FeePolicy {
            annual_rate: Some(rate("8.5")),
            ..FeePolicy::default()
        };
        let fee = policy.apply(&[&i], d("2024-03-31")).unwrap().unwrap();
        assert_eq!(fee.lines[0].interest, "699");
    }

    #[test]
    fn rates_parse_exactly_and_reject_nonsense() {
        assert_eq!(rate("8.5").to_decimal_string(), "8.5");
        assert_eq!(rate(" 9.125 % ").to_decimal_string(), "9.125");
        assert_eq!(rate("12").to_decimal_string(), "12");
        assert_eq!(rate("0").to_decimal_string(), "0");
        for s in ["", "-1", "abc", "8,5", "1.0000001", "1001", "(5)"] {
            assert!(AnnualRate::parse(s).is_err(), "{s:?} should be rejected");
        }
    }

    #[test]
    fn fee_lists_interest_per_overdue_undisputed_invoice_and_totals_per_currency() {
        let a = inv("A", 100_000, Currency::EUR, "2024-03-01"); // 30 days late
        let b = inv("B", 50_000, Currency::EUR, "2024-03-21"); // 10 days late
        let c = inv("C", 200_000, Currency::USD, "2024-03-16"); // 15 days late
        let not_due = inv("D", 900_000, Currency::EUR, "2024-04-30");
        let credit = inv("E", -10_000, Currency::EUR, "2024-02-01");
        let mut disputed = inv("F", 500_000, Currency::EUR, "2024-02-01");
        disputed.disputed = true;
        let policy = FeePolicy {
            annual_rate: Some(rate("8.5")),
            fixed_fee: Some(Money::new(500, Currency::EUR)),
            day_count: DayCount::Actual365,
        };
        let fee = policy
            .apply(&[&a, &b, &c, &not_due, &credit, &disputed], d("2024-03-31"))
            .unwrap()
            .unwrap();
        let lines: Vec<(&str, &str)> = fee
            .lines
            .iter()
            .map(|l| (l.invoice_id.as_str(), l.interest.as_str()))
            .collect();
        // A: 6.986… → 6.99; B: 500 × 8.5 % × 10/365 = 1.164… → 1.16; C: 2000 × 8.5 % × 15/365 = 6.986… → 6.99
        assert_eq!(lines, vec![("A", "6.99"), ("B", "1.16"), ("C", "6.99")]);
        let totals: Vec<(String, &str)> = fee
            .interest_totals
            .iter()
            .map(|t| (t.currency.to_string(), t.amount.as_str()))
            .collect();
        assert_eq!(totals, vec![("EUR".into(), "8.15"), ("USD".into(), "6.99")]);
        let with_fee: Vec<(String, &str)> = fee
            .totals
            .iter()
            .map(|t| (t.currency.to_string(), t.amount.as_str()))
            .collect();
        assert_eq!(
            with_fee,
            vec![("EUR".into(), "13.15"), ("USD".into(), "6.99")]
        );
    }

    #[test]
    fn no_fee_when_nothing_is_overdue() {
        let a = inv("A", 100_000, Currency::EUR, "2024-03-31");
        let policy = FeePolicy {
            annual_rate: Some(rate("8.5")),
            fixed_fee: Some(Money::new(500, Currency::EUR)),
            day_count: DayCount::Actual365,
        };
        assert_eq!(policy.apply(&[&a], d("2024-03-31")).unwrap(), None);
    }

    #[test]
    fn fixed_fee_alone_is_charged_once_per_notice() {
        let a = inv("A", 100_000, Currency::EUR, "2024-03-01");
        let b = inv("B", 100_000, Currency::EUR, "2024-03-02");
        let policy = FeePolicy {
            annual_rate: None,
            fixed_fee: Some(Money::new(1500, Currency::EUR)),
            day_count: DayCount::Actual365,
        };
        let fee = policy.apply(&[&a, &b], d("2024-03-31")).unwrap().unwrap();
        assert!(fee.lines.is_empty());
        assert_eq!(fee.totals.len(), 1);
        assert_eq!(fee.totals[0].amount, "15.00");
    }
}
