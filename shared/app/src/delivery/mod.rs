//! Delivering one action exactly once — the one use case every host calls
//! to send: `arflow run`, the dispatch Lambda, and the portal's immediate
//! messages (dispute acknowledgement, AR notice).
//!
//! claim the action id (conditional insert) → send through the
//! channel-typed [`Sender`] → record the claim's outcome, the sent log, the
//! communication log and any task in one write ([`DeliveryStore::complete`]).
//! A delivery that stops after the claim leaves a claim whose lease runs
//! out; the next delivery takes it over and asks the sender whether the
//! message went out ([`Sender::was_delivered`]): yes → recorded, no → sent,
//! cannot tell → recorded as unconfirmed with a task to check. A send the
//! provider may have taken before failing (`SendError::maybe_sent`) is
//! recorded the same way, never retried. No path sends twice.

pub mod contract;
mod fallback;
mod store;

use arflow_domain::ledger::Channel;
use arflow_domain::sent::SentRecord;
use arflow_domain::strategy::{Action, ActionKind};

pub use fallback::{suppressed_task, unconfirmed_task, unsupported_channel_task};
pub use store::{ClaimOutcome, ClaimStatus, Completion, DeliveryStore, LogEntry, suppression_key};

use crate::dispatch::{EmailMessage, Prepared, SendError, Sender, TextMessage};
use crate::store::{StoreError, Task};

/// How long a claim keeps other deliveries off an action, in seconds:
/// longer than a send with its retries, shorter than an SQS visibility
/// timeout.
pub const LEASE_SECS: i64 = 120;

/// Writes of a completion tried before giving up (the message is out by then).
const COMPLETE_ATTEMPTS: u32 = 3;

/// One attempt at delivering an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// Seconds since the Unix epoch: the claim's lease starts here.
    pub now: i64,
    /// Whether an action that failed permanently before gets another try
    /// (a rerun of `arflow run`, a message redriven from the dead-letter
    /// queue); otherwise its failure is reported again.
    pub retry_failed: bool,
}

/// How a delivery ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivered {
    /// Sent now on `channel`; the provider's message id.
    Sent {
        channel: Channel,
        provider_id: String,
    },
    /// Filed as a task for a person (an internal action, a notice, or the
    /// fallback for a message that cannot go out as planned).
    Task,
    /// Every address was suppressed: a task instead.
    Suppressed,
    /// An earlier delivery sent it and stopped before recording; recorded now.
    Recovered,
    /// An earlier delivery stopped after the claim and the provider cannot
    /// say whether it sent: not sent again, a task to check.
    Unconfirmed,
    /// Done by an earlier delivery; nothing repeated.
    AlreadyDone(ClaimStatus),
    /// A permanent failure (recorded on the claim).
    Failed(String),
}

/// A delivery that did not end; trying again later is safe.
#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    #[error(
        "action {0} is being delivered by another run; try again after its lease ({LEASE_SECS} s)"
    )]
    Busy(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("sending action {action_id}: {source} (will be retried)")]
    Transient {
        action_id: String,
        source: SendError,
    },
    #[error(
        "action {action_id} was sent but recording it failed: {source}; a retry after the lease records it without sending again"
    )]
    Unrecorded {
        action_id: String,
        source: StoreError,
    },
}

/// What an action becomes once the fallbacks apply.
enum Outgoing {
    Email(EmailMessage),
    Text(TextMessage),
    Task { task: Task, status: ClaimStatus },
}

/// Delivers one rendered action once. `prepared` is what the renderer made
/// of `action` ([`crate::dispatch::Renderer::prepare`]).
pub fn deliver<S: DeliveryStore + ?Sized>(
    store: &mut S,
    sender: &mut dyn Sender,
    tenant: &str,
    action: &Action,
    prepared: Prepared,
    attempt: Attempt,
) -> Result<Delivered, DeliverError> {
    let outgoing = outgoing(store, sender, tenant, action, prepared)?;
    let (customer, id) = (action.customer_id.as_str(), action.id.as_str());
    let take_over = |store: &mut S, from| -> Result<(), DeliverError> {
        match store.take_over(tenant, customer, id, from, attempt.now, LEASE_SECS)? {
            true => Ok(()),
            false => Err(DeliverError::Busy(id.to_string())),
        }
    };
    match store.claim(tenant, customer, id, attempt.now, LEASE_SECS)? {
        ClaimOutcome::Claimed => {}
        ClaimOutcome::Busy => return Err(DeliverError::Busy(id.to_string())),
        ClaimOutcome::Done(status) => return Ok(Delivered::AlreadyDone(status)),
        ClaimOutcome::Failed(reason) if !attempt.retry_failed => {
            return Ok(Delivered::Failed(reason));
        }
        ClaimOutcome::Failed(_) => take_over(store, ClaimStatus::Failed)?,
        ClaimOutcome::Stale => {
            take_over(store, ClaimStatus::Claimed)?;
            if !matches!(outgoing, Outgoing::Task { .. }) {
                match sender.was_delivered(id) {
                    Some(false) => {}
                    Some(true) => {
                        let c = completion(action, &outgoing, Some("recovered".into()));
                        record(store, tenant, id, &c)?;
                        return Ok(Delivered::Recovered);
                    }
                    None => {
                        record(store, tenant, id, &unconfirmed(action))?;
                        return Ok(Delivered::Unconfirmed);
                    }
                }
            }
        }
    }
    let sent = match &outgoing {
        Outgoing::Email(m) => sender.send_email(m).map(Some),
        Outgoing::Text(m) => sender.send_text(m).map(Some),
        Outgoing::Task { task, .. } if action.kind == ActionKind::Notify => sender.alert(task),
        Outgoing::Task { .. } => Ok(None),
    };
    let provider_id = match sent {
        Ok(p) => p,
        Err(e) if e.maybe_sent => {
            // Sending again could deliver it twice: a person checks.
            record(store, tenant, id, &unconfirmed(action))?;
            return Ok(Delivered::Unconfirmed);
        }
        Err(e) if e.transient => {
            store.release(tenant, customer, id)?;
            return Err(DeliverError::Transient {
                action_id: id.to_string(),
                source: e,
            });
        }
        Err(e) => {
            store.fail(tenant, customer, id, &e.detail)?;
            return Ok(Delivered::Failed(e.detail));
        }
    };
    let c = completion(action, &outgoing, provider_id.clone());
    record(store, tenant, id, &c)?;
    Ok(match outgoing {
        Outgoing::Email(_) => Delivered::Sent {
            channel: Channel::Email,
            provider_id: provider_id.unwrap_or_default(),
        },
        Outgoing::Text(m) => Delivered::Sent {
            channel: m.channel,
            provider_id: provider_id.unwrap_or_default(),
        },
        Outgoing::Task {
            status: ClaimStatus::Suppressed,
            ..
        } => Delivered::Suppressed,
        Outgoing::Task { .. } => Delivered::Task,
    })
}

/// The record of an action that may or may not have gone out: recorded
/// (never sent again) as unconfirmed, with a task for a person to check.
fn unconfirmed(action: &Action) -> Completion {
    Completion {
        record: SentRecord::from(action),
        status: ClaimStatus::Unconfirmed,
        provider_id: None,
        log: None,
        tasks: vec![unconfirmed_task(action)],
    }
}

/// The message as it will go out: a channel without a provider becomes a
/// task, suppressed e-mail addresses are dropped (all dropped: a task).
fn outgoing<S: DeliveryStore + ?Sized>(
    store: &S,
    sender: &dyn Sender,
    tenant: &str,
    action: &Action,
    prepared: Prepared,
) -> Result<Outgoing, StoreError> {
    let task = |task| Outgoing::Task {
        task,
        status: ClaimStatus::Task,
    };
    Ok(match prepared {
        Prepared::Task(t) => task(t),
        Prepared::Email(m) if !sender.supports(Channel::Email) => task(unsupported_channel_task(
            action,
            Channel::Email,
            &m.to,
            &m.text,
        )),
        Prepared::Email(mut m) => {
            let suppressed = store.suppressed(tenant, &m.to)?;
            m.to.retain(|a| !suppressed.contains(a));
            if m.to.is_empty() {
                Outgoing::Task {
                    task: suppressed_task(action, &suppressed),
                    status: ClaimStatus::Suppressed,
                }
            } else {
                Outgoing::Email(m)
            }
        }
        Prepared::Text(m) if !sender.supports(m.channel) => {
            task(unsupported_channel_task(action, m.channel, &m.to, &m.body))
        }
        Prepared::Text(m) => Outgoing::Text(m),
    })
}

fn completion(action: &Action, outgoing: &Outgoing, provider_id: Option<String>) -> Completion {
    let log = |channel, to: &[String], subject: &str| LogEntry {
        action_id: action.id.clone(),
        customer_id: action.customer_id.clone(),
        sent_on: action.due_on,
        channel,
        to: to.to_vec(),
        subject: subject.to_string(),
        invoice_ids: action.invoice_ids.clone(),
        provider_id: provider_id.clone().unwrap_or_default(),
    };
    let (status, log, tasks) = match outgoing {
        Outgoing::Email(m) => (
            ClaimStatus::Sent,
            Some(log(Channel::Email, &m.to, &m.subject)),
            vec![],
        ),
        Outgoing::Text(m) => (ClaimStatus::Sent, Some(log(m.channel, &m.to, "")), vec![]),
        Outgoing::Task { task, status } => (*status, None, vec![task.clone()]),
    };
    Completion {
        record: SentRecord::from(action),
        status,
        provider_id,
        log,
        tasks,
    }
}

/// Writes the completion, a few times if the store fails: the message may
/// be out already, so giving up early means a stale claim to resolve.
fn record<S: DeliveryStore + ?Sized>(
    store: &mut S,
    tenant: &str,
    action_id: &str,
    c: &Completion,
) -> Result<(), DeliverError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match store.complete(tenant, c) {
            Ok(()) => return Ok(()),
            Err(source) if attempt >= COMPLETE_ATTEMPTS => {
                return Err(DeliverError::Unrecorded {
                    action_id: action_id.to_string(),
                    source,
                });
            }
            Err(e) => {
                tracing::warn!(action_id, attempt, "recording a delivery failed: {e}");
                std::thread::sleep(std::time::Duration::from_millis(50 * u64::from(attempt)));
            }
        }
    }
}
