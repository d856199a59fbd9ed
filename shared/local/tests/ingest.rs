//! The ingest use case against the SQLite store, on the fixture ledgers in
//! `tests/fixtures` (two month-end snapshots, a customers file, bad rows).

use std::path::{Path, PathBuf};

use arflow_app::ingest::{
    DeliveredObject, IngestError, IngestFiles, IngestMode, IngestOptions, IngestReport, ingest,
};
use arflow_app::reader::{ReadOptions, read_ledger};
use arflow_app::store::LedgerStore;
use arflow_domain::aging::{AgingReport, Buckets, age};
use arflow_domain::ledger::{Channel, CustomerType, Invoice, InvoiceStatus};
use arflow_local::SqliteStore;
use chrono::NaiveDate;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

const JAN: &str = "ledger-2024-01-31.csv";
const FEB: &str = "ledger-2024-02-29.csv";

fn opts(as_of: &str, mode: IngestMode, strict: bool) -> IngestOptions {
    IngestOptions {
        tenant: "acme".into(),
        as_of: d(as_of),
        mode,
        strict,
    }
}

fn run(
    store: &mut SqliteStore,
    ledger: &str,
    customers: Option<&str>,
    opts: &IngestOptions,
    object: Option<&DeliveredObject>,
) -> Result<IngestReport, IngestError> {
    let read = ReadOptions::default();
    let ledger = fixture(ledger);
    let customers = customers.map(fixture);
    let files = IngestFiles {
        ledger: &ledger,
        ledger_options: &read,
        customers: customers.as_deref(),
        customer_options: &read,
    };
    ingest(store, &files, opts, object, &|_, _| {})
}

fn snapshot(store: &mut SqliteStore, ledger: &str, as_of: &str) -> IngestReport {
    run(
        store,
        ledger,
        None,
        &opts(as_of, IngestMode::Snapshot, false),
        None,
    )
    .unwrap()
}

fn stored_as_of(store: &SqliteStore, as_of: &str) -> Vec<Invoice> {
    let mut out = Vec::new();
    store
        .invoices_as_of("acme", d(as_of), &mut |i| out.push(i))
        .unwrap();
    out
}

fn file_invoices(name: &str) -> Vec<Invoice> {
    let mut out = Vec::new();
    let summary = read_ledger(&fixture(name), &ReadOptions::default(), &mut |i| {
        out.push(i)
    })
    .unwrap();
    assert!(summary.rejects.is_empty());
    out
}

fn aging(invoices: &[Invoice], as_of: &str) -> AgingReport {
    age(invoices, d(as_of), Buckets::default(), true)
}

fn find<'a>(invoices: &'a [Invoice], id: &str) -> &'a Invoice {
    invoices.iter().find(|i| i.invoice_id == id).unwrap()
}

#[test]
fn reingesting_an_unchanged_file_writes_nothing() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    let first = snapshot(&mut store, JAN, "2024-01-31");
    assert_eq!((first.summary.new, first.summary.unchanged), (7, 0));
    let before = store.row_counts("acme").unwrap();
    assert_eq!((before.invoices, before.history), (7, 7));

    let again = snapshot(&mut store, JAN, "2024-01-31");
    let s = again.summary;
    assert_eq!((s.new, s.changed, s.closed, s.unchanged), (0, 0, 0, 7));
    assert!(!s.wrote_anything());
    assert_eq!(store.row_counts("acme").unwrap(), before);

    // A later as-of date changes nothing either: the closed items stay closed.
    let later = snapshot(&mut store, JAN, "2024-02-05");
    assert!(!later.summary.wrote_anything(), "{:?}", later.summary);
    assert_eq!(store.row_counts("acme").unwrap(), before);
}

#[test]
fn a_redelivered_object_is_skipped_without_reading_it() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    let object = DeliveredObject {
        key: "incoming/acme/ledger.csv".into(),
        content_digest: "sha256:abc".into(),
    };
    let o = opts("2024-01-31", IngestMode::Snapshot, false);
    let first = run(&mut store, JAN, None, &o, Some(&object)).unwrap();
    assert!(!first.already_ingested);
    let before = store.row_counts("acme").unwrap();

    // Same key and digest: recognised before the (now missing) file is read.
    let second = run(&mut store, "no-such-file.csv", None, &o, Some(&object)).unwrap();
    assert!(second.already_ingested);
    assert!(!second.summary.wrote_anything());
    assert_eq!(store.row_counts("acme").unwrap(), before);

    // Another as-of date is another delivery: it is read and diffed.
    let other = run(
        &mut store,
        JAN,
        None,
        &opts("2024-02-01", IngestMode::Snapshot, false),
        Some(&object),
    )
    .unwrap();
    assert!(!other.already_ingested);
    assert_eq!(other.summary.unchanged, 7);
}

#[test]
fn snapshot_closes_open_invoices_missing_from_the_file() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    snapshot(&mut store, JAN, "2024-01-31");
    let feb = snapshot(&mut store, FEB, "2024-02-29");
    let s = feb.summary;
    // INV-1006 new; INV-1001 paid and INV-1004 disputed; INV-1003 and INV-1005 gone.
    assert_eq!((s.new, s.changed, s.closed, s.unchanged), (1, 2, 2, 3));

    let now = stored_as_of(&store, "2024-02-29");
    for id in ["INV-1003", "INV-1005"] {
        let closed = find(&now, id);
        assert_eq!(closed.paid_date, Some(d("2024-02-29")), "{id}");
        assert_eq!(closed.paid_amount, closed.amount, "{id}");
        assert_eq!(closed.status, InvoiceStatus::Paid, "{id}");
    }
    // The day before, they were still open.
    let before = stored_as_of(&store, "2024-02-28");
    assert!(find(&before, "INV-1003").is_open_on(d("2024-02-28")));
    assert!(find(&before, "INV-1005").is_open_on(d("2024-02-28")));
}

#[test]
fn delta_leaves_missing_invoices_open() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    snapshot(&mut store, JAN, "2024-01-31");
    let feb = run(
        &mut store,
        FEB,
        None,
        &opts("2024-02-29", IngestMode::Delta, false),
        None,
    )
    .unwrap();
    let s = feb.summary;
    assert_eq!((s.new, s.changed, s.closed, s.unchanged), (1, 2, 0, 3));
    let now = stored_as_of(&store, "2024-02-29");
    assert_eq!(now.len(), 8);
    assert!(find(&now, "INV-1003").is_open_on(d("2024-02-29")));
}

#[test]
fn a_payment_takes_effect_on_its_paid_date() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    snapshot(&mut store, JAN, "2024-01-31");
    snapshot(&mut store, FEB, "2024-02-29");
    assert!(find(&stored_as_of(&store, "2024-02-09"), "INV-1001").is_open_on(d("2024-02-09")));
    assert!(!find(&stored_as_of(&store, "2024-02-10"), "INV-1001").is_open_on(d("2024-02-10")));
    // The dispute flag changed with the February file, so it holds from then.
    assert!(!find(&stored_as_of(&store, "2024-02-28"), "INV-1004").disputed);
    assert!(find(&stored_as_of(&store, "2024-02-29"), "INV-1004").disputed);
}

#[test]
fn past_date_aging_from_the_store_equals_aging_of_the_file_of_that_date() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    snapshot(&mut store, JAN, "2024-01-31");
    snapshot(&mut store, FEB, "2024-02-29");
    assert_eq!(
        aging(&stored_as_of(&store, "2024-01-31"), "2024-01-31"),
        aging(&file_invoices(JAN), "2024-01-31")
    );
    assert_eq!(
        aging(&stored_as_of(&store, "2024-02-29"), "2024-02-29"),
        aging(&file_invoices(FEB), "2024-02-29")
    );
    // Current state is the latest snapshot's aging, too.
    let mut current = Vec::new();
    store
        .current_invoices("acme", &mut |i| current.push(i))
        .unwrap();
    assert_eq!(
        aging(&current, "2024-02-29"),
        aging(&file_invoices(FEB), "2024-02-29")
    );
}

#[test]
fn strict_mode_stores_nothing_when_a_row_is_rejected() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    let err = run(
        &mut store,
        "ledger-with-bad-rows.csv",
        Some("customers.csv"),
        &opts("2024-01-31", IngestMode::Snapshot, true),
        None,
    )
    .unwrap_err();
    let IngestError::Rejected(rejects) = &err else {
        panic!("{err}")
    };
    assert_eq!(rejects.len(), 2);
    assert!(err.to_string().contains("nothing was stored"), "{err}");
    assert_eq!(store.row_counts("acme").unwrap(), Default::default());
}

#[test]
fn without_strict_good_rows_land_and_rejects_are_returned() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    let report = run(
        &mut store,
        "ledger-with-bad-rows.csv",
        None,
        &opts("2024-01-31", IngestMode::Snapshot, false),
        None,
    )
    .unwrap();
    assert_eq!((report.summary.new, report.summary.rejected), (2, 2));
    let lines: Vec<u64> = report.rejects.iter().map(|r| r.line).collect();
    assert_eq!(lines, [3, 4]);
    assert!(
        report.rejects[0].reason.contains("before invoice date"),
        "{:?}",
        report.rejects[0]
    );
    assert_eq!(store.row_counts("acme").unwrap().invoices, 2);
}

#[test]
fn customers_file_columns_are_stored_and_diffed() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    let o = opts("2024-01-31", IngestMode::Snapshot, false);
    let first = run(&mut store, JAN, Some("customers.csv"), &o, None).unwrap();
    assert_eq!(
        (first.summary.customers_new, first.summary.customers_changed),
        (3, 0)
    );
    let customers = store.customers("acme").unwrap();
    let acme = &customers[0];
    assert_eq!(acme.customer_id, "C-ACME");
    assert_eq!(acme.name, "Acme Corp");
    assert_eq!(acme.emails, ["ap@acme.example", "cfo@acme.example"]);
    assert_eq!(acme.phone.as_deref(), Some("+1 555 0100"));
    assert_eq!(acme.kind, CustomerType::Strategic);
    assert_eq!(acme.credit_limit, Some(5_000_000));
    assert_eq!(acme.timezone.as_deref(), Some("America/New_York"));
    assert_eq!(acme.account_manager.as_deref(), Some("anna@arflow.example"));
    assert_eq!(acme.tags, ["key-account", "us"]);
    let beta = &customers[1];
    assert!(beta.white_glove);
    assert_eq!(beta.opted_out, [Channel::Sms]);
    assert_eq!(
        beta.credit_currency
            .map(|c| c.code().to_string())
            .as_deref(),
        Some("EUR")
    );
    assert_eq!(
        customers[2].opted_out.len(),
        3,
        "opted_out=yes means every channel"
    );

    let again = run(&mut store, JAN, Some("customers.csv"), &o, None).unwrap();
    assert_eq!(
        (again.summary.customers_new, again.summary.customers_changed),
        (0, 0)
    );
}

#[test]
fn tenants_ingest_independently() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    snapshot(&mut store, JAN, "2024-01-31");
    let mut other = opts("2024-02-29", IngestMode::Snapshot, false);
    other.tenant = "beta".into();
    let report = run(&mut store, FEB, None, &other, None).unwrap();
    assert_eq!((report.summary.new, report.summary.closed), (6, 0));
    assert_eq!(store.row_counts("acme").unwrap().invoices, 7);
}
