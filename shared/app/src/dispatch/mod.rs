//! Dispatching a day: plan it from the store, render every action, hand the
//! messages to a [`Sender`] and the tasks to the store, and record each
//! action as sent — so the same day run again sends nothing new.

mod message;
mod prepare;

use std::collections::{BTreeMap, HashMap};

use arflow_domain::ledger::Customer;
use arflow_domain::sent::SentRecord;
use arflow_domain::strategy::{Action, Strategy};
use arflow_domain::template::TemplateSet;
use chrono::NaiveDate;

pub use message::{EmailMessage, SendError, Sender, TextMessage};
pub use prepare::{PrepareError, Prepared, Renderer};

use crate::portal::Holds;
use crate::store::{LedgerStore, StoreError};

/// What a day's run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DaySummary {
    pub as_of: NaiveDate,
    pub actions: Vec<Action>,
    pub emails: usize,
    pub texts: usize,
    /// Tasks new to the store.
    pub tasks: usize,
    /// Actions newly recorded as sent.
    pub recorded: usize,
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
}

/// Why a day could not be run. Nothing is sent when preparing fails.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "{failed} of {total} action(s) could not be prepared; nothing was sent. First: action {first_id}: {first}"
    )]
    Prepare {
        failed: usize,
        total: usize,
        first_id: String,
        first: PrepareError,
    },
    #[error("sending action {action_id}: {source}")]
    Send {
        action_id: String,
        source: SendError,
    },
}

/// Plans `as_of` for `tenant` and dispatches it through `sender`.
///
/// Every action is rendered before any is sent, so a broken template stops
/// the run with nothing half sent. Sends are recorded after the messages are
/// handed over; a crash in between leaves them unrecorded, and the sender's
/// own per-action-id idempotency keeps the rerun from delivering twice.
pub fn run_day(
    store: &mut dyn LedgerStore,
    tenant: &str,
    as_of: NaiveDate,
    strategy: &Strategy,
    templates: &TemplateSet,
    sender: &mut dyn Sender,
) -> Result<DaySummary, RunError> {
    run_day_with_holds(
        store,
        tenant,
        as_of,
        strategy,
        templates,
        sender,
        &Holds::default(),
    )
}

/// [`run_day`] with the portal's state (issue 6): invoices with an active
/// dispute are planned as disputed, those under a promise to pay or a
/// requested/approved payment plan are left out, contact preferences apply,
/// and instalment reminders and broken-promise notices are added
/// ([`Holds::plan_day`]).
pub fn run_day_with_holds(
    store: &mut dyn LedgerStore,
    tenant: &str,
    as_of: NaiveDate,
    strategy: &Strategy,
    templates: &TemplateSet,
    sender: &mut dyn Sender,
    holds: &Holds,
) -> Result<DaySummary, RunError> {
    let mut ledger = Vec::new();
    store.invoices_as_of(tenant, as_of, &mut |i| ledger.push(i))?;
    let mut customers: HashMap<String, Customer> = store
        .customers(tenant)?
        .into_iter()
        .map(|c| (c.customer_id.clone(), c))
        .collect();
    let sent = store.sent_log(tenant)?;
    // Portal state (holds, preferences, instalment reminders, broken
    // promises): see `crate::portal::holds`.
    let day = holds.plan_day(strategy, ledger, &mut customers, as_of, &sent);
    let (invoices, actions) = (day.invoices, day.actions);

    let renderer = Renderer::new(strategy, templates, &invoices, &customers, as_of);
    let mut prepared = Vec::with_capacity(actions.len());
    let mut failures = Vec::new();
    for action in &actions {
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
            total: actions.len(),
            first_id,
            first,
        });
    }

    let mut summary = DaySummary {
        as_of,
        ..DaySummary::default()
    };
    let mut tasks = Vec::new();
    for p in prepared {
        match p {
            Prepared::Email(m) => {
                sender.send_email(&m).map_err(|source| RunError::Send {
                    action_id: m.action_id.clone(),
                    source,
                })?;
                summary.emails += 1;
            }
            Prepared::Text(m) => {
                sender.send_text(&m).map_err(|source| RunError::Send {
                    action_id: m.action_id.clone(),
                    source,
                })?;
                summary.texts += 1;
            }
            Prepared::Task(t) => tasks.push(t),
        }
    }
    summary.tasks = store.insert_tasks(tenant, &tasks)?;
    let records: Vec<SentRecord> = actions.iter().map(SentRecord::from).collect();
    summary.recorded = store.record_sent(tenant, &records)?;
    summary.actions = actions;
    Ok(summary)
}

#[cfg(test)]
mod tests;
