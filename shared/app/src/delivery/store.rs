//! The delivery port: a claim per action id (so two deliveries of the same
//! action never both send), the customer communication log, and the
//! suppression list of addresses that bounced or complained.

use arflow_domain::ledger::Channel;
use arflow_domain::sent::SentRecord;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::store::{StoreError, Task};

/// Where an action's delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimStatus {
    /// A delivery holds it until its lease runs out.
    Claimed,
    /// Given back before anything was sent: the next delivery takes it.
    Released,
    /// Sent to the customer.
    Sent,
    /// Filed as a task for a person.
    Task,
    /// Every address was suppressed: not sent, the AR team has a task.
    Suppressed,
    /// An earlier delivery stopped between the send and its record and the
    /// provider cannot tell whether it went out: not sent again, the AR
    /// team has a task to check.
    Unconfirmed,
    /// A permanent failure (recorded; a redrive gets one more try).
    Failed,
}

impl ClaimStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Claimed => "claimed",
            Self::Released => "released",
            Self::Sent => "sent",
            Self::Task => "task",
            Self::Suppressed => "suppressed",
            Self::Unconfirmed => "unconfirmed",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<ClaimStatus> {
        [
            Self::Claimed,
            Self::Released,
            Self::Sent,
            Self::Task,
            Self::Suppressed,
            Self::Unconfirmed,
            Self::Failed,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }

    /// A delivery ended in this status; the action is never sent again.
    pub fn is_done(&self) -> bool {
        matches!(
            self,
            Self::Sent | Self::Task | Self::Suppressed | Self::Unconfirmed
        )
    }
}

/// What trying to claim an action found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// This caller holds the action now.
    Claimed,
    /// Another delivery holds an unexpired claim.
    Busy,
    /// A claim whose lease ran out without an outcome: an earlier delivery
    /// stopped, perhaps after sending. Take it over with
    /// [`DeliveryStore::take_over`] and find out.
    Stale,
    /// Delivered before.
    Done(ClaimStatus),
    /// A permanent failure was recorded, with its reason.
    Failed(String),
}

impl ClaimOutcome {
    /// What a stored claim means to a delivery at `now`: an unfinished
    /// claim past its lease is stale, one within it busy.
    pub fn of_stored(
        status: ClaimStatus,
        lease: i64,
        reason: Option<String>,
        now: i64,
    ) -> ClaimOutcome {
        match status {
            ClaimStatus::Claimed | ClaimStatus::Released if lease < now => ClaimOutcome::Stale,
            ClaimStatus::Claimed | ClaimStatus::Released => ClaimOutcome::Busy,
            ClaimStatus::Failed => ClaimOutcome::Failed(reason.unwrap_or_default()),
            done => ClaimOutcome::Done(done),
        }
    }
}

/// One message in a customer's communication log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    pub action_id: String,
    pub customer_id: String,
    pub sent_on: NaiveDate,
    pub channel: Channel,
    pub to: Vec<String>,
    /// The e-mail subject; empty for text messages.
    pub subject: String,
    pub invoice_ids: Vec<String>,
    /// The provider's id (SES or SNS message id, the outbox file).
    pub provider_id: String,
}

/// How a claimed action ended, written all at once by
/// [`DeliveryStore::complete`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    /// The planner's memory of the action (the sent log).
    pub record: SentRecord,
    /// A done status ([`ClaimStatus::is_done`]).
    pub status: ClaimStatus,
    /// The provider's message id, when one was sent.
    pub provider_id: Option<String>,
    /// The communication-log entry, when a message went to the customer.
    pub log: Option<LogEntry>,
    /// Tasks for people (the action's own, or the fallback's).
    pub tasks: Vec<Task>,
}

/// Claims, completions, the communication log and the suppression list of
/// a tenant. SQLite and DynamoDB both implement it and pass
/// [`crate::delivery::contract::run_delivery_store_contract`].
pub trait DeliveryStore {
    /// Claims `action_id` until `now + lease_secs` (epoch seconds): a
    /// conditional insert that succeeds when the action was never claimed
    /// or was released.
    fn claim(
        &mut self,
        tenant: &str,
        customer_id: &str,
        action_id: &str,
        now: i64,
        lease_secs: i64,
    ) -> Result<ClaimOutcome, StoreError>;

    /// Takes over a claim found [`ClaimOutcome::Stale`] (`from` =
    /// `Claimed`, only if its lease ran out before `now`) or
    /// [`ClaimOutcome::Failed`] (`from` = `Failed`); false when it changed
    /// in between (another delivery took it).
    fn take_over(
        &mut self,
        tenant: &str,
        customer_id: &str,
        action_id: &str,
        from: ClaimStatus,
        now: i64,
        lease_secs: i64,
    ) -> Result<bool, StoreError>;

    /// Gives a claim back, nothing having been sent.
    fn release(
        &mut self,
        tenant: &str,
        customer_id: &str,
        action_id: &str,
    ) -> Result<(), StoreError>;

    /// Records a permanent failure on the claim.
    fn fail(
        &mut self,
        tenant: &str,
        customer_id: &str,
        action_id: &str,
        reason: &str,
    ) -> Result<(), StoreError>;

    /// Ends the claim with `c.status` and records the sent record, the log
    /// entry and the tasks — all or nothing (one transaction).
    fn complete(&mut self, tenant: &str, c: &Completion) -> Result<(), StoreError>;

    /// Adds an address to the suppression list; true when it is new.
    fn suppress(&mut self, tenant: &str, address: &str, reason: &str) -> Result<bool, StoreError>;

    /// The addresses among `addresses` that are suppressed (as given;
    /// compared without case and surrounding space).
    fn suppressed(&self, tenant: &str, addresses: &[String]) -> Result<Vec<String>, StoreError>;

    /// A customer's communication log, oldest first (by day, then action id).
    fn communications(&self, tenant: &str, customer_id: &str) -> Result<Vec<LogEntry>, StoreError>;
}

/// An address as the suppression list keys it.
pub fn suppression_key(address: &str) -> String {
    address.trim().to_ascii_lowercase()
}
