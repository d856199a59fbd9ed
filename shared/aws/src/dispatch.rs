//! Dispatching one queue message: claim the action (conditional write),
//! render it with the shared `Renderer`, send it (SESv2 e-mail, SNS SMS and
//! alerts) or file it as a task, then record the send, the communication log
//! and the provider id. Each message ends in an `Outcome`; only `Retry` and
//! `Failed` are reported back to SQS as batch item failures.

use std::collections::HashMap;
use std::sync::Mutex;

use arflow_app::dispatch::{Prepared, Renderer};
use arflow_app::store::{LedgerStore, StoreError, Task, TaskStatus};
use arflow_domain::ledger::Customer;
use arflow_domain::sent::SentRecord;
use arflow_domain::strategy::Action;
use arflow_domain::template::TemplateSet;
use chrono::{DateTime, Utc};

use crate::DynamoStore;
use crate::daily::plan_shard;
use crate::dynamo::{ClaimOutcome, LogEntry, MessageOrigin};
use crate::feedback;
use crate::outbound::{Outbound, SendFailure};
use crate::queue::Queue;
use crate::tenant::TenantConfig;
use crate::wire::QueueMessage;

/// How long a claim keeps other deliveries off an action, in seconds
/// (longer than a send with its retries; shorter than the visibility timeout).
pub const LEASE_SECS: i64 = 120;

/// How one message ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Sent now; the provider's message id.
    Sent(String),
    /// Filed as a task (internal action, or no channel to send on).
    Task,
    /// Every recipient is suppressed: not sent, the AR team has a task.
    Suppressed,
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

/// Shared state of one batch: clients, templates, tenant configs read once.
/// Messages of a batch may be handled concurrently (`&self`).
pub struct Dispatcher {
    store: DynamoStore,
    outbound: Outbound,
    queue: Queue,
    templates: TemplateSet,
    configs: Mutex<HashMap<String, TenantConfig>>,
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
            configs: Mutex::new(HashMap::new()),
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

    /// Claims, sends and records one action (the body of an action
    /// message, see [`action_message`]). Its future is `Send`, so the
    /// actions of a batch can run as concurrent tasks.
    pub async fn action(
        &self,
        tenant: &str,
        action: &Action,
        receive_count: u32,
        now: DateTime<Utc>,
    ) -> Outcome {
        let store = self.store.clone();
        let (customer_id, id) = (action.customer_id.as_str(), action.id.as_str());
        let claimed = match store
            .claim(tenant, customer_id, id, now.timestamp(), LEASE_SECS)
            .await
        {
            Ok(c) => c,
            Err(e) => return Outcome::Retry(e.to_string()),
        };
        match claimed {
            ClaimOutcome::Claimed => {}
            ClaimOutcome::Busy => {
                return Outcome::Retry(format!(
                    "action {id} is being dispatched by another delivery"
                ));
            }
            ClaimOutcome::Done(_) => return Outcome::AlreadyDone,
            ClaimOutcome::Failed(err) if receive_count > 1 => return Outcome::Failed(err),
            ClaimOutcome::Failed(_) => match store
                .reclaim_failed(tenant, customer_id, id, now.timestamp(), LEASE_SECS)
                .await
            {
                Ok(true) => {}
                Ok(false) => {
                    return Outcome::Retry(format!("action {id} changed while reclaiming it"));
                }
                Err(e) => return Outcome::Retry(e.to_string()),
            },
        }
        let outcome = match self.deliver(tenant, action).await {
            Ok(o) => o,
            Err(e) => Outcome::Retry(e.to_string()),
        };
        let finished = match &outcome {
            Outcome::Sent(provider) => {
                store
                    .finish_claim(tenant, customer_id, id, "sent", provider)
                    .await
            }
            Outcome::Task => {
                store
                    .finish_claim(tenant, customer_id, id, "task", "")
                    .await
            }
            Outcome::Suppressed => {
                store
                    .finish_claim(tenant, customer_id, id, "suppressed", "")
                    .await
            }
            Outcome::Failed(err) => {
                store
                    .finish_claim(tenant, customer_id, id, "failed", err)
                    .await
            }
            _ => store.release_claim(tenant, customer_id, id).await,
        };
        match finished {
            Ok(()) => outcome,
            Err(e) => Outcome::Retry(format!("{id}: recording the outcome: {e}")),
        }
    }

    /// Renders and hands over one claimed action.
    async fn deliver(&self, tenant: &str, action: &Action) -> Result<Outcome, StoreError> {
        let config = match self.config(tenant).await? {
            Some(c) => c,
            None => {
                return Ok(Outcome::Failed(format!(
                    "tenant '{tenant}' has no configuration"
                )));
            }
        };
        let strategy = match config.strategy() {
            Ok(s) => s,
            Err(e) => return Ok(Outcome::Failed(e.to_string())),
        };
        let store = self.store.clone();
        let invoices = store.invoices_by_id(tenant, &action.invoice_ids).await?;
        let customers: HashMap<String, Customer> = store
            .customer(tenant, &action.customer_id)
            .await?
            .map(|c| (c.customer_id.clone(), c))
            .into_iter()
            .collect();
        let renderer = Renderer::new(
            &strategy,
            &self.templates,
            &invoices,
            &customers,
            action.due_on,
        );
        let prepared = match renderer.prepare(action) {
            Ok(p) => p,
            Err(e) => {
                return Ok(Outcome::Failed(format!(
                    "rendering action {}: {e}",
                    action.id
                )));
            }
        };
        let mut writer = store.clone();
        let record = SentRecord::from(action);
        match prepared {
            Prepared::Email(mut m) => {
                let suppressed = store.suppressed(tenant, &m.to).await?;
                if !suppressed.is_empty() {
                    m.to.retain(|a| !suppressed.contains(a));
                }
                if m.to.is_empty() {
                    writer.insert_tasks(tenant, &[suppressed_task(action, &suppressed)])?;
                    writer.record_sent(tenant, &[record])?;
                    return Ok(Outcome::Suppressed);
                }
                match self.outbound.send_email(tenant, &m).await {
                    Ok(provider_id) => {
                        let origin = MessageOrigin {
                            tenant: tenant.to_string(),
                            action_id: action.id.clone(),
                            customer_id: action.customer_id.clone(),
                        };
                        store.remember_message(&provider_id, &origin).await?;
                        self.log(tenant, action, "email", &m.to, &m.subject, &provider_id)
                            .await?;
                        writer.record_sent(tenant, &[record])?;
                        Ok(Outcome::Sent(provider_id))
                    }
                    Err(f) => Ok(failure(f)),
                }
            }
            Prepared::Text(m) if m.channel == "sms" => match self.outbound.send_sms(&m).await {
                Ok(provider_id) => {
                    self.log(tenant, action, "sms", &m.to, "", &provider_id)
                        .await?;
                    writer.record_sent(tenant, &[record])?;
                    Ok(Outcome::Sent(provider_id))
                }
                Err(f) => Ok(failure(f)),
            },
            Prepared::Text(m) => {
                // No WhatsApp provider is wired: the AR team sends it by hand.
                let task = Task {
                    id: action.id.clone(),
                    customer_id: action.customer_id.clone(),
                    invoice_ids: action.invoice_ids.clone(),
                    kind: "task".into(),
                    assignee: "ar_team".into(),
                    title: format!("Send a {} message to {}", m.channel, m.to.join(", ")),
                    body: m.body,
                    due_on: action.due_on,
                    status: TaskStatus::Open,
                    outcome: None,
                };
                writer.insert_tasks(tenant, &[task])?;
                writer.record_sent(tenant, &[record])?;
                Ok(Outcome::Task)
            }
            Prepared::Task(task) => {
                if action.kind.as_str() == "notify"
                    && let Err(f) = self.outbound.alert(&task.title, &task.body).await
                {
                    return Ok(failure(f));
                }
                writer.insert_tasks(tenant, &[task])?;
                writer.record_sent(tenant, &[record])?;
                Ok(Outcome::Task)
            }
        }
    }

    async fn log(
        &self,
        tenant: &str,
        action: &Action,
        channel: &str,
        to: &[String],
        subject: &str,
        provider_id: &str,
    ) -> Result<(), StoreError> {
        let entry = LogEntry {
            action_id: action.id.clone(),
            customer_id: action.customer_id.clone(),
            sent_on: action.due_on,
            channel: channel.to_string(),
            to: to.to_vec(),
            subject: subject.to_string(),
            invoice_ids: action.invoice_ids.clone(),
            provider_id: provider_id.to_string(),
        };
        self.store.log_message(tenant, &entry).await
    }

    async fn config(&self, tenant: &str) -> Result<Option<TenantConfig>, StoreError> {
        if let Some(c) = self.cached_config(tenant) {
            return Ok(Some(c));
        }
        let Some(config) = self.store.tenant_config(tenant).await? else {
            return Ok(None);
        };
        if let Ok(mut cache) = self.configs.lock() {
            cache.insert(tenant.to_string(), config.clone());
        }
        Ok(Some(config))
    }

    fn cached_config(&self, tenant: &str) -> Option<TenantConfig> {
        self.configs.lock().ok()?.get(tenant).cloned()
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

fn failure(f: SendFailure) -> Outcome {
    if f.transient {
        Outcome::Retry(f.detail)
    } else {
        Outcome::Failed(f.detail)
    }
}

/// The AR team's task when a message could not go out because every
/// address it had is suppressed.
fn suppressed_task(action: &Action, addresses: &[String]) -> Task {
    Task {
        id: format!("{}:suppressed", action.id),
        customer_id: action.customer_id.clone(),
        invoice_ids: action.invoice_ids.clone(),
        kind: "task".into(),
        assignee: "ar_team".into(),
        title: format!(
            "Fix the e-mail contact of customer {}: {} suppressed",
            action.customer_id,
            addresses.join(", ")
        ),
        body: format!(
            "'{}' was not sent: every address bounced or complained before ({}).\nWhy it was due: {}\nFind a working contact and send it by hand.\n",
            action.template.as_deref().unwrap_or(action.kind.as_str()),
            addresses.join(", "),
            action.explanation
        ),
        due_on: action.due_on,
        status: TaskStatus::Open,
        outcome: None,
    }
}
