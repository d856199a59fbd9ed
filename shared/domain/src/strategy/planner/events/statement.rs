//! Month-end statement: the open items as of the last business day of a month.

use chrono::Datelike;

use crate::strategy::calendar::last_day_of_month;
use crate::strategy::events::MessageEvent;
use crate::strategy::planner::build::Day;
use crate::strategy::planner::guards::{Candidate, Category};
use crate::strategy::planner::summary::Summary;
use crate::strategy::sent_index::rule;

use super::{Who, message};

/// A statement of the open items for the latest month end on or before today,
/// once per month end and only while there is a balance, so the customer can
/// reconcile its books.
pub(super) fn month_end_statement<'e>(
    day: &Day<'_, '_>,
    who: &Who<'_>,
    s: &'e MessageEvent,
    sum: &Summary,
    candidates: &mut Vec<Candidate<'e>>,
) {
    if !sum.has_open_balance() {
        return;
    }
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
        candidates.push(message(
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
