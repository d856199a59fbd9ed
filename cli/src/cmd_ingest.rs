//! `arflow ingest`: keep a ledger in the local store across days, recording
//! only what changed since the last file.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use arflow_app::ingest::{
    DeliveredObject, IngestError, IngestFiles, IngestMode, IngestOptions, IngestReport, ingest,
};
use arflow_local::SqliteStore;
use arflow_local::digest::sha256_files;
use chrono::NaiveDate;

use crate::output::grouped;
use crate::source::{self, ReadArgs};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Ledger file to ingest: CSV with a header or JSON Lines, plain or .gz.
    #[arg(long, value_name = "FILE")]
    pub ledger: PathBuf,
    /// Customers file (CSV or JSON Lines) to store alongside.
    #[arg(long, value_name = "FILE")]
    pub customers: Option<PathBuf>,
    /// The store to write (created when missing).
    #[arg(long, value_name = "PATH", default_value = "arflow.db")]
    pub db: PathBuf,
    /// Tenant (company) the ledger belongs to.
    #[arg(long, default_value = "default")]
    pub tenant: String,
    /// snapshot: the file lists every open item, so an open invoice missing
    /// from it was settled on the as-of date; delta: add and update only.
    #[arg(long, value_enum, default_value_t = Mode::Snapshot)]
    pub mode: Mode,
    /// The day the file describes (YYYY-MM-DD) [default: today].
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<NaiveDate>,
    #[command(flatten)]
    pub read: ReadArgs,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum Mode {
    Snapshot,
    Delta,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let as_of = args
        .as_of
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let (ledger_options, customer_options) = args.read.read_options()?;
    let opts = IngestOptions {
        tenant: args.tenant.clone(),
        as_of,
        mode: match args.mode {
            Mode::Snapshot => IngestMode::Snapshot,
            Mode::Delta => IngestMode::Delta,
        },
        strict: args.read.strict,
    };
    let object = delivered_object(&args.ledger, args.customers.as_deref())?;
    let files = IngestFiles {
        ledger: &args.ledger,
        ledger_options: &ledger_options,
        customers: args.customers.as_deref(),
        customer_options: &customer_options,
    };
    let mut store = SqliteStore::open(&args.db)?;

    let bar = source::progress_bar(&args.ledger);
    let progress = |done: u64, total: u64| {
        if let Some(b) = &bar {
            b.set_length(total);
            b.set_position(done);
        }
    };
    let result = ingest(&mut store, &files, &opts, Some(&object), &progress);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let report = match result {
        Ok(report) => report,
        Err(IngestError::Rejected(rejects)) => {
            source::report_rejects(&args.read, &args.ledger, &rejects)?;
            // report_rejects fails in strict mode; this is not reached.
            return Ok(ExitCode::from(source::EXIT_REJECTED));
        }
        Err(e) => {
            return Err(e).with_context(|| {
                format!(
                    "ingesting {} into {}",
                    args.ledger.display(),
                    args.db.display()
                )
            });
        }
    };
    source::report_rejects(&args.read, &args.ledger, &report.rejects)?;
    println!("{}", summary_line(&args, as_of, &report));
    Ok(ExitCode::SUCCESS)
}

/// What identifies this delivery: the file's absolute path and the digest of
/// its content (and of the customers file).
fn delivered_object(ledger: &Path, customers: Option<&Path>) -> Result<DeliveredObject> {
    let key = std::fs::canonicalize(ledger)
        .with_context(|| format!("{}: cannot open", ledger.display()))?
        .display()
        .to_string();
    let mut paths = vec![ledger];
    paths.extend(customers);
    let content_digest = sha256_files(&paths).with_context(|| {
        format!(
            "reading {}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    Ok(DeliveredObject {
        key,
        content_digest,
    })
}

/// `ingested ledger.csv as of 2024-01-31: 12 new, 3 changed, 2 closed, 1,000 unchanged, 1 rejected (see ledger.rejects.csv)`.
fn summary_line(args: &Args, as_of: NaiveDate, report: &IngestReport) -> String {
    let name = args.ledger.display();
    let s = &report.summary;
    if report.already_ingested {
        return format!(
            "{name} as of {as_of} was already ingested into tenant '{}' (same content and options): \
             0 new, 0 changed, 0 closed; nothing written",
            args.tenant
        );
    }
    let mut line = format!(
        "ingested {name} as of {as_of}: {} new, {} changed, {} closed, {} unchanged, {} rejected",
        grouped(s.new),
        grouped(s.changed),
        grouped(s.closed),
        grouped(s.unchanged),
        grouped(s.rejected),
    );
    if s.rejected > 0 {
        let rejects = args.read.rejects_path(&args.ledger);
        line.push_str(&format!(" (see {})", rejects.display()));
    }
    if args.customers.is_some() {
        line.push_str(&format!(
            "; customers: {} new, {} changed",
            grouped(s.customers_new),
            grouped(s.customers_changed)
        ));
    }
    line
}
