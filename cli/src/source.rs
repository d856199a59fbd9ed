//! Where a command's ledger comes from: a file (with its column mapping and
//! formats) or the local store, plus the customers file.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use arflow_app::fast;
use arflow_app::reader::{self, ReadOptions, Reject};
use arflow_domain::columns::{CUSTOMER_COLUMNS, ColumnMapping, LEDGER_COLUMNS};
use arflow_domain::ledger::{Customer, Invoice};
use arflow_domain::money::Currency;
use arflow_domain::row::ValueFormat;
use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Deserialize;

/// Flags that say where the ledger is and how to read it.
#[derive(clap::Args, Clone, Debug)]
pub struct LedgerArgs {
    /// Ledger file: CSV with a header or JSON Lines, plain or .gz.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "db",
        conflicts_with = "db"
    )]
    pub ledger: Option<PathBuf>,
    /// Customers file (CSV or JSON Lines): names, emails, types, credit limits…
    #[arg(long, value_name = "FILE")]
    pub customers: Option<PathBuf>,
    /// Read the ledger from this local store instead of a file.
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Tenant (company) whose data to use in the store.
    #[arg(long, default_value = "default")]
    pub tenant: String,
    #[command(flatten)]
    pub read: ReadArgs,
}

/// Flags that say how to read a ledger or customers file.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct ReadArgs {
    /// Map a canonical column to your file's column: --map invoice_id=InvoiceNumber (repeatable).
    #[arg(long = "map", value_name = "CANONICAL=SOURCE")]
    pub map: Vec<String>,
    /// TOML mapping file: date_format, currency, [ledger] and [customers] column maps.
    #[arg(long, value_name = "FILE")]
    pub mapping: Option<PathBuf>,
    /// strftime format of dates in the file, e.g. %m/%d/%Y (ISO dates always work).
    #[arg(long, value_name = "FORMAT")]
    pub date_format: Option<String>,
    /// Currency of rows without a currency column [default: USD].
    #[arg(long, value_name = "CODE")]
    pub currency: Option<String>,
    /// Fail (exit 3) and use or store nothing if any row is rejected.
    #[arg(long)]
    pub strict: bool,
    /// Where to write rejected rows [default: next to the ledger, NAME.rejects.csv].
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
}

/// A `--mapping` file.
#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    date_format: Option<String>,
    currency: Option<String>,
    #[serde(default)]
    ledger: BTreeMap<String, String>,
    #[serde(default)]
    customers: BTreeMap<String, String>,
}

/// The rejected-row exit code (strict mode).
pub const EXIT_REJECTED: u8 = 3;

impl ReadArgs {
    fn mapping_file(&self) -> Result<MappingFile> {
        match &self.mapping {
            None => Ok(MappingFile::default()),
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("reading {}", p.display()))?;
                toml::from_str(&text)
                    .with_context(|| format!("{}: not a valid mapping file", p.display()))
            }
        }
    }

    /// Read options for the ledger and for the customers file.
    pub fn read_options(&self) -> Result<(ReadOptions, ReadOptions)> {
        let file = self.mapping_file()?;
        let currency = match self.currency.as_deref().or(file.currency.as_deref()) {
            Some(c) => Currency::parse(c).map_err(|e| anyhow::anyhow!("--currency: {e}"))?,
            None => Currency::USD,
        };
        let format = ValueFormat {
            date_format: self.date_format.clone().or(file.date_format),
            default_currency: currency,
        };
        let mut ledger = ColumnMapping::default();
        for (k, v) in &file.ledger {
            ledger
                .insert_pair(&format!("{k}={v}"), &LEDGER_COLUMNS)
                .context("mapping file [ledger]")?;
        }
        for pair in &self.map {
            ledger.insert_pair(pair, &LEDGER_COLUMNS).context("--map")?;
        }
        let mut customers = ColumnMapping::default();
        for (k, v) in &file.customers {
            customers
                .insert_pair(&format!("{k}={v}"), &CUSTOMER_COLUMNS)
                .context("mapping file [customers]")?;
        }
        Ok((
            ReadOptions {
                mapping: ledger,
                format: format.clone(),
            },
            ReadOptions {
                mapping: customers,
                format,
            },
        ))
    }

    /// Where rejected rows of `input` are written.
    pub fn rejects_path(&self, input: &Path) -> PathBuf {
        self.rejects
            .clone()
            .unwrap_or_else(|| rejects_path_for(input))
    }
}

/// `dir/export.csv.gz` → `dir/export.rejects.csv`.
pub fn rejects_path_for(input: &Path) -> PathBuf {
    let name = input
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name
        .split('.')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("ledger");
    input.with_file_name(format!("{stem}.rejects.csv"))
}

/// What loading saw, beyond the rows themselves.
#[derive(Debug, Default)]
pub struct Loaded {
    pub rejected: u64,
}

/// Calls `f` for every invoice of the ledger: from the file (reporting
/// rejects) or, with `--db`, as the store knew it on `as_of`.
pub fn for_each_invoice(
    args: &LedgerArgs,
    as_of: NaiveDate,
    f: &mut dyn FnMut(Invoice),
) -> Result<Loaded> {
    if let Some(db) = &args.db {
        return crate::store::for_each_invoice_as_of(db, &args.tenant, as_of, f);
    }
    let Some(path) = &args.ledger else {
        bail!("give --ledger FILE or --db PATH")
    };
    let (opts, _) = args.read.read_options()?;
    // In strict mode a reject fails the command after the read, before any
    // result is printed or stored.
    let summary = read_with_progress(path, &opts, f)?;
    report_rejects(&args.read, path, &summary.rejects)?;
    Ok(Loaded {
        rejected: summary.rejects.len() as u64,
    })
}

/// Reads the whole ledger into memory: a file on the fast path (same
/// invoices, order and rejects as [`for_each_invoice`]), or the store.
pub fn load_invoices(args: &LedgerArgs, as_of: NaiveDate) -> Result<(Vec<Invoice>, Loaded)> {
    let mut rows = Vec::new();
    let Some(path) = args.ledger.as_ref().filter(|_| args.db.is_none()) else {
        let loaded = for_each_invoice(args, as_of, &mut |i| rows.push(i))?;
        return Ok((rows, loaded));
    };
    let (opts, _) = args.read.read_options()?;
    let summary = with_progress(path, |progress| {
        fast::read_ledger_fast(path, &opts, progress, &mut |i| rows.push(i))
    })?;
    report_rejects(&args.read, path, &summary.rejects)?;
    let loaded = Loaded {
        rejected: summary.rejects.len() as u64,
    };
    Ok((rows, loaded))
}

/// The customers: from `--customers` when given, else from the store with
/// `--db`, else none (commands fall back to defaults per customer id).
pub fn load_customers(args: &LedgerArgs) -> Result<Vec<Customer>> {
    if let Some(path) = &args.customers {
        let (_, opts) = args.read.read_options()?;
        let mut out = Vec::new();
        let s = reader::read_customers(path, &opts, &mut |c| out.push(c))?;
        report_rejects(&args.read, path, &s.rejects)?;
        return Ok(out);
    }
    if let Some(db) = &args.db {
        return crate::store::customers(db, &args.tenant);
    }
    Ok(Vec::new())
}

/// A progress bar on stderr for reading `path`, when stderr is a terminal.
pub fn progress_bar(path: &Path) -> Option<ProgressBar> {
    std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} ({eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_message(format!("reading {}", path.display()));
        bar
    })
}

fn read_with_progress(
    path: &Path,
    opts: &ReadOptions,
    f: &mut dyn FnMut(Invoice),
) -> Result<reader::ReadSummary> {
    with_progress(path, |progress| {
        reader::read_ledger_with_progress(path, opts, progress, f)
    })
}

/// Runs `read` with a progress bar for `path` (when stderr is a terminal).
fn with_progress(
    path: &Path,
    read: impl FnOnce(reader::Progress<'_>) -> Result<reader::ReadSummary, reader::ReadError>,
) -> Result<reader::ReadSummary> {
    let bar = progress_bar(path);
    let progress = |done: u64, total: u64| {
        if let Some(b) = &bar {
            b.set_length(total);
            b.set_position(done);
        }
    };
    let summary = read(&progress)?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(summary)
}

/// Prints the first rejects and where all of them went; in strict mode any
/// reject is an error.
pub fn report_rejects(args: &ReadArgs, input: &Path, rejects: &[Reject]) -> Result<()> {
    if rejects.is_empty() {
        return Ok(());
    }
    let out = args.rejects_path(input);
    reader::write_rejects(&out, rejects)
        .with_context(|| format!("writing rejects to {}", out.display()))?;
    for r in rejects.iter().take(10) {
        eprintln!("rejected {r}");
    }
    if rejects.len() > 10 {
        eprintln!("… and {} more", rejects.len() - 10);
    }
    eprintln!(
        "{} row(s) rejected; all written to {}",
        rejects.len(),
        out.display()
    );
    if args.strict {
        return Err(anyhow::Error::new(StrictRejected(rejects.len())));
    }
    Ok(())
}

/// Strict mode met a reject: nothing was used.
#[derive(Debug)]
pub struct StrictRejected(pub usize);

impl std::fmt::Display for StrictRejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "--strict: {} row(s) rejected, nothing was used", self.0)
    }
}

impl std::error::Error for StrictRejected {}
