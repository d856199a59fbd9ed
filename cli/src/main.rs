//! `arflow`: accounts-receivable collections on your laptop — read a ledger,
//! age it, compute KPIs, keep it in a local store, and run a collection
//! strategy against it.

use anyhow::Result;
use clap::{Parser, Subcommand};

mod cmd_aging;
mod cmd_gen;
mod cmd_kpis;
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
    /// Point-in-time aging report of a ledger file or the store.
    Aging(cmd_aging::Args),
    /// DSO, best-possible DSO, ADD, CEI, days late, past-due and bad-debt ratios.
    Kpis(cmd_kpis::Args),
    /// Write a deterministic synthetic ledger (and customers) for demos, tests and benchmarks.
    GenLedger(cmd_gen::Args),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
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
        Command::Aging(a) => cmd_aging::run(a),
        Command::Kpis(a) => cmd_kpis::run(a),
        Command::GenLedger(a) => cmd_gen::run(a),
    }
}
