//! `arflow gen-ledger`: writes a deterministic synthetic ledger (and its
//! customers) for demos, tests and benchmarks.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use arflow_domain::columns::{CUSTOMER_COLUMNS, LEDGER_COLUMNS};
use arflow_domain::money::Currency;
use arflow_domain::synth::record::{customer_fields, invoice_fields};
use arflow_domain::synth::{self, SynthParams};
use chrono::NaiveDate;
use flate2::Compression;
use flate2::write::GzEncoder;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Number of invoices to generate.
    #[arg(long, value_name = "N", default_value_t = 1_000)]
    pub invoices: u64,
    /// Seed: the same seed and flags always give a byte-identical file.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Ledger file to write (.csv, .jsonl; add .gz to compress).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Also write the customers the ledger bills to this file.
    #[arg(long, value_name = "FILE")]
    pub customers_out: Option<PathBuf>,
    /// Number of customers [default: invoices / 20].
    #[arg(long, value_name = "N")]
    pub customer_count: Option<u64>,
    /// Export date: invoices are issued over the year before it, nothing is paid after it.
    #[arg(long, value_name = "DATE", default_value = "2024-12-31")]
    pub as_of: NaiveDate,
    /// Billing currencies, the first the home currency: --currencies USD,EUR,GBP.
    #[arg(
        long,
        value_name = "CODES",
        value_delimiter = ',',
        default_value = "USD"
    )]
    pub currencies: Vec<String>,
    /// File format [default: from the file name; CSV unless it ends in .jsonl/.ndjson/.json].
    #[arg(long, value_enum)]
    pub format: Option<FileFormat>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileFormat {
    /// CSV with a header of canonical column names.
    Csv,
    /// JSON Lines: one object per row, canonical keys, amounts as strings.
    Jsonl,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let currencies = args
        .currencies
        .iter()
        .map(|c| Currency::parse(c).with_context(|| format!("--currencies: '{c}'")))
        .collect::<Result<Vec<_>>>()?;
    if args.customer_count == Some(0) {
        bail!("--customer-count must be at least 1");
    }
    let params = SynthParams {
        invoices: args.invoices,
        customers: args.customer_count,
        seed: args.seed,
        as_of: args.as_of,
        currencies,
    };
    let ledger_format = args.format.unwrap_or_else(|| format_of(&args.out));
    write_atomically(&args.out, |w| {
        write_rows(
            w,
            ledger_format,
            &LEDGER_COLUMNS,
            synth::generate(&params).map(|i| invoice_fields(&i)),
        )
    })?;
    eprintln!(
        "wrote {} invoices (seed {}, as of {}) to {}",
        params.invoices,
        params.seed,
        params.as_of,
        args.out.display()
    );
    if let Some(path) = &args.customers_out {
        let format = args.format.unwrap_or_else(|| format_of(path));
        let customers = synth::customers(&params);
        write_atomically(path, |w| {
            write_rows(
                w,
                format,
                &CUSTOMER_COLUMNS,
                customers.iter().map(customer_fields),
            )
        })?;
        eprintln!("wrote {} customers to {}", customers.len(), path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// The format a file name implies (a trailing .gz aside).
fn format_of(path: &Path) -> FileFormat {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let stem = name.strip_suffix(".gz").unwrap_or(&name);
    if [".jsonl", ".ndjson", ".json"]
        .iter()
        .any(|e| stem.ends_with(e))
    {
        FileFormat::Jsonl
    } else {
        FileFormat::Csv
    }
}

/// Writes `path` through a temporary file next to it, gzip-compressed when
/// the name ends in .gz, so a reader never sees half a file.
fn write_atomically(path: &Path, body: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    let mut tmp_name = path
        .file_name()
        .context("--out needs a file name")?
        .to_os_string();
    tmp_name.push(".partial");
    let tmp = path.with_file_name(tmp_name);
    let file = File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let buffered = BufWriter::with_capacity(1 << 16, file);
    let gz = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    let result = if gz {
        let mut enc = GzEncoder::new(buffered, Compression::default());
        body(&mut enc)
            .and_then(|()| enc.finish().map_err(Into::into))
            .and_then(|mut w| w.flush().map_err(Into::into))
    } else {
        let mut w = buffered;
        body(&mut w).and_then(|()| w.flush().map_err(Into::into))
    };
    let result = result
        .with_context(|| format!("writing {}", tmp.display()))
        .and_then(|()| {
            std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))
        });
    if result.is_err()
        && let Err(e) = std::fs::remove_file(&tmp)
    {
        eprintln!("warning: could not remove {}: {e}", tmp.display());
    }
    result
}

/// Streams records of `columns.len()` fields as CSV (with a header) or JSON
/// Lines (empty fields left out, `disputed`/`white_glove` as booleans).
fn write_rows<const N: usize>(
    w: &mut dyn Write,
    format: FileFormat,
    columns: &[&str; N],
    rows: impl Iterator<Item = [String; N]>,
) -> Result<()> {
    match format {
        FileFormat::Csv => {
            let mut csv = csv::WriterBuilder::new().from_writer(w);
            csv.write_record(columns)?;
            for row in rows {
                csv.write_record(&row)?;
            }
            csv.flush()?;
        }
        FileFormat::Jsonl => {
            let mut line = String::new();
            for row in rows {
                line.clear();
                line.push('{');
                for (key, value) in columns.iter().zip(&row).filter(|(_, v)| !v.is_empty()) {
                    if line.len() > 1 {
                        line.push(',');
                    }
                    line.push_str(&serde_json::to_string(key)?);
                    line.push(':');
                    let boolean = matches!(*key, "disputed" | "white_glove")
                        && (value == "true" || value == "false");
                    if boolean {
                        line.push_str(value);
                    } else {
                        line.push_str(&serde_json::to_string(value)?);
                    }
                }
                line.push_str("}\n");
                w.write_all(line.as_bytes())?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_follows_the_file_name_through_gz() {
        assert_eq!(format_of(Path::new("x/ledger.csv")), FileFormat::Csv);
        assert_eq!(format_of(Path::new("ledger.csv.gz")), FileFormat::Csv);
        assert_eq!(format_of(Path::new("ledger.JSONL.gz")), FileFormat::Jsonl);
        assert_eq!(format_of(Path::new("ledger")), FileFormat::Csv);
    }

    #[test]
    fn jsonl_rows_leave_out_empty_fields_and_keep_booleans() {
        let mut out = Vec::new();
        let rows = [["A".to_string(), String::new(), "true".to_string()]];
        write_rows(
            &mut out,
            FileFormat::Jsonl,
            &["invoice_id", "paid_date", "disputed"],
            rows.into_iter(),
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"invoice_id\":\"A\",\"disputed\":true}\n"
        );
    }
}
