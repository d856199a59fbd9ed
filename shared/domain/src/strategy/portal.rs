//! Actions that come from the customer portal's state rather than from the
//! ledger: a reminder before each instalment of an approved payment plan
//! (`[events.instalment_reminder]`), a notice when a promise to pay is
//! broken (`[events.broken_promise]`) and one when a plan misses an
//! instalment (`[events.missed_instalment]`). Pure, like the planner: the
//! caller says which instalments, broken promises and missed instalments
//! exist; ids are deterministic (the instalment's or the promise's date is
//! the nominal day), so each is done once and recorded in the sent log like
//! any other action.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate};
use chrono_tz::Tz;

use crate::ledger::{Channel, Customer};
use crate::sent::SentRecord;

use super::Strategy;
use super::action::{Action, ActionKind, Recipients, Target, action_id, channel_str};
use super::calendar::{BusinessDays, scheduled_for};
use super::events::DEFAULT_INSTALMENT_GRACE_DAYS;
use super::model::Tone;

/// Rule of an instalment reminder.
pub const INSTALMENT_REMINDER: &str = "event:instalment_reminder";
/// Rule of a broken-promise notice.
pub const BROKEN_PROMISE: &str = "event:broken_promise";
/// Rule of a missed-instalment notice.
pub const MISSED_INSTALMENT: &str = "event:missed_instalment";

/// One instalment of an approved payment plan that is not yet past.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstalmentDue {
    pub plan_id: String,
    pub customer_id: String,
    /// The plan's invoices, sorted.
    pub invoice_ids: Vec<String>,
    /// 1-based, of `count`.
    pub number: usize,
    pub count: usize,
    pub due_date: NaiveDate,
    /// "400.00 USD".
    pub amount_display: String,
}

/// A promise to pay that is broken on the planning day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokenPromiseDue {
    pub customer_id: String,
    pub invoice_id: String,
    pub promised_date: NaiveDate,
    /// "1,200.00 USD".
    pub amount_display: String,
}

/// An approved payment plan that missed an instalment on the planning day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissedInstalmentDue {
    pub plan_id: String,
    pub customer_id: String,
    /// The plan's invoices, sorted.
    pub invoice_ids: Vec<String>,
    /// 1-based number of the first instalment not covered, of `count`.
    pub number: usize,
    pub count: usize,
    /// That instalment's date (the notice's nominal day).
    pub due_date: NaiveDate,
    /// What the instalments up to that date add up to: "400.00 USD".
    pub due_display: String,
    /// What the plan's invoices have received since the plan: "399.99 USD".
    pub paid_display: String,
}

/// The grace days after an instalment's date before it counts as missed:
/// `[events.missed_instalment] grace_days`, or the default when the
/// strategy has no such section (a missed plan stops holding either way).
pub fn instalment_grace_days(strategy: &Strategy) -> u32 {
    strategy
        .events
        .missed_instalment
        .as_ref()
        .map_or(DEFAULT_INSTALMENT_GRACE_DAYS, |m| m.grace_days)
}

/// The index of the first instalment missed on `as_of`: its date plus
/// `grace_days` is before `as_of` and `paid` (minor units received towards
/// the plan) is less than the instalments up to and including it. The
/// instalments are `(date, amount)` by date.
pub fn first_missed_instalment(
    instalments: &[(NaiveDate, i64)],
    paid: i64,
    grace_days: u32,
    as_of: NaiveDate,
) -> Option<usize> {
    let mut due = 0i64;
    for (k, (date, amount)) in instalments.iter().enumerate() {
        due = due.saturating_add(*amount);
        let last_day = date
            .checked_add_days(chrono::Days::new(u64::from(grace_days)))
            .unwrap_or(NaiveDate::MAX);
        if last_day >= as_of {
            return None;
        }
        if paid < due {
            return Some(k);
        }
    }
    None
}

/// One notice per role of `[events.missed_instalment]` for each missed
/// instalment, on business days, unless `sent` holds it already. The id
/// covers the plan and the instalment's date, so a plan still behind on
/// later days is not notified again, and a later missed instalment is.
pub fn missed_instalment_actions(
    strategy: &Strategy,
    missed: &[MissedInstalmentDue],
    as_of: NaiveDate,
    sent: &[SentRecord],
) -> Vec<Action> {
    let Some(m) = strategy
        .events
        .missed_instalment
        .as_ref()
        .filter(|m| m.enabled)
    else {
        return Vec::new();
    };
    if missed.is_empty() || !BusinessDays::new(&strategy.tenant.calendar).is_business_day(as_of) {
        return Vec::new();
    }
    let done: HashSet<&str> = sent.iter().map(|r| r.action_id.as_str()).collect();
    let tz: Tz = strategy.tenant.timezone.parse().unwrap_or(Tz::UTC);
    let mut out = Vec::new();
    for x in missed {
        let ids: Vec<&str> = x.invoice_ids.iter().map(String::as_str).collect();
        let rule_key = format!("{MISSED_INSTALMENT}:{}", x.plan_id);
        for role in &m.notify {
            let id = action_id(
                ActionKind::Notify,
                &rule_key,
                Target::Role(*role),
                &x.customer_id,
                &ids,
                Some(x.due_date),
            );
            if done.contains(id.as_str()) {
                continue;
            }
            out.push(Action {
                id,
                kind: ActionKind::Notify,
                customer_id: x.customer_id.clone(),
                invoice_ids: x.invoice_ids.clone(),
                rule: MISSED_INSTALMENT.to_string(),
                channel: None,
                recipients: Recipients::Role(*role),
                template: Some(m.template.clone()),
                scheduled_for: scheduled_for(as_of, strategy.tenant.send_hour, tz),
                due_on: as_of,
                explanation: format!(
                    "payment plan {} missed instalment {} of {} due on {}: {} due by then, {} received; reminders resume",
                    x.plan_id, x.number, x.count, x.due_date, x.due_display, x.paid_display
                ),
                tone: Tone::Neutral,
                stages: Vec::new(),
                skipped_steps: Vec::new(),
                reminded_before: false,
            });
        }
    }
    out
}

/// The portal actions due on `as_of` that `sent` does not hold yet: an
/// instalment reminder from `days_before` the instalment's date up to the
/// date itself (on business days; not to white-glove customers nor on a
/// channel the customer opted out of), and one notice per role for each
/// broken promise.
pub fn portal_actions(
    strategy: &Strategy,
    customers: &HashMap<String, Customer>,
    instalments: &[InstalmentDue],
    broken: &[BrokenPromiseDue],
    as_of: NaiveDate,
    sent: &[SentRecord],
) -> Vec<Action> {
    let days = BusinessDays::new(&strategy.tenant.calendar);
    if !days.is_business_day(as_of) {
        return Vec::new();
    }
    let done: HashSet<&str> = sent.iter().map(|r| r.action_id.as_str()).collect();
    let tenant_tz: Tz = strategy.tenant.timezone.parse().unwrap_or(Tz::UTC);
    let fallback = Customer::default();
    let mut out = Vec::new();
    if let Some(r) = strategy
        .events
        .instalment_reminder
        .as_ref()
        .filter(|r| r.enabled)
    {
        for i in instalments {
            let nominal = i.due_date - Duration::days(i64::from(r.days_before));
            if days.on_or_after(nominal) > as_of || as_of > i.due_date {
                continue;
            }
            let customer = customers.get(&i.customer_id).unwrap_or(&fallback);
            if customer.white_glove || customer.opted_out.contains(&r.channel) {
                continue;
            }
            let ids: Vec<&str> = i.invoice_ids.iter().map(String::as_str).collect();
            let kind = ActionKind::message(r.channel);
            let id = action_id(
                kind,
                INSTALMENT_REMINDER,
                Target::Channel(r.channel),
                &i.customer_id,
                &ids,
                Some(i.due_date),
            );
            let addresses = match r.channel {
                Channel::Email => customer.emails.clone(),
                Channel::Sms | Channel::Whatsapp => customer.phone.iter().cloned().collect(),
            };
            let tz = customer
                .timezone
                .as_deref()
                .and_then(|z| z.parse().ok())
                .unwrap_or(tenant_tz);
            let mut explanation = format!(
                "Instalment {} of {}: {} due on {} (payment plan {})",
                i.number, i.count, i.amount_display, i.due_date, i.plan_id
            );
            if addresses.is_empty() {
                explanation.push_str(&format!("; no {} address on file", channel_str(r.channel)));
            }
            out.push(Action {
                id,
                kind,
                customer_id: i.customer_id.clone(),
                invoice_ids: i.invoice_ids.clone(),
                rule: INSTALMENT_REMINDER.to_string(),
                channel: Some(r.channel),
                recipients: Recipients::Addresses(addresses),
                template: Some(r.template.clone()),
                scheduled_for: scheduled_for(as_of, strategy.tenant.send_hour, tz),
                due_on: as_of,
                explanation,
                tone: Tone::Friendly,
                stages: Vec::new(),
                skipped_steps: Vec::new(),
                reminded_before: false,
            });
        }
    }
    if let Some(b) = strategy
        .events
        .broken_promise
        .as_ref()
        .filter(|b| b.enabled)
    {
        for p in broken {
            for role in &b.notify {
                let id = action_id(
                    ActionKind::Notify,
                    BROKEN_PROMISE,
                    Target::Role(*role),
                    &p.customer_id,
                    &[p.invoice_id.as_str()],
                    Some(p.promised_date),
                );
                out.push(Action {
                    id,
                    kind: ActionKind::Notify,
                    customer_id: p.customer_id.clone(),
                    invoice_ids: vec![p.invoice_id.clone()],
                    rule: BROKEN_PROMISE.to_string(),
                    channel: None,
                    recipients: Recipients::Role(*role),
                    template: Some(b.template.clone()),
                    scheduled_for: scheduled_for(as_of, strategy.tenant.send_hour, tenant_tz),
                    due_on: as_of,
                    explanation: format!(
                        "the customer promised to pay {} of {} by {} and has not; reminders resume",
                        p.amount_display, p.invoice_id, p.promised_date
                    ),
                    tone: Tone::Neutral,
                    stages: Vec::new(),
                    skipped_steps: Vec::new(),
                    reminded_before: false,
                });
            }
        }
    }
    out.retain(|a| !done.contains(a.id.as_str()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::default_strategy;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn customers() -> HashMap<String, Customer> {
        let c = Customer {
            customer_id: "C1".into(),
            name: "C one".into(),
            emails: vec!["c1@example.com".into()],
            ..Customer::default()
        };
        HashMap::from([("C1".to_string(), c)])
    }

    fn due(date: &str) -> InstalmentDue {
        InstalmentDue {
            plan_id: "PP-1".into(),
            customer_id: "C1".into(),
            invoice_ids: vec!["INV-1".into()],
            number: 1,
            count: 2,
            due_date: d(date),
            amount_display: "500.00 USD".into(),
        }
    }

    #[test]
    fn instalment_reminder_is_due_from_three_days_before_to_the_date_with_one_id() {
        let s = default_strategy().unwrap();
        let c = customers();
        // 2024-02-15 is a Thursday: due from Monday the 12th.
        let on = |day: &str| portal_actions(&s, &c, &[due("2024-02-15")], &[], d(day), &[]);
        assert!(on("2024-02-09").is_empty());
        let a = on("2024-02-12");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].rule, INSTALMENT_REMINDER);
        assert_eq!(a[0].template.as_deref(), Some("instalment_reminder"));
        assert_eq!(
            a[0].recipients,
            Recipients::Addresses(vec!["c1@example.com".into()])
        );
        assert!(
            a[0].explanation
                .contains("Instalment 1 of 2: 500.00 USD due on 2024-02-15")
        );
        assert_eq!(
            on("2024-02-15")[0].id,
            a[0].id,
            "the id does not depend on the day"
        );
        assert!(on("2024-02-16").is_empty(), "past the date");
        let sent = [SentRecord::from(&a[0])];
        assert!(
            portal_actions(&s, &c, &[due("2024-02-15")], &[], d("2024-02-13"), &sent).is_empty()
        );
    }

    #[test]
    fn broken_promise_notifies_the_ar_team_once() {
        let s = default_strategy().unwrap();
        let b = BrokenPromiseDue {
            customer_id: "C1".into(),
            invoice_id: "INV-1".into(),
            promised_date: d("2024-02-05"),
            amount_display: "12.00 USD".into(),
        };
        let a = portal_actions(
            &s,
            &customers(),
            &[],
            std::slice::from_ref(&b),
            d("2024-02-12"),
            &[],
        );
        assert_eq!(a.len(), 1);
        assert_eq!(
            a[0].recipients,
            Recipients::Role(super::super::Role::ArTeam)
        );
        assert_eq!(a[0].kind, ActionKind::Notify);
        let sent = [SentRecord::from(&a[0])];
        let again = portal_actions(&s, &customers(), &[], &[b], d("2024-02-13"), &sent);
        assert!(again.is_empty());
    }

    fn missed(date: &str) -> MissedInstalmentDue {
        MissedInstalmentDue {
            plan_id: "PP-1".into(),
            customer_id: "C1".into(),
            invoice_ids: vec!["INV-1".into()],
            number: 1,
            count: 2,
            due_date: d(date),
            due_display: "400.00 USD".into(),
            paid_display: "399.99 USD".into(),
        }
    }

    #[test]
    fn instalment_on_time_is_not_missed_and_one_cent_short_after_grace_is() {
        let inst = [(d("2024-02-15"), 40_000), (d("2024-03-15"), 60_000)];
        // Grace 3: the 18th is the last day; missed from the 19th.
        assert_eq!(first_missed_instalment(&inst, 0, 3, d("2024-02-18")), None);
        assert_eq!(
            first_missed_instalment(&inst, 39_999, 3, d("2024-02-19")),
            Some(0)
        );
        assert_eq!(
            first_missed_instalment(&inst, 40_000, 3, d("2024-02-19")),
            None
        );
        assert_eq!(
            first_missed_instalment(&inst, 40_000, 3, d("2024-03-19")),
            Some(1),
            "the second instalment is cumulative"
        );
        assert_eq!(
            first_missed_instalment(&inst, 100_000, 3, d("2024-06-01")),
            None
        );
    }

    #[test]
    fn missed_instalment_notifies_the_ar_team_once_per_plan_and_date() {
        let s = default_strategy().unwrap();
        assert_eq!(instalment_grace_days(&s), 3);
        assert!(
            missed_instalment_actions(&s, &[missed("2024-02-15")], d("2024-02-19"), &[]).is_empty(),
            "not on Washington's Birthday, a US holiday in the default calendar"
        );
        // 2024-02-20 is a Tuesday.
        let a = missed_instalment_actions(&s, &[missed("2024-02-15")], d("2024-02-20"), &[]);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].rule, MISSED_INSTALMENT);
        assert_eq!(a[0].kind, ActionKind::Notify);
        assert_eq!(
            a[0].recipients,
            Recipients::Role(super::super::Role::ArTeam)
        );
        assert_eq!(a[0].template.as_deref(), Some("missed_instalment"));
        assert!(
            a[0].explanation
                .contains("400.00 USD due by then, 399.99 USD received")
        );
        let next = missed_instalment_actions(&s, &[missed("2024-02-15")], d("2024-02-21"), &[]);
        assert_eq!(next[0].id, a[0].id, "the id does not depend on the day");
        let sent = [SentRecord::from(&a[0])];
        assert!(
            missed_instalment_actions(&s, &[missed("2024-02-15")], d("2024-02-21"), &sent)
                .is_empty()
        );
        let mut other = missed("2024-02-15");
        other.plan_id = "PP-2".into();
        assert_ne!(
            missed_instalment_actions(&s, &[other], d("2024-02-21"), &[])[0].id,
            a[0].id,
            "another plan, another notice"
        );
        assert!(
            missed_instalment_actions(&s, &[missed("2024-02-15")], d("2024-02-17"), &[]).is_empty(),
            "not on a Saturday"
        );
    }

    #[test]
    fn nothing_portal_related_is_planned_on_a_weekend_or_on_an_opted_out_channel() {
        let s = default_strategy().unwrap();
        let mut c = customers();
        assert!(portal_actions(&s, &c, &[due("2024-02-12")], &[], d("2024-02-10"), &[]).is_empty());
        c.get_mut("C1").unwrap().opted_out = vec![Channel::Email];
        assert!(portal_actions(&s, &c, &[due("2024-02-15")], &[], d("2024-02-12"), &[]).is_empty());
    }
}
