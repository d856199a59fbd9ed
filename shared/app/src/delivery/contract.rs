//! The delivery store contract: what every [`DeliveryStore`] must do, run
//! against SQLite and DynamoDB alike. Panics, saying what broke, on the
//! first broken promise. `tag` makes the tenants unique, so the suite can
//! run more than once on one store.

use arflow_domain::ledger::Channel;
use arflow_domain::sent::SentRecord;
use arflow_domain::strategy::action::ActionKind;
use chrono::NaiveDate;

use super::{ClaimOutcome, ClaimStatus, Completion, DeliveryStore, LogEntry};
use crate::store::{LedgerStore, Task, TaskStatus};

fn day(s: &str) -> NaiveDate {
    s.parse().expect("a date")
}

fn record(id: &str, customer: &str, on: &str) -> SentRecord {
    SentRecord {
        action_id: id.into(),
        customer_id: customer.into(),
        invoice_ids: vec!["INV-1".into()],
        rule: "reminder:due_today".into(),
        kind: ActionKind::Email,
        channel: Some(Channel::Email),
        sent_on: day(on),
        stages: Vec::new(),
    }
}

fn sent(id: &str, customer: &str, on: &str) -> Completion {
    Completion {
        record: record(id, customer, on),
        status: ClaimStatus::Sent,
        provider_id: Some(format!("msg-{id}")),
        log: Some(LogEntry {
            action_id: id.into(),
            customer_id: customer.into(),
            sent_on: day(on),
            channel: Channel::Email,
            to: vec!["ap@c1.example".into()],
            subject: "Invoice INV-1 is due today".into(),
            invoice_ids: vec!["INV-1".into()],
            provider_id: format!("msg-{id}"),
        }),
        tasks: vec![],
    }
}

/// Runs the contract on `store`.
pub fn run_delivery_store_contract<S: DeliveryStore + LedgerStore>(store: &mut S, tag: &str) {
    let (t, other) = (
        format!("delivery-contract-{tag}"),
        format!("delivery-other-{tag}"),
    );
    let (t, other) = (t.as_str(), other.as_str());
    let now = 1_700_000_000;
    let claim = |s: &mut S, tenant: &str, id: &str, at: i64| {
        s.claim(tenant, "C1", id, at, 120).expect("claiming")
    };

    // A claim holds until its lease runs out, then is stale.
    assert_eq!(claim(store, t, "A1", now), ClaimOutcome::Claimed);
    assert_eq!(claim(store, t, "A1", now + 60), ClaimOutcome::Busy);
    assert_eq!(
        claim(store, other, "A1", now),
        ClaimOutcome::Claimed,
        "tenants are apart"
    );
    assert_eq!(claim(store, t, "A1", now + 121), ClaimOutcome::Stale);
    assert!(
        !store
            .take_over(t, "C1", "A1", ClaimStatus::Claimed, now + 60, 120)
            .unwrap(),
        "an unexpired claim cannot be taken over"
    );
    assert!(
        store
            .take_over(t, "C1", "A1", ClaimStatus::Claimed, now + 121, 120)
            .unwrap()
    );
    assert!(
        !store
            .take_over(t, "C1", "A1", ClaimStatus::Claimed, now + 121, 120)
            .unwrap(),
        "only one delivery takes a stale claim over"
    );
    assert_eq!(
        claim(store, t, "A1", now + 200),
        ClaimOutcome::Busy,
        "the new lease holds"
    );

    // Released: the next delivery claims at once.
    store.release(t, "C1", "A1").unwrap();
    assert_eq!(claim(store, t, "A1", now + 201), ClaimOutcome::Claimed);

    // Completed: the claim, the sent log and the communication log at once.
    let done = sent("A1", "C1", "2024-03-01");
    store.complete(t, &done).unwrap();
    store
        .complete(t, &done)
        .expect("completing twice is harmless");
    assert_eq!(
        claim(store, t, "A1", now + 10_000),
        ClaimOutcome::Done(ClaimStatus::Sent)
    );
    let log = store.sent_log(t).unwrap();
    assert_eq!(log, vec![done.record.clone()], "one sent record");
    assert_eq!(
        store.communications(t, "C1").unwrap(),
        vec![done.log.clone().unwrap()],
        "one log entry"
    );
    assert!(store.communications(t, "C2").unwrap().is_empty());

    // A task completion files the task.
    assert_eq!(claim(store, t, "T1", now), ClaimOutcome::Claimed);
    let task = Task {
        id: "T1".into(),
        customer_id: "C1".into(),
        invoice_ids: vec!["INV-1".into()],
        kind: ActionKind::CallTask,
        assignee: "collector".into(),
        title: "Call C1".into(),
        body: "script".into(),
        due_on: day("2024-03-02"),
        status: TaskStatus::Open,
        outcome: None,
    };
    store
        .complete(
            t,
            &Completion {
                record: SentRecord {
                    kind: ActionKind::CallTask,
                    channel: None,
                    ..record("T1", "C1", "2024-03-02")
                },
                status: ClaimStatus::Task,
                provider_id: None,
                log: None,
                tasks: vec![task.clone()],
            },
        )
        .unwrap();
    assert_eq!(
        claim(store, t, "T1", now + 1),
        ClaimOutcome::Done(ClaimStatus::Task)
    );
    assert_eq!(store.tasks(t).unwrap(), vec![task]);

    // A permanent failure is remembered until taken over.
    assert_eq!(claim(store, t, "F1", now), ClaimOutcome::Claimed);
    store.fail(t, "C1", "F1", "554 rejected").unwrap();
    assert_eq!(
        claim(store, t, "F1", now + 1),
        ClaimOutcome::Failed("554 rejected".into())
    );
    assert!(
        store
            .take_over(t, "C1", "F1", ClaimStatus::Failed, now + 2, 120)
            .unwrap()
    );
    assert_eq!(claim(store, t, "F1", now + 3), ClaimOutcome::Busy);

    // Communication log order: by day, then action id.
    for (id, on) in [
        ("B2", "2024-02-01"),
        ("B1", "2024-02-01"),
        ("B0", "2024-04-01"),
    ] {
        assert_eq!(claim(store, t, id, now), ClaimOutcome::Claimed);
        store.complete(t, &sent(id, "C1", on)).unwrap();
    }
    let order: Vec<String> = (store.communications(t, "C1").unwrap())
        .into_iter()
        .map(|e| e.action_id)
        .collect();
    assert_eq!(order, ["B1", "B2", "A1", "B0"]);

    // Suppression: case and space do not matter; answers as given.
    assert!(store.suppress(t, " AP@Bounce.example ", "bounce").unwrap());
    assert!(!store.suppress(t, "ap@bounce.example", "complaint").unwrap());
    let asked = vec!["Ap@bounce.EXAMPLE".to_string(), "ok@c1.example".to_string()];
    assert_eq!(
        store.suppressed(t, &asked).unwrap(),
        vec!["Ap@bounce.EXAMPLE".to_string()]
    );
    assert!(store.suppressed(other, &asked).unwrap().is_empty());
}
