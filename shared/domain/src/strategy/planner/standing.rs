//! Customers' credit standing on a day as the strategy's credit policy
//! judges it — the same summary, segment and hold rules the planner's credit
//! hold uses — for reports and the AR team API.

use chrono::NaiveDate;

use crate::ledger::{Customer, Invoice};
use crate::money::Money;

use super::super::model::Strategy;
use super::super::sent_index::SentIndex;
use super::compile::Compiled;
use super::credit::hold_reasons;
use super::summary::Summary;

/// One customer's credit position on a day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreditStanding {
    pub customer_id: String,
    /// The segment the strategy puts the customer in on the day.
    pub segment: Option<String>,
    /// The credit limit, when the customer has a positive one.
    pub limit: Option<Money>,
    /// Outstanding in the limit's currency (the tenant's without a limit).
    pub outstanding: Money,
    /// Outstanding ÷ limit in hundredths of a percent (12_000 = 120.00 %),
    /// rounded half away from zero; None without a limit.
    pub used_hundredths: Option<i64>,
    /// Whether the customer's segment has an enabled credit policy.
    pub policy: bool,
    /// Why the policy holds the customer today; empty when it does not.
    pub hold_reasons: Vec<String>,
    /// Whether the sent log has a hold that was not released yet.
    pub hold_recorded: bool,
}

impl CreditStanding {
    /// "120.00": the share of the limit used, in percent, two decimals.
    pub fn used_pct(&self) -> Option<String> {
        self.used_hundredths.map(|h| {
            let sign = if h < 0 { "-" } else { "" };
            format!(
                "{sign}{}.{:02}",
                h.unsigned_abs() / 100,
                h.unsigned_abs() % 100
            )
        })
    }

    /// Whether the policy holds the customer today.
    pub fn on_hold(&self) -> bool {
        !self.hold_reasons.is_empty()
    }
}

/// The credit standing of each of `customers` on `as_of`, in their order.
/// `invoices` is the ledger (any customers'); `sent` the sent log's index.
pub fn credit_standings(
    strategy: &Strategy,
    customers: &[Customer],
    invoices: &[Invoice],
    as_of: NaiveDate,
    sent: &SentIndex,
) -> Vec<CreditStanding> {
    let compiled = Compiled::new(strategy);
    let mut by_customer: std::collections::HashMap<&str, Vec<u32>> = Default::default();
    for (n, i) in invoices.iter().enumerate() {
        by_customer
            .entry(i.customer_id.as_str())
            .or_default()
            .push(n as u32);
    }
    let mut sum = Summary::new(compiled.currency);
    customers
        .iter()
        .map(|c| {
            let items = by_customer
                .get(c.customer_id.as_str())
                .map_or(&[][..], Vec::as_slice);
            sum.compute(invoices, items, as_of);
            let seg = compiled.segment_for(c, &sum);
            let events = seg.map_or(&compiled.events, |s| &s.events);
            let policy = events.credit.as_ref().filter(|p| p.enabled);
            let currency = c.credit_currency.unwrap_or(compiled.currency);
            let outstanding = sum.outstanding_in(currency);
            let limit = c.credit_limit.filter(|l| *l > 0);
            let held = sent.customer(&c.customer_id).is_some_and(|m| m.on_hold());
            CreditStanding {
                customer_id: c.customer_id.clone(),
                segment: seg.map(|s| s.name.to_string()),
                limit: limit.map(|l| Money::new(l, currency)),
                outstanding: Money::new(outstanding, currency),
                used_hundredths: limit.map(|l| ratio_hundredths(outstanding, l)),
                policy: policy.is_some(),
                hold_reasons: policy
                    .map(|p| hold_reasons(c, p, &sum, held))
                    .unwrap_or_default(),
                hold_recorded: held,
            }
        })
        .collect()
}

/// `num ÷ den` in hundredths of a percent, rounded half away from zero.
fn ratio_hundredths(num: i64, den: i64) -> i64 {
    let n = i128::from(num) * 10_000;
    let d = i128::from(den);
    let q = (n.abs() * 2 + d) / (2 * d);
    let q = if n < 0 { -q } else { q };
    q.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use crate::strategy::default_strategy;

    fn invoice(id: &str, customer: &str, due: &str, amount: i64) -> Invoice {
        Invoice {
            invoice_id: id.into(),
            customer_id: customer.into(),
            invoice_date: "2024-01-01".parse().unwrap(),
            due_date: due.parse().unwrap(),
            amount,
            currency: Currency::USD,
            paid_amount: 0,
            paid_date: None,
            disputed: false,
            status: Default::default(),
        }
    }

    #[test]
    fn credit_use_is_a_rounded_percentage_and_over_the_limit_holds() {
        let s = default_strategy().unwrap();
        let mut over = Customer {
            customer_id: "A".into(),
            credit_limit: Some(100_000),
            ..Customer::default()
        };
        over.credit_currency = Some(Currency::USD);
        let within = Customer {
            customer_id: "B".into(),
            credit_limit: Some(300_000),
            ..over.clone()
        };
        let none = Customer {
            customer_id: "C".into(),
            ..Customer::default()
        };
        let ledger = [
            invoice("1", "A", "2024-02-01", 120_000),
            invoice("2", "B", "2024-02-01", 100_000),
            invoice("3", "C", "2024-02-01", 5_000),
        ];
        let day = "2024-01-15".parse().unwrap();
        let got = credit_standings(
            &s,
            &[over, within, none],
            &ledger,
            day,
            &SentIndex::new(&[]),
        );
        assert_eq!(got[0].used_pct().as_deref(), Some("120.00"));
        assert!(got[0].on_hold(), "{:?}", got[0]);
        assert!(got[0].hold_reasons[0].contains("over the credit limit"));
        assert_eq!(got[1].used_pct().as_deref(), Some("33.33"));
        assert!(!got[1].on_hold());
        assert_eq!(got[2].used_pct(), None);
        assert_eq!(got[2].outstanding, Money::new(5_000, Currency::USD));
    }

    #[test]
    fn percentages_round_half_away_from_zero() {
        assert_eq!(ratio_hundredths(2, 3), 6667);
        assert_eq!(ratio_hundredths(-1, 8), -1250);
        assert_eq!(ratio_hundredths(1, 80_000), 0);
    }
}
