//! The daily run of one tenant: plan the day with the shared planner and put
//! every action on the dispatch queue (SendMessageBatch, ten a call). The
//! scheduler's execution id is the idempotency key: a finished run is not
//! repeated, an unfinished one is run again (the planner's action ids are
//! deterministic and dispatch claims each id once, so a repeat adds nothing).
//!
//! Fan-out: a tenant configured with `fan_out` gets one `PlanShard` message
//! per planning shard (64) instead; dispatch plans each shard from the
//! by-customer index and enqueues its actions, so a tenant with millions of
//! invoices is many small invocations, never one long one. Each shard job
//! has its own run marker, so a redelivered shard message enqueues nothing.
//!
//! Portal state: open disputes, promises to pay, payment plans and contact
//! preferences (the tenant's portal stores) shape the plan here exactly as
//! in `arflow run` (`Holds::plan_day`).

use std::collections::HashMap;

use arflow_app::portal::Holds;
use arflow_app::store::{LedgerStore, StoreError};
use arflow_domain::ledger::{Customer, Invoice};
use arflow_domain::sent::SentRecord;
use arflow_domain::strategy::{Action, Strategy};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::DynamoStore;
use crate::dynamo::RunState;
use crate::dynamo::keys::PLAN_SHARDS;
use crate::queue::{Queue, QueueError};
use crate::tenant::{ConfigError, TenantConfig};
use crate::wire::{ActionWire, QueueMessage};

/// The scheduler's input (`events/scheduler.json`); `<aws.scheduler.…>`
/// placeholders are filled in by EventBridge Scheduler.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyEvent {
    pub tenant: String,
    #[serde(default)]
    pub execution_id: Option<String>,
    #[serde(default)]
    pub scheduled_time: Option<DateTime<Utc>>,
    /// Plan this day instead of the scheduled one (replays, backfills).
    #[serde(default)]
    pub as_of: Option<NaiveDate>,
}

/// What a daily run did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DailyOutcome {
    pub tenant: String,
    pub as_of: NaiveDate,
    pub execution_id: String,
    /// The run had finished before; nothing was enqueued.
    pub skipped: bool,
    pub fanned_out: bool,
    pub actions: usize,
    pub messages: usize,
    pub batch_calls: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum DailyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Queue(#[from] QueueError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("tenant '{0}' has no configuration (run `arflow tenant create`)")]
    UnknownTenant(String),
}

/// Runs the tenant's day. `now` stands in when the event has no time.
pub async fn run_daily(
    store: &DynamoStore,
    queue: &Queue,
    event: &DailyEvent,
    now: DateTime<Utc>,
) -> Result<DailyOutcome, DailyError> {
    let config = tenant_config(store, &event.tenant).await?;
    let zone = config.zone()?;
    let as_of = event.as_of.unwrap_or_else(|| {
        event
            .scheduled_time
            .unwrap_or(now)
            .with_timezone(&zone)
            .date_naive()
    });
    let execution_id = event
        .execution_id
        .clone()
        .unwrap_or_else(|| format!("{}:{as_of}", config.tenant));
    let mut outcome = DailyOutcome {
        tenant: config.tenant.clone(),
        as_of,
        execution_id: execution_id.clone(),
        skipped: false,
        fanned_out: config.fan_out,
        actions: 0,
        messages: 0,
        batch_calls: 0,
    };
    if store
        .begin_run(&config.tenant, &execution_id, as_of)
        .await?
        == RunState::Done
    {
        outcome.skipped = true;
        return Ok(outcome);
    }
    let messages: Vec<QueueMessage> = if config.fan_out {
        (0..PLAN_SHARDS)
            .map(|shard| QueueMessage::PlanShard {
                tenant: config.tenant.clone(),
                execution_id: execution_id.clone(),
                as_of,
                shard,
            })
            .collect()
    } else {
        let strategy = config.strategy()?;
        let tenant = config.tenant.clone();
        let holds = Holds::load(store, &tenant)?;
        let actions = plan_from_store(store, &tenant, as_of, &strategy, &holds)?;
        outcome.actions = actions.len();
        action_messages(&tenant, &execution_id, &actions)
    };
    outcome.messages = messages.len();
    outcome.batch_calls = queue.send_all(&messages).await?;
    store
        .finish_run(&config.tenant, &execution_id, as_of, messages.len())
        .await?;
    Ok(outcome)
}

/// Plans one planning shard and enqueues its actions; the number enqueued
/// (0 when this shard of this run was planned before).
pub async fn plan_shard(
    store: &DynamoStore,
    queue: &Queue,
    tenant: &str,
    execution_id: &str,
    as_of: NaiveDate,
    shard: u32,
) -> Result<usize, DailyError> {
    let marker = shard_run_id(execution_id, shard);
    if store.begin_run(tenant, &marker, as_of).await? == RunState::Done {
        return Ok(0);
    }
    let config = tenant_config(store, tenant).await?;
    let strategy = config.strategy()?;
    let invoices = store.plan_shard_invoices(tenant, shard).await?;
    let (customers, sent) = store.plan_shard_memory(tenant, shard).await?;
    let holds = Holds::load(store, tenant)?;
    let actions = plan_day(invoices, customers, &sent, &strategy, as_of, &holds);
    let messages = action_messages(tenant, execution_id, &actions);
    queue.send_all(&messages).await?;
    store
        .finish_run(tenant, &marker, as_of, messages.len())
        .await?;
    Ok(messages.len())
}

/// The run marker of one shard job of a fanned-out run.
pub fn shard_run_id(execution_id: &str, shard: u32) -> String {
    format!("{execution_id}/shard-{shard:02}")
}

async fn tenant_config(store: &DynamoStore, tenant: &str) -> Result<TenantConfig, DailyError> {
    store
        .tenant_config(tenant)
        .await?
        .ok_or_else(|| DailyError::UnknownTenant(tenant.to_string()))
}

/// The day's actions from the whole ledger as it stood on `as_of`, with
/// the portal's holds applied.
pub fn plan_from_store(
    store: &dyn LedgerStore,
    tenant: &str,
    as_of: NaiveDate,
    strategy: &Strategy,
    holds: &Holds,
) -> Result<Vec<Action>, StoreError> {
    let mut invoices = Vec::new();
    store.invoices_as_of(tenant, as_of, &mut |i| invoices.push(i))?;
    let customers = store.customers(tenant)?;
    let sent = store.sent_log(tenant)?;
    Ok(plan_day(invoices, customers, &sent, strategy, as_of, holds))
}

/// Plans a day with the portal's state, as `arflow run` does
/// (`Holds::plan_day`): disputed invoices get the dispute sequence, promises
/// to pay and payment plans hold dunning, contact preferences apply, and
/// instalment reminders, broken-promise and missed-instalment notices are
/// added.
fn plan_day(
    invoices: Vec<Invoice>,
    customers: Vec<Customer>,
    sent: &[SentRecord],
    strategy: &Strategy,
    as_of: NaiveDate,
    holds: &Holds,
) -> Vec<Action> {
    let mut customers: HashMap<String, Customer> = customers
        .into_iter()
        .map(|c| (c.customer_id.clone(), c))
        .collect();
    holds
        .plan_day(strategy, invoices, &mut customers, as_of, sent)
        .actions
}

fn action_messages(tenant: &str, execution_id: &str, actions: &[Action]) -> Vec<QueueMessage> {
    actions
        .iter()
        .map(|a| QueueMessage::Action {
            tenant: tenant.to_string(),
            execution_id: execution_id.to_string(),
            action: Box::new(ActionWire::from(a)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use arflow_app::portal::{Dispute, DisputeState, PromiseToPay};
    use arflow_domain::ledger::InvoiceStatus;
    use arflow_domain::money::Currency;
    use arflow_domain::strategy::default_strategy;

    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn ledger() -> (Vec<Invoice>, Vec<Customer>) {
        let inv = |id: &str, customer: &str| Invoice {
            invoice_id: id.into(),
            customer_id: customer.into(),
            invoice_date: d("2024-01-02"),
            due_date: d("2024-01-20"),
            amount: 50_000,
            currency: Currency::USD,
            paid_amount: 0,
            paid_date: None,
            disputed: false,
            status: InvoiceStatus::Open,
        };
        let customer = |id: &str| Customer {
            customer_id: id.into(),
            name: format!("{id} Corp"),
            emails: vec![format!("ap@{id}.example")],
            ..Customer::default()
        };
        (
            vec![inv("INV-1", "C1"), inv("INV-2", "C2")],
            vec![customer("C1"), customer("C2")],
        )
    }

    fn plan_with(invoices: Vec<Invoice>, holds: &Holds) -> Vec<Action> {
        let strategy = default_strategy().unwrap();
        plan_day(invoices, ledger().1, &[], &strategy, d("2024-02-01"), holds)
    }

    fn names(actions: &[Action], invoice: &str) -> bool {
        actions
            .iter()
            .any(|a| a.invoice_ids.iter().any(|i| i == invoice))
    }

    #[test]
    fn a_holding_promise_to_pay_pauses_dunning_in_the_daily_plan() {
        let (invoices, _) = ledger();
        let unheld = plan_with(invoices.clone(), &Holds::default());
        assert!(
            names(&unheld, "INV-1") && names(&unheld, "INV-2"),
            "{unheld:#?}"
        );
        let promise = PromiseToPay {
            id: "P1".into(),
            customer_id: "C1".into(),
            invoice_id: "INV-1".into(),
            promised_date: d("2024-02-05"),
            amount: 50_000,
            grace_days: 2,
            reference: None,
            created_at: 0,
        };
        let holds = Holds {
            promises: vec![promise],
            ..Holds::default()
        };
        let held = plan_with(invoices, &holds);
        assert!(!names(&held, "INV-1"), "{held:#?}");
        assert!(names(&held, "INV-2"), "the other customer is still dunned");
    }

    #[test]
    fn an_active_dispute_plans_its_invoice_as_disputed() {
        let (invoices, _) = ledger();
        let dispute = Dispute {
            id: "D1".into(),
            customer_id: "C1".into(),
            invoice_id: "INV-1".into(),
            reason: "pricing".into(),
            amount: 50_000,
            message: String::new(),
            state: DisputeState::Open,
            owner: None,
            notes: Vec::new(),
            opened_at: 0,
            updated_at: 0,
        };
        let holds = Holds {
            disputes: vec![dispute],
            ..Holds::default()
        };
        let mut marked = invoices.clone();
        marked[0].disputed = true;
        let expected = plan_with(marked, &Holds::default());
        assert_eq!(plan_with(invoices.clone(), &holds), expected);
        assert_ne!(expected, plan_with(invoices, &Holds::default()));
    }
}
