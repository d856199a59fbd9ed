//! Onboarding: welcome a new customer on the date of its first invoice.

use crate::strategy::action::{Action, ActionKind};
use crate::strategy::events::Onboarding;
use crate::strategy::model::Tone;
use crate::strategy::planner::build::{Day, Draft};
use crate::strategy::planner::guards::{Candidate, Category};
use crate::strategy::planner::summary::Summary;
use crate::strategy::sent_index::rule;

use super::{Who, message};

/// The welcome message (not to white-glove customers) and, when configured,
/// a welcome call task, each once, while the first invoice date is in the
/// catch-up window.
pub(super) fn onboarding<'e>(
    day: &Day<'_, '_>,
    who: &Who<'_>,
    o: &'e Onboarding,
    sum: &Summary,
    candidates: &mut Vec<Candidate<'e>>,
    out: &mut Vec<Action>,
) {
    let Some(first) = sum.first_invoice.filter(|f| day.window(*f).is_some()) else {
        return;
    };
    let reason = format!("new customer: first invoice issued on {first}");
    if who.external() && !who.memory.is_some_and(|m| m.onboarded) {
        candidates.push(message(
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
