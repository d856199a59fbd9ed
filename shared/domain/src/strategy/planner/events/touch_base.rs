//! White-glove touch-base: a recurring task for the account team while a
//! white-glove customer has open invoices, in place of automated messages.

use chrono::Duration;

use crate::strategy::action::{Action, ActionKind};
use crate::strategy::events::WhiteGlove;
use crate::strategy::model::Tone;
use crate::strategy::planner::build::{Day, Draft};
use crate::strategy::planner::summary::Summary;
use crate::strategy::sent_index::rule;

use super::Who;

/// A touch-base task every `every_days` from `start_dpd` days after the oldest
/// open due date, once per occurrence and only within the catch-up window.
pub(super) fn touch_base(
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
