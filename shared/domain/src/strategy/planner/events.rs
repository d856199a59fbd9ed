//! Event sequences, derived from dates and the sent log rather than from diffs:
//! invoice notification on the invoice date, thank-you on the paid date,
//! onboarding on the first invoice date, dispute acknowledgement / escalation /
//! resolution, month-end statements, credit hold / release / annual review,
//! and white-glove touch-base tasks.

use chrono::{Datelike, Duration};

use crate::ledger::{Customer, InvoiceStatus};

use super::super::action::{Action, ActionKind};
use super::super::calendar::last_day_of_month;
use super::super::events::{Events, WhiteGlove};
use super::super::model::Tone;
use super::super::sent_index::{CustomerMemory, rule};
use super::build::{Day, Draft};
use super::guards::{Candidate, Category};
use super::summary::Summary;

/// The customer an event is about.
pub struct Who<'x> {
    pub id: &'x str,
    pub customer: &'x Customer,
    pub memory: Option<&'x CustomerMemory>,
    pub segment: Option<&'x str>,
}

/// Adds due event messages to `candidates` and internal event actions to `out`.
pub fn plan_events<'e>(
    day: &Day<'_, '_>,
    who: Who<'_>,
    ev: &'e Events,
    items: &[u32],
    sum: &Summary,
    candidates: &mut Vec<Candidate<'e>>,
    out: &mut Vec<Action>,
) {
    let external = !who.customer.white_glove;
    let inv = |i: u32| &day.invoices[i as usize];
    let invoice_memory = |i: u32| day.sent.invoice(&inv(i).invoice_id);
    let msg = |category, channel, rule, template, invoices, nominal, reason| Candidate {
        category,
        channel,
        rule,
        template,
        tone: Tone::Friendly,
        severity: (0, 0),
        invoices,
        nominal,
        reason,
    };

    if let Some(n) = ev
        .invoice_notification
        .as_ref()
        .filter(|n| n.enabled && external)
    {
        for &i in &sum.open {
            let v = inv(i);
            if v.amount > 0
                && day.window(v.invoice_date).is_some()
                && !invoice_memory(i).is_some_and(|m| m.notified)
            {
                let reason = format!("{} was issued on {}", v.invoice_id, v.invoice_date);
                candidates.push(msg(
                    Category::InvoiceNotification,
                    n.channel,
                    rule::INVOICE_NOTIFICATION,
                    &n.template,
                    vec![i],
                    Some(v.invoice_date),
                    reason,
                ));
            }
        }
    }
    if let Some(t) = ev.thank_you.as_ref().filter(|t| t.enabled && external) {
        for &i in items {
            let v = inv(i);
            let Some(paid) = v.paid_date else { continue };
            if v.amount > 0
                && !matches!(v.status, InvoiceStatus::Void | InvoiceStatus::WrittenOff)
                && day.window(paid).is_some()
                && !invoice_memory(i).is_some_and(|m| m.thanked)
            {
                let reason = format!("{} was paid on {paid}", v.invoice_id);
                candidates.push(msg(
                    Category::ThankYou,
                    t.channel,
                    rule::THANK_YOU,
                    &t.template,
                    vec![i],
                    Some(paid),
                    reason,
                ));
            }
        }
    }
    if let Some(o) = ev.onboarding.as_ref().filter(|o| o.enabled)
        && let Some(first) = sum.first_invoice
        && day.window(first).is_some()
    {
        let reason = format!("new customer: first invoice issued on {first}");
        if external && !who.memory.is_some_and(|m| m.onboarded) {
            candidates.push(msg(
                Category::Onboarding,
                o.channel,
                rule::ONBOARDING,
                &o.template,
                Vec::new(),
                Some(first),
                reason.clone(),
            ));
        }
        if let (Some(role), Some(script)) = (o.call_task, &o.call_script)
            && !who.memory.is_some_and(|m| m.onboarding_called)
        {
            let draft = Draft {
                kind: ActionKind::CallTask,
                rule: rule::ONBOARDING_CALL,
                template: Some(script),
                invoices: Vec::new(),
                nominal: Some(first),
                explanation: format!("{reason}; welcome call"),
                tone: Tone::Friendly,
            };
            out.push(day.internal(who.id, role, draft));
        }
    }
    if let Some(d) = ev.dispute.as_ref().filter(|d| d.enabled) {
        for &i in &sum.open {
            let v = inv(i);
            if !v.disputed {
                continue;
            }
            let m = invoice_memory(i);
            match m.and_then(|m| m.dispute_ack) {
                None if external => {
                    let reason = format!(
                        "{} is disputed and the dispute has not been acknowledged",
                        v.invoice_id
                    );
                    candidates.push(msg(
                        Category::DisputeAck,
                        d.channel,
                        rule::DISPUTE_ACK,
                        &d.ack_template,
                        vec![i],
                        None,
                        reason,
                    ));
                }
                Some(ack) => {
                    let (Some(after), Some(template)) =
                        (d.escalate_after_days, &d.escalation_template)
                    else {
                        continue;
                    };
                    let nominal = ack + Duration::days(i64::from(after));
                    if day.c.days.on_or_after(nominal) > day.as_of
                        || m.is_some_and(|m| m.dispute_escalated)
                    {
                        continue;
                    }
                    for role in &d.escalate_to {
                        let draft = Draft {
                            kind: ActionKind::Notify,
                            rule: rule::DISPUTE_ESCALATION,
                            template: Some(template),
                            invoices: vec![i],
                            nominal: Some(nominal),
                            explanation: format!(
                                "{} is still disputed {after} days after the acknowledgement of {ack}; for {}",
                                v.invoice_id,
                                role.as_str()
                            ),
                            tone: Tone::Neutral,
                        };
                        out.push(day.internal(who.id, *role, draft));
                    }
                }
                None => {}
            }
        }
        if let Some(template) = d
            .resolved_template
            .as_ref()
            .filter(|_| external && who.memory.is_some_and(|m| m.has_disputes))
        {
            for &i in items {
                let v = inv(i);
                let m = invoice_memory(i);
                if !v.disputed && m.is_some_and(|m| m.dispute_ack.is_some() && !m.dispute_resolved)
                {
                    let reason = format!("{} is no longer disputed", v.invoice_id);
                    candidates.push(msg(
                        Category::DisputeResolved,
                        d.channel,
                        rule::DISPUTE_RESOLVED,
                        template,
                        vec![i],
                        None,
                        reason,
                    ));
                }
            }
        }
    }
    if let Some(s) = ev.statement.as_ref().filter(|s| s.enabled && external)
        && sum.has_open_balance()
    {
        let mut month_end = day.c.days.month_end(day.as_of);
        if month_end > day.as_of {
            let previous = day
                .as_of
                .with_day(1)
                .and_then(|d| d.pred_opt())
                .unwrap_or(day.as_of);
            month_end = day.c.days.month_end(last_day_of_month(previous));
        }
        if day.window(month_end).is_some()
            && sum.first_invoice.is_some_and(|f| f <= month_end)
            && who
                .memory
                .and_then(|m| m.last_statement)
                .is_none_or(|l| l < month_end)
        {
            let reason = format!(
                "month-end statement of {} open item(s) as of {}",
                sum.open.len(),
                day.as_of
            );
            candidates.push(msg(
                Category::Statement,
                s.channel,
                rule::STATEMENT,
                &s.template,
                sum.open.clone(),
                Some(month_end),
                reason,
            ));
        }
    }
    if let Some(c) = ev.credit.as_ref().filter(|c| c.enabled) {
        super::credit::credit(day, &who, c, sum, out);
    }
    if let Some(w) = ev
        .white_glove
        .as_ref()
        .filter(|w| w.enabled && who.customer.white_glove)
    {
        touch_base(day, &who, w, sum, out);
    }
}

fn touch_base(
    day: &Day<'_, '_>,
    who: &Who<'_>,
    w: &WhiteGlove,
    sum: &Summary,
    out: &mut Vec<Action>,
) {
    let Some(oldest_due) = sum.oldest_due else {
        return;
    };
    let every = i64::from(w.every_days.max(1));
    let anchor = oldest_due + Duration::days(w.start_dpd);
    if anchor > day.as_of {
        return;
    }
    let mut nominal = anchor + Duration::days((day.as_of - anchor).num_days() / every * every);
    let effective = loop {
        let e = day.c.days.on_or_after(nominal);
        if e <= day.as_of {
            break e;
        }
        nominal -= Duration::days(every);
        if nominal < anchor {
            return;
        }
    };
    if (day.as_of - effective).num_days() > day.c.catch_up
        || who
            .memory
            .and_then(|m| m.last_touch_base)
            .is_some_and(|l| l >= effective)
    {
        return;
    }
    let open: Vec<u32> = sum
        .open
        .iter()
        .copied()
        .filter(|i| day.invoices[*i as usize].amount > 0)
        .collect();
    let draft = Draft {
        kind: ActionKind::Task,
        rule: rule::TOUCH_BASE,
        template: Some(&w.template),
        invoices: open,
        nominal: Some(nominal),
        explanation: format!(
            "white-glove customer: touch base every {every} days while invoices are open (oldest due {oldest_due}); no automated messages; for {}",
            w.role.as_str()
        ),
        tone: Tone::Friendly,
    };
    out.push(day.internal(who.id, w.role, draft));
}
