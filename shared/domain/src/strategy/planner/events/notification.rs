//! Invoice notification: tell the customer about each invoice on the day it
//! is issued.

use crate::strategy::events::MessageEvent;
use crate::strategy::planner::build::Day;
use crate::strategy::planner::explain;
use crate::strategy::planner::guards::{Candidate, Category};
use crate::strategy::planner::summary::Summary;
use crate::strategy::sent_index::rule;

use super::message;

/// A notification for each open invoice issued within the catch-up window and
/// not yet notified, so the customer hears of a bill before it falls due.
pub(super) fn invoice_notifications<'e>(
    day: &Day<'_, '_>,
    n: &'e MessageEvent,
    sum: &Summary,
    candidates: &mut Vec<Candidate<'e>>,
) {
    for &i in &sum.open {
        let v = &day.invoices[i as usize];
        if v.amount > 0
            && day.window(v.invoice_date).is_some()
            && !day.sent.invoice(&v.invoice_id).is_some_and(|m| m.notified)
        {
            let mut reason = String::with_capacity(v.invoice_id.len() + 25);
            reason.push_str(&v.invoice_id);
            reason.push_str(" was issued on ");
            explain::push_date(&mut reason, v.invoice_date);
            candidates.push(message(
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
