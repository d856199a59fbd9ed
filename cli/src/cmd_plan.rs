//! `arflow plan`: the actions a collection strategy says are due on one day.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use arflow_app::planning::{
    DayInputs, PlannedDay, PlanningStore, Scope, StrategyDefaults, plan_inputs,
};
use arflow_domain::strategy::action::channel_str;
use arflow_domain::strategy::calendar::BusinessDays;
use arflow_domain::strategy::contact::HeldBack;
use arflow_domain::strategy::{Action, DEFAULT_STRATEGY, Recipients, Strategy};
use chrono::NaiveDate;

use crate::source::{self, LedgerArgs};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub source: LedgerArgs,
    /// Strategy file (TOML) [default: with --db, the tenant's stored strategy (PUT /api/strategy), else the built-in default, see `arflow strategy show`].
    #[arg(long, value_name = "FILE")]
    pub strategy: Option<PathBuf>,
    /// The day to plan (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub as_of: NaiveDate,
    /// Output format [default: table on a terminal, json otherwise].
    #[arg(long, value_enum)]
    pub format: Option<PlanFormat>,
}

/// How actions are printed.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanFormat {
    /// One line per action and its explanation under it.
    Table,
    /// A JSON array of actions (documented in the README).
    Json,
}

impl PlanFormat {
    pub fn resolve(f: Option<PlanFormat>) -> PlanFormat {
        match crate::output::resolve(f.map(|f| match f {
            PlanFormat::Table => crate::output::Format::Table,
            PlanFormat::Json => crate::output::Format::Json,
        })) {
            crate::output::Format::Table => PlanFormat::Table,
            _ => PlanFormat::Json,
        }
    }
}

pub fn run(args: Args) -> Result<ExitCode> {
    let defaults = strategy_defaults(args.strategy.as_deref())?;
    let PlannedDay {
        actions,
        held,
        invoices,
        customers,
        strategy,
        ..
    } = plan_source(&args.source, args.as_of, &defaults)?;
    // The ledger is not printed: free it (a million invoices take a tenth
    // of a second) on the other core while the actions are written.
    let freeing = std::thread::spawn(move || drop((invoices, customers)));
    let actions = &actions;
    match PlanFormat::resolve(args.format) {
        PlanFormat::Json => write_json(actions)?,
        PlanFormat::Table => {
            print!("{}", render(actions));
            println!("{}", totals(actions, args.as_of));
            print!("{}", render_held(&held));
            if !BusinessDays::new(&strategy.tenant.calendar).is_business_day(args.as_of) {
                println!(
                    "{} is not a business day in the strategy's calendar: nothing is planned on it",
                    args.as_of
                );
            }
        }
    }
    if let Err(panic) = freeing.join() {
        std::panic::resume_unwind(panic);
    }
    Ok(ExitCode::SUCCESS)
}

/// Plans `as_of` from the store (`--db`: one consistent read of the ledger,
/// sent log, portal holds and stored strategy) or from a ledger file.
pub fn plan_source(
    src: &LedgerArgs,
    as_of: NaiveDate,
    defaults: &StrategyDefaults,
) -> Result<PlannedDay> {
    let inputs = day_inputs(src, as_of)?;
    plan_inputs(inputs, &src.tenant, defaults).with_context(|| plan_context(src, as_of))
}

/// What a day's plan depends on, as of `as_of`: from the store with
/// `--db` (portal holds, sent log and stored strategy included), else the
/// ledger and customers files (nothing sent, no holds).
pub fn day_inputs(src: &LedgerArgs, as_of: NaiveDate) -> Result<DayInputs> {
    if let Some(db) = &src.db {
        let store = crate::store::open_tenant(db, &src.tenant)?;
        return store
            .day_inputs(&src.tenant, as_of, Scope::Tenant)
            .with_context(|| plan_context(src, as_of));
    }
    let (invoices, _) = source::load_invoices(src, as_of)?;
    Ok(DayInputs {
        as_of,
        invoices,
        customers: source::load_customers(src)?,
        ..DayInputs::default()
    })
}

fn plan_context(src: &LedgerArgs, as_of: NaiveDate) -> String {
    match &src.db {
        Some(db) => format!(
            "planning {as_of} for tenant '{}' from {}",
            src.tenant,
            db.display()
        ),
        None => format!("planning {as_of}"),
    }
}

/// Pretty JSON to stdout, streamed (a month-end plan can be 100,000 actions).
pub fn write_json<T: serde::Serialize>(value: &T) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

/// The strategy from `path`, or the built-in default.
pub fn load_strategy(path: Option<&Path>) -> Result<Strategy> {
    let Some(path) = path else {
        return Ok(Strategy::from_toml(DEFAULT_STRATEGY, "default.toml")?);
    };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Strategy::from_toml(&text, &path.display().to_string()).map_err(|e| {
        anyhow::anyhow!(
            "{e}\n(run `arflow strategy lint {}` for every finding)",
            path.display()
        )
    })
}

/// The strategy file when given (used as is), else the tenant's stored
/// strategy (`PUT /api/strategy`) when planning from a store, else the
/// built-in default.
pub fn strategy_defaults(path: Option<&Path>) -> Result<StrategyDefaults> {
    Ok(StrategyDefaults {
        forced: match path {
            Some(p) => Some(load_strategy(Some(p))?),
            None => None,
        },
        fallback: load_strategy(None)?,
        identity: None,
    })
}

/// Who an action goes to: a role, or the channel and addresses.
pub fn recipient(a: &Action) -> String {
    match (&a.recipients, a.channel) {
        (Recipients::Role(r), _) => r.as_str().to_string(),
        (Recipients::Addresses(list), Some(ch)) if list.is_empty() => {
            format!("{} (no address)", channel_str(ch))
        }
        (Recipients::Addresses(list), Some(ch)) => {
            format!("{} {}", channel_str(ch), list.join(", "))
        }
        (Recipients::Addresses(list), None) => list.join(", "),
    }
}

fn invoices(a: &Action) -> String {
    const SHOWN: usize = 4;
    let mut s = a
        .invoice_ids
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(",");
    if a.invoice_ids.len() > SHOWN {
        s.push_str(&format!(",… (+{})", a.invoice_ids.len() - SHOWN));
    }
    if s.is_empty() { "-".to_string() } else { s }
}

/// Aligned lines: customer, kind, rule, invoices, template, recipient; the
/// explanation indented under each.
pub fn render(actions: &[Action]) -> String {
    let rows: Vec<[String; 6]> = actions
        .iter()
        .map(|a| {
            [
                a.customer_id.clone(),
                a.kind.as_str().to_string(),
                a.rule.clone(),
                invoices(a),
                a.template.clone().unwrap_or_else(|| "-".into()),
                recipient(a),
            ]
        })
        .collect();
    let mut widths = [0usize; 6];
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for (r, a) in rows.iter().zip(actions) {
        let mut line = String::new();
        for (i, (cell, w)) in r.iter().zip(widths).enumerate() {
            if i + 1 == r.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<w$}  "));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
        out.push_str(&format!("    {}\n", a.explanation));
    }
    out
}

/// The reminders the contact budget holds back, one customer a line.
pub fn render_held(held: &[HeldBack]) -> String {
    if held.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "Held back by the contact budget ({} customer(s)):\n",
        held.len()
    );
    for h in held {
        out.push_str(&format!("  {}: {h}\n", h.customer_id));
    }
    out
}

/// "12 actions on 2024-03-01: 5 messages, 7 tasks and notifications, 4 customers".
pub fn totals(actions: &[Action], day: NaiveDate) -> String {
    let messages = actions.iter().filter(|a| a.is_external()).count();
    let mut customers: Vec<&str> = actions.iter().map(|a| a.customer_id.as_str()).collect();
    customers.sort_unstable();
    customers.dedup();
    format!(
        "{} action(s) on {day}: {messages} message(s), {} task(s) and notification(s), {} customer(s)",
        actions.len(),
        actions.len() - messages,
        customers.len()
    )
}
