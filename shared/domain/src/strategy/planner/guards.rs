//! The guards on customer messages: white glove and opt-outs, at most one
//! message per customer per day (same-day items consolidated into it), and the
//! minimum gap between dunning messages. What a guard holds back stays due and
//! goes out on a later day while its catch-up window lasts.

use chrono::NaiveDate;

use crate::ledger::{Channel, Customer};

use super::super::action::{Action, ActionKind};
use super::super::contact::{ContactBudget, Held, HeldBack};
use super::super::model::{Role, Tone};
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
    /// Dunning only: steps passed over for its invoice, with why
    /// (("step 'warning'", "missed; latest sent")).
    pub skipped: Vec<(&'x str, &'static str)>,
    /// Dunning only: its invoice had an earlier reminder.
    pub reminded: bool,
}

/// The one message (if any) the customer gets today. Dunning goes out only
/// when the contact budget allows; what it holds back stays due and is
/// added to `held` (and named in the message that goes out instead, if
/// any). A customer opted out of every channel gets no message: its
/// reminders become one task for the account manager.
pub fn choose(
    day: &Day<'_, '_>,
    customer_id: &str,
    customer: &Customer,
    memory: Option<&CustomerMemory>,
    budget: &ContactBudget,
    mut candidates: Vec<Candidate<'_>>,
    held: &mut Vec<HeldBack>,
) -> Option<Action> {
    if customer.white_glove || candidates.is_empty() {
        return None;
    }
    if Channel::ALL.iter().all(|c| customer.opted_out.contains(c)) {
        // One task per minimum gap, listing what is due then.
        let handed = memory.and_then(|m| m.last_handover);
        if handed.is_some_and(|h| (day.as_of - h).num_days() < day.c.min_gap) {
            return None;
        }
        return hand_over(day, customer_id, candidates);
    }
    if memory.is_some_and(|m| m.last_external == Some(day.as_of))
        || day.customer_holiday(customer).is_some()
    {
        // Already written to today, or a public holiday in the customer's
        // country: what is due stays due for the next day.
        return None;
    }
    let earlier = memory.map_or(&[][..], |m| &m.dunning_days[..]);
    let verdict = budget.allows(day.as_of, earlier, day.c.min_gap);
    candidates.retain(|c| !customer.opted_out.contains(&c.channel));
    let note = match verdict {
        Ok(()) => None,
        Err(why) => {
            let h = held_back(day, customer_id, budget, earlier, why, &candidates);
            let note = h.as_ref().map(ToString::to_string);
            held.extend(h);
            candidates.retain(|c| c.category != Category::Dunning);
            note
        }
    };
    let riders = |c: &Candidate<'_>| {
        budget.ride_along
            && matches!(
                c.category,
                Category::InvoiceNotification | Category::ThankYou
            )
    };
    let dunning = candidates.iter().any(|c| c.category == Category::Dunning);
    let category = if dunning
        && candidates
            .iter()
            .all(|c| c.category >= Category::Dunning || riders(c))
    {
        Category::Dunning
    } else {
        candidates.iter().map(|c| c.category).min()?
    };
    let lead = if category == Category::Dunning {
        candidates
            .iter()
            .enumerate()
            .filter(|(_, c)| c.category == Category::Dunning)
            .max_by_key(|(i, c)| (c.severity, std::cmp::Reverse(*i)))
            .map(|(i, _)| i)?
    } else {
        candidates.iter().position(|c| c.category == category)?
    };
    let first = candidates.remove(lead);
    let channel = first.channel;
    let mut group = vec![first];
    group.extend(candidates.into_iter().filter(|c| {
        c.channel == channel
            && (c.category == category || (category == Category::Dunning && riders(c)))
    }));
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
    let (mut draft, stages, skipped) = assemble(kind, &what, &group);
    if let Some(note) = note {
        draft.explanation.push_str("; ");
        draft.explanation.push_str(&note);
    }
    let mut action = day.message(customer_id, customer, channel, draft);
    attach(day, &mut action, &stages, skipped);
    action.reminded_before = category == Category::Dunning
        && group
            .iter()
            .filter(|c| c.category == Category::Dunning)
            .all(|c| c.reminded);
    Some(action)
}

/// The reminders among `candidates` that the budget holds back today, and
/// the first day it allows one again (None when there are none).
fn held_back(
    day: &Day<'_, '_>,
    customer_id: &str,
    budget: &ContactBudget,
    earlier: &[NaiveDate],
    why: Held,
    candidates: &[Candidate<'_>],
) -> Option<HeldBack> {
    let mut invoice_ids: Vec<String> = candidates
        .iter()
        .filter(|c| c.category == Category::Dunning)
        .flat_map(|c| c.invoices.iter())
        .map(|i| day.invoices[*i as usize].invoice_id.clone())
        .collect();
    if invoice_ids.is_empty() {
        return None;
    }
    invoice_ids.sort_unstable();
    invoice_ids.dedup();
    Some(HeldBack {
        customer_id: customer_id.to_string(),
        invoice_ids,
        why,
        until: budget.next_allowed(day.as_of, earlier, day.c.min_gap, |d| {
            day.c.days.is_business_day(d)
        }),
    })
}

/// The draft of a grouped action led by `group[0]`, each invoice's own
/// stage (the rule of the candidate that brought it), and the steps skipped.
fn assemble<'x>(
    kind: ActionKind,
    what: &str,
    group: &[Candidate<'x>],
) -> (Draft<'x>, Vec<(u32, &'x str)>, Vec<String>) {
    let lead = &group[0];
    // Each invoice once, at the stage of the first candidate naming it.
    let mut stages: Vec<(u32, &'x str)> = group
        .iter()
        .flat_map(|c| c.invoices.iter().map(|i| (*i, c.rule)))
        .collect();
    stages.sort_by_key(|(i, _)| *i);
    stages.dedup_by_key(|(i, _)| *i);
    let invoices: Vec<u32> = stages.iter().map(|(i, _)| *i).collect();
    let mut skipped: Vec<(&str, &str)> = group
        .iter()
        .flat_map(|c| c.skipped.iter().copied())
        .collect();
    skipped.sort_unstable();
    skipped.dedup();
    let skipped: Vec<String> = skipped
        .into_iter()
        .map(|(label, why)| format!("{label} ({why})"))
        .collect();
    // The steps skipped are named once for the whole message.
    let mut explanation = explain::consolidated(what, group.iter().map(|c| c.reason.as_str()));
    if !skipped.is_empty() {
        explanation.push_str("; skipped: ");
        explanation.push_str(&skipped.join(", "));
    }
    let draft = Draft {
        kind,
        rule: lead.rule,
        template: Some(lead.template),
        invoices,
        nominal: group.iter().filter_map(|c| c.nominal).max(),
        explanation,
        tone: lead.tone,
    };
    (draft, stages, skipped)
}

/// Each invoice's stage on the action (in its invoice order; none when all
/// are at its rule) and the skipped steps, deduplicated.
fn attach(day: &Day<'_, '_>, a: &mut Action, stages: &[(u32, &str)], mut skipped: Vec<String>) {
    let mut by_id: Vec<(&str, &str)> = stages
        .iter()
        .map(|(i, s)| (day.invoices[*i as usize].invoice_id.as_str(), *s))
        .collect();
    by_id.sort_unstable();
    let of = |id: &str| {
        by_id
            .binary_search_by(|(k, _)| (*k).cmp(id))
            .map_or(a.rule.as_str(), |at| by_id[at].1)
    };
    if a.invoice_ids.iter().any(|id| of(id) != a.rule) {
        a.stages = a.invoice_ids.iter().map(|id| of(id).to_string()).collect();
    }
    skipped.sort();
    skipped.dedup();
    a.skipped_steps = skipped;
}

/// A customer opted out of every channel: its due reminders become one
/// task for the account manager (outside the contact budget).
fn hand_over(
    day: &Day<'_, '_>,
    customer_id: &str,
    mut candidates: Vec<Candidate<'_>>,
) -> Option<Action> {
    candidates.retain(|c| c.category == Category::Dunning);
    let lead = candidates
        .iter()
        .enumerate()
        .max_by_key(|(i, c)| (c.severity, std::cmp::Reverse(*i)))
        .map(|(i, _)| i)?;
    let first = candidates.remove(lead);
    let mut group = vec![first];
    group.extend(candidates);
    let what = "reminder for a person: customer has opted out of automated messages";
    let (mut draft, stages, skipped) = assemble(ActionKind::Task, what, &group);
    draft
        .explanation
        .push_str("; customer has opted out of automated messages: a person follows up");
    let mut action = day.internal(customer_id, Role::AccountManager, draft);
    attach(day, &mut action, &stages, skipped);
    Some(action)
}
