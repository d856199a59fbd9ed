//! Credit control: hold when over the credit limit or too far past due,
//! release when it clears (the sent log says whether a hold is on), and the
//! annual credit review on the anniversary of the first invoice.

use chrono::Datelike;

use crate::ledger::Customer;
use crate::money::Money;

use super::super::action::{Action, ActionKind};
use super::super::calendar::add_years;
use super::super::events::CreditPolicy;
use super::super::model::Tone;
use super::super::sent_index::rule;
use super::build::{Day, Draft};
use super::compile::credit_used;
use super::events::Who;
use super::explain;
use super::summary::Summary;

/// Why the policy `c` holds `customer` on the day `sum` describes (over the
/// limit, too far past due); empty when it does not. `held`: a hold is
/// recorded already, so credit use keeps it until outstanding falls below
/// the release threshold (hysteresis) rather than the hold threshold.
pub fn hold_reasons(
    customer: &Customer,
    c: &CreditPolicy,
    sum: &Summary,
    held: bool,
) -> Vec<String> {
    let mut reasons = Vec::new();
    if c.hold_over_limit
        && let Some((used, limit)) = credit_used(customer, sum)
    {
        let cur = customer.credit_currency.unwrap_or(sum.tenant_currency);
        let outstanding = explain::money(Money::new(sum.outstanding_in(cur), cur));
        let limit_text = explain::money(Money::new(customer.credit_limit.unwrap_or_default(), cur));
        let (hold, release) = (i128::from(c.hold_above_pct), i128::from(c.release_pct()));
        if !held && used > limit * hold {
            reasons.push(if c.hold_above_pct == 100 {
                format!("outstanding {outstanding} is over the credit limit {limit_text}")
            } else {
                format!(
                    "outstanding {outstanding} is over {hold}% of the credit limit {limit_text}"
                )
            });
        } else if held && used >= limit * release {
            reasons.push(format!(
                "outstanding {outstanding} is not yet below {release}% of the credit limit {limit_text}"
            ));
        }
    }
    if let (Some(n), Some(dpd)) = (c.hold_after_dpd, sum.oldest_dpd)
        && dpd > n
    {
        reasons.push(format!(
            "the oldest invoice is {dpd} days past due, beyond {n}"
        ));
    }
    reasons
}

/// Adds the credit actions due for `who` to `out`.
pub fn credit(
    day: &Day<'_, '_>,
    who: &Who<'_>,
    c: &CreditPolicy,
    sum: &Summary,
    out: &mut Vec<Action>,
) {
    let on_hold = who.memory.is_some_and(|m| m.on_hold());
    let reasons = hold_reasons(who.customer, c, sum, on_hold);
    let seg = who
        .segment
        .map(|s| format!(" (segment '{s}')"))
        .unwrap_or_default();
    let change = match (reasons.is_empty(), on_hold) {
        (false, false) => Some((
            ActionKind::CreditHold,
            rule::CREDIT_HOLD,
            &c.hold_template,
            format!("credit hold{seg}: {}", reasons.join("; ")),
        )),
        (true, true) => Some((
            ActionKind::CreditRelease,
            rule::CREDIT_RELEASE,
            &c.release_template,
            format!(
                "credit hold released{seg}: outstanding below {}% of the credit limit and nothing too far past due",
                c.release_pct()
            ),
        )),
        _ => None,
    };
    if let Some((kind, rule, template, explanation)) = change {
        for role in &c.notify {
            let draft = Draft {
                kind,
                rule,
                template: Some(template),
                invoices: Vec::new(),
                nominal: Some(day.as_of),
                explanation: format!("{explanation}; for {}", role.as_str()),
                tone: Tone::Neutral,
            };
            out.push(day.internal(who.id, *role, draft));
        }
    }
    if let Some(review) = &c.annual_review
        && let Some(first) = sum.first_invoice
        && (who.customer.credit_limit.is_some() || sum.has_open_balance())
    {
        let mut years = day.as_of.year() - first.year();
        let mut anniversary = add_years(first, years);
        if anniversary.is_some_and(|a| a > day.as_of) {
            years -= 1;
            anniversary = add_years(first, years);
        }
        if years >= 1
            && let Some(a) = anniversary
            && let Some(effective) = day.window(a)
            && who
                .memory
                .and_then(|m| m.last_review)
                .is_none_or(|l| l < effective)
        {
            let draft = Draft {
                kind: ActionKind::Task,
                rule: rule::CREDIT_REVIEW,
                template: Some(&review.template),
                invoices: Vec::new(),
                nominal: Some(a),
                explanation: format!(
                    "annual credit review: {years} year(s) since the first invoice of {first}; for {}",
                    review.role.as_str()
                ),
                tone: Tone::Neutral,
            };
            out.push(day.internal(who.id, review.role, draft));
        }
    }
}
