//! Event sequences and segments, pinned on small ledgers: onboarding, invoice
//! notification, statements, credit hold/release/review, disputes, segment
//! conditions.

use std::collections::HashMap;

use crate::ledger::CustomerType::*;
use crate::ledger::{Customer, Invoice};
use crate::sent::SentRecord;
use crate::strategy::action::ActionKind;
use crate::strategy::model::{Role, Strategy};

use super::testkit::*;

fn record(rule: &str, kind: ActionKind, invoices: &[&str], day: &str) -> SentRecord {
    SentRecord {
        action_id: format!("{rule}-{day}"),
        customer_id: "C1".into(),
        invoice_ids: invoices.iter().map(|s| s.to_string()).collect(),
        rule: rule.into(),
        kind,
        channel: None,
        sent_on: d(day),
        stages: Vec::new(),
    }
}

#[test]
fn a_new_customer_is_welcomed_then_told_about_the_invoice() {
    let ledger = vec![inv("INV-1", "C1", "2024-01-01", "2024-01-31", 50_000)];
    let cs = customers(vec![customer("C1", New)]);
    let all = run(
        &default_every_day(),
        &ledger,
        &cs,
        "2024-01-01",
        "2024-01-05",
    );
    let msgs: Vec<_> = all
        .iter()
        .filter(|a| a.is_external())
        .map(|a| (a.due_on, a.rule.as_str(), a.template.as_deref()))
        .collect();
    assert_eq!(
        msgs,
        vec![
            (d("2024-01-01"), "event:onboarding", Some("welcome")),
            (
                d("2024-01-02"),
                "event:invoice_notification",
                Some("invoice_notification")
            ),
        ]
    );
}

#[test]
fn several_invoices_issued_together_are_notified_in_one_message() {
    let ledger = vec![
        inv("INV-0", "C1", "2023-11-01", "2023-12-01", 1_000),
        paid(
            inv("INV-00", "C1", "2023-11-01", "2023-12-01", 1_000),
            "2023-12-01",
        ),
        inv("INV-1", "C1", "2024-01-10", "2024-02-09", 50_000),
        inv("INV-2", "C1", "2024-01-10", "2024-02-09", 20_000),
    ];
    let cs = customers(vec![customer("C1", Established)]);
    // By default the notification rides along in the reminder due the same
    // day, each invoice named at its own stage.
    let a = plan_on(&default_every_day(), &ledger, &cs, "2024-01-10", &[]);
    let m: Vec<_> = a.iter().filter(|a| a.is_external()).collect();
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].rule, "reminder:firm follow-up");
    assert_eq!(m[0].invoice_ids, ["INV-0", "INV-1", "INV-2"]);
    assert_eq!(
        m[0].stages,
        [
            "reminder:firm follow-up",
            "event:invoice_notification",
            "event:invoice_notification"
        ]
    );
    let mut alone = default_every_day();
    alone.tenant.contact.ride_along = false;
    let a = plan_on(&alone, &ledger, &cs, "2024-01-10", &[]);
    let m: Vec<_> = a.iter().filter(|a| a.is_external()).collect();
    assert_eq!(m.len(), 1);
    assert_eq!(
        (m[0].rule.as_str(), m[0].invoice_ids.clone()),
        (
            "event:invoice_notification",
            vec!["INV-1".to_string(), "INV-2".into()]
        )
    );
}

#[test]
fn month_end_statement_on_the_last_business_day_lists_every_open_item() {
    let ledger = vec![
        inv("INV-1", "C1", "2024-07-01", "2024-09-30", 50_000),
        inv("INV-2", "C1", "2024-07-15", "2024-10-15", 20_000),
        inv("CN-1", "C1", "2024-07-20", "2024-07-20", -5_000),
        paid(
            inv("INV-0", "C1", "2024-07-02", "2024-08-01", 9_000),
            "2024-07-20",
        ),
    ];
    let cs = customers(vec![customer("C1", Established)]);
    // 31 August 2024 is a Saturday: the statement goes on Friday the 30th.
    let all = run(&default(), &ledger, &cs, "2024-08-20", "2024-09-05");
    let st: Vec<_> = all.iter().filter(|a| a.rule == "event:statement").collect();
    assert_eq!(st.len(), 1);
    assert_eq!(
        (st[0].due_on, st[0].kind),
        (d("2024-08-30"), ActionKind::Statement)
    );
    assert_eq!(st[0].invoice_ids, vec!["CN-1", "INV-1", "INV-2"]);
}

#[test]
fn credit_hold_when_over_the_limit_and_release_when_it_clears() {
    let ledger = vec![
        inv("INV-1", "C1", "2024-01-02", "2024-02-01", 80_000),
        paid(
            inv("INV-2", "C1", "2024-01-09", "2024-02-08", 40_000),
            "2024-01-17",
        ),
    ];
    let mut c = customer("C1", Established);
    c.credit_limit = Some(100_000);
    let cs = customers(vec![c]);
    let all = run(
        &default_every_day(),
        &ledger,
        &cs,
        "2024-01-01",
        "2024-01-31",
    );
    let credit: Vec<_> = all
        .iter()
        .filter(|a| a.rule.starts_with("credit:"))
        .map(|a| (a.due_on, a.kind, role(a).unwrap()))
        .collect();
    assert_eq!(
        credit,
        vec![
            (d("2024-01-09"), ActionKind::CreditHold, Role::SalesManager),
            (d("2024-01-09"), ActionKind::CreditHold, Role::Operations),
            (
                d("2024-01-17"),
                ActionKind::CreditRelease,
                Role::SalesManager
            ),
            (d("2024-01-17"), ActionKind::CreditRelease, Role::Operations),
        ]
    );
    let hold = all
        .iter()
        .find(|a| a.kind == ActionKind::CreditHold)
        .unwrap();
    assert!(
        hold.explanation
            .contains("outstanding 1,200.00 USD is over the credit limit 1,000.00 USD"),
        "{}",
        hold.explanation
    );
}

/// A customer (limit 1,000.00) with 900.00 open until 2024-03-11 and a
/// 120.00 invoice issued on the 5th, 15th and 25th of each month and paid
/// five days later: outstanding moves between 90 % and 102 % of the limit
/// for two months, then falls to nothing.
fn oscillating() -> (Vec<Invoice>, HashMap<String, Customer>) {
    let mut ledger = vec![paid(
        inv("BASE", "C1", "2023-12-20", "2024-06-01", 90_000),
        "2024-03-11",
    )];
    for (k, day) in ["01-05", "01-15", "01-25", "02-05", "02-15", "02-25"]
        .iter()
        .enumerate()
    {
        let issued = d(&format!("2024-{day}"));
        let i = inv(
            &format!("INV-{k}"),
            "C1",
            &issued.to_string(),
            &(issued + chrono::Duration::days(30)).to_string(),
            12_000,
        );
        ledger.push(paid(i, &(issued + chrono::Duration::days(5)).to_string()));
    }
    let mut c = customer("C1", Established);
    c.credit_limit = Some(100_000);
    (ledger, customers(vec![c]))
}

#[test]
fn a_balance_moving_around_the_limit_is_held_once_and_released_once() {
    let (ledger, cs) = oscillating();
    let s = default_every_day();
    let all = run(&s, &ledger, &cs, "2024-01-01", "2024-03-20");
    let holds = days_of(&all, "credit:hold", Some(ActionKind::CreditHold));
    let releases = days_of(&all, "credit:release", Some(ActionKind::CreditRelease));
    // Two roles are told each time: one crossing of the band each way.
    assert_eq!(holds, vec![d("2024-01-05"), d("2024-01-05")]);
    assert_eq!(releases, vec![d("2024-03-11"), d("2024-03-11")]);
    let release = all
        .iter()
        .find(|a| a.kind == ActionKind::CreditRelease)
        .unwrap();
    assert!(
        release
            .explanation
            .contains("below 90% of the credit limit"),
        "{}",
        release.explanation
    );

    // Without the band (release below 100 %), the same ledger switches the
    // hold on and off with every invoice: what the band prevents.
    let mut flat = s.clone();
    for seg in flat.segments.iter_mut() {
        if let Some(c) = seg.events.credit.as_mut() {
            c.release_below_pct = Some(100);
        }
    }
    if let Some(c) = flat.events.credit.as_mut() {
        c.release_below_pct = Some(100);
    }
    let all = run(&flat, &ledger, &cs, "2024-01-01", "2024-03-20");
    assert_eq!(
        days_of(&all, "credit:hold", Some(ActionKind::CreditHold)).len(),
        12,
        "six holds, two roles each"
    );
}

#[test]
fn a_credit_hold_is_not_repeated_while_it_lasts() {
    let ledger = vec![inv("INV-1", "C1", "2024-01-02", "2024-02-01", 80_000)];
    let mut c = customer("C1", Established);
    c.credit_limit = Some(10_000);
    let cs = customers(vec![c]);
    let all = run(
        &default_every_day(),
        &ledger,
        &cs,
        "2024-01-01",
        "2024-05-31",
    );
    assert_eq!(
        days_of(&all, "credit:hold", None),
        vec![d("2024-01-02"), d("2024-01-02")]
    );
    assert!(days_of(&all, "credit:release", None).is_empty());
}

#[test]
fn the_annual_credit_review_falls_on_the_first_invoice_anniversary() {
    let ledger = vec![
        paid(
            inv("INV-0", "C1", "2023-03-15", "2023-04-14", 10_000),
            "2023-04-10",
        ),
        inv("INV-1", "C1", "2024-02-01", "2024-03-02", 10_000),
    ];
    let cs = customers(vec![customer("C1", Established)]);
    let all = run(
        &default_every_day(),
        &ledger,
        &cs,
        "2024-03-01",
        "2024-03-31",
    );
    let review: Vec<_> = all.iter().filter(|a| a.rule == "credit:review").collect();
    assert_eq!(review.len(), 1);
    assert_eq!(
        (review[0].due_on, role(review[0])),
        (d("2024-03-15"), Some(Role::ArManager))
    );
}

#[test]
fn a_resolved_dispute_gets_a_notice_and_dunning_resumes() {
    let ledger = vec![inv("INV-1", "C1", "2024-01-01", "2024-01-31", 50_000)];
    let cs = customers(vec![customer("C1", Established)]);
    let sent = vec![record(
        "event:dispute_ack",
        ActionKind::Email,
        &["INV-1"],
        "2024-01-05",
    )];
    let s = default_every_day();
    let a = plan_on(&s, &ledger, &cs, "2024-02-07", &sent);
    let m: Vec<_> = a.iter().filter(|a| a.is_external()).collect();
    assert_eq!(
        m.len(),
        1,
        "one message a day: the reminder wins, the notice waits"
    );
    assert_eq!(m[0].rule, "reminder:firm follow-up");
    let mut sent2 = sent.clone();
    sent2.push(SentRecord::from(m[0]));
    let next = plan_on(&s, &ledger, &cs, "2024-02-08", &sent2);
    let m: Vec<_> = next.iter().filter(|a| a.is_external()).collect();
    assert_eq!(m[0].rule, "event:dispute_resolved");
    assert_eq!(m[0].template.as_deref(), Some("dispute_resolved"));
}

#[test]
fn a_thank_you_rides_along_in_the_reminder_of_the_day_or_waits_when_told() {
    let ledger = vec![
        paid(
            inv("INV-1", "C1", "2024-01-01", "2024-01-31", 50_000),
            "2024-01-24",
        ),
        inv("INV-2", "C1", "2024-01-01", "2024-01-31", 50_000),
    ];
    let cs = customers(vec![customer("C1", Established)]);
    let mut s = default_every_day();
    let all = run(&s, &ledger, &cs, "2024-01-20", "2024-01-28");
    let msgs: Vec<_> = all
        .iter()
        .filter(|a| a.is_external())
        .map(|a| (a.due_on, a.rule.as_str(), a.stages.clone()))
        .collect();
    assert_eq!(
        msgs,
        vec![(
            d("2024-01-24"),
            "reminder:friendly",
            vec!["event:thank_you".to_string(), "reminder:friendly".into()]
        )]
    );
    s.tenant.contact.ride_along = false;
    let all = run(&s, &ledger, &cs, "2024-01-20", "2024-01-28");
    let msgs: Vec<_> = all
        .iter()
        .filter(|a| a.is_external())
        .map(|a| (a.due_on, a.rule.as_str()))
        .collect();
    assert_eq!(
        msgs,
        vec![
            (d("2024-01-24"), "reminder:friendly"),
            (d("2024-01-25"), "event:thank_you")
        ]
    );
}

const SEGMENTED: &str = r#"
[tenant]
currency = "EUR"

[[segments]]
name = "big"
when = { min_outstanding = "10,000.00" }
reminders = [{ name = "big", offset_days = 0, channel = "email", template = "t" }]

[[segments]]
name = "stretched"
when = { min_credit_used_pct = 80 }
reminders = [{ name = "stretched", offset_days = 0, channel = "email", template = "t" }]

[[segments]]
name = "risky"
when = { risk_band = ["high"], tags = ["retail"] }
reminders = [{ name = "risky", offset_days = 0, channel = "email", template = "t" }]

[[segments]]
name = "rest"
reminders = [{ name = "rest", offset_days = 0, channel = "sms", template = "t" }]
"#;

#[test]
fn segments_match_in_order_on_outstanding_credit_use_and_tags() {
    let s = Strategy::from_toml(SEGMENTED, "seg.toml").unwrap();
    let eur = crate::money::Currency::EUR;
    let mut ledger = vec![
        inv("B-1", "BIG", "2024-01-01", "2024-01-31", 1_000_000),
        inv("S-1", "STRETCHED", "2024-01-01", "2024-01-31", 8_000),
        inv("R-1", "RISKY", "2024-01-01", "2024-01-31", 100),
        inv("O-1", "OTHER", "2024-01-01", "2024-01-31", 100),
        inv("U-1", "USD", "2024-01-01", "2024-01-31", 5_000_000),
    ];
    for i in ledger.iter_mut().take(4) {
        i.currency = eur;
    }
    let mut stretched = customer("STRETCHED", Established);
    stretched.credit_limit = Some(10_000);
    let mut risky = customer("RISKY", Established);
    risky.tags = vec!["Retail".into(), "risk:high".into()];
    let cs = customers(vec![
        customer("BIG", Established),
        stretched,
        risky,
        customer("OTHER", Established),
        customer("USD", Established),
    ]);
    let a = plan_on(&s, &ledger, &cs, "2024-01-31", &[]);
    let got: Vec<_> = a
        .iter()
        .map(|a| (a.customer_id.as_str(), a.rule.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("BIG", "reminder:big"),
            ("OTHER", "reminder:rest"),
            ("RISKY", "reminder:risky"),
            ("STRETCHED", "reminder:stretched"),
            ("USD", "reminder:rest"), // a EUR threshold never counts USD
        ]
    );
    assert_eq!(a[1].kind, ActionKind::Sms);
}
