//! `arflow gen-ledger` end to end: the binary writes files that are
//! deterministic, read back with zero rejects, and look like a real ledger.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use arflow_app::reader::{ReadOptions, read_customers, read_ledger};
use arflow_domain::ledger::{CustomerType, Invoice, InvoiceStatus};
use arflow_tests::arflow;

fn gen_ledger(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let o = arflow()
        .arg("gen-ledger")
        .args(args)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("run arflow");
    assert!(
        o.status.success(),
        "gen-ledger failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

fn read_all(path: &Path) -> Vec<Invoice> {
    let mut rows = Vec::new();
    let s = read_ledger(path, &ReadOptions::default(), &mut |i| rows.push(i)).unwrap();
    assert!(
        s.rejects.is_empty(),
        "{}: {:?}",
        path.display(),
        &s.rejects[..s.rejects.len().min(5)]
    );
    assert_eq!(s.accepted, rows.len() as u64);
    rows
}

#[test]
fn same_seed_writes_a_byte_identical_file() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "--invoices",
        "5000",
        "--seed",
        "42",
        "--currencies",
        "USD,EUR",
    ];
    let a = gen_ledger(dir.path(), "a.csv", &args);
    let b = gen_ledger(dir.path(), "b.csv", &args);
    assert_eq!(std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    let a = gen_ledger(dir.path(), "a.csv.gz", &args);
    let b = gen_ledger(dir.path(), "b.csv.gz", &args);
    assert_eq!(
        std::fs::read(a).unwrap(),
        std::fs::read(b).unwrap(),
        "gzip output is deterministic too"
    );
}

#[test]
fn another_seed_writes_a_different_file() {
    let dir = tempfile::tempdir().unwrap();
    let a = gen_ledger(dir.path(), "a.csv", &["--invoices", "1000", "--seed", "1"]);
    let b = gen_ledger(dir.path(), "b.csv", &["--invoices", "1000", "--seed", "2"]);
    assert_ne!(std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
}

#[test]
fn generated_files_read_back_with_zero_rejects_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let customers = dir.path().join("customers.csv");
    let base = [
        "--invoices",
        "20000",
        "--seed",
        "7",
        "--currencies",
        "USD,EUR,GBP,JPY",
    ];
    let mut args = base.to_vec();
    args.extend(["--customers-out", customers.to_str().unwrap()]);
    let csv = read_all(&gen_ledger(dir.path(), "ledger.csv", &args));
    assert_eq!(csv.len(), 20_000);
    assert_eq!(
        read_all(&gen_ledger(dir.path(), "ledger.csv.gz", &base)),
        csv
    );
    assert_eq!(
        read_all(&gen_ledger(dir.path(), "ledger.jsonl", &base)),
        csv
    );

    let mut ids = HashSet::new();
    let s = read_customers(&customers, &ReadOptions::default(), &mut |c| {
        ids.insert(c.customer_id);
    })
    .unwrap();
    assert!(
        s.rejects.is_empty(),
        "{:?}",
        &s.rejects[..s.rejects.len().min(5)]
    );
    assert_eq!(ids.len(), 1_000, "N/20 customers");
    assert!(
        csv.iter().all(|i| ids.contains(&i.customer_id)),
        "every invoice bills a listed customer"
    );

    let o = arflow()
        .args([
            "aging",
            "--as-of",
            "2024-12-31",
            "--format",
            "json",
            "--ledger",
        ])
        .arg(dir.path().join("ledger.csv"))
        .arg("--customers")
        .arg(&customers)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["rejected"], 0);
    assert_eq!(report["currencies"].as_array().unwrap().len(), 4);
}

#[test]
fn generated_ledger_has_realistic_shares() {
    let dir = tempfile::tempdir().unwrap();
    let rows = read_all(&gen_ledger(
        dir.path(),
        "l.csv",
        &["--invoices", "40000", "--seed", "3"],
    ));
    let per_mille =
        |f: &dyn Fn(&Invoice) -> bool| rows.iter().filter(|i| f(i)).count() * 1000 / rows.len();
    let paid = per_mille(&|i| i.status == InvoiceStatus::Paid);
    assert!((650..=750).contains(&paid), "~70 % paid, got {paid}‰");
    let credit_notes = per_mille(&|i| i.amount < 0);
    assert!(
        (15..=25).contains(&credit_notes),
        "~2 % credit notes, got {credit_notes}‰"
    );
    let disputed = per_mille(&|i| i.disputed);
    assert!(
        (10..=20).contains(&disputed),
        "1-2 % disputed, got {disputed}‰"
    );
    assert!(
        rows.iter().any(|i| i.status == InvoiceStatus::WrittenOff),
        "some written off"
    );
    assert!(
        rows.iter().any(|i| i.status == InvoiceStatus::Void),
        "some void"
    );
    assert!(
        rows.iter()
            .any(|i| i.paid_date.is_none() && i.paid_amount > 0),
        "some part paid"
    );
    assert!(
        rows.iter().any(|i| i.amount > 100_000_000),
        "some invoices over 1,000,000"
    );
    let as_of = "2024-12-31".parse().unwrap();
    assert!(
        rows.iter()
            .all(|i| i.invoice_date <= as_of && i.paid_date.is_none_or(|p| p <= as_of))
    );
}

#[test]
fn committed_examples_are_what_the_generator_writes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = tempfile::tempdir().unwrap();
    let customers = dir.path().join("customers.csv");
    let ledger = gen_ledger(
        dir.path(),
        "ledger.csv",
        &[
            "--invoices",
            "400",
            "--customer-count",
            "40",
            "--seed",
            "123",
            "--customers-out",
            customers.to_str().unwrap(),
        ],
    );
    let hint = "examples/ drifted from the generator; regenerate with \
        `arflow gen-ledger --invoices 400 --customer-count 40 --seed 123 --out examples/ledger.csv --customers-out examples/customers.csv` \
        (and recheck README figures) if the change is intended";
    assert!(
        std::fs::read(root.join("examples/ledger.csv")).unwrap() == std::fs::read(ledger).unwrap(),
        "{hint}"
    );
    assert!(
        std::fs::read(root.join("examples/customers.csv")).unwrap()
            == std::fs::read(customers).unwrap(),
        "{hint}"
    );

    // The demo relies on the sample holding one of each case (seed 123 was
    // picked for that): keep it so when regenerating.
    let rows = read_all(&root.join("examples/ledger.csv"));
    let mut kinds = Vec::new();
    let s = read_customers(
        &root.join("examples/customers.csv"),
        &ReadOptions::default(),
        &mut |c| kinds.push(c),
    )
    .unwrap();
    assert!(s.rejects.is_empty());
    assert!(
        kinds.iter().any(|c| c.white_glove),
        "a white-glove customer"
    );
    assert!(
        kinds.iter().any(|c| !c.opted_out.is_empty()),
        "an opted-out customer"
    );
    assert!(
        kinds
            .iter()
            .filter(|c| c.kind == CustomerType::Strategic)
            .count()
            >= 2,
        "strategic customers"
    );
    assert!(
        kinds.iter().any(|c| c.kind == CustomerType::New),
        "a new customer"
    );
    assert!(
        rows.iter().any(|i| i.amount > 100_000_000),
        "an invoice over 1,000,000"
    );
    assert!(
        rows.iter()
            .any(|i| i.disputed && i.status == InvoiceStatus::Open),
        "an open dispute"
    );
    assert!(
        rows.iter()
            .any(|i| i.amount < 0 && i.status == InvoiceStatus::Open),
        "an open credit note"
    );
    assert!(
        rows.iter()
            .any(|i| i.status == InvoiceStatus::Open && i.paid_amount != 0),
        "a part payment"
    );
}
