//! A backtest: the planner run day by day over a date range, each day seeing
//! the ledger as it stood then (payments land on their real paid dates) and
//! everything planned on earlier days recorded as sent.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::Serialize;

use crate::ledger::{Customer, Invoice};
use crate::sent::SentRecord;

use super::action::{Action, channel_str};
use super::model::Strategy;
use super::planner::Planner;
use super::pressure::{Pressure, PressureLog};
use super::sent_index::SentIndex;

/// The calendar of a simulation: every day's actions and a summary.
#[derive(Clone, Debug, Serialize)]
pub struct Simulation {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Only days with at least one action.
    pub days: Vec<SimulatedDay>,
    pub summary: Summary,
}

#[derive(Clone, Debug, Serialize)]
pub struct SimulatedDay {
    pub date: NaiveDate,
    pub actions: Vec<Action>,
}

/// Counts over the whole range.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub actions: u64,
    /// Actions per rule ("cadence:31-60 weekly" → 12).
    pub by_rule: BTreeMap<String, u64>,
    /// Actions per channel for messages, per kind for everything else
    /// ("email", "sms", "call_task", "notify", …).
    pub by_channel: BTreeMap<String, u64>,
    /// Customer messages per customer (touches).
    pub touches: BTreeMap<String, u64>,
    /// Contact pressure per customer (worst 7 and 30 days).
    pub pressure: Pressure,
    #[serde(skip)]
    log: PressureLog,
}

impl Summary {
    fn add(&mut self, a: &Action) {
        self.actions += 1;
        *self.by_rule.entry(a.rule.clone()).or_default() += 1;
        let channel = a.channel.map_or(a.kind.as_str(), channel_str);
        *self.by_channel.entry(channel.to_string()).or_default() += 1;
        if a.is_external() {
            *self.touches.entry(a.customer_id.clone()).or_default() += 1;
            let dunning = super::sent_index::rule::is_dunning(&a.rule);
            self.log.add(&a.customer_id, a.due_on, dunning);
        }
    }

    /// Touch counts: (most touches of any customer, customers touched at least once).
    pub fn touch_spread(&self) -> (u64, usize) {
        (
            self.touches.values().copied().max().unwrap_or(0),
            self.touches.len(),
        )
    }
}

/// Plans every day from `from` to `to` inclusive, recording each day's
/// actions as sent on that day before planning the next. `sent` is what was
/// sent before `from`.
pub fn simulate(
    from: NaiveDate,
    to: NaiveDate,
    strategy: &Strategy,
    invoices: &[Invoice],
    customers: &HashMap<String, Customer>,
    sent: &[SentRecord],
) -> Simulation {
    let planner = Planner::new(strategy, invoices, customers);
    let mut index = SentIndex::new(sent);
    simulate_days(from, to, |day| {
        let actions = planner.plan_day(day, &index);
        for a in &actions {
            index.record(&SentRecord::from(a));
        }
        actions
    })
}

/// The calendar of `plan_day` called for every day from `from` to `to`
/// inclusive, in order (it records what it planned before the next day).
pub fn simulate_days(
    from: NaiveDate,
    to: NaiveDate,
    mut plan_day: impl FnMut(NaiveDate) -> Vec<Action>,
) -> Simulation {
    let mut days = Vec::new();
    let mut summary = Summary::default();
    let mut day = from;
    while day <= to {
        let actions = plan_day(day);
        for a in &actions {
            summary.add(a);
        }
        if !actions.is_empty() {
            days.push(SimulatedDay { date: day, actions });
        }
        match day.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
    summary.pressure = summary.log.figures();
    Simulation {
        from,
        to,
        days,
        summary,
    }
}
