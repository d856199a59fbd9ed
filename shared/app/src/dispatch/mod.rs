//! Running a day: plan it ([`crate::planning::plan_day`]), render every
//! action, then deliver each ([`crate::delivery::deliver`]) — so the same
//! day run again sends nothing new, and a run stopped half way finishes
//! the rest when run again.

mod message;
mod prepare;

use std::collections::BTreeMap;

use arflow_domain::ledger::Channel;
use arflow_domain::strategy::Action;
use arflow_domain::template::TemplateSet;
use chrono::NaiveDate;

pub use message::{EmailMessage, SendError, Sender, TextMessage};
pub use prepare::{PrepareError, Prepared, Renderer};

use crate::delivery::{Attempt, Delivered, DeliveryStore, deliver};
use crate::planning::{PlanError, PlanningStore, Scope, StrategyDefaults, plan_day};

/// What a day's run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DaySummary {
    pub as_of: NaiveDate,
    pub actions: Vec<Action>,
    pub emails: usize,
    pub texts: usize,
    /// Actions that ended as tasks (internal work, or a message that could
    /// not go out as planned).
    pub tasks: usize,
    /// Actions delivered by an earlier run (nothing repeated).
    pub already_done: usize,
    /// Actions recorded as sent by this run.
    pub recorded: usize,
    /// Actions that did not end, with why (a rerun retries them).
    pub failed: Vec<(String, String)>,
}

impl DaySummary {
    /// Actions per kind, in name order.
    pub fn by_kind(&self) -> BTreeMap<&str, usize> {
        let mut m = BTreeMap::new();
        for a in &self.actions {
            *m.entry(a.kind.as_str()).or_default() += 1;
        }
        m
    }

    /// Actions per template, in name order.
    pub fn by_template(&self) -> BTreeMap<&str, usize> {
        let mut m = BTreeMap::new();
        for a in &self.actions {
            *m.entry(a.template.as_deref().unwrap_or("(none)"))
                .or_default() += 1;
        }
        m
    }

    fn count(&mut self, action: &Action, outcome: Result<Delivered, String>) {
        match outcome {
            Ok(Delivered::Sent { channel, .. }) => {
                if channel == Channel::Email {
                    self.emails += 1
                } else {
                    self.texts += 1
                }
                self.recorded += 1;
            }
            Ok(Delivered::Recovered) => self.recorded += 1,
            Ok(Delivered::Task | Delivered::Suppressed | Delivered::Unconfirmed) => {
                self.tasks += 1;
                self.recorded += 1;
            }
            Ok(Delivered::AlreadyDone(_)) => self.already_done += 1,
            Ok(Delivered::Failed(why)) | Err(why) => self.failed.push((action.id.clone(), why)),
        }
    }
}

/// Why a day could not be run. Nothing is sent when planning or preparing fails.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(
        "{failed} of {total} action(s) could not be prepared; nothing was sent. First: action {first_id}: {first}"
    )]
    Prepare {
        failed: usize,
        total: usize,
        first_id: String,
        first: PrepareError,
    },
}

/// A store a day can be run on.
pub trait RunStore: PlanningStore + DeliveryStore {}
impl<T: PlanningStore + DeliveryStore + ?Sized> RunStore for T {}

/// Plans `as_of` for `tenant` and delivers every action through `sender`.
///
/// Every action is rendered before any is sent, so a broken template stops
/// the run with nothing sent. Each action is then delivered on its own
/// (claim → send → record): one that fails is reported in
/// [`DaySummary::failed`] and the others still go; `now` (epoch seconds)
/// starts the claims' leases.
pub fn run_day<S: RunStore + ?Sized>(
    store: &mut S,
    tenant: &str,
    as_of: NaiveDate,
    defaults: &StrategyDefaults,
    templates: &TemplateSet,
    sender: &mut dyn Sender,
    now: i64,
) -> Result<DaySummary, RunError> {
    let day = plan_day(store, tenant, as_of, Scope::Tenant, defaults)?;
    let renderer = Renderer::new(
        &day.strategy,
        templates,
        &day.invoices,
        &day.customers,
        as_of,
    );
    let mut prepared = Vec::with_capacity(day.actions.len());
    let mut failures = Vec::new();
    for action in &day.actions {
        match renderer.prepare(action) {
            Ok(p) => prepared.push(p),
            Err(e) => failures.push((action.id.clone(), e)),
        }
    }
    if !failures.is_empty() {
        let failed = failures.len();
        let (first_id, first) = failures.swap_remove(0);
        return Err(RunError::Prepare {
            failed,
            total: day.actions.len(),
            first_id,
            first,
        });
    }
    let mut summary = DaySummary {
        as_of,
        ..DaySummary::default()
    };
    let attempt = Attempt {
        now,
        retry_failed: true,
    };
    for (action, p) in day.actions.iter().zip(prepared) {
        let outcome = deliver(store, sender, tenant, action, p, attempt).map_err(|e| e.to_string());
        summary.count(action, outcome);
    }
    summary.actions = day.actions;
    Ok(summary)
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_render;
