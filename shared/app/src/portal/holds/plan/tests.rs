use arflow_domain::ledger::InvoiceStatus;
use arflow_domain::strategy::default_strategy;
use arflow_domain::strategy::portal::{BROKEN_PROMISE, INSTALMENT_REMINDER, MISSED_INSTALMENT};

use super::*;
use crate::portal::{ContactPrefs, Instalment, PaymentPlan, PromiseToPay};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn invoice(id: &str, due: &str) -> Invoice {
    Invoice {
        invoice_id: id.into(),
        customer_id: "C1".into(),
        invoice_date: d("2024-01-01"),
        due_date: d(due),
        amount: 100_000,
        currency: Currency::USD,
        paid_amount: 0,
        paid_date: None,
        disputed: false,
        status: InvoiceStatus::Open,
    }
}

fn customers() -> HashMap<String, Customer> {
    let c = Customer {
        customer_id: "C1".into(),
        name: "C one".into(),
        emails: vec!["c1@example.com".into()],
        phone: Some("+15550001".into()),
        ..Customer::default()
    };
    HashMap::from([("C1".to_string(), c)])
}

fn plan_for(state: PlanState) -> PaymentPlan {
    PaymentPlan {
        id: "PP-1".into(),
        customer_id: "C1".into(),
        invoice_ids: vec!["INV-1".into()],
        currency: "USD".into(),
        total: 100_000,
        instalments: vec![
            Instalment {
                due_date: d("2024-02-15"),
                amount: 40_000,
            },
            Instalment {
                due_date: d("2024-03-15"),
                amount: 60_000,
            },
        ],
        state,
        notes: vec![],
        requested_at: 0,
        updated_at: 0,
    }
}

fn rules(day: &HeldDay) -> Vec<(String, Vec<String>)> {
    day.actions
        .iter()
        .map(|a| (a.rule.clone(), a.invoice_ids.clone()))
        .collect()
}

#[test]
fn approved_plan_pauses_dunning_and_reminds_before_each_instalment() {
    let s = default_strategy().unwrap();
    // INV-1 and INV-2 both 7 days past due on 2024-02-12: the firm follow-up.
    let ledger = vec![
        invoice("INV-1", "2024-02-05"),
        invoice("INV-2", "2024-02-05"),
    ];
    let free =
        Holds::default().plan_day(&s, ledger.clone(), &mut customers(), d("2024-02-12"), &[]);
    assert!(
        free.actions
            .iter()
            .any(|a| a.invoice_ids.contains(&"INV-1".to_string())),
        "{:?}",
        rules(&free)
    );
    let holds = Holds {
        plans: vec![plan_for(PlanState::Approved)],
        ..Holds::default()
    };
    let day = holds.plan_day(&s, ledger.clone(), &mut customers(), d("2024-02-12"), &[]);
    let inst: Vec<_> = day
        .actions
        .iter()
        .filter(|a| a.rule == INSTALMENT_REMINDER)
        .collect();
    assert_eq!(inst.len(), 1, "{:?}", rules(&day));
    assert_eq!(inst[0].invoice_ids, ["INV-1"]);
    assert!(inst[0].explanation.contains("400.00 USD due on 2024-02-15"));
    assert!(
        day.actions
            .iter()
            .all(|a| a.rule == INSTALMENT_REMINDER || !a.invoice_ids.contains(&"INV-1".to_string())),
        "no dunning on the planned invoice: {:?}",
        rules(&day)
    );
    assert!(
        day.invoices.iter().any(|i| i.invoice_id == "INV-1"),
        "kept for rendering"
    );

    let requested = Holds {
        plans: vec![plan_for(PlanState::Requested)],
        ..Holds::default()
    };
    let day = requested.plan_day(&s, ledger.clone(), &mut customers(), d("2024-02-12"), &[]);
    assert!(
        day.actions
            .iter()
            .all(|a| !a.invoice_ids.contains(&"INV-1".to_string()))
    );
    let rejected = Holds {
        plans: vec![plan_for(PlanState::Rejected)],
        ..Holds::default()
    };
    let day = rejected.plan_day(&s, ledger, &mut customers(), d("2024-02-12"), &[]);
    assert_eq!(rules(&day), rules(&free), "a rejected plan holds nothing");
}

#[test]
fn broken_promise_is_notified_once_and_dunning_resumes() {
    let s = default_strategy().unwrap();
    let holds = Holds {
        promises: vec![PromiseToPay {
            id: "P1".into(),
            customer_id: "C1".into(),
            invoice_id: "INV-1".into(),
            promised_date: d("2024-02-05"),
            amount: 100_000,
            grace_days: 3,
            reference: None,
            created_at: 0,
        }],
        ..Holds::default()
    };
    let ledger = vec![invoice("INV-1", "2024-02-05")];
    let held = holds.plan_day(&s, ledger.clone(), &mut customers(), d("2024-02-08"), &[]);
    assert!(held.actions.is_empty(), "{:?}", rules(&held));
    let day = holds.plan_day(&s, ledger.clone(), &mut customers(), d("2024-02-12"), &[]);
    let notices: Vec<_> = day
        .actions
        .iter()
        .filter(|a| a.rule == BROKEN_PROMISE)
        .collect();
    assert_eq!(notices.len(), 1, "{:?}", rules(&day));
    assert!(
        day.actions.iter().any(|a| a.is_external()),
        "dunning resumed: {:?}",
        rules(&day)
    );
    let sent: Vec<SentRecord> = day.actions.iter().map(SentRecord::from).collect();
    let next = holds.plan_day(&s, ledger, &mut customers(), d("2024-02-13"), &sent);
    assert!(next.actions.iter().all(|a| a.rule != BROKEN_PROMISE));
}

#[test]
fn preferences_set_language_opt_out_and_channel() {
    let s = default_strategy().unwrap();
    let ledger = vec![invoice("INV-1", "2024-02-05")];
    let prefs = |channel: &str, sms_opt_out| Holds {
        prefs: vec![(
            "C1".into(),
            ContactPrefs {
                channel: arflow_domain::ledger::Channel::parse(channel).expect("a channel"),
                language: Some("de".into()),
                sms_opt_out,
            },
        )],
        ..Holds::default()
    };
    let mut cs = customers();
    let day = prefs("sms", false).plan_day(&s, ledger.clone(), &mut cs, d("2024-02-12"), &[]);
    assert_eq!(cs["C1"].language.as_deref(), Some("de"));
    let msg = day.actions.iter().find(|a| a.is_external()).unwrap();
    assert_eq!(
        (msg.kind, msg.channel),
        (ActionKind::Sms, Some(Channel::Sms))
    );
    assert_eq!(
        msg.recipients,
        Recipients::Addresses(vec!["+15550001".into()])
    );
    let plain =
        Holds::default().plan_day(&s, ledger.clone(), &mut customers(), d("2024-02-12"), &[]);
    assert_eq!(
        msg.id,
        plain.actions.iter().find(|a| a.is_external()).unwrap().id
    );

    let mut cs = customers();
    let day = prefs("sms", true).plan_day(&s, ledger, &mut cs, d("2024-02-12"), &[]);
    assert!(cs["C1"].opted_out.contains(&Channel::Sms));
    let msg = day.actions.iter().find(|a| a.is_external()).unwrap();
    assert_eq!(msg.kind, ActionKind::Email, "no SMS after opting out");
}

/// INV-1 (1,000.00 USD, due 2024-02-12) with `paid` minor units received,
/// under the approved plan (400.00 on 2024-02-15, 600.00 on 2024-03-15).
fn planned_ledger(paid: i64) -> (Holds, Vec<Invoice>) {
    let mut inv = invoice("INV-1", "2024-02-12");
    inv.paid_amount = paid;
    if paid == inv.amount {
        inv.paid_date = Some(d("2024-02-14"));
        inv.status = InvoiceStatus::Paid;
    }
    let holds = Holds {
        plans: vec![plan_for(PlanState::Approved)],
        ..Holds::default()
    };
    (holds, vec![inv])
}

#[test]
fn plan_paid_on_time_keeps_holding_after_the_grace_days() {
    let s = default_strategy().unwrap();
    let (holds, ledger) = planned_ledger(40_000);
    // 2024-02-20 (Tuesday) is the first business day past 15th + 3 grace
    // days: Monday the 19th is Washington's Birthday, a holiday in the
    // default strategy's US calendar.
    let day = holds.plan_day(&s, ledger, &mut customers(), d("2024-02-20"), &[]);
    assert!(day.actions.is_empty(), "{:?}", rules(&day));
    assert!(
        holds
            .missed_instalments(&day.invoices, 3, d("2024-02-20"))
            .is_empty()
    );
}

#[test]
fn plan_one_cent_short_after_grace_is_missed_notified_once_and_dunning_resumes() {
    let s = default_strategy().unwrap();
    let (holds, ledger) = planned_ledger(39_999);
    let last_grace_day = holds.plan_day(&s, ledger.clone(), &mut customers(), d("2024-02-16"), &[]);
    assert!(
        last_grace_day.actions.is_empty(),
        "{:?}",
        rules(&last_grace_day)
    );
    let holiday = holds.plan_day(&s, ledger.clone(), &mut customers(), d("2024-02-19"), &[]);
    assert!(holiday.actions.is_empty(), "{:?}", rules(&holiday));
    let free =
        Holds::default().plan_day(&s, ledger.clone(), &mut customers(), d("2024-02-20"), &[]);
    assert!(!free.actions.is_empty(), "dunning due without the plan");
    let day = holds.plan_day(&s, ledger.clone(), &mut customers(), d("2024-02-20"), &[]);
    let notices: Vec<_> = (day.actions.iter())
        .filter(|a| a.rule == MISSED_INSTALMENT)
        .collect();
    assert_eq!(notices.len(), 1, "{:?}", rules(&day));
    assert_eq!(notices[0].invoice_ids, ["INV-1"]);
    assert!(
        notices[0]
            .explanation
            .contains("400.00 USD due by then, 399.99 USD received"),
        "{}",
        notices[0].explanation
    );
    let dunning: Vec<&str> = (day.actions.iter())
        .filter(|a| a.rule != MISSED_INSTALMENT)
        .map(|a| a.id.as_str())
        .collect();
    let expected: Vec<&str> = free.actions.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(
        dunning, expected,
        "dunning resumes as if there were no plan"
    );
    assert_eq!(
        holds.plans[0].state,
        PlanState::Approved,
        "planning is pure"
    );

    let sent: Vec<SentRecord> = day.actions.iter().map(SentRecord::from).collect();
    let next = holds.plan_day(&s, ledger, &mut customers(), d("2024-02-21"), &sent);
    assert!(
        next.actions.iter().all(|a| a.rule != MISSED_INSTALMENT),
        "notified once: {:?}",
        rules(&next)
    );
}

#[test]
fn plan_paid_in_full_holds_nothing_and_misses_nothing() {
    let s = default_strategy().unwrap();
    let (holds, ledger) = planned_ledger(100_000);
    for day in ["2024-02-14", "2024-02-20", "2024-03-19"] {
        let with = holds.plan_day(&s, ledger.clone(), &mut customers(), d(day), &[]);
        let without = Holds::default().plan_day(&s, ledger.clone(), &mut customers(), d(day), &[]);
        assert_eq!(rules(&with), rules(&without), "on {day}");
        assert!(holds.missed_instalments(&ledger, 3, d(day)).is_empty());
    }
}
