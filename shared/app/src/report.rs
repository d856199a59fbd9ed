//! The stable JSON shapes of the aging and KPI reports (documented in the
//! README), shared by the CLI and the AR API: amounts as decimal strings,
//! ratios as numbers with 2 decimals.

use arflow_domain::aging::{AgingReport, Tally};
use arflow_domain::kpis::KpiReport;
use arflow_domain::money::{Currency, format_minor};
use serde_json::{Value, json};

fn amount(minor: i64, currency: Currency) -> String {
    format_minor(minor, currency.exponent(), false)
}

fn tally_json(t: &Tally, currency: Currency) -> Value {
    json!({"invoices": t.invoices, "amount": amount(t.amount, currency)})
}

/// The stable JSON shape documented in the README.
pub fn aging_json(report: &AgingReport, rejected: u64) -> Value {
    let currencies: Vec<Value> = report
        .currencies
        .iter()
        .map(|c| {
            let buckets: Vec<Value> = report
                .labels
                .iter()
                .zip(&c.buckets)
                .map(|(label, t)| json!({"label": label, "invoices": t.invoices, "amount": amount(t.amount, c.currency)}))
                .collect();
            json!({"currency": c.currency.code(), "buckets": buckets, "total": tally_json(&c.total, c.currency)})
        })
        .collect();
    let mut out =
        json!({"as_of": report.as_of.to_string(), "currencies": currencies, "rejected": rejected});
    if let Some(customers) = &report.customers {
        out["customers"] = customers
            .iter()
            .map(|c| {
                json!({
                    "customer_id": c.customer_id,
                    "currency": c.currency.code(),
                    "invoices": c.total.invoices,
                    "outstanding": amount(c.total.amount, c.currency),
                    "oldest_days_past_due": c.oldest_days_past_due,
                    "buckets": report.labels.iter().zip(&c.buckets)
                        .map(|(label, t)| json!({"label": label, "invoices": t.invoices, "amount": amount(t.amount, c.currency)}))
                        .collect::<Vec<_>>(),
                })
            })
            .collect();
    }
    out
}

/// The stable JSON shape documented in the README.
pub fn kpis_json(report: &KpiReport, rejected: u64) -> Value {
    let currencies: Vec<Value> = report
        .currencies
        .iter()
        .map(|c| {
            let m = |v: i64| format_minor(v, c.currency.exponent(), false);
            json!({
                "currency": c.currency.code(),
                "dso": c.dso,
                "best_possible_dso": c.best_possible_dso,
                "add": c.add,
                "cei": c.cei,
                "avg_days_late": c.avg_days_late,
                "past_due_ratio": c.past_due_ratio,
                "bad_debt_ratio": c.bad_debt_ratio,
                "open_at_start": m(c.sums.open_start),
                "open_at_end": m(c.sums.open_end),
                "current_at_end": m(c.sums.current_end),
                "invoiced": m(c.sums.invoiced),
                "written_off": m(c.sums.written_off),
                "settled_invoices": c.sums.settled_count,
            })
        })
        .collect();
    let mut out = json!({
        "as_of": report.as_of.to_string(),
        "period_days": report.period_days,
        "currencies": currencies,
        "rejected": rejected,
    });
    if let Some(customers) = &report.customers {
        out["customers"] = customers
            .iter()
            .map(|c| json!({"customer_id": c.customer_id, "settled_invoices": c.settled, "avg_days_late": c.avg_days_late}))
            .collect();
    }
    out
}
