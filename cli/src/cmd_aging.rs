//! `arflow aging`: the point-in-time aging report.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, anyhow};
use arflow_app::fast::{AgingRequest, age_ledger};
use arflow_domain::aging::{Aging, AgingReport, Buckets};
use arflow_domain::money::{Currency, format_minor};
use chrono::NaiveDate;

use crate::output::{self, Format, Table, grouped};
use crate::source::{self, LedgerArgs};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub source: LedgerArgs,
    /// The date to age as of (YYYY-MM-DD): open = issued by then and not settled on or before it.
    #[arg(long, value_name = "DATE")]
    pub as_of: NaiveDate,
    /// Past-due bucket bounds in days [default: 30,60,90 → current, 1-30, 31-60, 61-90, 91+].
    #[arg(long, value_name = "DAYS,DAYS,…")]
    pub buckets: Option<String>,
    /// Group by customer (largest outstanding first), with their oldest days past due.
    #[arg(long, value_enum)]
    pub by: Option<By>,
    /// Output format [default: table on a terminal, json otherwise].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum By {
    Customer,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let buckets = match &args.buckets {
        Some(b) => Buckets::parse(b).map_err(|e| anyhow!("--buckets: {e}"))?,
        None => Buckets::default(),
    };
    let (report, rejected) = match (&args.source.ledger, &args.source.db) {
        (Some(path), None) => age_file(path, &args, buckets)?,
        _ => {
            let mut aging = Aging::new(args.as_of, buckets, args.by.is_some());
            let loaded =
                source::for_each_invoice(&args.source, args.as_of, &mut |i| aging.add(&i))?;
            (aging.finish(), loaded.rejected)
        }
    };
    let text = match output::resolve(args.format) {
        Format::Json => {
            serde_json::to_string_pretty(&arflow_app::report::aging_json(&report, rejected))? + "\n"
        }
        Format::Csv => to_csv(&report)?,
        Format::Table => to_table(&report, rejected),
    };
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

/// Ages a ledger file on the fast path (same report and rejects as reading
/// it row by row), reporting rejects as every command does.
fn age_file(path: &Path, args: &Args, buckets: Buckets) -> Result<(AgingReport, u64)> {
    let (opts, _) = args.source.read.read_options()?;
    let request = AgingRequest {
        as_of: args.as_of,
        buckets,
        by_customer: args.by.is_some(),
    };
    let bar = source::progress_bar(path);
    let progress = |done: u64, total: u64| {
        if let Some(b) = &bar {
            b.set_length(total);
            b.set_position(done);
        }
    };
    let (report, summary) = age_ledger(path, &opts, &progress, &request)?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    source::report_rejects(&args.source.read, path, &summary.rejects)?;
    Ok((report, summary.rejects.len() as u64))
}

fn amount(minor: i64, currency: Currency) -> String {
    format_minor(minor, currency.exponent(), false)
}

fn to_csv(report: &AgingReport) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    match &report.customers {
        None => {
            w.write_record(["currency", "bucket", "invoices", "amount"])?;
            for c in &report.currencies {
                for (label, t) in report
                    .labels
                    .iter()
                    .zip(&c.buckets)
                    .chain([(&"total".to_string(), &c.total)])
                {
                    w.write_record([
                        c.currency.code(),
                        label,
                        &t.invoices.to_string(),
                        &amount(t.amount, c.currency),
                    ])?;
                }
            }
        }
        Some(customers) => {
            let mut header = vec![
                "customer_id",
                "currency",
                "invoices",
                "outstanding",
                "oldest_days_past_due",
            ];
            header.extend(report.labels.iter().map(String::as_str));
            w.write_record(&header)?;
            for c in customers {
                let mut row = vec![
                    c.customer_id.clone(),
                    c.currency.code().to_string(),
                    c.total.invoices.to_string(),
                    amount(c.total.amount, c.currency),
                    c.oldest_days_past_due
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                ];
                row.extend(c.buckets.iter().map(|t| amount(t.amount, c.currency)));
                w.write_record(&row)?;
            }
        }
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

fn money_text(minor: i64, currency: Currency) -> String {
    format_minor(minor, currency.exponent(), true)
}

pub fn to_table(report: &AgingReport, rejected: u64) -> String {
    let mut out = format!("Aging as of {}\n", report.as_of);
    if report.currencies.is_empty() {
        out.push_str("\nNo open items.\n");
    }
    for c in &report.currencies {
        out.push('\n');
        let mut t = Table::new(vec![
            c.currency.code().to_string(),
            "invoices".into(),
            "amount".into(),
            "share".into(),
        ]);
        for (label, b) in report.labels.iter().zip(&c.buckets) {
            t.row(vec![
                label.clone(),
                grouped(b.invoices),
                money_text(b.amount, c.currency),
                share(b.amount, c.total.amount),
            ]);
        }
        t.total(vec![
            "total".into(),
            grouped(c.total.invoices),
            money_text(c.total.amount, c.currency),
            String::new(),
        ]);
        out.push_str(&t.render());
    }
    if let Some(customers) = &report.customers {
        out.push('\n');
        let mut header = vec![
            "customer".to_string(),
            "currency".into(),
            "invoices".into(),
            "outstanding".into(),
            "oldest dpd".into(),
        ];
        header.extend(report.labels.iter().cloned());
        let mut t = Table::new(header);
        for c in customers {
            let mut row = vec![
                c.customer_id.clone(),
                c.currency.code().to_string(),
                grouped(c.total.invoices),
                money_text(c.total.amount, c.currency),
                c.oldest_days_past_due
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "-".into()),
            ];
            row.extend(c.buckets.iter().map(|b| money_text(b.amount, c.currency)));
            t.row(row);
        }
        out.push_str(&t.render());
    }
    if rejected > 0 {
        out.push_str(&format!(
            "\n{rejected} row(s) rejected (not counted above).\n"
        ));
    }
    out
}

/// A bucket's share of the total, as a percentage (2 decimals, exact rounding).
fn share(part: i64, total: i64) -> String {
    arflow_domain::kpis::ratio(i128::from(part) * 100, i128::from(total))
        .map(|p| format!("{p:.2}%"))
        .unwrap_or_default()
}
