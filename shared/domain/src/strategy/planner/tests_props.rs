//! Properties over generated ledgers: one message per customer per day,
//! nothing about an invoice after it was paid, no id twice, escalations once,
//! the minimum gap kept, and `simulate` equal to planning day by day.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate};
use proptest::prelude::*;

use crate::ledger::{Channel, Customer, CustomerType, Invoice, InvoiceStatus};
use crate::sent::SentRecord;
use crate::strategy::action::Action;
use crate::strategy::sent_index::rule;
use crate::strategy::simulate::simulate;
use crate::strategy::{PlanInput, plan};

use super::testkit::*;

const START: &str = "2024-01-01";
const DAYS: i64 = 150;

#[derive(Clone, Debug)]
struct Case {
    customers: Vec<Customer>,
    invoices: Vec<Invoice>,
    weekends: bool,
}

fn a_customer(i: usize) -> impl Strategy<Value = Customer> {
    (
        0..3u8,
        prop::bool::weighted(0.15),
        prop::bool::weighted(0.15),
        prop::option::of(10_000i64..300_000),
    )
        .prop_map(move |(kind, white_glove, opted_out, limit)| {
            let kind = [
                CustomerType::Strategic,
                CustomerType::Established,
                CustomerType::New,
            ][kind as usize];
            let mut c = customer(&format!("C{i}"), kind);
            c.white_glove = white_glove;
            if opted_out {
                c.opted_out = vec![Channel::Email];
            }
            c.credit_limit = limit;
            c
        })
}

fn an_invoice(n: usize, customers: usize) -> impl Strategy<Value = Invoice> {
    (
        0..customers,
        0..120i64,
        prop::sample::select(vec![0i64, 14, 30, 45, 60]),
        prop::bool::weighted(0.06),
        1..150_000i64,
        prop::option::weighted(0.6, 0..160i64),
        prop::bool::weighted(0.1),
        prop::sample::select(vec![
            InvoiceStatus::Open,
            InvoiceStatus::Open,
            InvoiceStatus::Open,
            InvoiceStatus::Void,
            InvoiceStatus::WrittenOff,
        ]),
    )
        .prop_map(
            move |(c, issued, terms, credit, amount, paid_after, disputed, status)| {
                let issue = d(START) + Duration::days(issued);
                let mut i = inv(
                    &format!("INV-{n}"),
                    &format!("C{c}"),
                    &issue.to_string(),
                    &(issue + Duration::days(terms)).to_string(),
                    amount,
                );
                if credit {
                    i.amount = -amount / 10 - 1;
                }
                i.disputed = disputed;
                i.status = status;
                if let Some(p) = paid_after {
                    i.paid_date = Some(issue + Duration::days(p));
                    i.paid_amount = i.amount;
                    if status == InvoiceStatus::Open {
                        i.status = InvoiceStatus::Paid;
                    }
                }
                i
            },
        )
}

fn a_case() -> impl Strategy<Value = Case> {
    (1..5usize, 0..14usize, any::<bool>()).prop_flat_map(|(nc, ni, weekends)| {
        let customers: Vec<_> = (0..nc).map(a_customer).collect();
        let invoices: Vec<_> = (0..ni).map(|n| an_invoice(n, nc)).collect();
        (customers, invoices).prop_map(move |(customers, invoices)| Case {
            customers,
            invoices,
            weekends,
        })
    })
}

fn strategy_for(case: &Case) -> crate::strategy::Strategy {
    if case.weekends {
        default()
    } else {
        default_every_day()
    }
}

fn all_actions(case: &Case) -> Vec<Action> {
    let cs = customers(case.customers.clone());
    let end = d(START) + Duration::days(DAYS);
    simulate(d(START), end, &strategy_for(case), &case.invoices, &cs, &[])
        .days
        .into_iter()
        .flat_map(|day| day.actions)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn no_customer_gets_more_than_one_message_a_day(case in a_case()) {
        let mut seen = HashSet::new();
        for a in all_actions(&case).iter().filter(|a| a.is_external()) {
            prop_assert!(seen.insert((a.customer_id.clone(), a.due_on)), "second message: {a:#?}");
        }
    }

    #[test]
    fn nothing_is_sent_about_an_invoice_once_it_is_paid(case in a_case()) {
        let paid: HashMap<&str, NaiveDate> = case
            .invoices
            .iter()
            .filter_map(|i| i.paid_date.map(|p| (i.invoice_id.as_str(), p)))
            .collect();
        for a in all_actions(&case) {
            for (k, id) in a.invoice_ids.iter().enumerate() {
                // Each invoice at its own stage: a thank-you may ride along.
                let stage = a.stages.get(k).unwrap_or(&a.rule);
                if stage == rule::THANK_YOU || stage == rule::DISPUTE_RESOLVED {
                    continue;
                }
                if let Some(p) = paid.get(id.as_str()) {
                    prop_assert!(a.due_on < *p, "{} on {} after {id} was paid on {p}", a.rule, a.due_on);
                }
            }
        }
    }

    #[test]
    fn no_id_twice_and_each_escalation_once_per_invoice(case in a_case()) {
        let actions = all_actions(&case);
        let mut ids = HashSet::new();
        let mut fired = HashSet::new();
        for a in &actions {
            prop_assert!(ids.insert(a.id.clone()), "id twice: {a:#?}");
            if a.rule.starts_with(rule::ESCALATION_PREFIX) {
                for i in &a.invoice_ids {
                    let key = (i.clone(), a.rule.clone(), a.kind, format!("{:?}", a.recipients));
                    prop_assert!(fired.insert(key), "escalation twice: {a:#?}");
                }
            }
        }
    }

    #[test]
    fn dunning_messages_keep_the_minimum_gap(case in a_case()) {
        let gap = strategy_for(&case).tenant.min_gap_days as i64;
        let mut last: HashMap<String, NaiveDate> = HashMap::new();
        for a in all_actions(&case).iter().filter(|a| a.is_external() && rule::is_dunning(&a.rule)) {
            if let Some(prev) = last.insert(a.customer_id.clone(), a.due_on) {
                prop_assert!((a.due_on - prev).num_days() >= gap, "{} then {}", prev, a.due_on);
            }
        }
    }

    #[test]
    fn simulate_equals_planning_day_by_day(case in a_case()) {
        let cs = customers(case.customers.clone());
        let s = strategy_for(&case);
        let simulated = all_actions(&case);
        let mut sent: Vec<SentRecord> = Vec::new();
        let mut by_hand = Vec::new();
        for n in 0..=DAYS {
            let day = d(START) + Duration::days(n);
            let actions = plan(&PlanInput { as_of: day, invoices: &case.invoices, customers: &cs, strategy: &s, sent: &sent });
            sent.extend(actions.iter().map(SentRecord::from));
            by_hand.extend(actions);
        }
        prop_assert_eq!(simulated, by_hand);
    }
}
