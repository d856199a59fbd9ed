//! What was already sent: the planner's memory, so nothing goes out twice.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ledger::Channel;
use crate::strategy::action::ActionKind;

/// One action that was dispatched (or recorded as done) on a day.
///
/// `action_id` is the planner's deterministic id; a store keeps at most one
/// record per id, which is what makes a retried run harmless.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentRecord {
    pub action_id: String,
    pub customer_id: String,
    pub invoice_ids: Vec<String>,
    /// The strategy rule or step that produced it ("reminder:due_today").
    pub rule: String,
    /// The action kind (stored as "email", "call_task", "notify", …).
    pub kind: ActionKind,
    /// The channel for external messages (stored as "email", "sms", "whatsapp").
    pub channel: Option<Channel>,
    /// The day it was sent (the as-of date of the run that sent it).
    pub sent_on: NaiveDate,
}
