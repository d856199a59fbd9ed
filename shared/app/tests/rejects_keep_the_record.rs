//! Every reject keeps its record exactly as the file has it — the bytes from
//! the record's first line to its line end, quotes doubled as written and the
//! line breaks inside a quoted field as they were (CRLF stays CRLF) — for
//! every kind of reject (a repeated id included), in the general reader, the
//! aging fast path and the invoice fast path alike, and through the rejects
//! file.

use std::io::Write;
use std::path::{Path, PathBuf};

use arflow_app::fast::{AgingRequest, age_ledger, read_ledger_fast};
use arflow_app::reader::{
    ReadOptions, ReadSummary, read_customers, read_ledger, read_ledger_from, write_rejects,
};
use arflow_domain::aging::Buckets;

/// The rejects of `fixtures/excel_export_crlf.csv`: the line each record
/// starts on and how many lines it spans.
const EXCEL_REJECTS: [(usize, usize); 8] = [
    (7, 1),  // due 2024-02-31
    (8, 2),  // "2,000.125", a memo with CRLF inside quotes
    (12, 1), // INV-1002 again
    (13, 1), // due before the invoice date, a memo with doubled quotes
    (14, 1), // disputed: maybe
    (18, 1), // no customer
    (19, 1), // "1,234.567"
    (22, 1), // paid before the invoice date
];

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/excel_export_crlf.csv")
}

fn write(suffix: &str, bytes: &[u8]) -> tempfile::TempPath {
    let mut f = tempfile::Builder::new().suffix(suffix).tempfile().unwrap();
    f.write_all(bytes).unwrap();
    f.into_temp_path()
}

/// The text of the record that starts on line `first` (1-based) and spans
/// `count` lines, read off the file's bytes: its line ends inside kept,
/// the last one left out.
fn original(bytes: &[u8], first: usize, count: usize) -> String {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let record = lines[first - 1..first - 1 + count].concat();
    let record = record.strip_suffix('\n').unwrap_or(&record);
    record.strip_suffix('\r').unwrap_or(record).to_string()
}

fn read_three_ways(path: &Path) -> [ReadSummary; 3] {
    let opts = ReadOptions::default();
    let general = read_ledger(path, &opts, &mut |_| {}).unwrap();
    let request = AgingRequest {
        as_of: "2024-06-30".parse().unwrap(),
        buckets: Buckets::default(),
        by_customer: false,
    };
    let (_, aging) = age_ledger(path, &opts, &|_, _| {}, &request).unwrap();
    let invoices = read_ledger_fast(path, &opts, &|_, _| {}, &mut |_| {}).unwrap();
    [general, aging, invoices]
}

/// The record column of a rejects file.
fn rejects_file_records(summary: &ReadSummary) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.rejects.csv");
    write_rejects(&out, &summary.rejects).unwrap();
    let mut r = csv::Reader::from_path(&out).unwrap();
    assert_eq!(
        r.headers().unwrap(),
        vec!["file", "line", "column", "reason", "record"]
    );
    r.records().map(|rec| rec.unwrap()[4].to_string()).collect()
}

fn assert_original_records(bytes: &[u8], path: &Path) {
    let want: Vec<String> = EXCEL_REJECTS
        .iter()
        .map(|(first, count)| original(bytes, *first, *count))
        .collect();
    for (how, summary) in ["general reader", "aging fast path", "invoice fast path"]
        .iter()
        .zip(read_three_ways(path))
    {
        let got: Vec<&str> = summary.rejects.iter().map(|r| r.record.as_str()).collect();
        assert_eq!(got, want, "{how}");
        assert_eq!(rejects_file_records(&summary), want, "{how}: rejects file");
    }
}

#[test]
fn every_reject_of_an_excel_export_keeps_its_original_record() {
    let bytes = std::fs::read(fixture()).unwrap();
    let want = original(&bytes, 12, 1);
    assert_eq!(
        want,
        "INV-1002,C-GLOBEX,Globex Corporation,2024-01-22,2024-02-21,75.00,USD,,,FALSE,open,Re-billed",
        "the repeated id keeps its memo, FALSE and empty cells as written"
    );
    assert!(original(&bytes, 8, 2).contains("Check\r\nwith AP\""));
    assert_original_records(&bytes, &fixture());
}

#[test]
fn with_lf_line_ends_the_records_keep_lf() {
    let bytes = std::fs::read(fixture()).unwrap();
    let lf = String::from_utf8(bytes).unwrap().replace("\r\n", "\n");
    assert_original_records(lf.as_bytes(), &write(".csv", lf.as_bytes()));
}

#[test]
fn a_repeated_id_in_an_unquoted_file_keeps_its_line() {
    // No quote anywhere: every reader takes its fastest split.
    let text = "invoice_id,customer_id,invoice_date,due_date,amount\r\n\
                INV-1,C1,2024-01-01,2024-01-31,10.00\r\n\
                INV-1,C2,2024-01-02,2024-02-01, 7.5 \r\n\
                INV-2,C1,2024-13-01,2024-01-31,1.00\r\n";
    let path = write(".csv", text.as_bytes());
    for summary in read_three_ways(&path) {
        let got: Vec<&str> = summary.rejects.iter().map(|r| r.record.as_str()).collect();
        assert_eq!(
            got,
            [
                "INV-1,C2,2024-01-02,2024-02-01, 7.5 ",
                "INV-2,C1,2024-13-01,2024-01-31,1.00"
            ]
        );
    }
}

#[test]
fn json_lines_rejects_keep_the_line() {
    let good = r#"{"invoice_id":"I1","customer_id":"C1","invoice_date":"2024-01-01","due_date":"2024-01-31","amount":"5"}"#;
    let again = r#"  {"invoice_id": "I1", "customer_id":"C2","invoice_date":"2024-01-01","due_date":"2024-01-31","amount":1}"#;
    let bad = r#"{"invoice_id":"I2","customer_id":"C1","invoice_date":"2024-01-01","due_date":"2023-01-31","amount":1}"#;
    let text = format!("\u{feff}{good}\r\n{again}\r\n{bad}\n");
    let s = read_ledger_from(
        text.as_bytes(),
        "l.jsonl",
        true,
        &ReadOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    let got: Vec<&str> = s.rejects.iter().map(|r| r.record.as_str()).collect();
    assert_eq!(got, [again, bad]);
}

#[test]
fn a_repeated_customer_keeps_its_line() {
    let text = "customer_id,name,email\n\
                C1,Acme,ar@acme.example\n\
                C1,\"Acme, Inc.\",\"a@acme.example;b@acme.example\"\n";
    let path = write(".csv", text.as_bytes());
    let s = read_customers(&path, &ReadOptions::default(), &mut |_| {}).unwrap();
    let got: Vec<&str> = s.rejects.iter().map(|r| r.record.as_str()).collect();
    assert_eq!(got, ["C1,\"Acme, Inc.\",\"a@acme.example;b@acme.example\""]);
}
