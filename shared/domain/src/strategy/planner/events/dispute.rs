//! Disputes: acknowledge a new one to the customer, escalate one left open
//! too long to the account team, and tell the customer when it is over.

use chrono::{Duration, NaiveDate};

use crate::strategy::action::{Action, ActionKind};
use crate::strategy::events::DisputeSequence;
use crate::strategy::model::Tone;
use crate::strategy::planner::build::{Day, Draft};
use crate::strategy::planner::guards::{Candidate, Category};
use crate::strategy::planner::summary::Summary;
use crate::strategy::sent_index::rule;

use super::{Who, message};

/// For each open disputed invoice: an acknowledgement if none was sent yet
/// (not to white-glove customers), else an escalation once it is overdue.
pub(super) fn open_disputes<'e>(
    day: &Day<'_, '_>,
    who: &Who<'_>,
    d: &'e DisputeSequence,
    sum: &Summary,
    candidates: &mut Vec<Candidate<'e>>,
    out: &mut Vec<Action>,
) {
    for &i in &sum.open {
        let v = &day.invoices[i as usize];
        if !v.disputed {
            continue;
        }
        let m = day.sent.invoice(&v.invoice_id);
        match m.and_then(|m| m.dispute_ack) {
            None if who.external() => {
                let reason = format!(
                    "{} is disputed and the dispute has not been acknowledged",
                    v.invoice_id
                );
                candidates.push(message(
                    Category::DisputeAck,
                    d.channel,
                    rule::DISPUTE_ACK,
                    &d.ack_template,
                    vec![i],
                    None,
                    reason,
                ));
            }
            Some(ack) if !m.is_some_and(|m| m.dispute_escalated) => {
                escalate(day, who, d, i, ack, out);
            }
            _ => {}
        }
    }
}

/// Tells each escalation role, once, about invoice `i` still disputed
/// `escalate_after_days` after its acknowledgement on `ack`, so a dispute
/// cannot stall unnoticed.
fn escalate(
    day: &Day<'_, '_>,
    who: &Who<'_>,
    d: &DisputeSequence,
    i: u32,
    ack: NaiveDate,
    out: &mut Vec<Action>,
) {
    let (Some(after), Some(template)) = (d.escalate_after_days, &d.escalation_template) else {
        return;
    };
    let nominal = ack + Duration::days(i64::from(after));
    if day.c.days.on_or_after(nominal) > day.as_of {
        return;
    }
    let v = &day.invoices[i as usize];
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

/// A resolution notice for each invoice whose acknowledged dispute has been
/// lifted, closing the loop with the customer (not white-glove ones).
pub(super) fn resolved_disputes<'e>(
    day: &Day<'_, '_>,
    who: &Who<'_>,
    d: &'e DisputeSequence,
    items: &[u32],
    candidates: &mut Vec<Candidate<'e>>,
) {
    let Some(template) = d
        .resolved_template
        .as_ref()
        .filter(|_| who.external() && who.memory.is_some_and(|m| m.has_disputes))
    else {
        return;
    };
    for &i in items {
        let v = &day.invoices[i as usize];
        let m = day.sent.invoice(&v.invoice_id);
        if !v.disputed && m.is_some_and(|m| m.dispute_ack.is_some() && !m.dispute_resolved) {
            let reason = format!("{} is no longer disputed", v.invoice_id);
            candidates.push(message(
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
