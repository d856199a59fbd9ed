//! The store contract: behaviour every `LedgerStore` must show, as a suite an
//! adapter's tests call with a factory of empty stores.
//!
//! ```ignore
//! #[test]
//! fn sqlite_store_keeps_the_store_contract() {
//!     arflow_app::contract::run_store_contract(|| SqliteStore::open_in_memory().unwrap());
//! }
//! ```

use arflow_domain::ledger::{Channel, Customer, CustomerType, Invoice, InvoiceStatus};
use arflow_domain::money::Currency;
use arflow_domain::sent::SentRecord;
use arflow_domain::strategy::action::ActionKind;
use chrono::NaiveDate;

use crate::store::{ChangeKind, InvoiceChange, LedgerStore, StoreError, Task, TaskStatus};

type Case<S> = (&'static str, fn(&mut S));

/// Runs every contract case on a fresh store from `make`; panics, naming
/// the case, on the first broken promise.
pub fn run_store_contract<S: LedgerStore>(make: impl Fn() -> S) {
    let cases: &[Case<S>] = &[
        (
            "new invoices read back as current",
            new_invoices_read_back_as_current,
        ),
        (
            "invoice fields round-trip exactly",
            invoice_fields_round_trip_exactly,
        ),
        (
            "a first version holds since ever",
            first_version_holds_since_ever,
        ),
        (
            "past dates see the version then in effect",
            past_dates_see_the_version_then_in_effect,
        ),
        (
            "a later back-dated version wins from its date",
            later_back_dated_version_wins,
        ),
        ("apply is all or nothing", apply_is_all_or_nothing),
        (
            "changing an unknown invoice fails",
            changing_an_unknown_invoice_fails,
        ),
        (
            "customers are upserted and round-trip",
            customers_are_upserted_and_round_trip,
        ),
        (
            "recording a send twice keeps one record",
            recording_a_send_twice_keeps_one_record,
        ),
        (
            "tasks are idempotent and can be completed",
            tasks_are_idempotent_and_can_be_completed,
        ),
        (
            "an ingested object is recognised",
            an_ingested_object_is_recognised,
        ),
        ("tenants are isolated", tenants_are_isolated),
        (
            "customer invoices are that customer's current invoices",
            customer_invoices_are_that_customers_current_invoices,
        ),
        (
            "the ledger version moves with every change",
            ledger_version_moves_with_every_change,
        ),
    ];
    for (name, case) in cases {
        eprintln!("store contract: {name}");
        let mut store = make();
        case(&mut store);
    }
}

const T: &str = "tenant-a";

fn d(s: &str) -> NaiveDate {
    s.parse().expect("contract dates are valid")
}

fn invoice(id: &str, amount: i64) -> Invoice {
    Invoice {
        invoice_id: id.into(),
        customer_id: "C1".into(),
        invoice_date: d("2024-01-01"),
        due_date: d("2024-01-31"),
        amount,
        currency: Currency::USD,
        paid_amount: 0,
        paid_date: None,
        disputed: false,
        status: InvoiceStatus::Open,
    }
}

fn paid(mut inv: Invoice, on: &str) -> Invoice {
    inv.paid_date = Some(d(on));
    inv.paid_amount = inv.amount;
    inv.status = InvoiceStatus::Paid;
    inv
}

fn change(kind: ChangeKind, effective: Option<&str>, invoice: Invoice) -> InvoiceChange {
    InvoiceChange {
        kind,
        effective: effective.map(d),
        invoice,
    }
}

fn new(invoice: Invoice) -> InvoiceChange {
    change(ChangeKind::New, None, invoice)
}

fn current<S: LedgerStore>(store: &S, tenant: &str) -> Vec<Invoice> {
    let mut out = Vec::new();
    store
        .current_invoices(tenant, &mut |i| out.push(i))
        .expect("current_invoices");
    out.sort_by(|a, b| a.invoice_id.cmp(&b.invoice_id));
    out
}

fn as_of<S: LedgerStore>(store: &S, tenant: &str, on: &str) -> Vec<Invoice> {
    let mut out = Vec::new();
    store
        .invoices_as_of(tenant, d(on), &mut |i| out.push(i))
        .expect("invoices_as_of");
    out.sort_by(|a, b| a.invoice_id.cmp(&b.invoice_id));
    out
}

fn apply<S: LedgerStore>(store: &mut S, tenant: &str, changes: &[InvoiceChange]) {
    store
        .apply_changes(tenant, changes, &[])
        .expect("apply_changes");
}

fn new_invoices_read_back_as_current<S: LedgerStore>(store: &mut S) {
    assert!(current(store, T).is_empty(), "a fresh store is empty");
    apply(store, T, &[new(invoice("B", 200)), new(invoice("A", 100))]);
    assert_eq!(
        current(store, T),
        vec![invoice("A", 100), invoice("B", 200)]
    );
}

fn invoice_fields_round_trip_exactly<S: LedgerStore>(store: &mut S) {
    let mut yen = invoice("JPY-1", i64::MAX);
    yen.currency = Currency::parse("JPY").expect("JPY");
    yen.paid_amount = i64::MAX - 1;
    yen.disputed = true;
    let mut credit = invoice("CN-1", -1_050);
    credit.currency = Currency::parse("KWD").expect("KWD");
    credit.status = InvoiceStatus::WrittenOff;
    credit.paid_date = Some(d("2024-02-29"));
    let mut void = invoice("V-1", 0);
    void.status = InvoiceStatus::Void;
    let all = vec![credit, yen, paid(invoice("P-1", 99), "2024-01-05"), void];
    apply(store, T, &all.iter().cloned().map(new).collect::<Vec<_>>());
    let mut want = all;
    want.sort_by(|a, b| a.invoice_id.cmp(&b.invoice_id));
    assert_eq!(current(store, T), want);
    assert_eq!(as_of(store, T, "2024-06-01"), want);
}

fn first_version_holds_since_ever<S: LedgerStore>(store: &mut S) {
    apply(store, T, &[new(invoice("A", 100))]);
    assert_eq!(as_of(store, T, "1900-01-01"), vec![invoice("A", 100)]);
}

fn past_dates_see_the_version_then_in_effect<S: LedgerStore>(store: &mut S) {
    apply(store, T, &[new(invoice("A", 100)), new(invoice("B", 200))]);
    let mut disputed = invoice("A", 100);
    disputed.disputed = true;
    apply(
        store,
        T,
        &[change(
            ChangeKind::Changed,
            Some("2024-02-10"),
            disputed.clone(),
        )],
    );
    let closed = paid(invoice("B", 200), "2024-02-20");
    apply(
        store,
        T,
        &[change(
            ChangeKind::Closed,
            Some("2024-02-20"),
            closed.clone(),
        )],
    );

    assert_eq!(
        as_of(store, T, "2024-02-09"),
        vec![invoice("A", 100), invoice("B", 200)]
    );
    assert_eq!(
        as_of(store, T, "2024-02-10"),
        vec![disputed.clone(), invoice("B", 200)]
    );
    assert_eq!(
        as_of(store, T, "2024-02-19"),
        vec![disputed.clone(), invoice("B", 200)]
    );
    assert_eq!(
        as_of(store, T, "2024-02-20"),
        vec![disputed.clone(), closed.clone()]
    );
    assert_eq!(current(store, T), vec![disputed, closed]);
}

fn later_back_dated_version_wins<S: LedgerStore>(store: &mut S) {
    apply(store, T, &[new(invoice("A", 100))]);
    let mut part = invoice("A", 100);
    part.paid_amount = 40;
    apply(
        store,
        T,
        &[change(
            ChangeKind::Changed,
            Some("2024-02-10"),
            part.clone(),
        )],
    );
    // Learned later: it was paid in full on 2024-02-05.
    let settled = paid(invoice("A", 100), "2024-02-05");
    apply(
        store,
        T,
        &[change(
            ChangeKind::Changed,
            Some("2024-02-05"),
            settled.clone(),
        )],
    );

    assert_eq!(as_of(store, T, "2024-02-04"), vec![invoice("A", 100)]);
    assert_eq!(as_of(store, T, "2024-02-05"), vec![settled.clone()]);
    assert_eq!(as_of(store, T, "2024-02-15"), vec![settled.clone()]);
    assert_eq!(current(store, T), vec![settled]);
}

fn apply_is_all_or_nothing<S: LedgerStore>(store: &mut S) {
    apply(store, T, &[new(invoice("A", 100))]);
    let customer = Customer {
        customer_id: "C1".into(),
        name: "Acme".into(),
        ..Customer::default()
    };
    let batch = [
        new(invoice("B", 200)),
        change(ChangeKind::Changed, Some("2024-02-01"), invoice("A", 999)),
        new(invoice("A", 300)),
    ];
    let err = store.apply_changes(T, &batch, &[customer]);
    assert!(
        matches!(err, Err(StoreError::AlreadyStored { ref invoice_id, .. }) if invoice_id == "A"),
        "a New change for a stored invoice must fail with AlreadyStored, got {err:?}"
    );
    assert_eq!(
        current(store, T),
        vec![invoice("A", 100)],
        "nothing of the failed batch stays"
    );
    assert_eq!(as_of(store, T, "2024-03-01"), vec![invoice("A", 100)]);
    assert!(store.customers(T).expect("customers").is_empty());
}

fn changing_an_unknown_invoice_fails<S: LedgerStore>(store: &mut S) {
    for kind in [ChangeKind::Changed, ChangeKind::Closed] {
        let err = store.apply_changes(T, &[change(kind, Some("2024-02-01"), invoice("Z", 1))], &[]);
        assert!(
            matches!(err, Err(StoreError::NotStored { ref invoice_id, .. }) if invoice_id == "Z"),
            "{kind:?} of an unknown invoice must fail with NotStored, got {err:?}"
        );
    }
    assert!(current(store, T).is_empty());
}

mod records;
use records::*;
