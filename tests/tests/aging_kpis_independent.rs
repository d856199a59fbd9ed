//! Aging and KPIs checked against a slow, obvious re-implementation written
//! straight from the definitions in the README, over random ledgers.

use std::collections::BTreeMap;

use arflow_domain::aging::{Buckets, age};
use arflow_domain::kpis::{Kpis, ratio};
use arflow_domain::ledger::{Invoice, InvoiceStatus};
use arflow_domain::money::Currency;
use chrono::{Duration, NaiveDate};
use proptest::prelude::*;

fn base() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()
}

prop_compose! {
    fn invoice()(
        n in 0u32..1000, cust in 0u8..6, issued in 0i64..200, terms in 0i64..70,
        amount in -5_000i64..2_000_000, part in 0u8..4, paid_after in proptest::option::of(0i64..150),
        cur in 0usize..3, status in 0u8..12, disputed in any::<bool>(),
    ) -> Invoice {
        let invoice_date = base() + Duration::days(issued);
        let paid_date = paid_after.map(|p| invoice_date + Duration::days(p));
        let status = match status { 0 => InvoiceStatus::Void, 1 => InvoiceStatus::WrittenOff, 2 if paid_date.is_some() => InvoiceStatus::Paid, _ => InvoiceStatus::Open };
        let paid_amount = match (paid_date, status) {
            (_, InvoiceStatus::WrittenOff) => 0,
            (Some(_), _) => amount,
            (None, _) => amount / 4 * i64::from(part),
        };
        Invoice {
            invoice_id: format!("I{n}"), customer_id: format!("C{cust}"),
            invoice_date, due_date: invoice_date + Duration::days(terms), amount,
            currency: [Currency::USD, Currency::EUR, Currency::parse("JPY").unwrap()][cur],
            paid_amount, paid_date, disputed, status,
        }
    }
}

/// "Open on D when invoice_date ≤ D and not settled on or before D;
/// outstanding = amount − paid amount known at D" (void never, and items
/// closed without a date never).
fn slow_outstanding(i: &Invoice, d: NaiveDate) -> Option<i64> {
    let issued = i.invoice_date <= d;
    let settled_by_d = match i.paid_date {
        Some(p) => p <= d,
        None => {
            i.status != InvoiceStatus::Open
                || (i.amount != 0 && i.paid_amount.abs() >= i.amount.abs())
        }
    };
    if i.status == InvoiceStatus::Void || !issued || settled_by_d {
        return None;
    }
    Some(if i.paid_date.is_some() {
        i.amount
    } else {
        i.amount - i.paid_amount
    })
}

fn slow_bucket(dpd: i64) -> &'static str {
    if dpd <= 0 {
        "current"
    } else if (1..=30).contains(&dpd) {
        "1-30"
    } else if (31..=60).contains(&dpd) {
        "31-60"
    } else if (61..=90).contains(&dpd) {
        "61-90"
    } else {
        "91+"
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn aging_equals_the_obvious_calculation(ledger in proptest::collection::vec(invoice(), 0..60), day in 0i64..260) {
        let d = base() + Duration::days(day);
        let report = age(&ledger, d, Buckets::default(), false);
        let mut expected: BTreeMap<(String, &str), (u64, i64)> = BTreeMap::new();
        for i in &ledger {
            if let Some(o) = slow_outstanding(i, d) {
                let e = expected.entry((i.currency.code().to_string(), slow_bucket((d - i.due_date).num_days()))).or_default();
                e.0 += 1;
                e.1 += o;
            }
        }
        let mut got: BTreeMap<(String, &str), (u64, i64)> = BTreeMap::new();
        for c in &report.currencies {
            for (label, t) in report.labels.iter().zip(&c.buckets) {
                if t.invoices > 0 {
                    let label: &str = ["current", "1-30", "31-60", "61-90", "91+"].into_iter().find(|l| *l == label).unwrap();
                    got.insert((c.currency.code().to_string(), label), (t.invoices, t.amount));
                }
            }
        }
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn kpis_equal_the_obvious_calculation(ledger in proptest::collection::vec(invoice(), 0..60), day in 0i64..260, n in 1i64..120) {
        let d = base() + Duration::days(day);
        let start = d - Duration::days(n);
        let mut k = Kpis::new(d, n, false);
        ledger.iter().for_each(|i| k.add(i));
        let report = k.finish();
        for c in &report.currencies {
            let mine: Vec<&Invoice> = ledger.iter().filter(|i| i.currency == c.currency && i.status != InvoiceStatus::Void).collect();
            let in_period = |x: NaiveDate| start < x && x <= d;
            let open_end: i64 = mine.iter().filter_map(|i| slow_outstanding(i, d)).sum();
            let open_start: i64 = mine.iter().filter_map(|i| slow_outstanding(i, start)).sum();
            let current: i64 = mine.iter().filter(|i| i.due_date >= d).filter_map(|i| slow_outstanding(i, d)).sum();
            let invoiced: i64 = mine.iter().filter(|i| i.amount > 0 && in_period(i.invoice_date)).map(|i| i.amount).sum();
            let written_off: i64 = mine.iter()
                .filter(|i| i.status == InvoiceStatus::WrittenOff && in_period(i.paid_date.unwrap_or(i.invoice_date)))
                .map(|i| i.amount - i.paid_amount.min(i.amount)).sum();
            let late: Vec<i64> = mine.iter()
                .filter(|i| i.amount > 0 && i.status != InvoiceStatus::WrittenOff && i.paid_date.is_some_and(in_period))
                .map(|i| (i.paid_date.unwrap() - i.due_date).num_days().max(0)).collect();
            let n = i128::from(n);
            prop_assert_eq!(c.dso, ratio(i128::from(open_end) * n, i128::from(invoiced)));
            prop_assert_eq!(c.best_possible_dso, ratio(i128::from(current) * n, i128::from(invoiced)));
            prop_assert_eq!(c.add, ratio(i128::from(open_end - current) * n, i128::from(invoiced)));
            let base = i128::from(open_start + invoiced);
            prop_assert_eq!(c.cei, ratio((base - i128::from(open_end)) * 100, base - i128::from(current)));
            prop_assert_eq!(c.avg_days_late, ratio(i128::from(late.iter().sum::<i64>()), late.len() as i128));
            prop_assert_eq!(c.past_due_ratio, ratio(i128::from(open_end - current) * 100, i128::from(open_end)));
            prop_assert_eq!(c.bad_debt_ratio, ratio(i128::from(written_off) * 100, i128::from(invoiced)));
        }
    }
}
