//! Collection KPIs over the period (D − N, D], per currency.
//!
//! With D the as-of date, N the period in days, "open" meaning outstanding
//! (see [`Invoice::outstanding_on`]) and "invoiced" the total of invoices
//! (amount > 0, not void) dated in the period:
//!
//! - DSO = open at D ÷ invoiced × N
//! - best-possible DSO = current (not past due) at D ÷ invoiced × N
//! - ADD (average days delinquent) = DSO − best-possible DSO
//! - CEI = (open at D−N + invoiced − open at D) ÷ (open at D−N + invoiced − current at D) × 100
//! - average days late = mean of max(0, paid_date − due_date) over invoices
//!   settled (status not written off) with paid_date in the period
//! - past-due ratio = (open at D − current at D) ÷ open at D × 100
//! - bad-debt ratio = written off in the period ÷ invoiced × 100, where an
//!   item counts as written off on its paid_date (its invoice_date when it
//!   has none) for its unpaid amount
//!
//! A ratio whose denominator is zero is `None` (JSON null). Ratios are
//! rounded half away from zero to 2 decimals, computed in exact integers.

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, NaiveDate};

use crate::ledger::{Invoice, InvoiceStatus};
use crate::money::Currency;

/// Running sums for one currency (or one customer in one currency).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KpiSums {
    pub open_start: i64,
    pub open_end: i64,
    pub current_end: i64,
    pub invoiced: i64,
    pub written_off: i64,
    pub settled_count: u64,
    pub days_late_total: i64,
}

/// The KPIs of one currency.
#[derive(Clone, Debug, PartialEq)]
pub struct CurrencyKpis {
    pub currency: Currency,
    pub sums: KpiSums,
    pub dso: Option<f64>,
    pub best_possible_dso: Option<f64>,
    pub add: Option<f64>,
    pub cei: Option<f64>,
    pub avg_days_late: Option<f64>,
    pub past_due_ratio: Option<f64>,
    pub bad_debt_ratio: Option<f64>,
}

/// Average days late of one customer's invoices settled in the period.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomerLateness {
    pub customer_id: String,
    pub settled: u64,
    pub avg_days_late: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct KpiReport {
    pub as_of: NaiveDate,
    pub period_days: i64,
    pub currencies: Vec<CurrencyKpis>,
    /// Present when asked for, sorted by average days late (worst first).
    pub customers: Option<Vec<CustomerLateness>>,
}

/// Streaming KPI computation: feed every ledger item, then `finish`.
pub struct Kpis {
    as_of: NaiveDate,
    start: NaiveDate,
    period_days: i64,
    sums: BTreeMap<Currency, KpiSums>,
    customers: Option<HashMap<String, (u64, i64)>>,
}

impl Kpis {
    pub fn new(as_of: NaiveDate, period_days: i64, by_customer: bool) -> Kpis {
        Kpis {
            as_of,
            start: as_of - Duration::days(period_days),
            period_days,
            sums: BTreeMap::new(),
            customers: by_customer.then(HashMap::new),
        }
    }

    fn in_period(&self, d: NaiveDate) -> bool {
        d > self.start && d <= self.as_of
    }

    pub fn add(&mut self, i: &Invoice) {
        if i.status == InvoiceStatus::Void {
            return;
        }
        let (start, as_of) = (self.start, self.as_of);
        let invoiced = i.amount > 0 && self.in_period(i.invoice_date);
        let written_off_on = (i.status == InvoiceStatus::WrittenOff)
            .then(|| i.paid_date.unwrap_or(i.invoice_date))
            .filter(|d| self.in_period(*d));
        let settled_late = match i.paid_date {
            Some(p)
                if i.amount > 0 && i.status != InvoiceStatus::WrittenOff && self.in_period(p) =>
            {
                Some((p - i.due_date).num_days().max(0))
            }
            _ => None,
        };
        let s = self.sums.entry(i.currency).or_default();
        s.open_start += i.outstanding_on(start);
        let open = i.outstanding_on(as_of);
        s.open_end += open;
        if i.days_past_due(as_of) <= 0 {
            s.current_end += open;
        }
        if invoiced {
            s.invoiced += i.amount;
        }
        if written_off_on.is_some() {
            s.written_off += i.amount - i.paid_amount.min(i.amount);
        }
        if let Some(late) = settled_late {
            s.settled_count += 1;
            s.days_late_total += late;
            if let Some(c) = &mut self.customers {
                let e = c.entry(i.customer_id.clone()).or_default();
                e.0 += 1;
                e.1 += late;
            }
        }
    }

    pub fn finish(self) -> KpiReport {
        let n = i128::from(self.period_days);
        let currencies = self
            .sums
            .into_iter()
            .map(|(currency, s)| {
                let inv = i128::from(s.invoiced);
                let dso = ratio(i128::from(s.open_end) * n, inv);
                let best = ratio(i128::from(s.current_end) * n, inv);
                let add = ratio(i128::from(s.open_end - s.current_end) * n, inv);
                let base = i128::from(s.open_start) + inv;
                let cei = ratio(
                    (base - i128::from(s.open_end)) * 100,
                    base - i128::from(s.current_end),
                );
                CurrencyKpis {
                    currency,
                    dso,
                    best_possible_dso: best,
                    add,
                    cei,
                    avg_days_late: ratio(
                        i128::from(s.days_late_total),
                        i128::from(s.settled_count),
                    ),
                    past_due_ratio: ratio(
                        i128::from(s.open_end - s.current_end) * 100,
                        i128::from(s.open_end),
                    ),
                    bad_debt_ratio: ratio(i128::from(s.written_off) * 100, inv),
                    sums: s,
                }
            })
            .collect();
        let customers = self.customers.map(|m| {
            let mut v: Vec<CustomerLateness> = m
                .into_iter()
                .map(|(customer_id, (n, total))| CustomerLateness {
                    customer_id,
                    settled: n,
                    avg_days_late: ratio(i128::from(total), i128::from(n)).unwrap_or(0.0),
                })
                .collect();
            v.sort_by(|a, b| {
                b.avg_days_late
                    .total_cmp(&a.avg_days_late)
                    .then_with(|| a.customer_id.cmp(&b.customer_id))
            });
            v
        });
        KpiReport {
            as_of: self.as_of,
            period_days: self.period_days,
            currencies,
            customers,
        }
    }
}

/// num ÷ den rounded half away from zero to 2 decimals, exactly.
pub fn ratio(num: i128, den: i128) -> Option<f64> {
    if den == 0 {
        return None;
    }
    let scaled = num * 100;
    let (q, r) = (scaled / den, scaled % den);
    let q = if (r.abs() * 2) >= den.abs() {
        q + scaled.signum() * den.signum()
    } else {
        q
    };
    Some(q as f64 / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_rounds_half_away_from_zero() {
        assert_eq!(ratio(1, 3), Some(0.33));
        assert_eq!(ratio(2, 3), Some(0.67));
        assert_eq!(ratio(1, 200), Some(0.01));
        assert_eq!(ratio(-1, 200), Some(-0.01));
        assert_eq!(ratio(5, 0), None);
        assert_eq!(ratio(4137, 100), Some(41.37));
    }
}
