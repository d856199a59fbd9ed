//! Bad input never panics, never loses good rows, and every reject names the
//! file, line, column and reason.

use std::io::Write;

use arflow_app::reader::{ReadError, ReadOptions, ReadSummary, read_ledger, read_ledger_from};
use arflow_domain::ledger::Invoice;
use proptest::prelude::*;

const HEADER: &str = "invoice_id,customer_id,invoice_date,due_date,amount,currency,paid_amount,paid_date,disputed,status\n";

fn read_text(text: &str) -> (Vec<Invoice>, ReadSummary) {
    read_bytes(text.as_bytes(), false)
}

fn read_bytes(bytes: &[u8], jsonl: bool) -> (Vec<Invoice>, ReadSummary) {
    let mut rows = Vec::new();
    let s = read_ledger_from(
        bytes,
        "ledger.csv",
        jsonl,
        &ReadOptions::default(),
        &mut |i| rows.push(i),
    )
    .unwrap();
    (rows, s)
}

fn one_reject(body: &str) -> arflow_app::reader::Reject {
    let text = format!(
        "{HEADER}GOOD-1,C1,2024-01-01,2024-01-31,10.00,USD,,,,\n{body}\nGOOD-2,C1,2024-01-01,2024-01-31,20.00,USD,,,,\n"
    );
    let (rows, s) = read_text(&text);
    assert_eq!(rows.len(), 2, "good rows are kept around a bad one");
    assert_eq!(s.rejects.len(), 1, "{:?}", s.rejects);
    let r = s.rejects[0].clone();
    assert_eq!(r.file, "ledger.csv");
    assert_eq!(r.line, 3);
    r
}

#[test]
fn unparseable_date_is_rejected_with_line_and_column() {
    let r = one_reject("BAD,C1,2024-02-30,2024-03-31,1.00,USD,,,,");
    assert_eq!(r.column, "invoice_date");
    assert!(
        r.reason.contains("'2024-02-30' is not a date"),
        "{}",
        r.reason
    );
    assert_eq!(
        r.to_string(),
        format!("ledger.csv:3: invoice_date: {}", r.reason)
    );
}

#[test]
fn due_before_invoice_date_is_rejected() {
    let r = one_reject("BAD,C1,2024-03-01,2024-02-01,1.00,USD,,,,");
    assert_eq!(r.column, "due_date");
    assert!(
        r.reason.contains("before invoice date 2024-03-01"),
        "{}",
        r.reason
    );
}

#[test]
fn duplicate_invoice_id_names_the_first_line() {
    let r = one_reject("GOOD-1,C2,2024-01-01,2024-01-31,5.00,USD,,,,");
    assert_eq!(r.column, "invoice_id");
    assert!(
        r.reason
            .contains("duplicate invoice id 'GOOD-1' (first seen on line 2)"),
        "{}",
        r.reason
    );
    assert_eq!(
        r.record, "GOOD-1,C2,2024-01-01,2024-01-31,5.00,USD,,,,",
        "the record as the file has it"
    );
}

#[test]
fn missing_required_field_is_rejected() {
    let r = one_reject("BAD,,2024-01-01,2024-01-31,1.00,USD,,,,");
    assert_eq!(r.column, "customer_id");
    assert!(r.reason.contains("missing"), "{}", r.reason);
}

#[test]
fn short_row_is_a_missing_field_not_a_crash() {
    let r = one_reject("BAD,C1,2024-01-01");
    assert_eq!(r.column, "due_date");
}

#[test]
fn non_numeric_amount_is_rejected() {
    let r = one_reject("BAD,C1,2024-01-01,2024-01-31,12,50,USD,,,,");
    assert_eq!(
        r.column, "currency",
        "a stray comma shifts columns: the reject says where it shows"
    );
    let r = one_reject("BAD,C1,2024-01-01,2024-01-31,twelve,USD,,,,");
    assert_eq!(r.column, "amount");
    assert!(
        r.reason.contains("'twelve' is not a number"),
        "{}",
        r.reason
    );
}

#[test]
fn more_decimals_than_the_currency_allows_is_rejected_not_rounded() {
    let r = one_reject("BAD,C1,2024-01-01,2024-01-31,10.005,USD,,,,");
    assert_eq!(r.column, "amount");
    assert!(
        r.reason.contains("3 decimal places; 2 allowed"),
        "{}",
        r.reason
    );
    let r = one_reject("BAD,C1,2024-01-01,2024-01-31,100.5,JPY,,,,");
    assert!(r.reason.contains("0 allowed"), "{}", r.reason);
}

#[test]
fn bad_boolean_and_status_are_rejected() {
    assert_eq!(
        one_reject("BAD,C1,2024-01-01,2024-01-31,1.00,USD,,,maybe,").column,
        "disputed"
    );
    assert_eq!(
        one_reject("BAD,C1,2024-01-01,2024-01-31,1.00,USD,,,,pending").column,
        "status"
    );
}

#[test]
fn invalid_utf8_is_a_reject() {
    let mut bytes = HEADER.as_bytes().to_vec();
    bytes.extend_from_slice(b"BAD,C\xff\xfe,2024-01-01,2024-01-31,1.00,USD,,,,\nOK,C1,2024-01-01,2024-01-31,1.00,USD,,,,\n");
    let (rows, s) = read_bytes(&bytes, false);
    assert_eq!(rows.len(), 1);
    assert_eq!(s.rejects[0].column, "customer_id");
    assert!(s.rejects[0].reason.contains("UTF-8"));
}

#[test]
fn header_missing_required_columns_fails_at_once_with_a_hint() {
    let text = "invoiceNumber,customer_id,amount\nI1,C1,1.00\n";
    let err = read_ledger_from(
        text.as_bytes(),
        "export.csv",
        false,
        &ReadOptions::default(),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(matches!(err, ReadError::Header { .. }));
    let msg = err.to_string();
    assert!(
        msg.starts_with(
            "export.csv: missing required column(s): invoice_id, invoice_date, due_date"
        ),
        "{msg}"
    );
    assert!(msg.contains("--map invoice_id=YourColumn"), "{msg}");
}

#[test]
fn empty_files_and_header_only_files_read_as_no_rows() {
    for text in ["", "\n\n", HEADER] {
        let (rows, s) = read_text(text);
        assert!(
            rows.is_empty() && s.rejects.is_empty() && s.rows == 0,
            "{text:?}"
        );
    }
}

#[test]
fn bom_crlf_quotes_and_trailing_blank_lines_all_work() {
    let text = "\u{feff}invoice_id,customer_id,invoice_date,due_date,amount,note\r\n\
                \"INV,1\",\"C \"\"quoted\"\"\",2024-01-01,2024-01-31,\"1,234.50\",\"two\r\nlines\"\r\n\
                INV-2,C2,2024-01-02,2024-02-01,5.00,plain\r\n\r\n\r\n";
    let (rows, s) = read_text(text);
    assert!(s.rejects.is_empty(), "{:?}", s.rejects);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].invoice_id, "INV,1");
    assert_eq!(rows[0].customer_id, "C \"quoted\"");
    assert_eq!(rows[0].amount, 123450);
    assert_eq!(rows[1].invoice_id, "INV-2");
}

#[test]
fn line_numbers_count_physical_lines_after_multiline_fields() {
    let text = "invoice_id,customer_id,invoice_date,due_date,amount,note\nA,C1,2024-01-01,2024-01-31,\"1.00\",\"x\ny\"\nB,C1,2024-01-01,2024-01-31,oops,\n";
    let (_, s) = read_text(text);
    assert_eq!(s.rejects[0].line, 4);
}

#[test]
fn json_lines_keep_numbers_exact_and_report_bad_lines() {
    let text = "{\"invoice_id\":\"I1\",\"customer_id\":\"C1\",\"invoice_date\":\"2024-01-01\",\"due_date\":\"2024-01-31\",\"amount\":1234567.89,\"disputed\":true}\n\
                \n\
                {not json}\n\
                {\"invoice_id\":\"I2\",\"customer_id\":\"C1\",\"invoice_date\":\"2024-01-01\",\"due_date\":\"2024-01-31\",\"amount\":\"0.10\",\"paid_date\":null}\n";
    let (rows, s) = read_bytes(text.as_bytes(), true);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].amount, 123456789);
    assert!(rows[0].disputed);
    assert_eq!(s.rejects.len(), 1);
    assert_eq!(s.rejects[0].line, 3);
    assert!(s.rejects[0].reason.contains("not a JSON object"));
}

#[test]
fn gzip_and_format_are_detected_from_content() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.data");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&path).unwrap(),
        flate2::Compression::fast(),
    );
    gz.write_all(b"{\"invoice_id\":\"I1\",\"customer_id\":\"C1\",\"invoice_date\":\"2024-01-01\",\"due_date\":\"2024-01-31\",\"amount\":\"5\"}\n").unwrap();
    gz.finish().unwrap();
    let mut rows = Vec::new();
    let s = read_ledger(&path, &ReadOptions::default(), &mut |i| rows.push(i)).unwrap();
    assert_eq!((rows.len(), s.rejects.len()), (1, 0));
    assert_eq!(rows[0].amount, 500);
}

#[test]
fn a_missing_file_is_an_error_naming_it() {
    let err = read_ledger(
        std::path::Path::new("/nonexistent/x.csv"),
        &ReadOptions::default(),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(err.to_string().starts_with("/nonexistent/x.csv: "), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048), jsonl in any::<bool>()) {
        let mut n = 0;
        let _ = read_ledger_from(&bytes[..], "fuzz", jsonl, &ReadOptions::default(), &mut |_| n += 1);
    }

    #[test]
    fn random_rows_under_a_valid_header_are_counted_exactly_once(
        rows in proptest::collection::vec(proptest::collection::vec("[A-Za-z0-9,.\"\\- /]{0,12}", 0..12), 0..40)
    ) {
        let mut text = HEADER.to_string();
        for r in &rows {
            text.push_str(&r.join(","));
            text.push('\n');
        }
        let mut accepted = 0u64;
        if let Ok(s) = read_ledger_from(text.as_bytes(), "fuzz", false, &ReadOptions::default(), &mut |_| accepted += 1) {
            prop_assert_eq!(s.accepted, accepted);
            prop_assert_eq!(s.accepted + s.rejects.len() as u64, s.rows);
        }
    }
}
