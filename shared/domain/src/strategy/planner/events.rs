//! Event sequences, derived from dates and the sent log rather than from diffs:
//! invoice notification on the invoice date, thank-you on the paid date,
//! onboarding on the first invoice date, dispute acknowledgement / escalation /
//! resolution, month-end statements, credit hold / release / annual review,
//! and white-glove touch-base tasks.

mod dispute;
mod notification;
mod onboarding;
mod statement;
mod thank_you;
mod touch_base;

use chrono::NaiveDate;

use crate::ledger::{Channel, Customer};

use super::super::action::Action;
use super::super::events::Events;
use super::super::model::Tone;
use super::super::sent_index::CustomerMemory;
use super::build::Day;
use super::guards::{Candidate, Category};
use super::summary::Summary;

/// The customer an event is about.
pub struct Who<'x> {
    pub id: &'x str,
    pub customer: &'x Customer,
    pub memory: Option<&'x CustomerMemory>,
    pub segment: Option<&'x str>,
}

impl Who<'_> {
    /// Whether automated messages may go to this customer: white-glove
    /// customers get tasks for their account team instead.
    fn external(&self) -> bool {
        !self.customer.white_glove
    }
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
    let external = who.external();
    if let Some(n) = ev
        .invoice_notification
        .as_ref()
        .filter(|n| n.enabled && external)
    {
        notification::invoice_notifications(day, n, sum, candidates);
    }
    if let Some(t) = ev.thank_you.as_ref().filter(|t| t.enabled && external) {
        thank_you::thank_yous(day, t, items, candidates);
    }
    if let Some(o) = ev.onboarding.as_ref().filter(|o| o.enabled) {
        onboarding::onboarding(day, &who, o, sum, candidates, out);
    }
    if let Some(d) = ev.dispute.as_ref().filter(|d| d.enabled) {
        dispute::open_disputes(day, &who, d, sum, candidates, out);
        dispute::resolved_disputes(day, &who, d, items, candidates);
    }
    if let Some(s) = ev.statement.as_ref().filter(|s| s.enabled && external) {
        statement::month_end_statement(day, &who, s, sum, candidates);
    }
    if let Some(c) = ev.credit.as_ref().filter(|c| c.enabled) {
        super::credit::credit(day, &who, c, sum, out);
    }
    if let Some(w) = ev
        .white_glove
        .as_ref()
        .filter(|w| w.enabled && who.customer.white_glove)
    {
        touch_base::touch_base(day, &who, w, sum, out);
    }
}

/// A friendly event message, due today, for the guards to weigh against the
/// customer's other messages (events carry no dunning severity).
fn message<'e>(
    category: Category,
    channel: Channel,
    rule: &'e str,
    template: &'e str,
    invoices: Vec<u32>,
    nominal: Option<NaiveDate>,
    reason: String,
) -> Candidate<'e> {
    Candidate {
        category,
        channel,
        rule,
        template,
        tone: Tone::Friendly,
        severity: (0, 0),
        invoices,
        nominal,
        reason,
        skipped: Vec::new(),
        reminded: false,
    }
}
