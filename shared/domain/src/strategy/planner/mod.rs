//! The planner: a pure function of (ledger, customers, strategy, as-of date,
//! sent log) to the actions due that day, each with a deterministic id.
//!
//! It reads the ledger point in time (`Invoice::is_open_on` and friends), so
//! a payment dated after the as-of day is not seen yet, and it derives events
//! from dates and the sent log rather than from diffs between ledger states.
//! On a day that is not a business day it plans nothing; what falls due then
//! goes out on the next business day.

mod build;
mod compile;
mod credit;
mod customer;
mod events;
mod explain;
mod guards;
mod standing;
mod summary;
mod timeline;

#[cfg(test)]
mod testkit;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_events;
#[cfg(test)]
mod tests_pressure;
#[cfg(test)]
mod tests_props;

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::ledger::{Customer, Invoice};
use crate::sent::SentRecord;

use super::action::Action;
use super::contact::HeldBack;
use super::model::Strategy;
use super::sent_index::SentIndex;
use build::Day;
use compile::Compiled;
pub use standing::{CreditStanding, credit_standings};
use summary::Summary;

/// Everything one planning run needs.
pub struct PlanInput<'a> {
    pub as_of: NaiveDate,
    /// Full ledger rows, paid ones included (they drive thank-yous and
    /// onboarding dates).
    pub invoices: &'a [Invoice],
    /// By customer id; a customer missing here is planned with defaults
    /// (established, no addresses, tenant time zone).
    pub customers: &'a HashMap<String, Customer>,
    pub strategy: &'a Strategy,
    /// What was already sent, on any earlier day or earlier today.
    pub sent: &'a [SentRecord],
}

/// The actions due on `input.as_of`, customers in id order.
pub fn plan(input: &PlanInput<'_>) -> Vec<Action> {
    plan_with_held(input).actions
}

/// The actions due on `input.as_of` and the reminders the contact budget
/// holds back that day.
pub fn plan_with_held(input: &PlanInput<'_>) -> DayPlan {
    Planner::new(input.strategy, input.invoices, input.customers)
        .plan_day_with_held(input.as_of, &SentIndex::new(input.sent))
}

/// One day's plan: what goes out, and what the contact budget holds back.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DayPlan {
    /// Customers in id order.
    pub actions: Vec<Action>,
    /// Customers in id order.
    pub held: Vec<HeldBack>,
}

/// A strategy and a ledger grouped by customer, ready to plan any day
/// (`simulate` plans many days with one).
pub struct Planner<'a> {
    compiled: Compiled<'a>,
    invoices: &'a [Invoice],
    customers: &'a HashMap<String, Customer>,
    /// Invoice indices, grouped by customer.
    order: Vec<u32>,
    /// (customer id, start, end) into `order`, sorted by customer id.
    groups: Vec<(&'a str, usize, usize)>,
}

impl<'a> Planner<'a> {
    pub fn new(
        strategy: &'a Strategy,
        invoices: &'a [Invoice],
        customers: &'a HashMap<String, Customer>,
    ) -> Planner<'a> {
        // foldhash (seeded per process) rather than SipHash: a million
        // lookups of short ids is a tenth of the plan's time otherwise.
        let mut index: HashMap<&'a str, u32, foldhash::fast::RandomState> =
            HashMap::with_capacity_and_hasher(1024, foldhash::fast::RandomState::default());
        let mut names: Vec<&'a str> = Vec::new();
        let mut group_of: Vec<u32> = Vec::with_capacity(invoices.len());
        for inv in invoices {
            let g = *index.entry(inv.customer_id.as_str()).or_insert_with(|| {
                names.push(inv.customer_id.as_str());
                (names.len() - 1) as u32
            });
            group_of.push(g);
        }
        let mut starts = vec![0usize; names.len() + 1];
        for g in &group_of {
            starts[*g as usize + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut fill = starts.clone();
        let mut order = vec![0u32; invoices.len()];
        for (i, g) in group_of.iter().enumerate() {
            order[fill[*g as usize]] = i as u32;
            fill[*g as usize] += 1;
        }
        let id = |i: &u32| invoices[*i as usize].invoice_id.as_str();
        for g in 0..names.len() {
            // Ledgers usually list invoices by number: sort only when not.
            let items = &mut order[starts[g]..starts[g + 1]];
            if !items.is_sorted_by(|a, b| id(a) <= id(b)) {
                items.sort_unstable_by(|a, b| id(a).cmp(id(b)));
            }
        }
        let mut groups: Vec<(&'a str, usize, usize)> = names
            .iter()
            .enumerate()
            .map(|(g, name)| (*name, starts[g], starts[g + 1]))
            .collect();
        groups.sort_unstable_by(|a, b| a.0.cmp(b.0));
        Planner {
            compiled: Compiled::new(strategy),
            invoices,
            customers,
            order,
            groups,
        }
    }

    /// The actions due on `as_of` given what `sent` says was already done.
    pub fn plan_day(&self, as_of: NaiveDate, sent: &SentIndex) -> Vec<Action> {
        self.plan_day_with_held(as_of, sent).actions
    }

    /// [`Planner::plan_day`] with the reminders the budget holds back.
    pub fn plan_day_with_held(&self, as_of: NaiveDate, sent: &SentIndex) -> DayPlan {
        if !self.compiled.days.is_business_day(as_of) {
            return DayPlan::default();
        }
        let day = Day::new(&self.compiled, self.invoices, sent, as_of);
        // Each customer is planned on its own (push-only into `out`), so
        // two halves of the customers planned on two threads and joined in
        // order give exactly the sequential result.
        let groups = &self.groups[..];
        let mut out = if groups.len() < PARALLEL_FROM {
            self.plan_groups(&day, groups)
        } else {
            let (first, second) = groups.split_at(self.halfway());
            std::thread::scope(|s| {
                let other = s.spawn(|| self.plan_groups(&day, second));
                let mut out = self.plan_groups(&day, first);
                match other.join() {
                    Ok(rest) => {
                        out.actions.extend(rest.actions);
                        out.held.extend(rest.held);
                    }
                    Err(panic) => std::panic::resume_unwind(panic),
                }
                out
            })
        };
        out.actions.retain(|a| !sent.contains_id(&a.id));
        out
    }

    /// The plan of `groups`, in order.
    fn plan_groups(&self, day: &Day<'_, '_>, groups: &[(&str, usize, usize)]) -> DayPlan {
        let fallback = Customer::default();
        let mut sum = Summary::new(self.compiled.currency);
        let mut out = Vec::new();
        let mut held = Vec::new();
        for (id, start, end) in groups {
            let customer = self.customers.get(*id).unwrap_or(&fallback);
            customer::plan_customer(
                day,
                id,
                customer,
                &self.order[*start..*end],
                &mut sum,
                &mut out,
                &mut held,
            );
        }
        DayPlan { actions: out, held }
    }

    /// The first group of the second half of the invoices (by count), so
    /// both threads get about as much work.
    fn halfway(&self) -> usize {
        let half = self.order.len() / 2;
        let mut seen = 0;
        self.groups
            .iter()
            .position(|(_, start, end)| {
                seen += end - start;
                seen >= half
            })
            .map_or(self.groups.len(), |g| g + 1)
    }
}

/// Fewer customers than this are planned on the calling thread alone.
const PARALLEL_FROM: usize = 512;
