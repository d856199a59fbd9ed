//! `arflow kpis`: DSO, best-possible DSO, ADD, CEI, days late, past-due and
//! bad-debt ratios over the period (D − N, D]. Formulas: arflow_domain::kpis.

use std::process::ExitCode;

use anyhow::Result;
use arflow_domain::kpis::{KpiReport, Kpis};
use chrono::NaiveDate;

use crate::output::{self, Format, Table, ratio_text};
use crate::source::{self, LedgerArgs};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub source: LedgerArgs,
    /// The period's last day D (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub as_of: NaiveDate,
    /// Length N of the period (D − N, D] in days.
    #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(i64).range(1..=3660))]
    pub period_days: i64,
    /// Also list average days late per customer.
    #[arg(long, value_enum)]
    pub by: Option<crate::cmd_aging::By>,
    /// Output format [default: table on a terminal, json otherwise].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let mut kpis = Kpis::new(args.as_of, args.period_days, args.by.is_some());
    let loaded = source::for_each_invoice(&args.source, args.as_of, &mut |i| kpis.add(&i))?;
    let report = kpis.finish();
    let text = match output::resolve(args.format) {
        Format::Json => {
            serde_json::to_string_pretty(&arflow_app::report::kpis_json(&report, loaded.rejected))?
                + "\n"
        }
        Format::Csv => to_csv(&report)?,
        Format::Table => to_table(&report),
    };
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

const METRICS: [&str; 7] = [
    "dso",
    "best_possible_dso",
    "add",
    "cei",
    "avg_days_late",
    "past_due_ratio",
    "bad_debt_ratio",
];

fn values(c: &arflow_domain::kpis::CurrencyKpis) -> [Option<f64>; 7] {
    [
        c.dso,
        c.best_possible_dso,
        c.add,
        c.cei,
        c.avg_days_late,
        c.past_due_ratio,
        c.bad_debt_ratio,
    ]
}

fn to_csv(report: &KpiReport) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["currency"];
    header.extend(METRICS);
    w.write_record(&header)?;
    for c in &report.currencies {
        let mut row = vec![c.currency.code().to_string()];
        row.extend(
            values(c)
                .iter()
                .map(|v| v.map(|x| format!("{x:.2}")).unwrap_or_default()),
        );
        w.write_record(&row)?;
    }
    if let Some(customers) = &report.customers {
        w.write_record([""; 8])?;
        w.write_record([
            "customer_id",
            "settled_invoices",
            "avg_days_late",
            "",
            "",
            "",
            "",
            "",
        ])?;
        for c in customers {
            w.write_record([
                c.customer_id.clone(),
                c.settled.to_string(),
                format!("{:.2}", c.avg_days_late),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ])?;
        }
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

pub fn to_table(report: &KpiReport) -> String {
    let start = report.as_of - chrono::Duration::days(report.period_days);
    let mut out = format!(
        "KPIs for ({start}, {}] — {} days\n\n",
        report.as_of, report.period_days
    );
    if report.currencies.is_empty() {
        out.push_str("No ledger items.\n");
        return out;
    }
    let mut header = vec!["metric".to_string()];
    header.extend(
        report
            .currencies
            .iter()
            .map(|c| c.currency.code().to_string()),
    );
    let mut t = Table::new(header);
    let labels = [
        "DSO (days)",
        "best-possible DSO (days)",
        "ADD (days)",
        "CEI (%)",
        "avg days late",
        "past-due ratio (%)",
        "bad-debt ratio (%)",
    ];
    for (k, label) in labels.iter().enumerate() {
        let mut row = vec![label.to_string()];
        row.extend(report.currencies.iter().map(|c| ratio_text(values(c)[k])));
        t.row(row);
    }
    out.push_str(&t.render());
    if let Some(customers) = &report.customers {
        out.push('\n');
        let mut t = Table::new(vec![
            "customer".into(),
            "settled".into(),
            "avg days late".into(),
        ]);
        for c in customers {
            t.row(vec![
                c.customer_id.clone(),
                c.settled.to_string(),
                format!("{:.2}", c.avg_days_late),
            ]);
        }
        out.push_str(&t.render());
    }
    out
}
