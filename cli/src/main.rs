//! `arflow`: accounts-receivable collections on your laptop — read a ledger,
//! age it, compute KPIs, keep it in a local store, and run a collection
//! strategy against it.

use anyhow::Result;
use clap::{Parser, Subcommand};

mod cmd_aging;
mod cmd_demo;
mod cmd_gen;
mod cmd_ingest;
mod cmd_kpis;
mod cmd_plan;
mod cmd_run;
mod cmd_serve;
mod cmd_simulate;
mod cmd_strategy;
mod cmd_tenant;
mod output;
mod source;
mod store;

/// Accounts-receivable collections: aging, KPIs, collection strategies.
#[derive(Parser)]
#[command(name = "arflow", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The whole loop on the example data: ingest, aging, KPIs, a month of the default strategy.
    Demo(cmd_demo::Args),
    /// Point-in-time aging report of a ledger file or the store.
    Aging(cmd_aging::Args),
    /// DSO, best-possible DSO, ADD, CEI, days late, past-due and bad-debt ratios.
    Kpis(cmd_kpis::Args),
    /// Write a deterministic synthetic ledger (and customers) for demos, tests and benchmarks.
    GenLedger(cmd_gen::Args),
    /// Keep a ledger in the local store: record what changed since the last file, with history.
    Ingest(cmd_ingest::Args),
    /// Plan the day from the store and dispatch it: e-mails to an .eml outbox, tasks to the store.
    Run(cmd_run::Args),
    /// The actions a collection strategy says are due on a day (nothing is sent).
    Plan(cmd_plan::Args),
    /// Backtest a strategy: the calendar of every action over a date range, with a summary.
    Simulate(cmd_simulate::Args),
    /// Serve the customer portal and the AR team API on the local store (or create an API key).
    Serve(cmd_serve::Args),
    /// Show, lint or describe (JSON Schema) collection strategy files.
    Strategy(cmd_strategy::Args),
    /// Tenants on AWS: store a tenant's config and create or update its daily schedule.
    Tenant(cmd_tenant::Args),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Serve(_)) {
        quit_quietly_on_closed_pipe();
    }
    match run(cli) {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.downcast_ref::<source::StrictRejected>().is_some() {
                std::process::ExitCode::from(source::EXIT_REJECTED)
            } else {
                std::process::ExitCode::from(2)
            }
        }
    }
}

fn run(cli: Cli) -> Result<std::process::ExitCode> {
    match cli.command {
        Command::Demo(a) => cmd_demo::run(a),
        Command::Aging(a) => cmd_aging::run(a),
        Command::Kpis(a) => cmd_kpis::run(a),
        Command::GenLedger(a) => cmd_gen::run(a),
        Command::Ingest(a) => cmd_ingest::run(a),
        Command::Run(a) => cmd_run::run(a),
        Command::Plan(a) => cmd_plan::run(a),
        Command::Simulate(a) => cmd_simulate::run(a),
        Command::Strategy(a) => cmd_strategy::run(a),
        Command::Serve(a) => cmd_serve::run(a),
        Command::Tenant(a) => cmd_tenant::run(a),
    }
}

/// `arflow demo | head` closes stdout early: like any Unix filter, the
/// command then ends at once and quietly (the default action of SIGPIPE,
/// which Rust's runtime sets to "ignore" — then `println!` would panic).
/// Not for `serve`, whose sockets must outlive a client that hangs up.
#[cfg(unix)]
fn quit_quietly_on_closed_pipe() {
    unsafe extern "C" {
        fn signal(signum: i32, handler: usize) -> usize;
    }
    const SIGPIPE: i32 = 13; // the same on Linux and macOS
    const SIG_DFL: usize = 0;
    // SAFETY: called once at start-up, before any thread is spawned;
    // restoring a signal's default action has no other effect.
    unsafe {
        signal(SIGPIPE, SIG_DFL);
    }
}

#[cfg(not(unix))]
fn quit_quietly_on_closed_pipe() {}

/// `arflow plan … | head` closes the pipe early: that is not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
