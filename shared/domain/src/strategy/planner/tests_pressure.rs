//! Contact pressure: the contact budget, each invoice at its own stage,
//! missed steps decided and named, opted-out customers handed to a person —
//! on small ledgers, and as properties of 120-day backtests of generated
//! ledgers with the default strategy.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate};

use super::testkit::*;
use crate::ledger::{Channel, Customer, CustomerType::Established, Invoice};
use crate::sent::SentRecord;
use crate::strategy::action::{Action, ActionKind};
use crate::strategy::contact::{Held, HeldBack, MissedSteps};
use crate::strategy::model::{ReminderStep, Role, StepChannel, Strategy, Tone};
use crate::strategy::planner::{PlanInput, plan_with_held};
use crate::strategy::sent_index::rule;
use crate::strategy::simulate::simulate;
use crate::synth::{self, SynthParams};

/// The default strategy, every day a business day, the established
/// segment's reminders replaced by "warning" at +5 and "blocked" at +7.
fn five_and_seven() -> Strategy {
    let mut s = default_every_day();
    let step = |name: &str, offset_days: i64| ReminderStep {
        name: name.into(),
        offset_days,
        channel: StepChannel::Email,
        template: "firm_follow_up".into(),
        tone: Tone::Firm,
        role: None,
    };
    for seg in s.segments.iter_mut().filter(|g| g.name == "established") {
        seg.reminders = vec![step("warning", 5), step("blocked", 7)];
        seg.cadences.clear();
        seg.final_notice = None;
    }
    s
}

fn external(actions: &[Action]) -> Vec<&Action> {
    actions.iter().filter(|a| a.is_external()).collect()
}

#[test]
fn a_first_run_past_two_steps_sends_the_earliest_first_and_the_next_later() {
    let ledger = vec![inv("INV-1", "C1", "2024-01-01", "2024-02-01", 50_000)];
    let cs = customers(vec![customer("C1", Established)]);
    let s = five_and_seven();
    // 8 days past due, nothing sent yet: "warning" first, "blocked" named
    // as following.
    let day8 = plan_on(&s, &ledger, &cs, "2024-02-09", &[]);
    let m = external(&day8);
    assert_eq!(m.len(), 1, "{m:#?}");
    assert_eq!(m[0].rule, "reminder:warning");
    assert!(
        m[0].explanation.contains("step 'blocked' follow(s)"),
        "{}",
        m[0].explanation
    );
    // Then "blocked" after the minimum gap (3 days), not before.
    let all = run(&s, &ledger, &cs, "2024-02-09", "2024-02-20");
    assert_eq!(
        dunning_days(&all),
        vec![
            (d("2024-02-09"), "reminder:warning".to_string()),
            (d("2024-02-12"), "reminder:blocked".to_string()),
        ]
    );
}

#[test]
fn a_reminder_the_budget_holds_back_is_named_with_the_day_it_may_go() {
    // "warning" went out on 02-09; "blocked" is due on 02-10, but the
    // minimum gap (3 days) holds it back until 02-12. INV-2 is issued on
    // 02-10: its notification goes out alone and says what waits.
    let ledger = vec![
        inv("INV-1", "C1", "2024-01-01", "2024-02-01", 50_000),
        inv("INV-2", "C1", "2024-02-10", "2024-03-11", 20_000),
    ];
    let cs = customers(vec![customer("C1", Established)]);
    let s = five_and_seven();
    let first = plan_on(&s, &ledger, &cs, "2024-02-09", &[]);
    let sent: Vec<SentRecord> = first.iter().map(SentRecord::from).collect();
    let day = plan_with_held(&PlanInput {
        as_of: d("2024-02-10"),
        invoices: &ledger,
        customers: &cs,
        strategy: &s,
        sent: &sent,
    });
    assert_eq!(
        day.held,
        vec![HeldBack {
            customer_id: "C1".into(),
            invoice_ids: vec!["INV-1".into()],
            why: Held::Gap(2),
            until: Some(d("2024-02-12")),
        }]
    );
    let m = external(&day.actions);
    assert_eq!(m.len(), 1, "{m:#?}");
    assert_eq!(m[0].rule, rule::INVOICE_NOTIFICATION);
    assert!(
        m[0].explanation.ends_with(
            "reminder(s) for INV-1 held back by the contact budget until 2024-02-12 \
             (minimum gap between reminders (2 more day(s)))"
        ),
        "{}",
        m[0].explanation
    );
    // On 02-12 it goes, and nothing is held.
    let mut sent = sent;
    sent.extend(day.actions.iter().map(SentRecord::from));
    let day12 = plan_with_held(&PlanInput {
        as_of: d("2024-02-12"),
        invoices: &ledger,
        customers: &cs,
        strategy: &s,
        sent: &sent,
    });
    assert!(day12.held.is_empty());
    assert_eq!(
        dunning_days(&day12.actions),
        vec![(d("2024-02-12"), "reminder:blocked".to_string())]
    );
}

#[test]
fn a_public_holiday_in_the_customers_country_holds_its_messages_a_day() {
    // 2024-10-03 is German Unity Day, an ordinary Thursday in the US.
    let ledger = vec![
        inv("INV-DE", "C-DE", "2024-08-29", "2024-09-28", 50_000),
        inv("INV-US", "C-US", "2024-08-29", "2024-09-28", 50_000),
    ];
    let mut de = customer("C-DE", Established);
    de.country = Some("DE-BE".into());
    let mut us = customer("C-US", Established);
    us.country = Some("us".into());
    let cs = customers(vec![de, us]);
    let s = five_and_seven();
    let all = run(&s, &ledger, &cs, "2024-10-01", "2024-10-10");
    let warned = |all: &[Action], c: &str| {
        all.iter()
            .filter(|a| a.is_external() && a.customer_id == c && a.rule == "reminder:warning")
            .map(|a| a.due_on)
            .min()
    };
    let first = |c: &str| warned(&all, c);
    assert_eq!(first("C-US"), Some(d("2024-10-03")));
    assert_eq!(first("C-DE"), Some(d("2024-10-04")));
    // Without a country, the tenant's calendar alone decides.
    let cs = customers(vec![customer("C-DE", Established)]);
    let all = run(&s, &ledger[..1], &cs, "2024-10-01", "2024-10-10");
    assert_eq!(warned(&all, "C-DE"), Some(d("2024-10-03")));
}

#[test]
fn with_latest_a_first_run_sends_the_newest_step_and_names_the_skipped_one() {
    let ledger = vec![inv("INV-1", "C1", "2024-01-01", "2024-02-01", 50_000)];
    let cs = customers(vec![customer("C1", Established)]);
    let mut s = five_and_seven();
    s.tenant.contact.missed_steps = MissedSteps::Latest;
    let all = run(&s, &ledger, &cs, "2024-02-09", "2024-02-20");
    let m = external(&all);
    assert_eq!(m.len(), 1, "{m:#?}");
    assert_eq!(m[0].rule, "reminder:blocked");
    assert_eq!(m[0].skipped_steps, ["step 'warning' (missed; latest sent)"]);
    let json = serde_json::to_value(m[0]).unwrap();
    assert_eq!(
        json["skipped_steps"],
        serde_json::json!(["step 'warning' (missed; latest sent)"])
    );
    assert!(m[0].explanation.contains("skipped: step 'warning'"));
}

#[test]
fn an_invoice_riding_in_a_final_notice_is_at_its_own_stage_and_final_noticed_once() {
    // INV-OLD reaches its final notice (+91) while INV-NEW is 54 days past
    // due: the message lists INV-NEW at its own cadence stage, and INV-NEW
    // gets its own final notice at its +91, once.
    let ledger = vec![
        inv("INV-OLD", "C1", "2023-12-01", "2024-01-01", 50_000),
        inv("INV-NEW", "C1", "2024-01-08", "2024-02-07", 40_000),
    ];
    let cs = customers(vec![customer("C1", Established)]);
    let s = default_every_day();
    let all = run(&s, &ledger, &cs, "2023-12-20", "2024-06-30");
    let finals: Vec<&Action> = all
        .iter()
        .filter(|a| a.is_external() && a.rule == rule::FINAL_NOTICE)
        .collect();
    let mut final_for: HashMap<&str, Vec<NaiveDate>> = HashMap::new();
    for a in &all {
        for (k, id) in a.invoice_ids.iter().enumerate() {
            if a.is_external() && a.stages.get(k).unwrap_or(&a.rule) == rule::FINAL_NOTICE {
                final_for.entry(id).or_default().push(a.due_on);
            }
        }
    }
    assert_eq!(final_for["INV-OLD"].len(), 1, "{finals:#?}");
    assert_eq!(final_for["INV-NEW"].len(), 1, "{finals:#?}");
    let old_final = finals
        .iter()
        .find(|a| a.invoice_ids.contains(&"INV-OLD".to_string()))
        .unwrap();
    if let Some(k) = old_final.invoice_ids.iter().position(|i| i == "INV-NEW") {
        assert!(
            old_final.stages[k].starts_with(rule::CADENCE_PREFIX),
            "INV-NEW rides at its own stage: {old_final:#?}"
        );
    }
}

#[test]
fn a_customer_opted_out_of_every_channel_is_handed_to_its_account_manager() {
    let ledger = vec![inv("INV-1", "C1", "2024-01-01", "2024-02-01", 50_000)];
    let mut c = customer("C1", Established);
    c.opted_out = Channel::ALL.to_vec();
    let cs = customers(vec![c]);
    let all = run(
        &default_every_day(),
        &ledger,
        &cs,
        "2024-01-20",
        "2024-02-20",
    );
    assert!(external(&all).is_empty(), "no automated message");
    let tasks: Vec<&Action> = all
        .iter()
        .filter(|a| a.kind == ActionKind::Task && rule::is_dunning(&a.rule))
        .collect();
    assert!(!tasks.is_empty());
    for t in &tasks {
        assert_eq!(role(t), Some(Role::AccountManager));
        assert!(
            t.explanation
                .contains("customer has opted out of automated messages"),
            "{}",
            t.explanation
        );
    }
    // Each step once: the friendly, due-today and firm steps.
    let rules: Vec<&str> = tasks.iter().map(|t| t.rule.as_str()).collect();
    assert_eq!(
        rules,
        [
            "reminder:friendly",
            "reminder:due today",
            "reminder:firm follow-up"
        ]
    );
}

/// Every action of a 120-day backtest of a generated ledger (default
/// strategy), with the ledger and customers.
fn backtest(seed: u64) -> (Vec<Invoice>, HashMap<String, Customer>, Vec<Action>) {
    let params = SynthParams {
        invoices: 1_500,
        customers: Some(60),
        seed,
        as_of: d("2024-12-31"),
        ..SynthParams::default()
    };
    let invoices: Vec<Invoice> = synth::generate(&params).collect();
    let cs = customers(synth::customers(&params));
    let s = default();
    let sim = simulate(d("2024-08-01"), d("2024-11-28"), &s, &invoices, &cs, &[]);
    let actions = sim.days.into_iter().flat_map(|d| d.actions).collect();
    (invoices, cs, actions)
}

fn stage(a: &Action, k: usize) -> &str {
    a.stages.get(k).unwrap_or(&a.rule)
}

#[test]
fn generated_ledgers_stay_within_the_budget_and_lose_nothing() {
    let s = default();
    let budget = s.tenant.contact.max_dunning_per_week as usize;
    for seed in [1, 7, 42] {
        let (invoices, cs, actions) = backtest(seed);
        let by_id: HashMap<&str, &Invoice> = invoices
            .iter()
            .map(|i| (i.invoice_id.as_str(), i))
            .collect();
        let mut per_day = HashSet::new();
        let mut dunning: HashMap<&str, Vec<NaiveDate>> = HashMap::new();
        let mut finals = HashSet::new();
        let mut named: HashMap<&str, Vec<NaiveDate>> = HashMap::new();
        for a in &actions {
            assert!(!a.explanation.is_empty(), "unexplained: {a:#?}");
            if !a.is_external() {
                continue;
            }
            let c = &cs[&a.customer_id];
            assert!(
                per_day.insert((a.customer_id.as_str(), a.due_on)),
                "two messages: {a:#?}"
            );
            assert!(!c.white_glove, "white glove customer messaged: {a:#?}");
            if let Some(ch) = a.channel {
                assert!(!c.opted_out.contains(&ch), "opted-out channel: {a:#?}");
            }
            if rule::is_dunning(&a.rule) {
                dunning.entry(&a.customer_id).or_default().push(a.due_on);
            }
            for (k, id) in a.invoice_ids.iter().enumerate() {
                let st = stage(a, k);
                if !rule::is_dunning(st) {
                    continue;
                }
                let inv = by_id[id.as_str()];
                assert!(
                    inv.outstanding_on(a.due_on) > 0 && !inv.disputed,
                    "dunning a paid or disputed invoice: {a:#?}"
                );
                if st == rule::FINAL_NOTICE {
                    assert!(finals.insert(id.clone()), "{id} final-noticed twice");
                }
                named.entry(id).or_default().push(a.due_on);
            }
        }
        for (customer, days) in &dunning {
            for d0 in days {
                let week = days
                    .iter()
                    .filter(|d| (0..7).contains(&(**d - *d0).num_days()))
                    .count();
                assert!(
                    week <= budget,
                    "{customer}: {week} reminders in 7 days from {d0}"
                );
            }
        }
        // The budget delays, never loses: an invoice open and undisputed
        // from due+8 to due+21 for a reachable customer is named by due+21.
        let from = d("2024-08-01");
        for inv in &invoices {
            let (start, end) = (
                inv.due_date + Duration::days(8),
                inv.due_date + Duration::days(21),
            );
            let c = &cs[&inv.customer_id];
            let reachable =
                !c.white_glove && !c.emails.is_empty() && !c.opted_out.contains(&Channel::Email);
            if start < from + Duration::days(30)
                || end > d("2024-11-28")
                || !reachable
                || inv.disputed
                || inv.amount <= 0
                || inv.outstanding_on(end) <= 0
            {
                continue;
            }
            let by_then = named
                .get(inv.invoice_id.as_str())
                .is_some_and(|days| days.iter().any(|d| *d <= end));
            assert!(
                by_then,
                "seed {seed}: {} (due {}) never reminded by due+21",
                inv.invoice_id, inv.due_date
            );
        }
    }
}
