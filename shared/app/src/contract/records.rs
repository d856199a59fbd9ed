//! Contract cases on what a store keeps beside invoice history: customers,
//! the sent log, tasks, ingested objects, tenant isolation, per-customer
//! reads and the ledger version.

use super::*;

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
        country: Some("DE-BY".into()),
    }
}

pub(super) fn customers_are_upserted_and_round_trip<S: LedgerStore>(store: &mut S) {
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
        kind: ActionKind::Email,
        channel: Some(Channel::Email),
        sent_on: d(on),
        stages: Vec::new(),
    }
}

pub(super) fn recording_a_send_twice_keeps_one_record<S: LedgerStore>(store: &mut S) {
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
        kind: ActionKind::CallTask,
        assignee: "ar_team".into(),
        title: "Call Acme about INV-7".into(),
        body: "INV-7 is 61 days past due.\nAsk for a payment date.".into(),
        due_on: d(due),
        status: TaskStatus::Open,
        outcome: None,
    }
}

pub(super) fn tasks_are_idempotent_and_can_be_completed<S: LedgerStore>(store: &mut S) {
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

pub(super) fn an_ingested_object_is_recognised<S: LedgerStore>(store: &mut S) {
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

pub(super) fn tenants_are_isolated<S: LedgerStore>(store: &mut S) {
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

pub(super) fn customer_invoices_are_that_customers_current_invoices<S: LedgerStore>(store: &mut S) {
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

pub(super) fn ledger_version_moves_with_every_change<S: LedgerStore>(store: &mut S) {
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
