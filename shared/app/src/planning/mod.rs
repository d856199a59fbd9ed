//! Planning a day — the one use case every host calls: `arflow plan --db`,
//! `simulate --db`, `run`, `/api/actions`, and the AWS daily run (whole
//! tenant or one fan-out shard).
//!
//! [`plan_day`] reads what a day's plan depends on in one consistent read
//! ([`PlanningStore::day_inputs`]): the ledger as of the day, the customers,
//! the sent log, the portal's holds and the stored strategy. [`plan_inputs`]
//! turns those inputs into actions and is pure, so a backtest replays it day
//! by day without touching the store.

mod inputs;
mod simulate;
mod strategy;

use std::collections::HashMap;

use arflow_domain::ledger::{Customer, Invoice};
use arflow_domain::strategy::contact::HeldBack;
use arflow_domain::strategy::{Action, Strategy};
use chrono::NaiveDate;

pub use inputs::{DayInputs, PlanningStore, Scope, plan_shard_of, read_day_inputs};
pub use simulate::simulate;
pub use strategy::{StrategyDefaults, TenantIdentity};

use crate::store::StoreError;
use crate::strategy_store::StoredStrategyError;

/// A planned day: the strategy it was planned with, the actions, and the
/// invoices and customers (preferences applied) to render them with.
#[derive(Clone, Debug)]
pub struct PlannedDay {
    pub as_of: NaiveDate,
    pub strategy: Strategy,
    /// The stored strategy's version; None when the strategy came from a
    /// file or a default.
    pub strategy_version: Option<u64>,
    pub actions: Vec<Action>,
    /// Reminders due that the contact budget holds back until a later day.
    pub held: Vec<HeldBack>,
    pub invoices: Vec<Invoice>,
    pub customers: HashMap<String, Customer>,
}

/// Why a day could not be planned.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Strategy(#[from] StoredStrategyError),
}

/// Plans `as_of` for `tenant` (or one shard of it) from the store, with the
/// strategy in force (see [`StrategyDefaults::resolve`]).
pub fn plan_day<S: PlanningStore + ?Sized>(
    store: &S,
    tenant: &str,
    as_of: NaiveDate,
    scope: Scope,
    defaults: &StrategyDefaults,
) -> Result<PlannedDay, PlanError> {
    let inputs = store.day_inputs(tenant, as_of, scope)?;
    plan_inputs(inputs, tenant, defaults)
}

/// Plans from inputs already read: pure (no store, no clock).
pub fn plan_inputs(
    inputs: DayInputs,
    tenant: &str,
    defaults: &StrategyDefaults,
) -> Result<PlannedDay, PlanError> {
    let (strategy, strategy_version) = defaults.resolve(tenant, inputs.strategy_source.as_ref())?;
    Ok(plan_with(inputs, strategy, strategy_version))
}

/// Plans from inputs with a strategy already resolved (a backtest resolves
/// it once for every day).
pub fn plan_with(
    inputs: DayInputs,
    strategy: Strategy,
    strategy_version: Option<u64>,
) -> PlannedDay {
    let DayInputs {
        as_of,
        invoices,
        customers,
        sent,
        holds,
        ..
    } = inputs;
    let mut customers: HashMap<String, Customer> = customers
        .into_iter()
        .map(|c| (c.customer_id.clone(), c))
        .collect();
    let day = holds.plan_day(&strategy, invoices, &mut customers, as_of, &sent);
    PlannedDay {
        as_of,
        strategy,
        strategy_version,
        actions: day.actions,
        held: day.held,
        invoices: day.invoices,
        customers,
    }
}
