//! The guards on customer messages: white glove and opt-outs, at most one
//! message per customer per day (same-day items consolidated into it), and the
//! minimum gap between dunning messages. What a guard holds back stays due and
//! goes out on a later day while its catch-up window lasts.

use chrono::NaiveDate;

use crate::ledger::{Channel, Customer};

use super::super::action::{Action, ActionKind};
use super::super::model::Tone;
use super::super::sent_index::CustomerMemory;
use super::build::{Day, Draft};
use super::explain;

/// Kinds of customer message, in the order they win the one slot of a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Category {
    DisputeAck,
    Onboarding,
    InvoiceNotification,
    Dunning,
    DisputeResolved,
    ThankYou,
    Statement,
}

impl Category {
    fn noun(self) -> &'static str {
        match self {
            Self::DisputeAck => "dispute acknowledgement",
            Self::Onboarding => "welcome message",
            Self::InvoiceNotification => "invoice notification",
            Self::Dunning => "reminder",
            Self::DisputeResolved => "resolution notice",
            Self::ThankYou => "thank-you note",
            Self::Statement => "statement",
        }
    }
}

/// A customer message that is due today, before the guards.
pub struct Candidate<'x> {
    pub category: Category,
    pub channel: Channel,
    pub rule: &'x str,
    pub template: &'x str,
    pub tone: Tone,
    /// Dunning only: (days from due date of the step, step rank); the most
    /// severe step of a consolidated reminder gives it its template.
    pub severity: (i64, u8),
    pub invoices: Vec<u32>,
    pub nominal: Option<NaiveDate>,
    pub reason: String,
}

/// The one message (if any) the customer gets today.
pub fn choose(
    day: &Day<'_, '_>,
    customer_id: &str,
    customer: &Customer,
    memory: Option<&CustomerMemory>,
    mut candidates: Vec<Candidate<'_>>,
) -> Option<Action> {
    if customer.white_glove || candidates.is_empty() {
        return None;
    }
    if memory.is_some_and(|m| m.last_external == Some(day.as_of)) {
        return None;
    }
    let gap_open = memory
        .and_then(|m| m.last_dunning)
        .is_none_or(|last| (day.as_of - last).num_days() >= day.c.min_gap);
    candidates.retain(|c| {
        !customer.opted_out.contains(&c.channel) && (c.category != Category::Dunning || gap_open)
    });
    let category = candidates.iter().map(|c| c.category).min()?;
    candidates.retain(|c| c.category == category);
    let lead = if category == Category::Dunning {
        candidates
            .iter()
            .enumerate()
            .max_by_key(|(i, c)| (c.severity, std::cmp::Reverse(*i)))
            .map(|(i, _)| i)?
    } else {
        0
    };
    let first = candidates.remove(lead);
    let channel = first.channel;
    let mut group = vec![first];
    group.extend(candidates.into_iter().filter(|c| c.channel == channel));
    let lead = &group[0];
    let mut invoices: Vec<u32> = group
        .iter()
        .flat_map(|c| c.invoices.iter().copied())
        .collect();
    invoices.sort_unstable();
    invoices.dedup();
    let reasons: Vec<String> = group.iter().map(|c| c.reason.clone()).collect();
    let what = format!(
        "{} by {}",
        category.noun(),
        super::super::action::channel_str(channel)
    );
    let kind = if category == Category::Statement {
        ActionKind::Statement
    } else {
        ActionKind::message(channel)
    };
    let draft = Draft {
        kind,
        rule: lead.rule,
        template: Some(lead.template),
        invoices,
        nominal: group.iter().filter_map(|c| c.nominal).max(),
        explanation: explain::consolidated(&what, &reasons),
        tone: lead.tone,
    };
    Some(day.message(customer_id, customer, channel, draft))
}
