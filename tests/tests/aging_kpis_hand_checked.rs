//! Hand-checked aging and KPI figures on a small ledger that covers every
//! boundary: due on D, paid on D, paid after D, credit note, partial
//! payment, 90 vs 91 days, void, written off, future invoice, three
//! currencies. Every expected number below was worked out by hand (see the
//! comments) from tests/fixtures/boundaries.csv as of 2024-03-31.

use std::path::Path;

use arflow_app::reader::{ReadOptions, read_ledger};
use arflow_domain::aging::{Buckets, age};
use arflow_domain::kpis::Kpis;
use arflow_domain::ledger::Invoice;
use chrono::NaiveDate;

fn ledger() -> Vec<Invoice> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/boundaries.csv");
    let mut rows = Vec::new();
    let s = read_ledger(&path, &ReadOptions::default(), &mut |i| rows.push(i)).unwrap();
    assert!(s.rejects.is_empty(), "{:?}", s.rejects);
    rows
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn tallies(report: &arflow_domain::aging::AgingReport, code: &str) -> Vec<(u64, i64)> {
    let c = report
        .currencies
        .iter()
        .find(|c| c.currency.code() == code)
        .unwrap();
    c.buckets
        .iter()
        .map(|t| (t.invoices, t.amount))
        .chain([(c.total.invoices, c.total.amount)])
        .collect()
}

#[test]
fn aging_as_of_d_puts_every_boundary_case_in_its_bucket() {
    let report = age(&ledger(), d("2024-03-31"), Buckets::default(), true);
    // USD: current = due on D (100.00); 1-30 = paid after D (300.00, 30 dpd)
    // + credit note (-50.00, 21 dpd); 31-60 = partial (1000 - 400, 60 dpd);
    // 61-90 = exactly 90 dpd (10.00); 91+ = 91 dpd (20.00). Paid on D, void,
    // written off before D and the future invoice are not open.
    assert_eq!(
        tallies(&report, "USD"),
        vec![
            (1, 10000),
            (2, 25000),
            (1, 60000),
            (1, 1000),
            (1, 2000),
            (6, 98000)
        ]
    );
    // EUR: current 1234.56; disputed invoice 31 dpd still ages (80.00).
    assert_eq!(
        tallies(&report, "EUR"),
        vec![(1, 123456), (0, 0), (1, 8000), (0, 0), (0, 0), (2, 131456)]
    );
    // JPY has no minor unit: 5000 yen, 1 day past due.
    assert_eq!(
        tallies(&report, "JPY"),
        vec![(0, 0), (1, 5000), (0, 0), (0, 0), (0, 0), (1, 5000)]
    );
    assert_eq!(
        report.currencies.len(),
        3,
        "totals are never summed across currencies"
    );

    let customers = report.customers.unwrap();
    let c1 = customers.iter().find(|c| c.customer_id == "C1").unwrap();
    // The credit note reduces C1's balance but is not its oldest item.
    assert_eq!(
        (c1.total.amount, c1.oldest_days_past_due),
        (35000, Some(30))
    );
    let c2 = customers.iter().find(|c| c.customer_id == "C2").unwrap();
    assert_eq!(
        (c2.total.amount, c2.oldest_days_past_due),
        (63000, Some(91))
    );
    let usd: Vec<&str> = customers
        .iter()
        .filter(|c| c.currency.code() == "USD")
        .map(|c| c.customer_id.as_str())
        .collect();
    assert_eq!(usd, ["C2", "C1"], "largest outstanding first");
}

#[test]
fn aging_the_day_before_payment_and_on_it() {
    let rows = ledger();
    let paid_on_d = rows.iter().find(|i| i.invoice_id == "B-PAID-ON-D").unwrap();
    assert!(paid_on_d.is_open_on(d("2024-03-30")));
    assert!(!paid_on_d.is_open_on(d("2024-03-31")));
    // Written off on 2024-03-15: open the day before, not on the day.
    let wo = rows.iter().find(|i| i.invoice_id == "B-WO").unwrap();
    assert_eq!(wo.outstanding_on(d("2024-03-14")), 7000);
    assert_eq!(wo.outstanding_on(d("2024-03-15")), 0);
}

#[test]
fn kpis_over_90_days_match_the_hand_computation() {
    let mut k = Kpis::new(d("2024-03-31"), 90, true);
    for i in &ledger() {
        k.add(i);
    }
    let report = k.finish();
    let usd = report
        .currencies
        .iter()
        .find(|c| c.currency.code() == "USD")
        .unwrap();
    // Period (2024-01-01, 2024-03-31]: invoiced 100 + 200 + 300 = 600.00
    // (B-PARTIAL is dated 2024-01-01, outside). Open at D 980.00, current
    // 100.00, open at start 600 + 10 + 20 + 70 = 700.00, written off 70.00.
    assert_eq!(
        (
            usd.sums.invoiced,
            usd.sums.open_end,
            usd.sums.current_end,
            usd.sums.open_start
        ),
        (60000, 98000, 10000, 70000)
    );
    assert_eq!(usd.dso, Some(147.0)); // 980 / 600 × 90
    assert_eq!(usd.best_possible_dso, Some(15.0)); // 100 / 600 × 90
    assert_eq!(usd.add, Some(132.0));
    assert_eq!(usd.cei, Some(26.67)); // (700 + 600 − 980) / (700 + 600 − 100) × 100
    assert_eq!(usd.avg_days_late, Some(29.0)); // B-PAID-ON-D: 03-31 − 03-02
    assert_eq!(usd.past_due_ratio, Some(89.8)); // 880 / 980
    assert_eq!(usd.bad_debt_ratio, Some(11.67)); // 70 / 600

    let eur = report
        .currencies
        .iter()
        .find(|c| c.currency.code() == "EUR")
        .unwrap();
    assert_eq!(eur.dso, Some(90.0));
    assert_eq!(eur.best_possible_dso, Some(84.52)); // 1234.56 / 1314.56 × 90 = 84.5229
    assert_eq!(eur.add, Some(5.48)); // 80 / 1314.56 × 90 = 5.4771
    assert_eq!(eur.cei, Some(0.0));
    assert_eq!(eur.avg_days_late, None, "nothing settled in the period");
    assert_eq!(eur.past_due_ratio, Some(6.09));

    let jpy = report
        .currencies
        .iter()
        .find(|c| c.currency.code() == "JPY")
        .unwrap();
    assert_eq!(
        (jpy.dso, jpy.best_possible_dso, jpy.past_due_ratio),
        (Some(90.0), Some(0.0), Some(100.0))
    );

    let customers = report.customers.unwrap();
    assert_eq!(customers.len(), 1);
    assert_eq!(
        (
            customers[0].customer_id.as_str(),
            customers[0].avg_days_late
        ),
        ("C1", 29.0)
    );
}
