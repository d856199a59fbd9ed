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
    /// Per invoice (same order as `invoice_ids`), the step or event it was
    /// at in this message: a grouped reminder names each invoice at its own
    /// stage. Empty when every invoice was at `rule`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stages: Vec<String>,
}

impl SentRecord {
    /// The stage of the `i`-th invoice: its own, or the record's rule.
    pub fn stage_of(&self, i: usize) -> &str {
        self.stages
            .get(i)
            .map_or(self.rule.as_str(), String::as_str)
    }
}
