//! Thank-you: acknowledge a payment on the day it is made.

use crate::ledger::InvoiceStatus;
use crate::strategy::events::MessageEvent;
use crate::strategy::planner::build::Day;
use crate::strategy::planner::guards::{Candidate, Category};
use crate::strategy::sent_index::rule;

use super::message;

/// A thank-you for each invoice paid within the catch-up window and not yet
/// thanked; voided and written-off invoices were never paid, so get none.
pub(super) fn thank_yous<'e>(
    day: &Day<'_, '_>,
    t: &'e MessageEvent,
    items: &[u32],
    candidates: &mut Vec<Candidate<'e>>,
) {
    for &i in items {
        let v = &day.invoices[i as usize];
        let Some(paid) = v.paid_date else { continue };
        if v.amount > 0
            && !matches!(v.status, InvoiceStatus::Void | InvoiceStatus::WrittenOff)
            && day.window(paid).is_some()
            && !day.sent.invoice(&v.invoice_id).is_some_and(|m| m.thanked)
        {
            let reason = format!("{} was paid on {paid}", v.invoice_id);
            candidates.push(message(
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
