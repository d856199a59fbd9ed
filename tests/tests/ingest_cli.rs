//! `arflow ingest` end to end: the binary keeps a ledger in a SQLite store,
//! writes nothing for an unchanged file, closes what a snapshot drops, and
//! ages the store as of a past date exactly as it ages that day's file.
//!
//! Runs the built binary: `cargo build -p arflow-cli && cargo test -p arflow-tests`
//! (scripts/test does both), or point `$ARFLOW_BIN` at one.

use std::path::Path;
use std::process::Output;

use arflow_local::SqliteStore;

use arflow_tests::arflow;

/// A scratch directory holding copies of the store fixtures (rejects files
/// are written next to the ledger, so never into the source tree).
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/local/tests/fixtures");
    for entry in std::fs::read_dir(&fixtures).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    dir
}

fn run(dir: &Path, args: &[&str]) -> Output {
    arflow()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run arflow")
}

fn stdout_ok(dir: &Path, args: &[&str]) -> String {
    let o = run(dir, args);
    assert!(
        o.status.success(),
        "arflow {args:?} failed ({}): {}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

fn ingest(dir: &Path, ledger: &str, as_of: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "ingest", "--ledger", ledger, "--tenant", "acme", "--as-of", as_of,
    ];
    args.extend_from_slice(extra);
    stdout_ok(dir, &args)
}

fn counts(dir: &Path, db: &str) -> arflow_local::RowCounts {
    SqliteStore::open(&dir.join(db))
        .unwrap()
        .row_counts("acme")
        .unwrap()
}

#[test]
fn ingesting_the_same_file_twice_writes_nothing_the_second_time() {
    let dir = workspace();
    let d = dir.path();
    let first = ingest(d, "ledger-2024-01-31.csv", "2024-01-31", &[]);
    assert!(
        first.contains("ingested ledger-2024-01-31.csv as of 2024-01-31: 7 new, 0 changed, 0 closed, 0 unchanged, 0 rejected"),
        "{first}"
    );
    let before = counts(d, "arflow.db");
    let db_bytes = std::fs::read(d.join("arflow.db")).unwrap();

    let second = ingest(d, "ledger-2024-01-31.csv", "2024-01-31", &[]);
    assert!(second.contains("0 new, 0 changed, 0 closed"), "{second}");
    assert!(second.contains("already ingested"), "{second}");
    assert_eq!(
        std::fs::read(d.join("arflow.db")).unwrap(),
        db_bytes,
        "the store file is untouched"
    );

    // The same content under another name is diffed, and still changes nothing.
    std::fs::copy(d.join("ledger-2024-01-31.csv"), d.join("copy.csv")).unwrap();
    let copy = ingest(d, "copy.csv", "2024-01-31", &[]);
    assert!(
        copy.contains("0 new, 0 changed, 0 closed, 7 unchanged"),
        "{copy}"
    );
    assert_eq!(
        counts(d, "arflow.db"),
        arflow_local::RowCounts {
            ingested_objects: 2,
            ..before
        }
    );
}

#[test]
fn a_snapshot_closes_missing_invoices_and_a_delta_does_not() {
    let dir = workspace();
    let d = dir.path();
    ingest(d, "ledger-2024-01-31.csv", "2024-01-31", &[]);
    let snap = ingest(
        d,
        "ledger-2024-02-29.csv",
        "2024-02-29",
        &["--mode", "snapshot"],
    );
    assert!(
        snap.contains("1 new, 2 changed, 2 closed, 3 unchanged"),
        "{snap}"
    );

    ingest(
        d,
        "ledger-2024-01-31.csv",
        "2024-01-31",
        &["--db", "delta.db"],
    );
    let delta = ingest(
        d,
        "ledger-2024-02-29.csv",
        "2024-02-29",
        &["--db", "delta.db", "--mode", "delta"],
    );
    assert!(
        delta.contains("1 new, 2 changed, 0 closed, 3 unchanged"),
        "{delta}"
    );
    assert_eq!(counts(d, "delta.db").invoices, 8);
}

fn aging_json(dir: &Path, source: &[&str], as_of: &str) -> serde_json::Value {
    let mut args = vec![
        "aging", "--as-of", as_of, "--format", "json", "--by", "customer",
    ];
    args.extend_from_slice(source);
    serde_json::from_str(&stdout_ok(dir, &args)).unwrap()
}

#[test]
fn aging_from_the_store_as_of_a_past_date_equals_aging_of_that_days_file() {
    let dir = workspace();
    let d = dir.path();
    ingest(d, "ledger-2024-01-31.csv", "2024-01-31", &[]);
    ingest(d, "ledger-2024-02-29.csv", "2024-02-29", &[]);
    let store = ["--db", "arflow.db", "--tenant", "acme"];
    for (file, as_of) in [
        ("ledger-2024-01-31.csv", "2024-01-31"),
        ("ledger-2024-02-29.csv", "2024-02-29"),
    ] {
        let from_store = aging_json(d, &store, as_of);
        let from_file = aging_json(d, &["--ledger", file], as_of);
        assert_eq!(from_store, from_file, "as of {as_of}");
        assert_ne!(
            from_store["currencies"],
            serde_json::json!([]),
            "as of {as_of}"
        );
    }
    // On 2024-02-14 the store knows INV-1001 was paid on 2024-02-10 while the
    // snapshot-closed INV-1003 was still open.
    let mid = aging_json(d, &store, "2024-02-14");
    let usd_total = &mid["currencies"][1]["total"];
    assert_eq!(mid["currencies"][1]["currency"], "USD");
    // INV-1002 500.50 + CN-0007 -150.00 + INV-1003 5000.00 + INV-1005 999.99
    assert_eq!(usd_total["amount"], "6350.49", "{mid}");
}

#[test]
fn strict_mode_exits_non_zero_and_stores_nothing() {
    let dir = workspace();
    let d = dir.path();
    let o = run(
        d,
        &[
            "ingest",
            "--ledger",
            "ledger-with-bad-rows.csv",
            "--tenant",
            "acme",
            "--as-of",
            "2024-01-31",
            "--strict",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("ledger-with-bad-rows.csv:3"), "{stderr}");
    assert!(d.join("ledger-with-bad-rows.rejects.csv").exists());
    assert_eq!(counts(d, "arflow.db"), arflow_local::RowCounts::default());
}

#[test]
fn without_strict_good_rows_land_and_rejects_go_next_to_the_ledger() {
    let dir = workspace();
    let d = dir.path();
    let out = ingest(d, "ledger-with-bad-rows.csv", "2024-01-31", &[]);
    assert!(
        out.contains("2 new, 0 changed, 0 closed, 0 unchanged, 2 rejected (see ledger-with-bad-rows.rejects.csv)"),
        "{out}"
    );
    let rejects = std::fs::read_to_string(d.join("ledger-with-bad-rows.rejects.csv")).unwrap();
    assert_eq!(rejects.lines().count(), 3, "{rejects}");
    assert_eq!(counts(d, "arflow.db").invoices, 2);
}

#[test]
fn customers_are_ingested_with_the_ledger() {
    let dir = workspace();
    let d = dir.path();
    let out = ingest(
        d,
        "ledger-2024-01-31.csv",
        "2024-01-31",
        &["--customers", "customers.csv"],
    );
    assert!(out.contains("customers: 3 new, 0 changed"), "{out}");
    assert_eq!(counts(d, "arflow.db").customers, 3);
}

#[test]
fn an_erp_export_is_ingested_through_column_mapping() {
    let dir = workspace();
    let d = dir.path();
    std::fs::write(
        d.join("export.csv"),
        "InvoiceNumber,customerID,InvoiceDate,DueDate,InvoiceAmount,SettledDate,Disputed\n\
         8001,C1,1/15/2024,2/14/2024,100.00,,No\n\
         8002,C1,1/20/2024,2/19/2024,250.00,2/01/2024,Yes\n",
    )
    .unwrap();
    let out = ingest(
        d,
        "export.csv",
        "2024-02-05",
        &[
            "--map",
            "invoice_id=InvoiceNumber",
            "--map",
            "customer_id=customerID",
            "--map",
            "invoice_date=InvoiceDate",
            "--map",
            "due_date=DueDate",
            "--map",
            "amount=InvoiceAmount",
            "--map",
            "paid_date=SettledDate",
            "--map",
            "disputed=Disputed",
            "--date-format",
            "%m/%d/%Y",
        ],
    );
    assert!(
        out.contains("2 new, 0 changed, 0 closed, 0 unchanged, 0 rejected"),
        "{out}"
    );
}
