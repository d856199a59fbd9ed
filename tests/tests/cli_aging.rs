//! `arflow aging` / `arflow kpis` end to end: an ERP-shaped export through
//! --map and --date-format alone, output formats, bad input and strict mode.

use arflow_tests::{fixture, run, run_ok};
use serde_json::{Value, json};

fn erp_args<'a>(ledger: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec![
        "aging",
        "--ledger",
        ledger,
        "--map",
        "invoice_id=invoiceNumber",
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
        "--as-of",
        "2013-12-02",
    ];
    a.extend_from_slice(extra);
    a
}

#[test]
fn an_erp_export_ages_through_map_and_date_format_alone() {
    let ledger = fixture("erp_export.csv");
    let out = run_ok(&erp_args(ledger.to_str().unwrap(), &["--format", "json"]));
    let v: Value = serde_json::from_str(&out).unwrap();
    // As of 2013-12-02: 611365 and 7900770 were settled in January/February;
    // 1127301 settled on 12/2 (counts as paid); 1192101 settles 12/9 (still
    // open, 1 day past due); 1445121 was issued on the day (current);
    // 1445200 is issued tomorrow. Open: 9231909 (due 8/2: 122 dpd),
    // 9888306 (due 11/14: 18 dpd, disputed but still receivable), 1192101, 1445121.
    assert_eq!(
        v,
        json!({
            "as_of": "2013-12-02",
            "currencies": [{
                "currency": "USD",
                "buckets": [
                    {"label": "current", "invoices": 1, "amount": "40.00"},
                    {"label": "1-30", "invoices": 2, "amount": "1195.49"},
                    {"label": "31-60", "invoices": 0, "amount": "0.00"},
                    {"label": "61-90", "invoices": 0, "amount": "0.00"},
                    {"label": "91+", "invoices": 1, "amount": "65.88"}
                ],
                "total": {"invoices": 4, "amount": "1301.37"}
            }],
            "rejected": 0
        })
    );
}

#[test]
fn the_table_has_thousands_separators_and_a_total() {
    let ledger = fixture("erp_export.csv");
    let out = run_ok(&erp_args(ledger.to_str().unwrap(), &["--format", "table"]));
    assert!(out.starts_with("Aging as of 2013-12-02\n"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("1-30") && l.contains(" 2 ") && l.contains("1,195.49")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("total") && l.contains("1,301.37")),
        "{out}"
    );
}

#[test]
fn by_customer_lists_largest_outstanding_first_with_oldest_days_past_due() {
    let ledger = fixture("erp_export.csv");
    let out = run_ok(&erp_args(
        ledger.to_str().unwrap(),
        &["--format", "json", "--by", "customer"],
    ));
    let v: Value = serde_json::from_str(&out).unwrap();
    let customers: Vec<(String, String, i64)> = v["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["customer_id"].as_str().unwrap().into(),
                c["outstanding"].as_str().unwrap().into(),
                c["oldest_days_past_due"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        customers,
        vec![
            ("8976-AMJEO".into(), "1171.38".into(), 122),
            ("2820-XGXSB".into(), "89.99".into(), 1),
            ("9725-EZTEJ".into(), "40.00".into(), -30),
        ]
    );
}

#[test]
fn csv_output_has_a_row_per_bucket_and_total() {
    let out = run_ok(&[
        "aging",
        "--ledger",
        fixture("boundaries.csv").to_str().unwrap(),
        "--as-of",
        "2024-03-31",
        "--format",
        "csv",
        "--buckets",
        "30,60,90,120",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "currency,bucket,invoices,amount");
    assert!(lines.contains(&"USD,91-120,1,20.00"), "{out}");
    assert!(lines.contains(&"USD,total,6,980.00"), "{out}");
    assert!(lines.contains(&"JPY,1-30,1,5000"), "{out}");
}

#[test]
fn kpis_json_has_the_documented_shape() {
    let out = run_ok(&[
        "kpis",
        "--ledger",
        fixture("boundaries.csv").to_str().unwrap(),
        "--as-of",
        "2024-03-31",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["as_of"], "2024-03-31");
    assert_eq!(v["period_days"], 90);
    let usd = v["currencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["currency"] == "USD")
        .unwrap();
    assert_eq!(usd["dso"], json!(147.0));
    assert_eq!(usd["cei"], json!(26.67));
    assert_eq!(usd["bad_debt_ratio"], json!(11.67));
    assert_eq!(usd["invoiced"], "600.00");
}

#[test]
fn rejects_are_reported_written_next_to_the_ledger_and_good_rows_still_count() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("export.csv");
    std::fs::write(
        &ledger,
        "invoice_id,customer_id,invoice_date,due_date,amount\nA,C1,2024-01-01,2024-01-31,10.00\nB,C1,2024-13-01,2024-01-31,5.00\nC,C1,2024-01-01,2024-01-31,5.001\n",
    )
    .unwrap();
    let out = run(&[
        "aging",
        "--ledger",
        ledger.to_str().unwrap(),
        "--as-of",
        "2024-02-01",
        "--format",
        "json",
    ]);
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["rejected"], 2);
    assert_eq!(v["currencies"][0]["total"]["amount"], "10.00");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("export.csv:3: invoice_date: '2024-13-01' is not a date"),
        "{stderr}"
    );
    assert!(
        stderr.contains("export.csv:4: amount: '5.001' has 3 decimal places"),
        "{stderr}"
    );
    let rejects = std::fs::read_to_string(dir.path().join("export.rejects.csv")).unwrap();
    assert!(
        rejects.starts_with("file,line,column,reason,record\n"),
        "{rejects}"
    );
    assert!(rejects.contains(",3,invoice_date,"), "{rejects}");

    let strict = run(&[
        "aging",
        "--ledger",
        ledger.to_str().unwrap(),
        "--as-of",
        "2024-02-01",
        "--format",
        "json",
        "--strict",
    ]);
    assert_eq!(strict.status.code(), Some(3));
    assert!(strict.stdout.is_empty(), "strict mode prints no report");
    assert!(
        String::from_utf8_lossy(&strict.stderr)
            .contains("--strict: 2 row(s) rejected, nothing was used")
    );
}

#[test]
fn a_header_without_required_columns_fails_with_a_map_hint() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("x.csv");
    std::fs::write(&ledger, "InvoiceNumber,Customer,Amount\n1,C,2\n").unwrap();
    let out = run(&[
        "aging",
        "--ledger",
        ledger.to_str().unwrap(),
        "--as-of",
        "2024-02-01",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "missing required column(s): invoice_id, customer_id, invoice_date, due_date"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("--map invoice_id=YourColumn"), "{stderr}");
}

#[test]
fn a_mapping_file_does_what_the_flags_do() {
    let dir = tempfile::tempdir().unwrap();
    let mapping = dir.path().join("erp.toml");
    std::fs::write(
        &mapping,
        "date_format = \"%m/%d/%Y\"\ncurrency = \"EUR\"\n[ledger]\ninvoice_id = \"invoiceNumber\"\ncustomer_id = \"customerID\"\ninvoice_date = \"InvoiceDate\"\ndue_date = \"DueDate\"\namount = \"InvoiceAmount\"\npaid_date = \"SettledDate\"\ndisputed = \"Disputed\"\n",
    )
    .unwrap();
    let out = run_ok(&[
        "aging",
        "--ledger",
        fixture("erp_export.csv").to_str().unwrap(),
        "--mapping",
        mapping.to_str().unwrap(),
        "--as-of",
        "2013-12-02",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["currencies"][0]["currency"], "EUR");
    assert_eq!(v["currencies"][0]["total"]["amount"], "1301.37");
}
