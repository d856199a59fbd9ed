//! The same 60 days through both hosts: `arflow run`'s use case on SQLite
//! with the `.eml` outbox, and the AWS daily run → SQS → dispatch Lambda on
//! DynamoDB and SES in the emulator. A dispute is filed and a promise to pay
//! made mid-way, in each host's portal store. Both hosts send the same set
//! of actions (id, kind, customer, invoices, template, recipients), record
//! the same sent log and communication log, and the held invoices are not
//! dunned on either.

mod aws_support;

use std::collections::BTreeSet;

use arflow_app::delivery::DeliveryStore;
use arflow_app::dispatch::run_day;
use arflow_app::portal::{Dispute, DisputeState, PortalStore, PromiseToPay};
use arflow_app::store::{ChangeKind, InvoiceChange, LedgerStore};
use arflow_app::templates::default_templates;
use arflow_aws::daily::strategy_defaults;
use arflow_aws::wire::QueueMessage;
use arflow_domain::ledger::{Channel, Customer, CustomerType, Invoice};
use arflow_domain::strategy::{Action, Recipients};
use arflow_local::SqliteStore;
use arflow_local::outbox::Outbox;
use aws_support::world::{customer, failures, invoice, world};
use chrono::{Duration, NaiveDate};

const TENANT: &str = "acme";

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Noon UTC of a day, in seconds since the Unix epoch.
fn noon(day: NaiveDate) -> i64 {
    day.and_hms_opt(12, 0, 0).unwrap().and_utc().timestamp()
}

fn book() -> (Vec<Customer>, Vec<Invoice>) {
    let mut c2 = customer("C2", "ap@c2.example");
    c2.kind = CustomerType::Strategic;
    let mut c3 = customer("C3", "ap@c3.example");
    c3.kind = CustomerType::New;
    let mut c4 = customer("C4", "unused@c4.example");
    c4.emails.clear();
    let customers = vec![customer("C1", "ap@c1.example"), c2, c3, c4];
    let invoices = vec![
        invoice("INV-1", "C1", "2023-12-11", "2024-01-10", 120_000),
        invoice("INV-2", "C1", "2023-12-26", "2024-01-25", 45_000),
        invoice("INV-3", "C2", "2023-12-06", "2024-01-05", 2_500_000),
        invoice("INV-4", "C3", "2023-12-21", "2024-01-20", 9_900),
        invoice("INV-5", "C4", "2023-12-16", "2024-01-15", 31_000),
        invoice("INV-6", "C3", "2024-01-15", "2024-02-14", 18_000),
    ];
    (customers, invoices)
}

/// Filed on 2024-01-12 (C1 disputes INV-1).
fn dispute() -> Dispute {
    Dispute {
        id: "D-1".into(),
        customer_id: "C1".into(),
        invoice_id: "INV-1".into(),
        reason: "Wrong amount".into(),
        amount: 120_000,
        message: String::new(),
        state: DisputeState::Open,
        owner: None,
        notes: vec![],
        opened_at: noon(d("2024-01-12")),
        updated_at: noon(d("2024-01-12")),
    }
}

/// Made on 2024-01-22 (C2 will pay INV-3 by 2024-02-05, 3 grace days).
fn promise() -> PromiseToPay {
    PromiseToPay {
        id: "P-1".into(),
        customer_id: "C2".into(),
        invoice_id: "INV-3".into(),
        promised_date: d("2024-02-05"),
        amount: 2_500_000,
        grace_days: 3,
        reference: None,
        created_at: noon(d("2024-01-22")),
    }
}

/// What is compared of a sent action.
type Sent = (String, String, String, Vec<String>, Option<String>, String);

fn key(a: &Action) -> Sent {
    let to = match &a.recipients {
        Recipients::Role(r) => format!("role:{}", r.as_str()),
        Recipients::Addresses(list) => list.join(","),
    };
    (
        a.id.clone(),
        a.kind.as_str().to_string(),
        a.customer_id.clone(),
        a.invoice_ids.clone(),
        a.template.clone(),
        to,
    )
}

fn outbox_files(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.file_name().to_string_lossy().ends_with(".eml"))
                .count()
        })
        .unwrap_or(0)
}

const FIRST: &str = "2024-01-01";
const DAYS: i64 = 60;
const DISPUTE_DAY: &str = "2024-01-12";
const PROMISE_DAY: &str = "2024-01-22";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_days_through_the_cli_and_through_aws_send_the_same_actions() {
    let (customers, invoices) = book();

    // The local host.
    let dir = tempfile::tempdir().unwrap();
    let mut local = SqliteStore::open(&dir.path().join("arflow.db")).unwrap();
    let changes: Vec<InvoiceChange> = (invoices.iter())
        .map(|i| InvoiceChange {
            kind: ChangeKind::New,
            effective: None,
            invoice: i.clone(),
        })
        .collect();
    local.apply_changes(TENANT, &changes, &customers).unwrap();
    let mut outbox = Outbox::new(dir.path().join("outbox"));
    let templates = default_templates().unwrap();

    // The AWS host; the local one plans with the same tenant settings
    // (sender, time zone, send hour), so even the rendered subjects agree.
    let w = world(&customers, &invoices).await;
    let mut remote = w.aws.store();
    let config = remote.tenant_config(TENANT).await.unwrap().unwrap();
    let defaults = strategy_defaults(&config).unwrap();

    let (mut on_local, mut on_aws) = (BTreeSet::new(), BTreeSet::new());
    for n in 0..DAYS {
        let day = d(FIRST) + Duration::days(n);
        if day == d(DISPUTE_DAY) {
            local.insert_dispute(TENANT, &dispute()).unwrap();
            remote.insert_dispute(TENANT, &dispute()).unwrap();
        }
        if day == d(PROMISE_DAY) {
            local.insert_promise(TENANT, &promise()).unwrap();
            remote.insert_promise(TENANT, &promise()).unwrap();
        }
        let ran = run_day(
            &mut local,
            TENANT,
            day,
            &defaults,
            &templates,
            &mut outbox,
            noon(day),
        )
        .unwrap();
        assert!(ran.failed.is_empty(), "{day}: {:?}", ran.failed);
        on_local.extend(ran.actions.iter().map(key));

        let run = w
            .run_daily(&format!("exec-{day}"), Some(&day.to_string()))
            .await;
        assert!(!run.skipped, "{run:?}");
        let batch = w.drain().await;
        for r in &batch.records {
            if let Ok(QueueMessage::Action { action, .. }) =
                serde_json::from_str(r.body.as_deref().unwrap_or(""))
            {
                on_aws.insert(key(&Action::try_from(*action).unwrap()));
            }
        }
        if !batch.records.is_empty() {
            let response = w.dispatch.handle(batch).await.expect("dispatch");
            assert!(failures(&response).is_empty(), "{day}: {response:?}");
        }
    }

    assert!(on_local.len() > 20, "a real scenario: {on_local:#?}");
    let only_local: Vec<_> = on_local.difference(&on_aws).collect();
    let only_aws: Vec<_> = on_aws.difference(&on_local).collect();
    assert!(
        only_local.is_empty() && only_aws.is_empty(),
        "only on the CLI: {only_local:#?}\nonly on AWS: {only_aws:#?}"
    );

    // Both recorded every action once, and logged the same messages.
    let ids = |log: Vec<arflow_domain::sent::SentRecord>| -> Vec<(String, NaiveDate)> {
        log.into_iter().map(|r| (r.action_id, r.sent_on)).collect()
    };
    let mut local_log = ids(local.sent_log(TENANT).unwrap());
    let mut aws_log = ids(remote.sent_log(TENANT).unwrap());
    local_log.sort();
    aws_log.sort();
    assert_eq!(local_log.len(), on_local.len());
    assert_eq!(local_log, aws_log);
    for c in &customers {
        let messages = |s: &dyn DeliveryStore| -> Vec<(String, Vec<String>, String)> {
            (s.communications(TENANT, &c.customer_id).unwrap())
                .into_iter()
                .map(|e| (e.action_id, e.to, e.subject))
                .collect()
        };
        assert_eq!(messages(&local), messages(&remote), "{}", c.customer_id);
    }
    let emails: usize = (customers.iter())
        .map(|c| local.communications(TENANT, &c.customer_id).unwrap())
        .map(|log| log.iter().filter(|e| e.channel == Channel::Email).count())
        .sum();
    assert_eq!(w.mail().len(), emails, "SES sent each e-mail once");
    assert_eq!(
        outbox_files(&dir.path().join("outbox")),
        emails,
        "the outbox holds each e-mail once"
    );

    // The holds held on both: no dunning of INV-1 from the dispute on, none
    // of INV-3 while the promise held.
    let dunning = |a: &&Sent, invoice: &str| {
        a.3.iter().any(|i| i == invoice)
            && ["email", "sms", "whatsapp", "call_task"].contains(&a.1.as_str())
            && a.4
                .as_deref()
                .is_some_and(|t| !t.starts_with("dispute") && !t.starts_with("promise"))
    };
    let held: Vec<_> = on_local
        .iter()
        .filter(|a| dunning(a, "INV-1"))
        .filter(|a| {
            local_log
                .iter()
                .any(|(id, on)| id == &a.0 && *on >= d(DISPUTE_DAY))
        })
        .collect();
    assert!(held.is_empty(), "INV-1 dunned after its dispute: {held:#?}");
    let promised: Vec<_> = on_local
        .iter()
        .filter(|a| dunning(a, "INV-3"))
        .filter(|a| {
            local_log
                .iter()
                .any(|(id, on)| id == &a.0 && *on >= d(PROMISE_DAY) && *on <= d("2024-02-08"))
        })
        .collect();
    assert!(
        promised.is_empty(),
        "INV-3 dunned under its promise: {promised:#?}"
    );
    assert!(
        on_local
            .iter()
            .any(|a| a.3 == ["INV-1"] && a.4.as_deref() == Some("dispute_ack")),
        "the dispute was acknowledged"
    );
}
