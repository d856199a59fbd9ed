//! The rejects file keeps every rejected record as the ledger has it — a
//! repeated invoice id as much as a bad date — whichever reader a command
//! uses: `ingest` and `kpis` (the general reader), `aging --ledger` (the
//! aging fast path), `plan --ledger` (the invoice fast path).

use std::path::Path;

use arflow_tests::arflow;

/// An Excel-style export: CRLF line ends, quotes, a memo over two lines.
const LEDGER: &str = "invoice_id,customer_id,invoice_date,due_date,amount,currency,memo\r\n\
    INV-1,C1,2024-01-05,2024-02-04,\"1,234.50\",USD,\"first\"\r\n\
    \"INV-1\",C2,2024-01-06,2024-02-05,80.00,USD,\"said \"\"again\"\"\r\non two lines\"\r\n\
    INV-2,C1,2024-13-01,2024-02-04,10.00,USD,\r\n\
    INV-3,C1,2024-01-07,2024-02-06,5.00,USD,\r\n";

/// The rejects: line, column, and the record as it stands in `LEDGER`
/// (quotes as written, the line end inside the memo kept).
const REJECTED: [(&str, &str, &str); 2] = [
    (
        "3",
        "invoice_id",
        "\"INV-1\",C2,2024-01-06,2024-02-05,80.00,USD,\"said \"\"again\"\"\r\non two lines\"",
    ),
    (
        "5",
        "invoice_date",
        "INV-2,C1,2024-13-01,2024-02-04,10.00,USD,",
    ),
];

/// (line, column, record) of each row of a rejects file.
fn rejects(path: &Path) -> Vec<(String, String, String)> {
    let mut r = csv::Reader::from_path(path).unwrap();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (rec[1].to_string(), rec[2].to_string(), rec[4].to_string())
        })
        .collect()
}

#[test]
fn every_command_writes_rejected_records_as_the_ledger_has_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("export.csv"), LEDGER).unwrap();
    assert!(
        REJECTED
            .iter()
            .all(|(_, _, record)| LEDGER.contains(record))
    );
    let commands: [(&str, &[&str]); 4] = [
        (
            "ingest",
            &["ingest", "--as-of", "2024-03-01", "--db", "t.db"],
        ),
        (
            "kpis",
            &["kpis", "--as-of", "2024-03-01", "--format", "json"],
        ),
        (
            "aging",
            &["aging", "--as-of", "2024-03-01", "--format", "json"],
        ),
        (
            "plan",
            &["plan", "--as-of", "2024-03-01", "--format", "json"],
        ),
    ];
    for (name, args) in commands {
        let out = d.join(format!("{name}.rejects.csv"));
        let o = arflow()
            .current_dir(d)
            .args(args)
            .args(["--ledger", "export.csv", "--rejects"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let got = rejects(&out);
        let got: Vec<(&str, &str, &str)> = got
            .iter()
            .map(|(line, column, record)| (line.as_str(), column.as_str(), record.as_str()))
            .collect();
        assert_eq!(got, REJECTED, "{name}");
    }
}
