//! What travels on the dispatch queue: one planned action per message (with
//! everything dispatch needs to render and send it), or, for a fanned-out
//! daily run, one planning shard to plan.

use arflow_domain::ledger::Channel;
use arflow_domain::strategy::{Action, ActionKind, Recipients, Role, Tone};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A queue message body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QueueMessage {
    /// Dispatch one action.
    Action {
        tenant: String,
        /// The daily run that planned it (for tracing).
        execution_id: String,
        action: Box<ActionWire>,
    },
    /// Plan one planning shard of a fanned-out tenant and enqueue its actions.
    PlanShard {
        tenant: String,
        execution_id: String,
        as_of: NaiveDate,
        shard: u32,
    },
}

/// An `Action` with every field (the documented JSON shape leaves out the
/// tone and the day, which dispatch needs).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionWire {
    pub id: String,
    /// On the wire as [`ActionKind::as_str`] ("email", "call_task", …); a
    /// message with any other kind is not a queue message.
    pub kind: ActionKind,
    pub customer_id: String,
    pub invoice_ids: Vec<String>,
    pub rule: String,
    pub channel: Option<Channel>,
    #[serde(default)]
    pub recipients: Option<Vec<String>>,
    #[serde(default)]
    pub role: Option<Role>,
    pub template: Option<String>,
    pub scheduled_for: String,
    pub due_on: NaiveDate,
    pub explanation: String,
    pub tone: Tone,
    /// Each invoice's own stage in a grouped reminder (empty: all at `rule`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stages: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped_steps: Vec<String>,
    #[serde(default)]
    pub reminded_before: bool,
}

/// A message that is not a valid action.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("action {id}: {reason}")]
pub struct WireError {
    pub id: String,
    pub reason: String,
}

impl From<&Action> for ActionWire {
    fn from(a: &Action) -> ActionWire {
        let (recipients, role) = match &a.recipients {
            Recipients::Addresses(v) => (Some(v.clone()), None),
            Recipients::Role(r) => (None, Some(*r)),
        };
        ActionWire {
            id: a.id.clone(),
            kind: a.kind,
            customer_id: a.customer_id.clone(),
            invoice_ids: a.invoice_ids.clone(),
            rule: a.rule.clone(),
            channel: a.channel,
            recipients,
            role,
            template: a.template.clone(),
            scheduled_for: a.scheduled_for.clone(),
            due_on: a.due_on,
            explanation: a.explanation.clone(),
            tone: a.tone,
            stages: a.stages.clone(),
            skipped_steps: a.skipped_steps.clone(),
            reminded_before: a.reminded_before,
        }
    }
}

impl TryFrom<ActionWire> for Action {
    type Error = WireError;

    fn try_from(w: ActionWire) -> Result<Action, WireError> {
        let fail = |reason: String| WireError {
            id: w.id.clone(),
            reason,
        };
        let recipients = match (&w.recipients, w.role) {
            (Some(v), None) => Recipients::Addresses(v.clone()),
            (None, Some(r)) => Recipients::Role(r),
            _ => return Err(fail("needs exactly one of recipients and role".into())),
        };
        if !w.stages.is_empty() && w.stages.len() != w.invoice_ids.len() {
            return Err(fail(format!(
                "{} stages for {} invoices",
                w.stages.len(),
                w.invoice_ids.len()
            )));
        }
        Ok(Action {
            id: w.id,
            kind: w.kind,
            customer_id: w.customer_id,
            invoice_ids: w.invoice_ids,
            rule: w.rule,
            channel: w.channel,
            recipients,
            template: w.template,
            scheduled_for: w.scheduled_for,
            due_on: w.due_on,
            explanation: w.explanation,
            tone: w.tone,
            stages: w.stages,
            skipped_steps: w.skipped_steps,
            reminded_before: w.reminded_before,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(recipients: Recipients) -> Action {
        Action {
            id: "a1".into(),
            kind: ActionKind::Email,
            customer_id: "C1".into(),
            invoice_ids: vec!["INV-7".into()],
            rule: "cadence:31-60 weekly".into(),
            channel: Some(Channel::Email),
            recipients,
            template: Some("cadence_reminder".into()),
            scheduled_for: "2024-02-01T09:00:00-05:00".into(),
            due_on: "2024-02-01".parse().unwrap(),
            explanation: "INV-7 is 31 days past due".into(),
            tone: Tone::Firm,
            stages: Vec::new(),
            skipped_steps: Vec::new(),
            reminded_before: false,
        }
    }

    #[test]
    fn an_action_survives_the_queue() {
        for r in [
            Recipients::Addresses(vec!["ap@x.example".into()]),
            Recipients::Role(Role::ArManager),
        ] {
            let a = action(r);
            let msg = QueueMessage::Action {
                tenant: "acme".into(),
                execution_id: "e1".into(),
                action: Box::new(ActionWire::from(&a)),
            };
            let back: QueueMessage =
                serde_json::from_str(&serde_json::to_string(&msg).unwrap()).unwrap();
            let QueueMessage::Action { action, .. } = back else {
                panic!("not an action")
            };
            assert_eq!(Action::try_from(*action).unwrap(), a);
        }
    }

    #[test]
    fn kinds_travel_as_their_names_and_an_unknown_one_is_refused() {
        let w = ActionWire::from(&action(Recipients::Role(Role::ArTeam)));
        let mut v = serde_json::to_value(&w).unwrap();
        assert_eq!(v["kind"], "email");
        assert_eq!(v["channel"], "email");
        v["kind"] = "call_task".into();
        let back: ActionWire = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(back.kind, ActionKind::CallTask);
        v["kind"] = "fax".into();
        let err = serde_json::from_value::<ActionWire>(v).unwrap_err();
        assert!(err.to_string().contains("fax"), "{err}");
    }

    #[test]
    fn a_malformed_action_is_refused_with_its_id() {
        let mut w = ActionWire::from(&action(Recipients::Role(Role::ArTeam)));
        w.recipients = Some(vec!["ap@x.example".into()]);
        assert_eq!(
            Action::try_from(w).unwrap_err().to_string(),
            "action a1: needs exactly one of recipients and role"
        );
    }
}
