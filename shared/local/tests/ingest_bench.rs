//! A measurement, not a check: ingesting a large generated ledger into a
//! SQLite file. Run it on purpose, optimised:
//!
//! `cargo test --release -p arflow-local --test ingest_bench -- --ignored --nocapture`
//!
//! `ARFLOW_BENCH_ROWS` sets the size (default 1,000,000).

use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use arflow_app::ingest::{IngestFiles, IngestMode, IngestOptions, ingest};
use arflow_app::reader::{ReadOptions, read_ledger};
use arflow_app::store::LedgerStore;
use arflow_local::SqliteStore;

/// A plain generator (not `arflow gen-ledger`, so this crate stands alone):
/// ids in file order, 2,000 customers, a third paid, every 50th a credit note.
fn write_ledger(path: &Path, rows: u64, paid_every: u64) {
    let mut w = BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(w, "invoice_id,customer_id,invoice_date,due_date,amount,currency,paid_amount,paid_date,disputed,status").unwrap();
    for i in 0..rows {
        let day = 1 + i % 28;
        let month = 1 + (i / 28) % 11;
        let cents = (i % 100_000) + 100;
        let sign = if i % 50 == 0 { "-" } else { "" };
        // A paid_date without paid_amount means paid in full on that day.
        let paid_date = if i % paid_every == 0 {
            format!("2024-12-{day:02}")
        } else {
            String::new()
        };
        writeln!(
            w,
            "INV-{i:08},C-{:05},2024-{month:02}-{day:02},2024-{:02}-{day:02},{sign}{}.{:02},USD,,{paid_date},no,",
            i % 2_000,
            month + 1,
            cents / 100,
            cents % 100,
        )
        .unwrap();
    }
    w.flush().unwrap();
}

#[test]
#[ignore = "a measurement; run with --release -- --ignored --nocapture"]
fn ingest_a_large_ledger_into_a_sqlite_file() {
    let rows: u64 = std::env::var("ARFLOW_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.csv");
    let second = dir.path().join("second.csv");
    write_ledger(&first, rows, 3);
    write_ledger(&second, rows * 99 / 100, 2);

    let read = ReadOptions::default();
    let t = Instant::now();
    let mut n = 0u64;
    read_ledger(&first, &read, &mut |_| n += 1).unwrap();
    println!("read only:               {n} rows in {:.2?}", t.elapsed());

    let mut store = SqliteStore::open(&dir.path().join("arflow.db")).unwrap();
    let opts = IngestOptions {
        tenant: "bench".into(),
        as_of: "2024-12-31".parse().unwrap(),
        mode: IngestMode::Snapshot,
        strict: false,
    };
    let mut run = |label: &str, path: &Path| {
        let files = IngestFiles {
            ledger: path,
            ledger_options: &read,
            customers: None,
            customer_options: &read,
        };
        let t = Instant::now();
        let report = ingest(&mut store, &files, &opts, None, &|_, _| {}).unwrap();
        println!("{label:<24} {:.2?}  {:?}", t.elapsed(), report.summary);
    };
    run("first ingest (all new):", &first);
    run("same file again:", &first);
    run("next snapshot:", &second);

    let t = Instant::now();
    let mut open = 0u64;
    store
        .invoices_as_of("bench", "2024-06-30".parse().unwrap(), &mut |i| {
            open += u64::from(i.is_open_on("2024-06-30".parse().unwrap()))
        })
        .unwrap();
    println!("read as of a past date:  {:.2?} ({open} open)", t.elapsed());
    let size = std::fs::metadata(dir.path().join("arflow.db"))
        .unwrap()
        .len();
    println!("store file:              {} MB", size / 1_000_000);
}
