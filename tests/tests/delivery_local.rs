//! The delivery use case on the local host (SQLite + the `.eml` outbox)
//! under faults: a send whose record fails is never sent again — the retry
//! finds the message in the outbox and records it, or, with a sender that
//! cannot tell, records it as unconfirmed with a task to check; the dispute
//! acknowledgement goes out once under the same fault; and a WhatsApp
//! reminder, with no WhatsApp provider, is a task for the AR team.

use std::path::Path;

use arflow_app::delivery::{ClaimOutcome, DeliveryStore, LEASE_SECS};
use arflow_app::dispatch::{DaySummary, EmailMessage, SendError, Sender, TextMessage, run_day};
use arflow_app::planning::StrategyDefaults;
use arflow_app::portal::{Dispute, DisputeState, PortalStore, acknowledge_dispute};
use arflow_app::store::{ChangeKind, InvoiceChange, LedgerStore};
use arflow_app::templates::default_templates;
use arflow_domain::ledger::{Channel, Customer, Invoice, InvoiceStatus};
use arflow_domain::money::Currency;
use arflow_domain::strategy::default_strategy;
use arflow_local::SqliteStore;
use arflow_local::outbox::Outbox;
use chrono::NaiveDate;

/// 2024-01-31 12:00 UTC, the run's clock.
const NOW: i64 = 1_706_702_400;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// C1 (e-mail and phone) owes INV-1, due 2024-01-31.
fn seeded(path: &Path) -> SqliteStore {
    let mut store = SqliteStore::open(path).unwrap();
    let invoice = Invoice {
        invoice_id: "INV-1".into(),
        customer_id: "C1".into(),
        invoice_date: d("2024-01-01"),
        due_date: d("2024-01-31"),
        amount: 120_000,
        currency: Currency::USD,
        paid_amount: 0,
        paid_date: None,
        disputed: false,
        status: InvoiceStatus::Open,
    };
    let customer = Customer {
        customer_id: "C1".into(),
        name: "C1 Corp".into(),
        emails: vec!["ap@c1.example".into()],
        phone: Some("+15550100".into()),
        ..Customer::default()
    };
    store
        .apply_changes(
            "acme",
            &[InvoiceChange {
                kind: ChangeKind::New,
                effective: None,
                invoice,
            }],
            &[customer],
        )
        .unwrap();
    store
}

/// Makes every write to the communication log fail (a second connection
/// to the same file: the store under test does not know).
fn break_recording(path: &Path) {
    rusqlite::Connection::open(path)
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER injected_fault BEFORE INSERT ON communications
             BEGIN SELECT RAISE(ABORT, 'injected fault: the disk went away'); END;",
        )
        .unwrap();
}

fn mend_recording(path: &Path) {
    rusqlite::Connection::open(path)
        .unwrap()
        .execute_batch("DROP TRIGGER injected_fault")
        .unwrap();
}

fn defaults() -> StrategyDefaults {
    StrategyDefaults::stored_or(default_strategy().unwrap())
}

fn run(store: &mut SqliteStore, sender: &mut dyn Sender, now: i64) -> DaySummary {
    let templates = default_templates().unwrap();
    run_day(
        store,
        "acme",
        d("2024-01-31"),
        &defaults(),
        &templates,
        sender,
        now,
    )
    .unwrap()
}

fn files(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn a_send_whose_record_fails_is_recorded_by_the_retry_and_never_sent_twice() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("arflow.db");
    let mut store = seeded(&db);
    let mut outbox = Outbox::new(dir.path().join("outbox"));
    break_recording(&db);

    let first = run(&mut store, &mut outbox, NOW);
    assert_eq!(first.actions.len(), 1, "{first:?}");
    let id = first.actions[0].id.clone();
    assert_eq!(first.recorded, 0);
    assert_eq!(first.failed.len(), 1, "{first:?}");
    assert!(
        first.failed[0]
            .1
            .contains("was sent but recording it failed"),
        "{first:?}"
    );
    let sent = files(outbox.dir());
    assert_eq!(sent.len(), 1, "the e-mail went out once: {sent:?}");
    let body = std::fs::read(outbox.path_for(&id)).unwrap();
    assert!(
        store.sent_log("acme").unwrap().is_empty(),
        "nothing recorded"
    );
    mend_recording(&db);

    // Within the lease another run leaves it alone.
    let busy = run(&mut store, &mut outbox, NOW + 60);
    assert_eq!((busy.failed.len(), busy.recorded), (1, 0), "{busy:?}");
    assert!(busy.failed[0].1.contains("being delivered by another run"));

    // After the lease the retry finds the message in the outbox: recorded, not sent.
    let retry = run(&mut store, &mut outbox, NOW + LEASE_SECS + 1);
    assert!(retry.failed.is_empty(), "{retry:?}");
    assert_eq!((retry.recorded, retry.emails), (1, 0), "{retry:?}");
    assert_eq!(files(outbox.dir()), sent, "no second message");
    assert_eq!(std::fs::read(outbox.path_for(&id)).unwrap(), body);
    let log = store.sent_log("acme").unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].action_id, id);
    assert_eq!(store.communications("acme", "C1").unwrap().len(), 1);
    assert_eq!(
        store
            .claim("acme", "C1", &id, NOW + 10_000, LEASE_SECS)
            .unwrap(),
        ClaimOutcome::Done(arflow_app::delivery::ClaimStatus::Sent)
    );

    let again = run(&mut store, &mut outbox, NOW + 10_000);
    assert!(
        again.actions.is_empty(),
        "planned once, recorded: {again:?}"
    );
}

/// A sender like SES: it cannot say what it sent before.
#[derive(Default)]
struct Forgetful(Vec<String>);

impl Sender for Forgetful {
    fn supports(&self, channel: Channel) -> bool {
        channel == Channel::Email
    }
    fn send_email(&mut self, m: &EmailMessage) -> Result<String, SendError> {
        self.0.push(m.action_id.clone());
        Ok(format!("msg-{}", self.0.len()))
    }
    fn send_text(&mut self, m: &TextMessage) -> Result<String, SendError> {
        Err(SendError {
            detail: format!("no text channel for {}", m.action_id),
            transient: false,
            maybe_sent: false,
        })
    }
}

#[test]
fn when_the_sender_cannot_tell_the_retry_records_it_unconfirmed_with_a_task_and_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("arflow.db");
    let mut store = seeded(&db);
    let mut ses = Forgetful::default();
    break_recording(&db);
    let first = run(&mut store, &mut ses, NOW);
    assert_eq!((ses.0.len(), first.failed.len()), (1, 1), "{first:?}");
    mend_recording(&db);

    let retry = run(&mut store, &mut ses, NOW + LEASE_SECS + 1);
    assert_eq!(ses.0.len(), 1, "not sent again");
    assert_eq!((retry.recorded, retry.tasks), (1, 1), "{retry:?}");
    let task = store
        .tasks("acme")
        .unwrap()
        .into_iter()
        .find(|t| t.id.ends_with(":unconfirmed"))
        .expect("a task to check the send");
    assert!(task.title.contains("Check whether"), "{}", task.title);
    assert!(run(&mut store, &mut ses, NOW + 10_000).actions.is_empty());
    assert_eq!(ses.0.len(), 1);
}

#[test]
fn the_dispute_acknowledgement_goes_out_once_when_its_record_fails() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("arflow.db");
    let mut store = seeded(&db);
    let mut outbox = Outbox::new(dir.path().join("outbox"));
    store
        .insert_dispute(
            "acme",
            &Dispute {
                id: "D-1".into(),
                customer_id: "C1".into(),
                invoice_id: "INV-1".into(),
                reason: "Wrong amount".into(),
                amount: 120_000,
                message: String::new(),
                state: DisputeState::Open,
                owner: None,
                notes: vec![],
                opened_at: NOW,
                updated_at: NOW,
            },
        )
        .unwrap();
    let dispute = store.disputes("acme").unwrap().remove(0);
    let templates = default_templates().unwrap();
    break_recording(&db);
    let filed = acknowledge_dispute(
        &mut store,
        &mut outbox,
        "acme",
        &dispute,
        &defaults(),
        &templates,
        d("2024-01-31"),
        NOW,
    );
    assert!(filed.is_err(), "the record failed: {filed:?}");
    let sent = files(outbox.dir());
    assert_eq!(sent.len(), 1, "the acknowledgement went out: {sent:?}");
    mend_recording(&db);

    // The daily run plans the acknowledgement again (it is not in the sent
    // log); within the lease it waits, after it the outbox shows it was sent.
    let busy = run(&mut store, &mut outbox, NOW + 60);
    assert_eq!(busy.failed.len(), 1, "{busy:?}");
    let retry = run(&mut store, &mut outbox, NOW + LEASE_SECS + 1);
    assert!(retry.failed.is_empty(), "{retry:?}");
    assert_eq!(files(outbox.dir()), sent, "acknowledged exactly once");
    let rules: Vec<String> = (store.sent_log("acme").unwrap())
        .into_iter()
        .map(|r| r.rule)
        .collect();
    assert_eq!(rules, ["event:dispute_ack"]);
}

#[test]
fn a_whatsapp_reminder_without_a_provider_is_a_task_for_the_ar_team_in_arflow_run() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("arflow.db");
    drop(seeded(&db));
    let strategy = dir.path().join("whatsapp.toml");
    std::fs::write(&strategy, arflow_tests::whatsapp_strategy()).unwrap();
    let outbox = dir.path().join("outbox");
    let out = arflow_tests::run_ok(&[
        "run",
        "--db",
        db.to_str().unwrap(),
        "--tenant",
        "acme",
        "--as-of",
        "2024-01-31",
        "--strategy",
        strategy.to_str().unwrap(),
        "--outbox",
        outbox.to_str().unwrap(),
    ]);
    assert!(out.contains("1 new task(s)"), "{out}");
    assert_eq!(
        files(&outbox),
        Vec::<String>::new(),
        "nothing sent on another channel"
    );
    let store = SqliteStore::open(&db).unwrap();
    let log = store.sent_log("acme").unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].channel, Some(Channel::Whatsapp));
    let tasks = store.tasks("acme").unwrap();
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(
        tasks[0].id, log[0].action_id,
        "the task carries the action's id"
    );
    assert_eq!(tasks[0].assignee, "ar_team");
    assert!(
        tasks[0].title.contains("whatsapp") && tasks[0].title.contains("+15550100"),
        "{}",
        tasks[0].title
    );
}
