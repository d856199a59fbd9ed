//! The strategy made ready for planning: thresholds resolved to exact money,
//! steps arranged into timelines, event sequences merged per segment.

use chrono_tz::Tz;

use crate::ledger::{Customer, CustomerType};
use crate::money::{Currency, Money};

use super::super::calendar::BusinessDays;
use super::super::contact::ContactBudget;
use super::super::events::Events;
use super::super::model::{Escalation, Segment, Strategy};
use super::super::sent_index::rule;
use super::super::threshold::Threshold;
use super::summary::Summary;
use super::timeline::{Step, StepRef, Timeline};

/// A strategy ready to plan with.
pub struct Compiled<'s> {
    pub tz: Tz,
    pub days: BusinessDays,
    /// `catch_up_days` plus the longest business-day shift: older nominal days can never be due.
    pub look_back: i64,
    pub catch_up: i64,
    pub min_gap: i64,
    /// The tenant's contact budget (a segment may have its own).
    pub budget: &'s ContactBudget,
    pub send_hour: u32,
    pub currency: Currency,
    pub segments: Vec<CompiledSegment<'s>>,
    /// Event sequences for customers no segment matches.
    pub events: Events,
}

pub struct CompiledSegment<'s> {
    pub name: &'s str,
    pub when: CompiledConditions<'s>,
    pub messages: Timeline<'s>,
    pub tasks: Timeline<'s>,
    pub escalations: Vec<CompiledEscalation<'s>>,
    pub events: Events,
    contact: Option<&'s ContactBudget>,
}

impl<'s> CompiledSegment<'s> {
    /// The segment's contact budget, else the tenant's.
    pub fn budget<'c>(&self, c: &'c Compiled<'s>) -> &'c ContactBudget
    where
        's: 'c,
    {
        self.contact.unwrap_or(c.budget)
    }
}

pub struct CompiledEscalation<'s> {
    pub spec: &'s Escalation,
    pub rule: String,
    pub min_amount: Option<Money>,
    pub min_customer_outstanding: Option<Money>,
}

pub struct CompiledConditions<'s> {
    types: &'s [CustomerType],
    tags: &'s [String],
    min_outstanding: Option<Money>,
    max_outstanding: Option<Money>,
    min_dpd: Option<i64>,
    max_dpd: Option<i64>,
    min_pct: Option<u32>,
    max_pct: Option<u32>,
    risk_band: &'s [String],
}

/// A threshold as money; one that cannot be exact in its currency (only in a
/// strategy that skipped validation) is out of reach rather than rounded.
fn resolve(t: &Option<Threshold>, tenant: Currency) -> Option<Money> {
    let t = t.as_ref()?;
    Some(
        t.to_money(tenant)
            .unwrap_or_else(|_| Money::new(i64::MAX, t.currency_or(tenant))),
    )
}

impl<'s> Compiled<'s> {
    pub fn new(s: &'s Strategy) -> Compiled<'s> {
        let t = &s.tenant;
        let days = BusinessDays::new(&t.calendar);
        let catch_up = i64::from(t.catch_up_days);
        Compiled {
            tz: t.timezone.parse().unwrap_or(Tz::UTC),
            look_back: catch_up + days.max_forward_shift(),
            days,
            catch_up,
            min_gap: i64::from(t.min_gap_days),
            budget: &t.contact,
            send_hour: t.send_hour.min(23),
            currency: t.currency,
            segments: s
                .segments
                .iter()
                .map(|seg| compile_segment(seg, s))
                .collect(),
            events: s.events.clone(),
        }
    }

    /// The first segment whose conditions the customer meets.
    pub fn segment_for(&self, c: &Customer, sum: &Summary) -> Option<&CompiledSegment<'s>> {
        self.segments.iter().find(|seg| seg.when.matches(c, sum))
    }
}

fn compile_segment<'s>(seg: &'s Segment, s: &'s Strategy) -> CompiledSegment<'s> {
    let tenant = s.tenant.currency;
    let mut messages = Timeline::default();
    let mut tasks = Timeline::default();
    for r in &seg.reminders {
        let step = Step::new(
            StepRef::Reminder(r),
            format!("{}{}", rule::REMINDER_PREFIX, r.name),
        );
        if r.channel.external().is_some() {
            messages.push_fixed(r.offset_days, step);
        } else {
            tasks.push_fixed(r.offset_days, step);
        }
    }
    for c in &seg.cadences {
        let step = Step::new(
            StepRef::Cadence(c),
            format!("{}{}", rule::CADENCE_PREFIX, c.name),
        );
        if step.message().is_some() {
            messages.push_periodic(c, step.clone());
        }
        if !step.tasks().is_empty() {
            tasks.push_periodic(c, step);
        }
    }
    if let Some(f) = &seg.final_notice {
        let step = Step::new(StepRef::Final(f), rule::FINAL_NOTICE.to_string());
        messages.push_fixed(f.offset_days, step);
    }
    let escalations = s
        .escalations
        .iter()
        .chain(&seg.escalations)
        .map(|e| CompiledEscalation {
            spec: e,
            rule: format!("{}{}", rule::ESCALATION_PREFIX, e.name),
            min_amount: resolve(&e.min_amount, tenant),
            min_customer_outstanding: resolve(&e.min_customer_outstanding, tenant),
        })
        .collect();
    let w = &seg.when;
    CompiledSegment {
        name: &seg.name,
        when: CompiledConditions {
            types: &w.customer_type,
            tags: &w.tags,
            min_outstanding: resolve(&w.min_outstanding, tenant),
            max_outstanding: resolve(&w.max_outstanding, tenant),
            min_dpd: w.min_days_past_due,
            max_dpd: w.max_days_past_due,
            min_pct: w.min_credit_used_pct,
            max_pct: w.max_credit_used_pct,
            risk_band: &w.risk_band,
        },
        messages,
        tasks,
        escalations,
        events: seg.events.or(&s.events),
        contact: seg.contact.as_ref(),
    }
}

/// The customer's risk band. `Customer` has no field for it yet, so it is
/// read from a `risk:<band>` tag.
pub fn risk_band(c: &Customer) -> Option<&str> {
    c.tags.iter().find_map(|t| t.strip_prefix("risk:"))
}

impl CompiledConditions<'_> {
    pub fn matches(&self, c: &Customer, sum: &Summary) -> bool {
        if !self.types.is_empty() && !self.types.contains(&c.kind) {
            return false;
        }
        if !self.tags.is_empty()
            && !c
                .tags
                .iter()
                .any(|t| self.tags.iter().any(|w| w.eq_ignore_ascii_case(t)))
        {
            return false;
        }
        if let Some(m) = self.min_outstanding
            && sum.outstanding_in(m.currency) < m.minor
        {
            return false;
        }
        if let Some(m) = self.max_outstanding
            && sum.outstanding_in(m.currency) > m.minor
        {
            return false;
        }
        if let Some(min) = self.min_dpd
            && sum.oldest_dpd.is_none_or(|d| d < min)
        {
            return false;
        }
        if let Some(max) = self.max_dpd
            && sum.oldest_dpd.is_some_and(|d| d > max)
        {
            return false;
        }
        if self.min_pct.is_some() || self.max_pct.is_some() {
            let Some(used) = credit_used(c, sum) else {
                return false;
            };
            // used = outstanding × 100 and limit, compared without division.
            let (num, limit) = used;
            if self.min_pct.is_some_and(|p| num < i128::from(p) * limit)
                || self.max_pct.is_some_and(|p| num > i128::from(p) * limit)
            {
                return false;
            }
        }
        if !self.risk_band.is_empty() {
            let Some(band) = risk_band(c) else {
                return false;
            };
            if !self.risk_band.iter().any(|b| b.eq_ignore_ascii_case(band)) {
                return false;
            }
        }
        true
    }
}

/// (outstanding × 100, credit limit) in the limit's currency, when there is a positive limit.
pub fn credit_used(c: &Customer, sum: &Summary) -> Option<(i128, i128)> {
    let limit = c.credit_limit.filter(|l| *l > 0)?;
    let currency = c.credit_currency.unwrap_or(sum.tenant_currency);
    Some((
        i128::from(sum.outstanding_in(currency)) * 100,
        i128::from(limit),
    ))
}
