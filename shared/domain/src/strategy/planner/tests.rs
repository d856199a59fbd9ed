//! The default policy's dunning, pinned on small ledgers: reminder dates,
//! cadences, escalations, final notice, guards, catch-up and determinism.

use crate::ledger::{Channel, CustomerType::*, InvoiceStatus};
use crate::sent::SentRecord;
use crate::strategy::action::{ActionKind, Recipients};
use crate::strategy::model::Role;

use super::testkit::*;

const DUE: &str = "2024-01-31";

fn one_invoice(
    kind: crate::ledger::CustomerType,
    amount: i64,
) -> (
    Vec<crate::ledger::Invoice>,
    std::collections::HashMap<String, crate::ledger::Customer>,
) {
    (
        vec![inv("INV-1", "C1", "2024-01-01", DUE, amount)],
        customers(vec![customer("C1", kind)]),
    )
}

#[test]
fn default_policy_sends_the_four_reminder_dates() {
    let (ledger, cs) = one_invoice(Established, 50_000);
    let all = run(
        &default_every_day(),
        &ledger,
        &cs,
        "2024-01-01",
        "2024-03-01",
    );
    let dunning = dunning_days(&all);
    assert_eq!(
        dunning,
        vec![
            (plus(DUE, -7), "reminder:friendly".to_string()),
            (plus(DUE, 0), "reminder:due today".to_string()),
            (plus(DUE, 7), "reminder:firm follow-up".to_string()),
        ]
    );
    let at_30: Vec<_> = all
        .iter()
        .filter(|a| a.rule == "escalation:collections hand-over")
        .collect();
    assert_eq!(at_30.len(), 2);
    assert!(at_30.iter().all(|a| a.due_on == plus(DUE, 30)));
    assert!(
        at_30
            .iter()
            .any(|a| a.kind == ActionKind::Notify && role(a) == Some(Role::ArManager))
    );
    assert!(
        at_30
            .iter()
            .any(|a| a.kind == ActionKind::Task && role(a) == Some(Role::CollectionsTeam))
    );
    let friendly = all.iter().find(|a| a.rule == "reminder:friendly").unwrap();
    assert_eq!(friendly.template.as_deref(), Some("friendly_reminder"));
    assert_eq!(
        friendly.recipients,
        Recipients::Addresses(vec!["ap@c1.example".into()])
    );
}

#[test]
fn cadences_run_weekly_from_31_then_fortnightly_from_61_then_one_final_notice() {
    let (ledger, cs) = one_invoice(Established, 50_000);
    let all = run(
        &default_every_day(),
        &ledger,
        &cs,
        "2024-01-01",
        "2024-07-31",
    );
    let weekly = days_of(&all, "cadence:31-60 weekly", Some(ActionKind::Email));
    assert_eq!(weekly, [31, 38, 45, 52, 59].map(|n| plus(DUE, n)));
    // The minimum gap (3 days) moves the e-mail due at 61 (two days after
    // the one at 59) to 62, and the final notice due at 91 to 92; the
    // call tasks are outside the contact budget and keep their days.
    let fortnightly = days_of(&all, "cadence:61-90 fortnightly", Some(ActionKind::Email));
    assert_eq!(fortnightly, [62, 75, 89].map(|n| plus(DUE, n)));
    let calls = all
        .iter()
        .filter(|a| a.rule == "cadence:61-90 fortnightly" && a.kind == ActionKind::CallTask);
    let calls: Vec<_> = calls.collect();
    assert_eq!(
        calls.iter().map(|a| a.due_on).collect::<Vec<_>>(),
        [61, 75, 89].map(|n| plus(DUE, n))
    );
    assert!(
        calls
            .iter()
            .all(|a| role(a) == Some(Role::ArTeam) && a.template.as_deref() == Some("call_script"))
    );
    assert_eq!(days_of(&all, "final_notice", None), vec![plus(DUE, 92)]);
    let last = dunning_days(&all).last().cloned().unwrap();
    assert_eq!(
        last,
        (plus(DUE, 92), "final_notice".to_string()),
        "nothing after the final notice"
    );
}

#[test]
fn each_escalation_fires_once_and_names_its_roles() {
    let (ledger, cs) = one_invoice(Established, 120_000_000); // 1,200,000.00 USD
    let all = run(
        &default_every_day(),
        &ledger,
        &cs,
        "2024-01-01",
        "2024-08-31",
    );
    let roles = |rule: &str| {
        let mut v: Vec<(chrono::NaiveDate, ActionKind, Role)> = all
            .iter()
            .filter(|a| a.rule == rule)
            .map(|a| (a.due_on, a.kind, role(a).unwrap()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        roles("escalation:collections hand-over"),
        vec![
            (plus(DUE, 30), ActionKind::Notify, Role::ArManager),
            (plus(DUE, 30), ActionKind::Task, Role::CollectionsTeam)
        ]
    );
    assert_eq!(
        roles("escalation:high value at 30 days"),
        vec![
            (plus(DUE, 30), ActionKind::Notify, Role::FinanceDirector),
            (plus(DUE, 30), ActionKind::Notify, Role::AccountManager)
        ]
    );
    assert_eq!(
        roles("escalation:ar team at 60 days"),
        vec![(plus(DUE, 60), ActionKind::Notify, Role::ArTeam)]
    );
    assert_eq!(
        roles("escalation:sales manager"),
        vec![(plus(DUE, 91), ActionKind::Notify, Role::SalesManager)]
    );
    let why = &all
        .iter()
        .find(|a| a.rule == "escalation:high value at 30 days")
        .unwrap()
        .explanation;
    assert!(
        why.contains("amount 1,200,000.00 USD ≥ 1,000,000.00 USD"),
        "{why}"
    );
}

#[test]
fn a_small_invoice_does_not_meet_the_high_value_rule() {
    let (ledger, cs) = one_invoice(Established, 99_999_999);
    let all = run(
        &default_every_day(),
        &ledger,
        &cs,
        "2024-02-25",
        "2024-03-10",
    );
    assert!(days_of(&all, "escalation:high value at 30 days", None).is_empty());
}

#[test]
fn disputed_invoices_get_no_dunning_but_the_dispute_sequence() {
    let (mut ledger, cs) = one_invoice(Established, 50_000);
    ledger[0].disputed = true;
    let all = run(
        &default_every_day(),
        &ledger,
        &cs,
        "2024-01-01",
        "2024-06-30",
    );
    assert!(dunning_days(&all).is_empty());
    assert!(all.iter().all(|a| !a.rule.starts_with("escalation:")));
    let ack = days_of(&all, "event:dispute_ack", None);
    assert_eq!(ack, vec![d("2024-01-01")]);
    let esc: Vec<_> = all
        .iter()
        .filter(|a| a.rule == "event:dispute_escalation")
        .collect();
    assert_eq!(
        esc.iter()
            .map(|a| (a.due_on, role(a).unwrap()))
            .collect::<Vec<_>>(),
        vec![
            (d("2024-01-11"), Role::ArManager),
            (d("2024-01-11"), Role::AccountManager)
        ]
    );
}

#[test]
fn paid_void_and_written_off_items_are_never_reminded() {
    let mut void = inv("INV-V", "C1", "2024-01-01", DUE, 50_000);
    void.status = InvoiceStatus::Void;
    let mut written_off = inv("INV-W", "C1", "2024-01-01", DUE, 50_000);
    written_off.status = InvoiceStatus::WrittenOff;
    let early = paid(inv("INV-P", "C1", "2024-01-01", DUE, 50_000), "2024-01-20");
    let ledger = vec![void, written_off, early];
    let cs = customers(vec![customer("C1", Established)]);
    let all = run(
        &default_every_day(),
        &ledger,
        &cs,
        "2024-01-01",
        "2024-06-30",
    );
    assert!(dunning_days(&all).is_empty(), "{:?}", dunning_days(&all));
    assert!(all.iter().all(|a| !a.rule.starts_with("escalation:")));
    assert_eq!(
        days_of(&all, "event:thank_you", None),
        vec![d("2024-01-20")]
    );
}

#[test]
fn white_glove_customers_get_touch_base_tasks_instead_of_messages() {
    let ledger = vec![inv("INV-1", "C1", "2024-01-01", DUE, 50_000)];
    let mut c = customer("C1", Established);
    c.white_glove = true;
    let cs = customers(vec![c]);
    let all = run(
        &default_every_day(),
        &ledger,
        &cs,
        "2024-01-01",
        "2024-03-10",
    );
    assert!(
        all.iter().all(|a| !a.is_external()),
        "no automated messages"
    );
    let touches: Vec<_> = all
        .iter()
        .filter(|a| a.rule == "white_glove:touch_base")
        .collect();
    assert_eq!(
        touches.iter().map(|a| a.due_on).collect::<Vec<_>>(),
        [-7, 7, 21, 35].map(|n| plus(DUE, n))
    );
    assert!(
        touches
            .iter()
            .all(|a| role(a) == Some(Role::AccountManager) && a.kind == ActionKind::Task)
    );
    assert_eq!(
        days_of(
            &all,
            "escalation:collections hand-over",
            Some(ActionKind::Notify)
        ),
        vec![plus(DUE, 30)]
    );
}

#[test]
fn opted_out_channels_get_nothing_but_internal_work_goes_on() {
    let ledger = vec![inv("INV-1", "C1", "2024-01-01", DUE, 50_000)];
    let mut c = customer("C1", Established);
    c.opted_out = vec![Channel::Email];
    let cs = customers(vec![c]);
    let all = run(
        &default_every_day(),
        &ledger,
        &cs,
        "2024-01-01",
        "2024-05-31",
    );
    assert!(all.iter().all(|a| a.channel != Some(Channel::Email)));
    assert_eq!(
        days_of(
            &all,
            "escalation:collections hand-over",
            Some(ActionKind::Notify)
        ),
        vec![plus(DUE, 30)]
    );
    assert_eq!(
        days_of(
            &all,
            "cadence:61-90 fortnightly",
            Some(ActionKind::CallTask)
        )
        .len(),
        3
    );
}

#[test]
fn invoices_due_the_same_day_become_one_message() {
    let ledger = vec![
        inv("INV-2", "C1", "2024-01-01", DUE, 10_000),
        inv("INV-1", "C1", "2024-01-01", DUE, 20_000),
        inv("INV-3", "C1", "2024-01-05", "2024-02-07", 30_000), // its friendly reminder is on the 31st too
    ];
    let cs = customers(vec![customer("C1", Established)]);
    let actions = plan_on(&default_every_day(), &ledger, &cs, DUE, &[]);
    let external: Vec<_> = actions.iter().filter(|a| a.is_external()).collect();
    assert_eq!(external.len(), 1, "{external:#?}");
    let m = external[0];
    assert_eq!(m.invoice_ids, vec!["INV-1", "INV-2", "INV-3"]);
    assert_eq!(
        m.template.as_deref(),
        Some("due_today"),
        "the most advanced step leads"
    );
    assert!(
        m.explanation
            .starts_with("3 invoices in one reminder by email: "),
        "{}",
        m.explanation
    );
}

#[test]
fn missed_days_send_the_overdue_step_late_rather_than_never() {
    let (ledger, cs) = one_invoice(Established, 50_000);
    let s = default_every_day();
    // Nothing ran since the invoice was issued; the friendly, due-today and
    // firm steps have all passed, the firm one 2 days ago.
    let actions = plan_on(&s, &ledger, &cs, "2024-02-09", &[]);
    let external: Vec<_> = actions.iter().filter(|a| a.is_external()).collect();
    assert_eq!(external.len(), 1, "{external:#?}");
    assert_eq!(external[0].rule, "reminder:firm follow-up");
    assert!(
        external[0]
            .explanation
            .contains("its day 2024-02-07 passed, sent now as catch-up")
    );
    // Recorded, it is not sent again the next day.
    let sent: Vec<SentRecord> = external.iter().map(|a| SentRecord::from(*a)).collect();
    assert!(
        plan_on(&s, &ledger, &cs, "2024-02-10", &sent)
            .iter()
            .all(|a| !a.is_external())
    );
    // An overdue step is never dropped for being late: the contact budget
    // may delay it, and it still goes out (the explanation says since when).
    let late = plan_on(&s, &ledger, &cs, "2024-02-13", &[]);
    let late: Vec<_> = late.iter().filter(|a| a.is_external()).collect();
    assert_eq!(late.len(), 1, "{late:#?}");
    assert_eq!(late[0].rule, "reminder:firm follow-up");
}

#[test]
fn a_payment_between_two_steps_stops_the_later_ones_and_says_thank_you() {
    let ledger = vec![paid(
        inv("INV-1", "C1", "2024-01-01", DUE, 50_000),
        "2024-02-03",
    )];
    let cs = customers(vec![customer("C1", Established)]);
    let all = run(
        &default_every_day(),
        &ledger,
        &cs,
        "2024-01-01",
        "2024-06-30",
    );
    let dunning: Vec<_> = dunning_days(&all).into_iter().map(|(d, _)| d).collect();
    assert_eq!(dunning, vec![plus(DUE, -7), plus(DUE, 0)]);
    assert_eq!(
        days_of(&all, "event:thank_you", None),
        vec![d("2024-02-03")]
    );
    assert!(all.iter().all(|a| a.due_on < d("2024-02-03")
        || a.rule == "event:thank_you"
        || a.rule == "event:statement"));
}

#[test]
fn the_minimum_gap_holds_back_a_second_invoices_reminder() {
    let ledger = vec![
        inv("INV-A", "C1", "2024-01-01", "2024-01-31", 10_000),
        inv("INV-B", "C1", "2024-01-01", "2024-02-01", 10_000),
    ];
    let cs = customers(vec![customer("C1", Established)]);
    let all = run(
        &default_every_day(),
        &ledger,
        &cs,
        "2024-01-20",
        "2024-02-12",
    );
    let msgs: Vec<_> = all
        .iter()
        .filter(|a| a.is_external() && a.rule.starts_with("reminder:"))
        .map(|a| (a.due_on, a.invoice_ids.join(",")))
        .collect();
    assert_eq!(
        msgs,
        vec![
            (d("2024-01-24"), "INV-A".into()),
            (d("2024-01-27"), "INV-B".into()), // due on the 25th, 2-day gap
            (d("2024-01-31"), "INV-A".into()),
            (d("2024-02-03"), "INV-B".into()),
            (d("2024-02-07"), "INV-A".into()),
            (d("2024-02-10"), "INV-B".into()),
        ]
    );
}

#[test]
fn steps_on_weekends_move_to_monday_and_nothing_is_planned_on_weekends() {
    // Due Saturday 2024-02-03: friendly (Sat 27 Jan) → Mon 29 Jan; due today → Mon 5 Feb.
    let ledger = vec![inv("INV-1", "C1", "2024-01-02", "2024-02-03", 50_000)];
    let cs = customers(vec![customer("C1", Established)]);
    let all = run(&default(), &ledger, &cs, "2024-01-02", "2024-02-29");
    let dunning: Vec<_> = dunning_days(&all).into_iter().map(|(d, _)| d).collect();
    assert_eq!(
        dunning,
        vec![d("2024-01-29"), d("2024-02-05"), d("2024-02-12")]
    );
    use chrono::Datelike;
    assert!(
        all.iter()
            .all(|a| a.due_on.weekday().num_days_from_monday() < 5)
    );
    let due = all.iter().find(|a| a.rule == "reminder:due today").unwrap();
    assert!(
        due.explanation
            .contains("moved from 2024-02-03 to the business day 2024-02-05"),
        "{}",
        due.explanation
    );
}

#[test]
fn messages_are_scheduled_at_the_send_hour_in_the_customers_zone() {
    let ledger = vec![inv("INV-1", "C1", "2024-01-01", DUE, 120_000_000)];
    let mut c = customer("C1", Established);
    c.timezone = Some("Asia/Kolkata".into());
    let cs = customers(vec![c]);
    let s = default_every_day();
    let day = plan_on(&s, &ledger, &cs, "2024-01-24", &[]);
    assert_eq!(day[0].scheduled_for, "2024-01-24T09:00:00+05:30");
    let internal = plan_on(&s, &ledger, &cs, "2024-03-01", &[]);
    let n = internal.iter().find(|a| !a.is_external()).unwrap();
    assert_eq!(
        n.scheduled_for, "2024-03-01T09:00:00-05:00",
        "internal work in the tenant zone"
    );
}

#[test]
fn explanations_read_like_a_person() {
    let (ledger, cs) = one_invoice(Established, 50_000);
    let s = default_every_day();
    let sent = vec![SentRecord {
        action_id: "x".into(),
        customer_id: "C1".into(),
        invoice_ids: vec!["INV-1".into()],
        rule: "reminder:firm follow-up".into(),
        kind: ActionKind::Email,
        channel: Some(Channel::Email),
        sent_on: d("2024-02-07"),
        stages: Vec::new(),
    }];
    let a = plan_on(&s, &ledger, &cs, "2024-03-02", &sent);
    let m = a.iter().find(|a| a.is_external()).unwrap();
    assert_eq!(
        m.explanation,
        "INV-1 is 31 days past due (due 2024-01-31); cadence '31-60 weekly' of segment 'established' matched; last reminder 2024-02-07"
    );
}

#[test]
fn same_inputs_give_the_same_actions_and_ids_whatever_the_row_order() {
    let mut ledger = vec![
        inv("INV-1", "C1", "2024-01-01", DUE, 50_000),
        inv("INV-2", "C1", "2024-01-03", DUE, 60_000),
        inv("INV-3", "C2", "2024-01-03", "2024-02-07", 70_000),
    ];
    let cs = customers(vec![customer("C1", Established), customer("C2", New)]);
    let s = default_every_day();
    let a = plan_on(&s, &ledger, &cs, DUE, &[]);
    assert!(!a.is_empty());
    assert_eq!(a, plan_on(&s, &ledger, &cs, DUE, &[]));
    ledger.reverse();
    assert_eq!(a, plan_on(&s, &ledger, &cs, DUE, &[]));
    let mut ids: Vec<_> = a.iter().map(|x| x.id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), a.len(), "ids are unique");
}

#[test]
fn running_twice_on_the_same_day_sends_nothing_new() {
    let (ledger, cs) = one_invoice(Established, 120_000_000);
    let s = default_every_day();
    let first = plan_on(&s, &ledger, &cs, "2024-03-01", &[]);
    assert!(!first.is_empty());
    let sent: Vec<SentRecord> = first.iter().map(SentRecord::from).collect();
    assert!(plan_on(&s, &ledger, &cs, "2024-03-01", &sent).is_empty());
}

#[test]
fn strategic_customers_get_an_account_manager_call_before_firm_emails() {
    let (ledger, cs) = one_invoice(Strategic, 50_000);
    let all = run(
        &default_every_day(),
        &ledger,
        &cs,
        "2024-01-01",
        "2024-02-20",
    );
    let call = all
        .iter()
        .find(|a| a.rule == "reminder:account manager call")
        .unwrap();
    assert_eq!(
        (call.due_on, call.kind, role(call)),
        (
            plus(DUE, 3),
            ActionKind::CallTask,
            Some(Role::AccountManager)
        )
    );
    let dunning: Vec<_> = dunning_days(&all).into_iter().map(|(d, _)| d).collect();
    assert_eq!(dunning, [-7, 0, 10].map(|n| plus(DUE, n)));
    let firm = all
        .iter()
        .find(|a| a.rule == "reminder:firm follow-up")
        .unwrap();
    assert_eq!(firm.tone, crate::strategy::model::Tone::Neutral);
}

#[test]
fn new_customers_are_reminded_earlier_and_firmer_and_held_sooner() {
    let (ledger, cs) = one_invoice(New, 50_000);
    let all = run(
        &default_every_day(),
        &ledger,
        &cs,
        "2024-01-01",
        "2024-06-30",
    );
    let dunning: Vec<_> = dunning_days(&all).into_iter().map(|(d, _)| d).collect();
    let want: Vec<_> = [-10, 0, 3, 10, 17, 24, 31, 38, 45, 52, 59, 66, 75]
        .map(|n| plus(DUE, n))
        .to_vec();
    assert_eq!(dunning, want);
    assert_eq!(
        days_of(
            &all,
            "escalation:collections hand-over",
            Some(ActionKind::Notify)
        ),
        vec![plus(DUE, 21)]
    );
    let holds = days_of(&all, "credit:hold", None);
    assert_eq!(
        holds,
        vec![plus(DUE, 31), plus(DUE, 31)],
        "sales manager and operations, once"
    );
}

#[test]
fn a_customer_missing_from_the_customer_file_is_planned_with_defaults() {
    let ledger = vec![inv("INV-1", "C9", "2024-01-01", DUE, 50_000)];
    let a = plan_on(
        &default_every_day(),
        &ledger,
        &customers(vec![]),
        "2024-01-24",
        &[],
    );
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].recipients, Recipients::Addresses(vec![]));
    assert!(
        a[0].explanation.ends_with("no email address on file"),
        "{}",
        a[0].explanation
    );
    assert_eq!(a[0].scheduled_for, "2024-01-24T09:00:00-05:00");
}

#[test]
fn steps_that_fell_before_the_invoice_existed_are_not_sent() {
    let ledger = vec![inv("INV-1", "C1", "2024-01-28", DUE, 50_000)];
    let cs = customers(vec![customer("C1", Established)]);
    let all = run(
        &default_every_day(),
        &ledger,
        &cs,
        "2024-01-28",
        "2024-02-02",
    );
    let msgs: Vec<_> = all
        .iter()
        .filter(|a| a.is_external())
        .map(|a| (a.due_on, a.rule.as_str()))
        .collect();
    assert_eq!(
        msgs,
        vec![
            (d("2024-01-28"), "event:onboarding"),
            (d("2024-01-29"), "event:invoice_notification"),
            (d("2024-01-31"), "reminder:due today"),
            (d("2024-02-01"), "event:statement"),
        ]
    );
}

#[test]
fn planning_many_customers_on_two_threads_matches_one_thread() {
    use super::{Day, PARALLEL_FROM, Planner};
    use crate::strategy::sent_index::SentIndex;
    use crate::synth::{self, SynthParams};

    let params = SynthParams {
        invoices: 20_000,
        customers: Some(1_000),
        ..SynthParams::default()
    };
    let invoices: Vec<_> = synth::generate(&params).collect();
    let customers = synth::customers(&params)
        .into_iter()
        .map(|c| (c.customer_id.clone(), c))
        .collect();
    let strategy = default();
    let planner = Planner::new(&strategy, &invoices, &customers);
    assert!(planner.groups.len() >= PARALLEL_FROM);
    let as_of = d("2024-12-31");
    let sent = SentIndex::new(&[]);
    let day = Day::new(&planner.compiled, &invoices, &sent, as_of);
    let one_thread = planner.plan_groups(&day, &planner.groups);
    assert!(
        one_thread.actions.len() > 100,
        "{}",
        one_thread.actions.len()
    );
    assert_eq!(planner.plan_day_with_held(as_of, &sent), one_thread);
}
