//! The aging fast path (`arflow_app::fast`) against the general reader fed
//! into an `Aging`: the same report and the same read summary (rows, rejects
//! with file, line, column, reason and record, in order) on random ledgers
//! with junk rows, quoted fields (some holding line ends), duplicate ids,
//! CRLF and bad bytes. The invoice fast path (`read_ledger_fast`, used by
//! plan and simulate) against the same reader: the same invoices in the same
//! order and the same summary. (Both share the chunk parser for quoted
//! chunks; `reader_crlf_lines.rs` pins the line numbers themselves.)

use std::io::Write;
use std::path::Path;

use arflow_app::fast::{AgingRequest, age_ledger, read_ledger_fast};
use arflow_app::reader::{ReadOptions, ReadSummary, read_ledger};
use arflow_domain::aging::{Aging, AgingReport, Buckets};
use arflow_domain::columns::{ColumnMapping, LEDGER_COLUMNS};
use arflow_domain::ledger::Invoice;
use arflow_domain::row::ValueFormat;
use proptest::prelude::*;

fn request(by_customer: bool) -> AgingRequest {
    AgingRequest {
        as_of: "2024-06-30".parse().unwrap(),
        buckets: Buckets::default(),
        by_customer,
    }
}

fn general(path: &Path, opts: &ReadOptions, req: &AgingRequest) -> (AgingReport, ReadSummary) {
    let mut aging = Aging::new(req.as_of, req.buckets.clone(), req.by_customer);
    let summary = read_ledger(path, opts, &mut |i| aging.add(&i)).unwrap();
    (aging.finish(), summary)
}

fn fast(path: &Path, opts: &ReadOptions, req: &AgingRequest) -> (AgingReport, ReadSummary) {
    age_ledger(path, opts, &|_, _| {}, req).unwrap()
}

/// The general reader's and the fast path's invoices and summaries.
type Read = (Vec<Invoice>, ReadSummary);

fn invoices_both(path: &Path, opts: &ReadOptions) -> (Read, Read) {
    let mut want = Vec::new();
    let want_summary = read_ledger(path, opts, &mut |i| want.push(i)).unwrap();
    let mut got = Vec::new();
    let got_summary = read_ledger_fast(path, opts, &|_, _| {}, &mut |i| got.push(i)).unwrap();
    ((want, want_summary), (got, got_summary))
}

fn write(bytes: &[u8]) -> tempfile::TempPath {
    let mut f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    f.write_all(bytes).unwrap();
    f.into_temp_path()
}

fn assert_same(bytes: &[u8], opts: &ReadOptions, by_customer: bool) {
    let path = write(bytes);
    let req = request(by_customer);
    let (want_report, want_summary) = general(&path, opts, &req);
    let (got_report, got_summary) = fast(&path, opts, &req);
    assert_eq!(
        got_summary,
        want_summary,
        "{}",
        String::from_utf8_lossy(bytes)
    );
    assert_eq!(
        got_report,
        want_report,
        "{}",
        String::from_utf8_lossy(bytes)
    );
    let (want, got) = invoices_both(&path, opts);
    assert_eq!(got.1, want.1, "{}", String::from_utf8_lossy(bytes));
    assert_eq!(got.0, want.0, "{}", String::from_utf8_lossy(bytes));
}

/// One value per canonical column plus a `note` column.
fn good_row() -> impl Strategy<Value = Vec<String>> {
    let pick = |v: &'static [&'static str]| proptest::sample::select(v).prop_map(str::to_string);
    (
        (
            0..40u32,
            0..6u32,
            proptest::sample::select(&["", " ", "  "][..]),
        ),
        pick(&[
            "2024-01-05",
            "2024-03-01",
            " 2024-03-01",
            "2024-02-30",
            "01/15/2024",
            "",
            "2024-07-01",
        ]),
        pick(&[
            "2024-01-31",
            "2024-04-15",
            "2023-12-31",
            "2024-06-30",
            "2024-05-31",
            "bad",
        ]),
        pick(&[
            "100.00", "-50", "1,234.5", "12.345", "abc", "", "0", "(3.00)", "7",
        ]),
        pick(&["", "USD", "jpy", "KWD", "EURO", "EUR"]),
        pick(&["", "0.00", "100.00", "10", "x", "-50"]),
        pick(&[
            "",
            "2024-02-01",
            "2024-06-30",
            "2025-01-01",
            "bad",
            "2023-01-01",
        ]),
        pick(&["", "true", "false", "Yes", "maybe", "0"]),
        pick(&[
            "",
            "open",
            "paid",
            "void",
            "written_off",
            "Written Off",
            "junk",
            "closed",
        ]),
        pick(&["", "note", "a b", "a, b", "two\r\nlines", "two\nlines"]),
    )
        .prop_map(
            |((id, cust, pad), d1, d2, amt, cur, paid, pd, disp, st, note)| {
                vec![
                    format!("{pad}I{id}"),
                    format!("C{cust}"),
                    d1,
                    d2,
                    amt,
                    cur,
                    paid,
                    pd,
                    disp,
                    st,
                    note,
                ]
            },
        )
}

#[derive(Clone, Debug)]
enum Line {
    Row(Vec<String>, Vec<bool>),
    Junk(String),
    Blank(String),
    Bytes(Vec<u8>),
}

fn line() -> impl Strategy<Value = Line> {
    prop_oneof![
        6 => (good_row(), proptest::collection::vec(proptest::bool::weighted(0.05), 11))
            .prop_map(|(r, q)| Line::Row(r, q)),
        1 => "[ -~\r]{0,30}".prop_map(Line::Junk),
        1 => "[ \t\r]{0,3}".prop_map(Line::Blank),
        1 => proptest::collection::vec(any::<u8>(), 0..20).prop_map(Line::Bytes),
    ]
}

/// A ledger: header columns in `order` (a permutation of the 11), lines, the
/// line ending, and whether the last line has one.
/// Without `quotes` no quote gets in (a note's comma or line end then splits
/// its row), and without `bad_bytes` all is UTF-8 (a chunk with either goes
/// through the general chunk parser).
fn render(
    order: &[usize],
    lines: &[Line],
    crlf: bool,
    last_newline: bool,
    (quotes, bad_bytes): (bool, bool),
) -> Vec<u8> {
    let eol: &[u8] = if crlf { b"\r\n" } else { b"\n" };
    let names: Vec<&str> = LEDGER_COLUMNS.iter().copied().chain(["note"]).collect();
    let mut out: Vec<u8> = order
        .iter()
        .map(|&i| names[i])
        .collect::<Vec<_>>()
        .join(",")
        .into_bytes();
    for l in lines {
        out.extend_from_slice(eol);
        match l {
            Line::Row(values, quoted) => {
                let cells: Vec<String> = order
                    .iter()
                    .map(|&i| {
                        let needs_quotes = values[i].contains([',', '\n']);
                        if quotes && (quoted[i] || needs_quotes) {
                            format!("\"{}\"", values[i].replace('"', "\"\""))
                        } else {
                            values[i].clone()
                        }
                    })
                    .collect();
                out.extend_from_slice(cells.join(",").as_bytes());
            }
            Line::Junk(s) | Line::Blank(s) => {
                out.extend(s.bytes().filter(|b| quotes || *b != b'"'))
            }
            Line::Bytes(b) => {
                let b = match bad_bytes {
                    true => b.clone(),
                    false => String::from_utf8_lossy(b).into_owned().into_bytes(),
                };
                out.extend(b.iter().filter(|b| quotes || **b != b'"'));
            }
        }
    }
    if last_newline {
        out.extend_from_slice(eol);
    }
    out
}

fn options(date_format: bool) -> ReadOptions {
    ReadOptions {
        mapping: ColumnMapping::default(),
        format: ValueFormat {
            date_format: date_format.then(|| "%m/%d/%Y".to_string()),
            ..ValueFormat::default()
        },
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn fast_aging_gives_the_general_readers_report_and_rejects(
        order in Just((0..11).collect::<Vec<usize>>()).prop_shuffle(),
        lines in proptest::collection::vec(line(), 0..60),
        crlf in any::<bool>(),
        last_newline in any::<bool>(),
        by_customer in any::<bool>(),
        date_format in any::<bool>(),
        quotes in proptest::bool::weighted(0.3),
        bad_bytes in proptest::bool::weighted(0.2),
    ) {
        let bytes = render(&order, &lines, crlf, last_newline, (quotes, bad_bytes));
        assert_same(&bytes, &options(date_format), by_customer);
    }

    #[test]
    fn fast_aging_survives_random_bytes_as_the_general_reader_does(
        bytes in proptest::collection::vec(any::<u8>(), 0..512),
    ) {
        let mut file = b"invoice_id,customer_id,invoice_date,due_date,amount\n".to_vec();
        file.extend_from_slice(&bytes);
        assert_same(&file, &options(false), false);
    }
}

/// Several chunks: duplicates across chunks, a chunk with quotes, a chunk
/// with a bad byte, CRLF, and a last line without a newline.
#[test]
fn fast_aging_matches_across_many_chunks_with_duplicates_quotes_and_bad_bytes() {
    let mut file = b"invoice_id,customer_id,invoice_date,due_date,amount,currency,paid_amount,paid_date,disputed,status\r\n".to_vec();
    for i in 0..60_000u32 {
        let row = match i {
            25_000 => "\"INV-25000\",\"C, quoted\",2024-01-02,2024-02-01,10.00,USD,,,false,open"
                .to_string(),
            20_000 => {
                "INV-20000,C1,2024-01-02,2024-02-01,1\u{0}\u{ff}.00,USD,,,false,open".to_string()
            }
            30_000 | 45_000 => {
                "INV-00007,C9,2024-03-02,2024-04-01,5.00,EUR,,,false,open".to_string()
            }
            50_000 => "INV-00011,C9,2024-03-02,bad,5.00,EUR,,,false,open".to_string(),
            _ => format!(
                "INV-{i:05},C{},2024-{:02}-0{},2024-{:02}-15,{}.{:02},{},,{},{},{}",
                i % 97,
                1 + i % 6,
                1 + i % 9,
                2 + i % 6,
                i % 5000,
                i % 100,
                ["USD", "EUR", "JPY"][i as usize % 3].replace("JPY", "USD"),
                if i % 3 == 0 { "2024-05-01" } else { "" },
                i % 2 == 0,
                if i % 3 == 0 { "paid" } else { "open" },
            ),
        };
        file.extend_from_slice(row.as_bytes());
        file.extend_from_slice(b"\r\n");
        if i == 40_000 {
            file.extend_from_slice(b"\xe9t\xe9,C1,2024-01-02,2024-02-01,1.00,USD,,,false,open\r\n");
        }
    }
    file.extend_from_slice(b"INV-00003,C1,2024-01-02,2024-02-01,1.00,USD,,,false,open");
    assert!(file.len() > 3 << 20);
    for by_customer in [false, true] {
        assert_same(&file, &options(false), by_customer);
    }
    let path = write(&file);
    let (_, summary) = fast(&path, &options(false), &request(false));
    let reasons: Vec<_> = summary
        .rejects
        .iter()
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    assert!(
        reasons
            .iter()
            .any(|(line, r)| *line == 45_003 && r.contains("first seen on line 9")),
        "{reasons:?}"
    );
    let ((want, _), (got, summary)) = invoices_both(&path, &options(false));
    assert_eq!(got.len(), want.len());
    assert_eq!(summary.accepted, got.len() as u64);
}
