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

use arflow_app::planning::{PlanError, Scope, StrategyDefaults, TenantIdentity, plan_day};
use arflow_app::store::StoreError;
use arflow_domain::strategy::Action;
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
    #[error(transparent)]
    Plan(#[from] PlanError),
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
        let tenant = config.tenant.clone();
        let day = plan_day(
            store,
            &tenant,
            as_of,
            Scope::Tenant,
            &strategy_defaults(&config)?,
        )?;
        outcome.actions = day.actions.len();
        action_messages(&tenant, &execution_id, &day.actions)
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
    let scope = Scope::Shard {
        index: shard,
        of: PLAN_SHARDS,
    };
    let actions = plan_day(store, tenant, as_of, scope, &strategy_defaults(&config)?)?.actions;
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

/// What the tenant's configuration says about its strategy: the one stored
/// through `PUT /api/strategy` is in force; the configuration's own (or the
/// built-in default) stands in when none is stored; the configuration's
/// sender, time zone, send hour and portal URL apply to either.
pub fn strategy_defaults(config: &TenantConfig) -> Result<StrategyDefaults, ConfigError> {
    let (name, email) = config.sender_parts();
    Ok(StrategyDefaults {
        forced: None,
        fallback: config.strategy()?,
        identity: Some(TenantIdentity {
            company_name: Some(name.to_string()).filter(|n| !n.is_empty()),
            company_email: Some(email.to_string()),
            timezone: Some(config.zone()?.name().to_string()),
            send_hour: Some(config.send_hour),
            portal_url: Some(config.portal_url.clone()).filter(|u| !u.is_empty()),
        }),
    })
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
    use super::*;

    #[test]
    fn the_configuration_names_the_fallback_and_its_identity_wins() {
        let mut config = TenantConfig::new("acme", "Acme AR <ar@acme.example>", "Europe/Berlin", 9);
        config.portal_url = "https://pay.acme.example".into();
        let defaults = strategy_defaults(&config).unwrap();
        let stored = (
            arflow_domain::strategy::DEFAULT_STRATEGY.replace("send_hour = 9", "send_hour = 7"),
            3,
        );
        let (s, version) = defaults.resolve("acme", Some(&stored)).unwrap();
        assert_eq!(version, Some(3));
        assert_eq!(s.tenant.company.email.as_deref(), Some("ar@acme.example"));
        assert_eq!(s.tenant.company.name, "Acme AR");
        assert_eq!(
            (s.tenant.timezone.as_str(), s.tenant.send_hour),
            ("Europe/Berlin", 9)
        );
        assert_eq!(
            s.tenant.portal_url.as_deref(),
            Some("https://pay.acme.example")
        );
        let (fallback, none) = defaults.resolve("acme", None).unwrap();
        assert_eq!((fallback.tenant.send_hour, none), (9, None));
    }
}
