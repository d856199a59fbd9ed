//! The change store contract: every portal and AR team change is stored
//! with its audit entry, both or neither. A suite each adapter runs on one
//! store through the use cases of [`super::changes`], with an audit entry
//! the adapter's test has arranged to fail to write (a trigger on SQLite,
//! an item over DynamoDB's size limit).

use arflow_domain::ledger::{Invoice, InvoiceStatus};
use arflow_domain::money::Currency;
use chrono::NaiveDate;

use super::changes::{
    self, ChangeError, DisputeFiling, NewAttachment, file_dispute, move_dispute, move_plan,
    record_promise, request_plan, set_contact_prefs,
};
use super::{
    AuditEntry, Change, ChangeStore, ContactPrefs, DisputeState, Instalment, PlanState,
    PortalStore, PromiseToPay, SelfServiceStore,
};
use crate::store::{LedgerStore, Task, TaskStatus};
use crate::strategy_store::StrategyStore;

/// What the suite needs of a store.
pub trait Changeable:
    ChangeStore + PortalStore + SelfServiceStore + LedgerStore + StrategyStore
{
}
impl<T: ChangeStore + PortalStore + SelfServiceStore + LedgerStore + StrategyStore> Changeable
    for T
{
}

type Case<S> = (&'static str, fn(&mut S, &str, &AuditEntry));

/// The detail of an audit entry a test arranges to fail (see the module
/// documentation); the suite puts it in [`failing_audit`].
pub const INJECTED_FAULT: &str = "INJECTED-FAULT";

/// An audit entry whose write fails on a store prepared for it: its detail
/// starts with [`INJECTED_FAULT`] and is 420 KB long (over DynamoDB's item
/// limit; SQLite tests add a trigger refusing it).
pub fn failing_audit() -> AuditEntry {
    AuditEntry {
        at: 9,
        actor: "api_key:ops".into(),
        action: "fault.injected".into(),
        target: "fault".into(),
        detail: format!("{INJECTED_FAULT}{}", "x".repeat(420 * 1024)),
    }
}

/// Runs every case on `store` with `failing` (see [`failing_audit`]); panics,
/// naming the case, on the first broken promise.
pub fn run_change_store_contract<S: Changeable>(store: &mut S, failing: &AuditEntry) {
    let cases: &[Case<S>] = &[
        (
            "a filed dispute is stored with its entry",
            filed_dispute_is_logged,
        ),
        (
            "a change whose condition fails stores and logs nothing",
            failed_condition_logs_nothing,
        ),
        (
            "promises, plans, preferences, tasks and strategies each log one entry",
            every_change_logs_one_entry,
        ),
        (
            "when the audit entry cannot be written, no change is stored",
            failed_audit_stores_no_change,
        ),
    ];
    let run = super::contract::unique_run();
    for (i, (name, case)) in cases.iter().enumerate() {
        let tenant = format!("cc{run}-{i}");
        super::contract::run_case("change store", name, || case(store, &tenant, failing));
    }
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 3, d).unwrap_or_default()
}

fn invoice(id: &str) -> Invoice {
    Invoice {
        invoice_id: id.into(),
        customer_id: "C1".into(),
        invoice_date: day(1),
        due_date: day(10),
        amount: 10000,
        currency: Currency::EUR,
        paid_amount: 0,
        paid_date: None,
        disputed: false,
        status: InvoiceStatus::Open,
    }
}

fn file<S: Changeable>(s: &mut S, t: &str, id: &str, with_file: bool) -> super::Dispute {
    let inv = invoice("INV-1");
    file_dispute(
        s,
        t,
        DisputeFiling {
            id,
            customer_id: "C1",
            invoice: &inv,
            reason: "Wrong amount",
            amount: 4000,
            message: "we ordered 4, not 10",
            attachment: with_file.then_some(NewAttachment {
                name: "po.txt",
                content_type: "text/plain; charset=utf-8",
                bytes: b"PO 4711: 4 units",
            }),
        },
        1,
    )
    .expect("file a dispute")
}

fn actions<S: Changeable>(s: &S, t: &str) -> Vec<String> {
    s.audit_log(t)
        .expect("audit log")
        .into_iter()
        .map(|e| format!("{} {} {}", e.actor, e.action, e.target))
        .collect()
}

fn filed_dispute_is_logged<S: Changeable>(s: &mut S, t: &str, _: &AuditEntry) {
    let d = file(s, t, "D1", true);
    assert_eq!(s.disputes(t).expect("disputes"), vec![d]);
    let a = s.attachment(t, "D1").expect("attachment").expect("stored");
    assert_eq!(
        (a.content_type.as_str(), a.bytes.as_slice()),
        ("text/plain", &b"PO 4711: 4 units"[..])
    );
    assert_eq!(actions(s, t), ["customer:C1 dispute.open dispute:D1"]);
    let log = s.audit_log(t).expect("audit log");
    assert_eq!(
        log[0].detail,
        "invoice INV-1 amount 4000 attachment po.txt (16 bytes)"
    );
}

fn failed_condition_logs_nothing<S: Changeable>(s: &mut S, t: &str, _: &AuditEntry) {
    let d = file(s, t, "D1", false);
    let again = s.commit(t, &Change::OpenDispute(d.clone()), &entry("again"));
    assert!(!again.expect("commit"), "a repeated dispute id is refused");
    let moved = move_dispute(
        s,
        t,
        "api_key:ops",
        "D1",
        DisputeState::Acknowledged,
        Some("on it"),
        Some("ana"),
        2,
    )
    .expect("open → acknowledged");
    assert_eq!(moved.state, DisputeState::Acknowledged);
    let mut stale = d.clone();
    stale.state = DisputeState::Rejected;
    let change = Change::MoveDispute {
        dispute: stale,
        from: DisputeState::Open,
    };
    assert!(!s.commit(t, &change, &entry("stale")).expect("commit"));
    let race = move_dispute(s, t, "api_key:ops", "D1", DisputeState::Open, None, None, 3);
    assert!(matches!(race, Err(ChangeError::Conflict(_))), "{race:?}");
    let missing = move_dispute(
        s,
        t,
        "api_key:ops",
        "D9",
        DisputeState::Resolved,
        None,
        None,
        3,
    );
    assert!(
        matches!(missing, Err(ChangeError::NotFound(_))),
        "{missing:?}"
    );
    assert_eq!(s.disputes(t).expect("disputes"), vec![moved]);
    assert_eq!(
        actions(s, t),
        [
            "customer:C1 dispute.open dispute:D1",
            "api_key:ops dispute.acknowledged dispute:D1"
        ]
    );
}

fn entry(detail: &str) -> AuditEntry {
    AuditEntry {
        at: 5,
        actor: "api_key:ops".into(),
        action: "test".into(),
        target: "test".into(),
        detail: detail.into(),
    }
}

fn promise(id: &str, reference: Option<&str>) -> PromiseToPay {
    PromiseToPay {
        id: id.into(),
        customer_id: "C1".into(),
        invoice_id: "INV-1".into(),
        promised_date: day(20),
        amount: 10000,
        grace_days: changes::PROMISE_GRACE_DAYS,
        reference: reference.map(str::to_string),
        created_at: 4,
    }
}

fn task(id: &str) -> Task {
    Task {
        id: id.into(),
        customer_id: "C1".into(),
        invoice_ids: vec!["INV-1".into()],
        kind: arflow_domain::strategy::ActionKind::CallTask,
        assignee: "collections_team".into(),
        title: "Call C1".into(),
        body: "script".into(),
        due_on: day(12),
        status: TaskStatus::Open,
        outcome: None,
    }
}

fn every_change_logs_one_entry<S: Changeable>(s: &mut S, t: &str, _: &AuditEntry) {
    record_promise(s, t, &promise("P1", None), day(12)).expect("promise");
    record_promise(s, t, &promise("P2", Some("REF-9")), day(12)).expect("scheduled");
    let far = PromiseToPay {
        promised_date: day(12) + chrono::Duration::days(91),
        ..promise("P3", None)
    };
    let refused = record_promise(s, t, &far, day(12));
    assert!(
        matches!(refused, Err(ChangeError::Invalid(_))),
        "{refused:?}"
    );
    assert_eq!(s.promises(t).expect("promises").len(), 2);

    let (i1, i2) = (invoice("INV-1"), invoice("INV-2"));
    let inst = |d: u32, amount: i64| Instalment {
        due_date: day(d),
        amount,
    };
    let plan = request_plan(
        s,
        t,
        "PP1",
        "C1",
        &[&i1, &i2],
        vec![inst(15, 12000), inst(30, 8000)],
        day(12),
        6,
    )
    .expect("plan");
    let twice = request_plan(
        s,
        t,
        "PP2",
        "C1",
        &[&i1],
        vec![inst(15, 5000), inst(30, 5000)],
        day(12),
        6,
    );
    assert!(matches!(twice, Err(ChangeError::Plan(_))), "{twice:?}");
    move_plan(
        s,
        t,
        "api_key:ops",
        &plan.id,
        PlanState::Approved,
        Some("ok"),
        7,
    )
    .expect("approve");
    let stale = move_plan(s, t, "api_key:ops", &plan.id, PlanState::Rejected, None, 8);
    assert!(matches!(stale, Err(ChangeError::Conflict(_))), "{stale:?}");

    let prefs = ContactPrefs {
        channel: arflow_domain::ledger::Channel::Sms,
        language: Some("de-CH".into()),
        sms_opt_out: false,
    };
    set_contact_prefs(s, t, "C1", &prefs, 8).expect("prefs");
    assert_eq!(s.contact_prefs(t, "C1").expect("prefs"), Some(prefs));

    s.insert_tasks(t, &[task("T1")]).expect("task");
    let done = changes::complete_task(s, t, "api_key:ops", "T1", "reached", Some("pays Fri"), 9)
        .expect("complete");
    assert_eq!(done.outcome.as_deref(), Some("reached: pays Fri"));
    let again = changes::complete_task(s, t, "api_key:ops", "T1", "done", None, 9);
    assert!(matches!(again, Err(ChangeError::Conflict(_))), "{again:?}");
    let unknown = changes::complete_task(s, t, "api_key:ops", "T9", "done", None, 9);
    assert!(
        matches!(unknown, Err(ChangeError::NotFound(_))),
        "{unknown:?}"
    );
    let bad = changes::complete_task(s, t, "api_key:ops", "T1", "maybe", None, 9);
    assert!(matches!(bad, Err(ChangeError::Invalid(_))), "{bad:?}");

    assert_eq!(
        changes::put_strategy(s, t, "api_key:ops", "a = 1", None, 10).expect("v1"),
        1
    );
    assert_eq!(
        changes::put_strategy(s, t, "api_key:ops", "a = 2", Some(1), 10).expect("v2"),
        2
    );
    let lost = changes::put_strategy(s, t, "api_key:ops", "a = 3", Some(1), 10);
    assert!(matches!(lost, Err(ChangeError::Conflict(_))), "{lost:?}");
    assert_eq!(
        s.strategy_source(t).expect("strategy"),
        Some(("a = 2".into(), 2))
    );

    assert_eq!(
        actions(s, t),
        [
            "customer:C1 promise.create promise:P1",
            "customer:C1 payment.schedule promise:P2",
            "customer:C1 payment_plan.request payment_plan:PP1",
            "api_key:ops payment_plan.approved payment_plan:PP1",
            "customer:C1 preferences.update customer:C1",
            "api_key:ops task.complete task:T1",
            "api_key:ops strategy.put strategy",
            "api_key:ops strategy.put strategy",
        ]
    );
}

fn failed_audit_stores_no_change<S: Changeable>(s: &mut S, t: &str, failing: &AuditEntry) {
    let d = file(s, t, "D1", false);
    s.insert_tasks(t, &[task("T1")]).expect("task");
    changes::put_strategy(s, t, "api_key:ops", "a = 1", None, 10).expect("v1");
    let before = s.audit_log(t).expect("audit log").len();

    let mut d2 = d.clone();
    d2.id = "D2".into();
    let mut moved = d.clone();
    moved.state = DisputeState::Acknowledged;
    let (i1, i2) = (invoice("INV-1"), invoice("INV-2"));
    let plan = super::PaymentPlan::request(super::PlanRequest {
        id: "PP1".into(),
        customer_id: "C1",
        invoices: &[&i1, &i2],
        instalments: vec![
            Instalment {
                due_date: day(15),
                amount: 10000,
            },
            Instalment {
                due_date: day(30),
                amount: 10000,
            },
        ],
        existing: &[],
        today: day(12),
        now: 6,
    })
    .expect("a valid plan");
    let changes = [
        Change::OpenDispute(d2),
        Change::MoveDispute {
            dispute: moved,
            from: DisputeState::Open,
        },
        Change::Promise(promise("P1", None)),
        Change::RequestPlan(plan),
        Change::ContactPrefs {
            customer_id: "C1".into(),
            prefs: ContactPrefs {
                sms_opt_out: true,
                ..ContactPrefs::default()
            },
        },
        Change::CompleteTask {
            id: "T1".into(),
            outcome: "done".into(),
        },
        Change::Strategy {
            source: "a = 2".into(),
            expected: Some(1),
        },
    ];
    for c in &changes {
        assert!(
            s.commit(t, c, failing).is_err(),
            "the injected audit fault must fail the commit of {c:?}"
        );
    }
    assert_eq!(
        s.disputes(t).expect("disputes"),
        vec![d],
        "no dispute added or moved"
    );
    assert!(s.promises(t).expect("promises").is_empty(), "no promise");
    assert!(s.plans(t).expect("plans").is_empty(), "no plan");
    assert_eq!(
        s.contact_prefs(t, "C1").expect("prefs"),
        None,
        "no preferences"
    );
    let tasks = s.tasks(t).expect("tasks");
    assert_eq!(tasks[0].status, TaskStatus::Open, "the task is still open");
    assert_eq!(
        s.strategy_source(t).expect("strategy"),
        Some(("a = 1".into(), 1))
    );
    assert_eq!(s.audit_log(t).expect("audit log").len(), before, "no entry");
}
