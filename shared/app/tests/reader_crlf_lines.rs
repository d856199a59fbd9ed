//! A reject names the physical line its record starts on, the header being
//! line 1, in an Excel-style export (UTF-8 BOM, CRLF line ends, quoted fields
//! with commas and with CRLF or LF inside, blank lines): in the general
//! reader, the aging fast path and the invoice fast path alike, also when the
//! file is cut into several chunks.

use std::io::Write;
use std::path::{Path, PathBuf};

use arflow_app::fast::{AgingRequest, age_ledger, read_ledger_fast};
use arflow_app::reader::{ReadOptions, ReadSummary, read_ledger, read_ledger_from};
use arflow_domain::aging::Buckets;
use proptest::prelude::*;

/// The rejects of `fixtures/excel_export_crlf.csv`, read off the file: the
/// line each bad record starts on and the column named.
const EXCEL_REJECTS: [(u64, &str); 8] = [
    (7, "due_date"),     // 2024-02-31, after a record spanning lines 4-6
    (8, "amount"),       // "2,000.125", a record spanning lines 8-9
    (12, "invoice_id"),  // INV-1002 again, after the blank line 11
    (13, "due_date"),    // due before the invoice date
    (14, "disputed"),    // maybe
    (18, "customer_id"), // empty, after a record spanning lines 15-17
    (19, "amount"),      // "1,234.567"
    (22, "paid_date"),   // paid before the invoice date, after lines 20-21
];

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/excel_export_crlf.csv")
}

fn write(bytes: &[u8]) -> tempfile::TempPath {
    let mut f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    f.write_all(bytes).unwrap();
    f.into_temp_path()
}

/// The summaries of the general reader, the aging fast path and the invoice
/// fast path on the file at `path`.
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

fn lines_and_columns(summary: &ReadSummary) -> Vec<(u64, &str)> {
    summary
        .rejects
        .iter()
        .map(|r| (r.line, r.column.as_str()))
        .collect()
}

/// Asserts every reader gives exactly `want` and the same summary.
fn assert_rejects(path: &Path, want: &[(u64, &str)]) -> ReadSummary {
    let [general, aging, invoices] = read_three_ways(path);
    let got = lines_and_columns(&general);
    // The first difference, not thousands of rejects.
    let at = got.iter().zip(want).position(|(g, w)| g != w);
    assert_eq!(
        at.map(|i| (i, got[i], want[i])),
        None,
        "general reader: first wrong reject (index, got, want)"
    );
    assert_eq!(got.len(), want.len(), "general reader: rejects");
    assert_eq!(aging, general, "aging fast path");
    assert_eq!(invoices, general, "invoice fast path");
    general
}

#[test]
fn excel_fixture_is_bom_crlf_with_newlines_inside_quotes() {
    let bytes = std::fs::read(fixture()).unwrap();
    assert!(bytes.starts_with("\u{feff}invoice_id,".as_bytes()));
    assert!(bytes.ends_with(b"First installment\r\n"));
    assert!(bytes.windows(3).any(|w| w == b":\n\""), "LF inside quotes");
    assert!(
        bytes.windows(4).any(|w| w == b"k\r\nw"),
        "CRLF inside quotes"
    );
    assert_eq!(memchr_count(&bytes, b'\n'), 23);
}

fn memchr_count(bytes: &[u8], b: u8) -> usize {
    bytes.iter().filter(|x| **x == b).count()
}

#[test]
fn excel_export_rejects_name_the_line_the_record_starts_on() {
    let summary = assert_rejects(&fixture(), &EXCEL_REJECTS);
    assert_eq!((summary.rows, summary.accepted), (15, 7));
    let dup = &summary.rejects[2];
    assert!(
        dup.reason
            .contains("duplicate invoice id 'INV-1002' (first seen on line 3)"),
        "{}",
        dup.reason
    );
    assert_eq!(
        dup.to_string(),
        format!("{}:12: invoice_id: {}", fixture().display(), dup.reason)
    );
}

#[test]
fn the_same_export_with_lf_line_ends_names_the_same_lines() {
    let bytes = std::fs::read(fixture()).unwrap();
    let lf = String::from_utf8(bytes).unwrap().replace("\r\n", "\n");
    assert_rejects(&write(lf.as_bytes()), &EXCEL_REJECTS);
}

#[test]
fn rejects_name_physical_lines_across_chunk_boundaries() {
    let text = String::from_utf8(std::fs::read(fixture()).unwrap()).unwrap();
    let (header, body) = text.split_once("\r\n").unwrap();
    let body_lines = body.matches('\n').count() as u64;
    let mut file = format!("{header}\r\n");
    let mut line = 2u64;
    let mut want = Vec::new();
    let mut first_seen = Vec::new();
    let mut copy = |file: &mut String, line: &mut u64, want: &mut Vec<_>, k: usize| {
        file.push_str(&body.replace("INV-", &format!("INV-{k:04}-")));
        want.extend(EXCEL_REJECTS.map(|(l, c)| (*line - 2 + l, c)));
        first_seen.push(*line - 2 + 3);
        *line += body_lines;
    };
    // Quoted copies, then a quote-free stretch of more than two chunks (the
    // fast comma split), then quoted copies again.
    for k in 0..700 {
        copy(&mut file, &mut line, &mut want, k);
    }
    let plain_at = want.len();
    for i in 0..45_000u64 {
        let amount = if i % 1000 == 999 { "1.005" } else { "10.00" };
        file.push_str(&format!(
            "P-{i},C1,Plain Co,2024-01-02,2024-02-01,{amount},USD,,,FALSE,open,\r\n"
        ));
        if i % 1000 == 999 {
            want.push((line, "amount"));
        }
        line += 1;
        if i % 777 == 0 {
            file.push_str("\r\n");
            line += 1;
        }
    }
    for k in 700..1400 {
        copy(&mut file, &mut line, &mut want, k);
    }
    assert!(file.len() > 5 << 20, "{} bytes", file.len());
    let summary = assert_rejects(&write(file.as_bytes()), &want);
    let duplicates: Vec<&str> = summary
        .rejects
        .iter()
        .filter(|r| r.column == "invoice_id")
        .map(|r| r.reason.as_str())
        .collect();
    let expected: Vec<String> = first_seen
        .iter()
        .enumerate()
        .map(|(k, l)| format!("duplicate invoice id 'INV-{k:04}-1002' (first seen on line {l})"))
        .collect();
    assert_eq!(duplicates, expected);
    assert_eq!(
        summary.rejects[plain_at].line,
        700 * body_lines + 2 + 999 + 2
    );
}

/// One record of a generated ledger.
#[derive(Clone, Debug)]
struct Record {
    blank_lines_before: usize,
    kind: Kind,
    /// The memo, quoted; may hold commas, quotes and line ends.
    memo: Option<String>,
    quote_amount: bool,
    crlf: bool,
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Good,
    BadDate,
    BadAmount,
    /// Repeats the first record's id.
    Duplicate,
}

fn record() -> impl Strategy<Value = Record> {
    (
        prop_oneof![3 => Just(0usize), 1 => 1..3usize],
        prop_oneof![
            4 => Just(Kind::Good),
            1 => Just(Kind::BadDate),
            1 => Just(Kind::BadAmount),
            1 => Just(Kind::Duplicate),
        ],
        proptest::option::weighted(0.4, "[a-z ,\"]{0,6}(\r\n|\n)?[a-z ,\"]{0,6}(\r\n|\n)?"),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(blank_lines_before, kind, memo, quote_amount, crlf)| Record {
                blank_lines_before,
                kind,
                memo,
                quote_amount,
                crlf,
            },
        )
}

/// A ledger and its rejects' (line, column), counted while it is written.
fn render(records: &[Record], bom: bool) -> (Vec<u8>, Vec<(u64, &'static str)>) {
    let mut out = String::new();
    if bom {
        out.push('\u{feff}');
    }
    out.push_str("invoice_id,customer_id,invoice_date,due_date,amount,currency,memo\r\n");
    let mut line = 2u64;
    let mut want = Vec::new();
    for (n, r) in records.iter().enumerate() {
        let eol = if r.crlf { "\r\n" } else { "\n" };
        for _ in 0..r.blank_lines_before {
            out.push_str(eol);
            line += 1;
        }
        // The first record is good, so a duplicate has something to repeat.
        let kind = if n == 0 { Kind::Good } else { r.kind };
        let id = match kind {
            Kind::Duplicate => "I0".to_string(),
            _ => format!("I{n}"),
        };
        let (date, amount) = match kind {
            Kind::BadDate => ("2024-02-30", "1,234.50"),
            Kind::BadAmount => ("2024-01-05", "1,234.505"),
            _ => ("2024-01-05", "1,234.50"),
        };
        let amount = if r.quote_amount {
            format!("\"{amount}\"")
        } else {
            amount.replace(',', "")
        };
        let memo = r
            .memo
            .as_ref()
            .map(|m| format!("\"{}\"", m.replace('"', "\"\"")))
            .unwrap_or_default();
        let text = format!("{id},C1,{date},2024-02-04,{amount},USD,{memo}");
        match kind {
            Kind::BadDate => want.push((line, "invoice_date")),
            Kind::BadAmount => want.push((line, "amount")),
            Kind::Duplicate => want.push((line, "invoice_id")),
            Kind::Good => {}
        }
        line += text.matches('\n').count() as u64 + 1;
        out.push_str(&text);
        out.push_str(eol);
    }
    (out.into_bytes(), want)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn generated_exports_reject_at_the_counted_lines(
        records in proptest::collection::vec(record(), 0..25),
        bom in any::<bool>(),
    ) {
        let (bytes, want) = render(&records, bom);
        let general = read_ledger_from(&bytes[..], "gen.csv", false, &ReadOptions::default(), &mut |_| {})
            .unwrap();
        prop_assert_eq!(lines_and_columns(&general), want.clone());
        let path = write(&bytes);
        let [general, aging, invoices] = read_three_ways(&path);
        prop_assert_eq!(lines_and_columns(&general), want);
        prop_assert_eq!(&aging, &general);
        prop_assert_eq!(&invoices, &general);
    }
}
