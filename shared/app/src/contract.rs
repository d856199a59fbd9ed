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

fn full_customer(id: &str) -> Customer {
    Customer {
        customer_id: id.into(),
        name: format!("{id} GmbH"),
        emails: vec!["ap@example.com".into(), "cfo@example.com".into()],
        phone: Some("+49 30 1234".into()),
        kind: CustomerType::Strategic,
        credit_limit: Some(5_000_000),
        credit_currency: Some(Currency::EUR),
        timezone: Some("Europe/Berlin".into()),
        language: Some("de".into()),
        white_glove: true,
        opted_out: vec![Channel::Sms, Channel::Whatsapp],
        account_manager: Some("anna@example.com".into()),
        sales_manager: Some("sam@example.com".into()),
        tags: vec!["key-account".into(), "dach".into()],
    }
}

fn customers_are_upserted_and_round_trip<S: LedgerStore>(store: &mut S) {
    let plain = Customer {
        customer_id: "C2".into(),
        name: "C2".into(),
        ..Customer::default()
    };
    store
        .apply_changes(T, &[], &[plain.clone(), full_customer("C1")])
        .expect("apply customers");
    assert_eq!(
        store.customers(T).expect("customers"),
        vec![full_customer("C1"), plain.clone()]
    );
    let mut renamed = full_customer("C1");
    renamed.name = "Renamed".into();
    renamed.opted_out.clear();
    store
        .apply_changes(T, &[], &[renamed.clone()])
        .expect("upsert");
    assert_eq!(store.customers(T).expect("customers"), vec![renamed, plain]);
}

fn sent(id: &str, on: &str) -> SentRecord {
    SentRecord {
        action_id: id.into(),
        customer_id: "C1".into(),
        invoice_ids: vec!["A".into(), "B".into()],
        rule: "reminder:due_today".into(),
        kind: "email".into(),
        channel: Some("email".into()),
        sent_on: d(on),
    }
}

fn recording_a_send_twice_keeps_one_record<S: LedgerStore>(store: &mut S) {
    assert_eq!(
        store
            .record_sent(T, &[sent("x1", "2024-02-01"), sent("x2", "2024-01-31")])
            .expect("record"),
        2
    );
    let mut again = sent("x1", "2024-02-09");
    again.rule = "something else".into();
    let mut notify = sent("x3", "2024-02-01");
    notify.channel = None;
    notify.invoice_ids.clear();
    let inserted = store
        .record_sent(T, &[again, notify.clone(), notify.clone()])
        .expect("record again");
    assert_eq!(inserted, 1, "only x3 is new, and once");
    assert_eq!(
        store.sent_log(T).expect("sent_log"),
        vec![sent("x2", "2024-01-31"), sent("x1", "2024-02-01"), notify]
    );
}

fn task(id: &str, due: &str) -> Task {
    Task {
        id: id.into(),
        customer_id: "C1".into(),
        invoice_ids: vec!["A".into()],
        kind: "call_task".into(),
        assignee: "ar_team".into(),
        title: "Call Acme about INV-7".into(),
        body: "INV-7 is 61 days past due.\nAsk for a payment date.".into(),
        due_on: d(due),
        status: TaskStatus::Open,
        outcome: None,
    }
}

fn tasks_are_idempotent_and_can_be_completed<S: LedgerStore>(store: &mut S) {
    assert_eq!(
        store
            .insert_tasks(T, &[task("t2", "2024-02-02"), task("t1", "2024-02-01")])
            .expect("insert"),
        2
    );
    let mut changed = task("t1", "2024-03-01");
    changed.title = "other".into();
    assert_eq!(store.insert_tasks(T, &[changed]).expect("insert again"), 0);
    assert_eq!(
        store.tasks(T).expect("tasks"),
        vec![task("t1", "2024-02-01"), task("t2", "2024-02-02")]
    );

    assert!(
        store
            .complete_task(T, "t1", "promised to pay on 2024-02-10")
            .expect("complete")
    );
    assert!(
        !store
            .complete_task(T, "nope", "x")
            .expect("complete unknown")
    );
    let mut done = task("t1", "2024-02-01");
    done.status = TaskStatus::Done;
    done.outcome = Some("promised to pay on 2024-02-10".into());
    assert_eq!(
        store.tasks(T).expect("tasks"),
        vec![done, task("t2", "2024-02-02")]
    );
}

fn an_ingested_object_is_recognised<S: LedgerStore>(store: &mut S) {
    assert!(
        !store
            .is_ingested(T, "incoming/a.csv", "d1")
            .expect("is_ingested")
    );
    assert!(
        store
            .mark_ingested(T, "incoming/a.csv", "d1")
            .expect("mark")
    );
    assert!(
        store
            .is_ingested(T, "incoming/a.csv", "d1")
            .expect("is_ingested")
    );
    assert!(
        !store
            .mark_ingested(T, "incoming/a.csv", "d1")
            .expect("mark again")
    );
    assert!(
        !store
            .is_ingested(T, "incoming/a.csv", "d2")
            .expect("other content")
    );
    assert!(
        store
            .mark_ingested(T, "incoming/a.csv", "d2")
            .expect("new content")
    );
}

fn tenants_are_isolated<S: LedgerStore>(store: &mut S) {
    const U: &str = "tenant-b";
    apply(store, T, &[new(invoice("A", 100))]);
    apply(store, U, &[new(invoice("A", 555))]);
    store
        .apply_changes(U, &[], &[full_customer("C1")])
        .expect("customers");
    store
        .record_sent(U, &[sent("x1", "2024-02-01")])
        .expect("sent");
    store
        .insert_tasks(U, &[task("t1", "2024-02-01")])
        .expect("tasks");
    store.mark_ingested(U, "k", "d").expect("mark");

    assert_eq!(current(store, T), vec![invoice("A", 100)]);
    assert_eq!(as_of(store, T, "2024-03-01"), vec![invoice("A", 100)]);
    assert_eq!(current(store, U), vec![invoice("A", 555)]);
    assert!(store.customers(T).expect("customers").is_empty());
    assert!(store.sent_log(T).expect("sent").is_empty());
    assert!(store.tasks(T).expect("tasks").is_empty());
    assert!(!store.is_ingested(T, "k", "d").expect("is_ingested"));
    assert_eq!(
        store
            .record_sent(T, &[sent("x1", "2024-02-01")])
            .expect("sent"),
        1
    );
    assert!(!store.complete_task(T, "t1", "x").expect("complete"));
}

fn customer_invoices_are_that_customers_current_invoices<S: LedgerStore>(store: &mut S) {
    let mut b = invoice("B", 200);
    b.customer_id = "C2".into();
    apply(
        store,
        T,
        &[new(invoice("A", 100)), new(b), new(invoice("C", 300))],
    );
    apply(
        store,
        T,
        &[change(
            ChangeKind::Changed,
            Some("2024-02-01"),
            paid(invoice("C", 300), "2024-02-01"),
        )],
    );
    apply(store, "tenant-b", &[new(invoice("D", 1))]);
    let mut got = Vec::new();
    store
        .customer_invoices(T, "C1", &mut |i| got.push(i))
        .expect("customer_invoices");
    got.sort_by(|a, b| a.invoice_id.cmp(&b.invoice_id));
    assert_eq!(
        got,
        vec![invoice("A", 100), paid(invoice("C", 300), "2024-02-01")]
    );
    let mut none = Vec::new();
    store
        .customer_invoices(T, "nobody", &mut |i| none.push(i))
        .expect("customer_invoices");
    assert!(none.is_empty());
}

fn ledger_version_moves_with_every_change<S: LedgerStore>(store: &mut S) {
    let v0 = store.ledger_version(T).expect("ledger_version");
    apply(store, T, &[new(invoice("A", 100))]);
    let v1 = store.ledger_version(T).expect("ledger_version");
    store
        .apply_changes(T, &[], &[full_customer("C1")])
        .expect("customers");
    let v2 = store.ledger_version(T).expect("ledger_version");
    apply(store, "tenant-b", &[new(invoice("A", 1))]);
    let v3 = store.ledger_version(T).expect("ledger_version");
    if v0.is_none() {
        // A store that cannot tell says so every time; callers then never cache.
        assert_eq!((v1, v2, v3), (None, None, None));
        return;
    }
    assert_ne!(v0, v1, "new invoices");
    assert_ne!(v1, v2, "customers");
    assert_eq!(v2, v3, "another tenant's change");
    assert_eq!(v3, store.ledger_version(T).expect("ledger_version"));
}
