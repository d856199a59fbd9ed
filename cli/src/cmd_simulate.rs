//! `arflow simulate`: a backtest of a strategy — every action it would have
//! taken each day of a range, with payments replayed on their real dates.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use arflow_app::planning::simulate;
use arflow_domain::strategy::simulate::Simulation;
use chrono::NaiveDate;

use crate::cmd_plan::{self, PlanFormat};
use crate::source::LedgerArgs;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub source: LedgerArgs,
    /// Strategy file (TOML) [default: with --db, the tenant's stored strategy (PUT /api/strategy), else the built-in default, see `arflow strategy show`].
    #[arg(long, value_name = "FILE")]
    pub strategy: Option<PathBuf>,
    /// First day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub from: NaiveDate,
    /// Last day, inclusive (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub to: NaiveDate,
    /// Print only the summary, not the calendar.
    #[arg(long)]
    pub summary_only: bool,
    /// Output format [default: table on a terminal, json otherwise].
    #[arg(long, value_enum)]
    pub format: Option<PlanFormat>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    if args.from > args.to {
        bail!("--from {} is after --to {}", args.from, args.to);
    }
    let defaults = cmd_plan::strategy_defaults(args.strategy.as_deref())?;
    // The ledger as known on the last day: point-in-time reads replay each
    // payment on its paid date, so earlier days see what was open then.
    // With --db the portal's holds are replayed as they stood each day.
    let inputs = cmd_plan::day_inputs(&args.source, args.to)?;
    let (strategy, _) = defaults.resolve(&args.source.tenant, inputs.strategy_source.as_ref())?;
    let sim = simulate(inputs, &strategy, args.from, args.to);
    match PlanFormat::resolve(args.format) {
        PlanFormat::Json if args.summary_only => {
            println!("{}", serde_json::to_string_pretty(&sim.summary)?)
        }
        PlanFormat::Json => println!("{}", serde_json::to_string_pretty(&sim)?),
        PlanFormat::Table => print!("{}", table(&sim, args.summary_only)),
    }
    Ok(ExitCode::SUCCESS)
}

fn table(sim: &Simulation, summary_only: bool) -> String {
    let mut out = String::new();
    if !summary_only {
        for day in &sim.days {
            out.push_str(&format!(
                "== {} ({}) — {} action(s)\n",
                day.date,
                day.date.format("%A"),
                day.actions.len()
            ));
            out.push_str(&cmd_plan::render(&day.actions));
            out.push('\n');
        }
    }
    let s = &sim.summary;
    out.push_str(&format!(
        "Summary {} to {}: {} action(s) on {} day(s)\n",
        sim.from,
        sim.to,
        s.actions,
        sim.days.len()
    ));
    out.push_str("\nBy rule:\n");
    out.push_str(&counts(s.by_rule.iter()));
    out.push_str("\nBy channel:\n");
    out.push_str(&counts(s.by_channel.iter()));
    let (most, touched) = s.touch_spread();
    out.push_str(&format!(
        "\nTouches: {touched} customer(s) got messages, at most {most} each\n"
    ));
    let p = &s.pressure;
    out.push_str(&format!(
        "Contact pressure: dunning messages in a customer's worst 7 days: max {}, p95 {} \
         ({} of {} customers reminded got 3 or more); external messages in the busiest 30 days: \
         median {}, max {}\n",
        p.dunning_in_7_days_max,
        p.dunning_in_7_days_p95,
        p.customers_with_3_in_7_days,
        p.customers_reminded,
        p.external_in_30_days_median,
        p.external_in_30_days_max
    ));
    let mut top: Vec<(&String, &u64)> = s.touches.iter().collect();
    top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    out.push_str(&counts(top.into_iter().take(10)));
    out
}

fn counts<'a>(items: impl Iterator<Item = (&'a String, &'a u64)>) -> String {
    let items: Vec<_> = items.collect();
    let width = items
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for (k, v) in items {
        out.push_str(&format!("  {k:<width$}  {v:>8}\n"));
    }
    out
}
