//! Ingest into DynamoDB writes only what changed: re-ingesting an unchanged
//! ledger writes zero invoice items (one changed row writing exactly two
//! items is pinned in `aws_ingest`).

mod aws_support;

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use arflow_app::ingest::{IngestFiles, IngestMode, IngestOptions, ingest};
use arflow_app::reader::ReadOptions;
use arflow_aws::DynamoStore;
use arflow_aws::dynamo::table::ensure_table;
use arflow_domain::columns::LEDGER_COLUMNS;
use arflow_domain::synth::{self, SynthParams, record::invoice_fields};

/// 100,000 by default (the figure); `ARFLOW_REINGEST_INVOICES`
/// changes it.
fn invoice_count() -> u64 {
    std::env::var("ARFLOW_REINGEST_INVOICES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

fn write_ledger(path: &Path, params: &SynthParams) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("ledger file"));
    writeln!(f, "{}", LEDGER_COLUMNS.join(",")).expect("write");
    for inv in synth::generate(params) {
        let fields = invoice_fields(&inv);
        writeln!(f, "{}", fields.join(",")).expect("write");
    }
    f.flush().expect("flush");
}

#[test]
fn unchanged_reingest_writes_zero_invoice_items() {
    let n = invoice_count();
    let dir = tempfile::tempdir().expect("tempdir");
    let params = SynthParams {
        invoices: n,
        ..SynthParams::default()
    };
    let ledger = dir.path().join("ledger.csv");
    write_ledger(&ledger, &params);

    // 100,000 items on its own emulator: the shared one stays quick to dump.
    let url = aws_support::private_endpoint();
    let rt = aws_support::runtime();
    let client = rt
        .block_on(async { aws_sdk_dynamodb::Client::new(&aws_support::sdk_config_at(url).await) });
    let table = aws_support::unique("reingest");
    rt.block_on(ensure_table(&client, &table))
        .expect("create table");
    let mut store = DynamoStore::with_handle(client, table, rt.handle().clone());

    let read = ReadOptions::default();
    let opts = IngestOptions {
        tenant: "acme".into(),
        as_of: params.as_of,
        mode: IngestMode::Snapshot,
        strict: false,
    };
    let files = IngestFiles {
        ledger: &ledger,
        ledger_options: &read,
        customers: None,
        customer_options: &read,
    };
    let t0 = Instant::now();
    let first = ingest(&mut store, &files, &opts, None, &|_, _| {}).expect("first ingest");
    let first_secs = t0.elapsed().as_secs_f64();
    assert_eq!(first.summary.new, n);
    assert_eq!(
        store.invoice_items_written(),
        n,
        "a first version is one item"
    );

    let t1 = Instant::now();
    let again = ingest(&mut store, &files, &opts, None, &|_, _| {}).expect("second ingest");
    let again_secs = t1.elapsed().as_secs_f64();
    assert_eq!(
        (
            again.summary.new,
            again.summary.changed,
            again.summary.closed
        ),
        (0, 0, 0)
    );
    assert_eq!(again.summary.unchanged, n);
    assert_eq!(
        store.invoice_items_written(),
        n,
        "an unchanged re-ingest writes zero invoice items"
    );

    eprintln!(
        "reingest: {n} invoices; first ingest {first_secs:.1}s ({:.0} items/s), unchanged re-ingest {again_secs:.1}s, 0 items written",
        n as f64 / first_secs
    );
}
