use super::*;
use crate::columns::{ColumnMapping, LEDGER_COLUMNS, LEDGER_REQUIRED};

fn index() -> HeaderIndex {
    HeaderIndex::resolve(
        &LEDGER_COLUMNS,
        &LEDGER_COLUMNS,
        &LEDGER_REQUIRED,
        &ColumnMapping::default(),
    )
    .unwrap()
}

fn parse(rec: [&str; 10]) -> Result<Invoice, FieldError> {
    let idx = index();
    parse_invoice(&canonical_fields(&idx, &rec), &idx, &ValueFormat::default())
}

#[test]
fn paid_date_without_paid_amount_means_paid_in_full() {
    let i = parse([
        "I1",
        "C1",
        "2024-01-01",
        "2024-01-31",
        "100.00",
        "",
        "",
        "2024-02-03",
        "",
        "",
    ])
    .unwrap();
    assert_eq!(i.paid_amount, 10000);
}

#[test]
fn due_before_invoice_date_is_rejected_on_due_date() {
    let e = parse([
        "I1",
        "C1",
        "2024-02-01",
        "2024-01-31",
        "1",
        "",
        "",
        "",
        "",
        "",
    ])
    .unwrap_err();
    assert_eq!(e.column, "due_date");
    assert!(e.reason.contains("before invoice date"));
}

#[test]
fn each_bad_field_names_its_column() {
    let cases: [([&str; 10], &str); 7] = [
        (
            [
                "",
                "C1",
                "2024-01-01",
                "2024-01-31",
                "1",
                "",
                "",
                "",
                "",
                "",
            ],
            "invoice_id",
        ),
        (
            [
                "I",
                "C1",
                "2024-01-xx",
                "2024-01-31",
                "1",
                "",
                "",
                "",
                "",
                "",
            ],
            "invoice_date",
        ),
        (
            [
                "I",
                "C1",
                "2024-01-01",
                "2024-01-31",
                "ten",
                "",
                "",
                "",
                "",
                "",
            ],
            "amount",
        ),
        (
            [
                "I",
                "C1",
                "2024-01-01",
                "2024-01-31",
                "1.234",
                "",
                "",
                "",
                "",
                "",
            ],
            "amount",
        ),
        (
            [
                "I",
                "C1",
                "2024-01-01",
                "2024-01-31",
                "1",
                "EURO",
                "",
                "",
                "",
                "",
            ],
            "currency",
        ),
        (
            [
                "I",
                "C1",
                "2024-01-01",
                "2024-01-31",
                "1",
                "",
                "",
                "",
                "perhaps",
                "",
            ],
            "disputed",
        ),
        (
            [
                "I",
                "C1",
                "2024-01-01",
                "2024-01-31",
                "1",
                "",
                "2",
                "",
                "",
                "",
            ],
            "paid_amount",
        ),
    ];
    for (rec, col) in cases {
        assert_eq!(parse(rec).unwrap_err().column, col, "{rec:?}");
    }
}

#[test]
fn canonical_spellings_read_as_the_general_parsers_read_them() {
    for v in [
        "open",
        "paid",
        "void",
        "written_off",
        "Paid",
        " open",
        "junk",
        "",
    ] {
        assert_eq!(status(v), InvoiceStatus::parse(v), "{v:?}");
    }
    for v in ["true", "false", "True", "no", "maybe", " true"] {
        assert_eq!(boolean(v), parse_bool(v), "{v:?}");
    }
}

#[test]
fn borrowed_row_is_the_owned_invoice() {
    let idx = index();
    let rec = [
        " I1 ",
        "C1",
        "2024-01-01",
        "2024-01-31",
        "5",
        "",
        "",
        "",
        "yes",
        "Paid",
    ];
    let fields = canonical_fields(&idx, &rec);
    let row = parse_invoice_row(&fields, &idx, &ValueFormat::default()).unwrap();
    assert_eq!(row.invoice_id, "I1");
    assert_eq!(
        Ok(row.to_invoice()),
        parse_invoice(&fields, &idx, &ValueFormat::default())
    );
}

#[test]
fn a_customers_country_is_an_iso_code_kept_upper_case() {
    use crate::columns::{CUSTOMER_COLUMNS, CUSTOMER_REQUIRED};
    // A file with only the id and country columns.
    let header = ["customer_id", "country"];
    let idx = HeaderIndex::resolve(
        &header,
        &CUSTOMER_COLUMNS,
        &CUSTOMER_REQUIRED,
        &ColumnMapping::default(),
    )
    .unwrap();
    let parse = |country: &str| {
        parse_customer(
            &canonical_fields(&idx, &["C1", country]),
            &idx,
            &ValueFormat::default(),
        )
    };
    assert_eq!(parse("de").unwrap().country.as_deref(), Some("DE"));
    assert_eq!(parse("gb-sct").unwrap().country.as_deref(), Some("GB-SCT"));
    assert_eq!(parse("").unwrap().country, None);
    let e = parse("Germany").unwrap_err();
    assert_eq!(e.column, "country");
    assert!(
        e.reason
            .contains("'Germany' is not an ISO 3166 country code"),
        "{e:?}"
    );
}
