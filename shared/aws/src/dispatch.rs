//! Dispatching one queue message: an action is rendered with the strategy
//! in force and delivered by the app's one delivery use case
//! (`arflow_app::delivery::deliver`: claim → send → record) through
//! SESv2 / SNS; a planning shard is planned and enqueued; SES feedback
//! feeds the suppression list. Each message ends in an `Outcome`; only
//! `Retry` and `Failed` are reported back to SQS as batch item failures.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arflow_app::delivery::{Attempt, Delivered, deliver};
use arflow_app::dispatch::{Prepared, Renderer};
use arflow_app::portal::{Holds, PortalStore};
use arflow_app::store::StoreError;
use arflow_app::strategy_store::StrategyStore;
use arflow_domain::ledger::Customer;
use arflow_domain::strategy::{Action, Strategy};
use arflow_domain::template::TemplateSet;
use chrono::{DateTime, Utc};
use tokio::runtime::Handle;

use crate::DynamoStore;
use crate::daily::{plan_shard, strategy_defaults};
use crate::feedback;
use crate::outbound::Outbound;
use crate::queue::Queue;
use crate::sender::SesSender;
use crate::wire::QueueMessage;

/// How long a tenant's configuration and strategy are reused before they
/// are read again (a `PUT /api/strategy` reaches dispatch within this).
pub const STRATEGY_TTL: Duration = Duration::from_secs(60);

/// How one message ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Sent now; the provider's message id.
    Sent(String),
    /// Filed as a task (internal action, or no provider for its channel).
    Task,
    /// Every recipient is suppressed: not sent, the AR team has a task.
    Suppressed,
    /// An earlier delivery stopped between send and record: recorded now,
    /// not sent again (confirmed, or a task to check).
    Resolved,
    /// Done by an earlier delivery; nothing repeated.
    AlreadyDone,
    /// A planning shard was planned; its actions were enqueued.
    Planned(usize),
    /// A bounce or complaint was processed.
    Feedback(usize),
    /// Try again later (transient failure, or another delivery holds it).
    Retry(String),
    /// Permanent failure, recorded; SQS retries until the dead-letter queue.
    Failed(String),
}

impl Outcome {
    /// Whether SQS should see this message as failed.
    pub fn is_failure(&self) -> bool {
        matches!(self, Outcome::Retry(_) | Outcome::Failed(_))
    }
}

/// Why an action could not be rendered.
enum NotReady {
    Retry(String),
    Failed(String),
}

impl From<StoreError> for NotReady {
    fn from(e: StoreError) -> Self {
        NotReady::Retry(e.to_string())
    }
}

/// Clients, templates and each tenant's strategy, built once per cold
/// start and shared by the messages of every batch (handled concurrently).
pub struct Dispatcher {
    store: DynamoStore,
    outbound: Outbound,
    queue: Queue,
    templates: TemplateSet,
    strategies: Mutex<HashMap<String, (Instant, Arc<Strategy>)>>,
}

impl Dispatcher {
    pub fn new(
        store: DynamoStore,
        outbound: Outbound,
        queue: Queue,
        templates: TemplateSet,
    ) -> Dispatcher {
        Dispatcher {
            store,
            outbound,
            queue,
            templates,
            strategies: Mutex::new(HashMap::new()),
        }
    }

    pub fn store(&self) -> &DynamoStore {
        &self.store
    }

    /// Handles one message body; `receive_count` is SQS's
    /// ApproximateReceiveCount (1 on a first or redriven delivery).
    pub async fn handle(&self, body: &str, receive_count: u32, now: DateTime<Utc>) -> Outcome {
        if let Some(notification) = feedback::parse(body) {
            return match feedback::apply(&self.store, &notification, now.date_naive()).await {
                Ok(n) => Outcome::Feedback(n),
                Err(e) => Outcome::Retry(e.to_string()),
            };
        }
        let message: QueueMessage = match serde_json::from_str(body) {
            Ok(m) => m,
            Err(e) => return Outcome::Failed(format!("not a queue message: {e}")),
        };
        match message {
            QueueMessage::PlanShard {
                tenant,
                execution_id,
                as_of,
                shard,
            } => {
                match plan_shard(
                    &self.store,
                    &self.queue,
                    &tenant,
                    &execution_id,
                    as_of,
                    shard,
                )
                .await
                {
                    Ok(n) => Outcome::Planned(n),
                    Err(e) => Outcome::Retry(e.to_string()),
                }
            }
            QueueMessage::Action { tenant, action, .. } => match Action::try_from(*action) {
                Ok(action) => self.action(&tenant, &action, receive_count, now).await,
                Err(e) => Outcome::Failed(e.to_string()),
            },
        }
    }

    /// Renders one action and delivers it once (see [`action_message`]
    /// for its body). Its future is `Send`, so the actions of a batch can
    /// run as concurrent tasks.
    pub async fn action(
        &self,
        tenant: &str,
        action: &Action,
        receive_count: u32,
        now: DateTime<Utc>,
    ) -> Outcome {
        let prepared = match self.prepare(tenant, action).await {
            Ok(p) => p,
            Err(NotReady::Retry(e)) => return Outcome::Retry(e),
            Err(NotReady::Failed(e)) => return Outcome::Failed(e),
        };
        let mut store = self.store.clone();
        let mut sender = SesSender::new(self.outbound.clone(), tenant, Handle::current());
        let attempt = Attempt {
            now: now.timestamp(),
            retry_failed: receive_count <= 1,
        };
        match deliver(&mut store, &mut sender, tenant, action, prepared, attempt) {
            Ok(Delivered::Sent { provider_id, .. }) => Outcome::Sent(provider_id),
            Ok(Delivered::Task) => Outcome::Task,
            Ok(Delivered::Suppressed) => Outcome::Suppressed,
            Ok(Delivered::Recovered | Delivered::Unconfirmed) => Outcome::Resolved,
            Ok(Delivered::AlreadyDone(_)) => Outcome::AlreadyDone,
            Ok(Delivered::Failed(e)) => Outcome::Failed(e),
            Err(e) => Outcome::Retry(e.to_string()),
        }
    }

    /// Renders an action with the tenant's strategy in force, the current
    /// state of its invoices and its customer with their portal preferences.
    async fn prepare(&self, tenant: &str, action: &Action) -> Result<Prepared, NotReady> {
        let strategy = self.strategy(tenant).await?;
        let store = &self.store;
        let invoices = store.invoices_by_id(tenant, &action.invoice_ids).await?;
        let mut customers: HashMap<String, Customer> = store
            .customer(tenant, &action.customer_id)
            .await?
            .map(|c| (c.customer_id.clone(), c))
            .into_iter()
            .collect();
        let prefs = store.contact_prefs(tenant, &action.customer_id)?;
        Holds {
            prefs: prefs
                .map(|p| (action.customer_id.clone(), p))
                .into_iter()
                .collect(),
            ..Holds::default()
        }
        .apply_prefs(&mut customers);
        Renderer::new(
            &strategy,
            &self.templates,
            &invoices,
            &customers,
            action.due_on,
        )
        .prepare(action)
        .map_err(|e| NotReady::Failed(format!("rendering action {}: {e}", action.id)))
    }

    /// The tenant's strategy in force (stored, else its configuration's),
    /// read at most every [`STRATEGY_TTL`].
    async fn strategy(&self, tenant: &str) -> Result<Arc<Strategy>, NotReady> {
        if let Ok(cache) = self.strategies.lock()
            && let Some((at, s)) = cache.get(tenant)
            && at.elapsed() < STRATEGY_TTL
        {
            return Ok(s.clone());
        }
        let Some(config) = self.store.tenant_config(tenant).await? else {
            return Err(NotReady::Failed(format!(
                "tenant '{tenant}' has no configuration"
            )));
        };
        let defaults = strategy_defaults(&config).map_err(|e| NotReady::Failed(e.to_string()))?;
        let source = self.store.strategy_source(tenant)?;
        let (strategy, _) = defaults
            .resolve(tenant, source.as_ref())
            .map_err(|e| NotReady::Failed(e.to_string()))?;
        let strategy = Arc::new(strategy);
        if let Ok(mut cache) = self.strategies.lock() {
            cache.insert(tenant.to_string(), (Instant::now(), strategy.clone()));
        }
        Ok(strategy)
    }
}

/// The tenant and action of an action message; None for any other body
/// (a planning shard, SES feedback, garbage), which `Dispatcher::handle`
/// takes.
pub fn action_message(body: &str) -> Option<(String, Result<Action, String>)> {
    if feedback::parse(body).is_some() {
        return None;
    }
    match serde_json::from_str(body).ok()? {
        QueueMessage::Action { tenant, action, .. } => {
            Some((tenant, Action::try_from(*action).map_err(|e| e.to_string())))
        }
        QueueMessage::PlanShard { .. } => None,
    }
}
