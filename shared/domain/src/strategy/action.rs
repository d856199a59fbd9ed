//! The planner's output: one thing to do today, with a deterministic id and a
//! reason a person can read.

use chrono::NaiveDate;
use serde::ser::{Serialize, SerializeMap, Serializer};
use sha2::{Digest, Sha256};

use crate::ledger::Channel;
use crate::sent::SentRecord;

use super::model::{Role, Tone};

/// What kind of thing an action is.
///
/// Stored and sent on the wire as [`ActionKind::as_str`] ("email",
/// "call_task", "credit_hold", …); serde uses the same names.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Email,
    Sms,
    Whatsapp,
    CallTask,
    Notify,
    Statement,
    CreditHold,
    CreditRelease,
    Task,
}

impl ActionKind {
    pub const ALL: [ActionKind; 9] = [
        Self::Email,
        Self::Sms,
        Self::Whatsapp,
        Self::CallTask,
        Self::Notify,
        Self::Statement,
        Self::CreditHold,
        Self::CreditRelease,
        Self::Task,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Sms => "sms",
            Self::Whatsapp => "whatsapp",
            Self::CallTask => "call_task",
            Self::Notify => "notify",
            Self::Statement => "statement",
            Self::CreditHold => "credit_hold",
            Self::CreditRelease => "credit_release",
            Self::Task => "task",
        }
    }

    pub fn parse(s: &str) -> Option<ActionKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The message kind that goes out on `channel`.
    pub fn message(channel: Channel) -> ActionKind {
        match channel {
            Channel::Email => Self::Email,
            Channel::Sms => Self::Sms,
            Channel::Whatsapp => Self::Whatsapp,
        }
    }

    /// Whether it is an automated message to the customer (as opposed to an
    /// internal task or notification).
    pub fn is_external(self) -> bool {
        matches!(
            self,
            Self::Email | Self::Sms | Self::Whatsapp | Self::Statement
        )
    }
}

/// The lower-case name of a channel ("email", "sms", "whatsapp").
pub fn channel_str(c: Channel) -> &'static str {
    c.as_str()
}

/// Who an action is for: the customer's addresses, or an internal role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recipients {
    /// Email addresses or phone numbers; empty when the customer has none on file.
    Addresses(Vec<String>),
    Role(Role),
}

/// One thing to do: a message, task, notification or credit flag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    /// Deterministic: same rule, customer, invoices and step day give the same id.
    pub id: String,
    pub kind: ActionKind,
    pub customer_id: String,
    /// Sorted.
    pub invoice_ids: Vec<String>,
    /// The rule or step that produced it ("cadence:31-60 weekly", "escalation:collections").
    pub rule: String,
    pub channel: Option<Channel>,
    pub recipients: Recipients,
    pub template: Option<String>,
    /// RFC 3339 with the recipient's zone offset, at the tenant's send hour.
    pub scheduled_for: String,
    /// The day the action is due (the planning day).
    pub due_on: NaiveDate,
    pub explanation: String,
    pub tone: Tone,
    /// A grouped reminder: per invoice (same order as `invoice_ids`), the
    /// step or event it is at. Empty when every invoice is at `rule`.
    pub stages: Vec<String>,
    /// Steps passed over for these invoices, each named with why
    /// ("step 'warning' (missed; latest sent)").
    pub skipped_steps: Vec<String>,
    /// A reminder about invoices that each had an earlier reminder (so a
    /// template may say "we have written to you before").
    pub reminded_before: bool,
}

impl Action {
    pub fn is_external(&self) -> bool {
        self.kind.is_external()
    }
}

/// Serializes to `{"id","kind","customer_id","invoice_ids","rule",
/// "channel","recipients"|"role","template","scheduled_for","explanation"}`,
/// plus `"stages"` (invoice id → stage) for a grouped reminder whose
/// invoices are at different stages and `"skipped_steps"` when any were.
impl Serialize for Action {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", &self.id)?;
        m.serialize_entry("kind", self.kind.as_str())?;
        m.serialize_entry("customer_id", &self.customer_id)?;
        m.serialize_entry("invoice_ids", &self.invoice_ids)?;
        m.serialize_entry("rule", &self.rule)?;
        m.serialize_entry("channel", &self.channel.map(channel_str))?;
        match &self.recipients {
            Recipients::Addresses(a) => m.serialize_entry("recipients", a)?,
            Recipients::Role(r) => m.serialize_entry("role", r.as_str())?,
        }
        m.serialize_entry("template", &self.template)?;
        m.serialize_entry("scheduled_for", &self.scheduled_for)?;
        m.serialize_entry("explanation", &self.explanation)?;
        if !self.stages.is_empty() {
            let stages: std::collections::BTreeMap<&str, &str> = self
                .invoice_ids
                .iter()
                .map(String::as_str)
                .zip(self.stages.iter().map(String::as_str))
                .collect();
            m.serialize_entry("stages", &stages)?;
        }
        if !self.skipped_steps.is_empty() {
            m.serialize_entry("skipped_steps", &self.skipped_steps)?;
        }
        m.end()
    }
}

impl From<&Action> for SentRecord {
    /// The record of having done `a` on its due day.
    fn from(a: &Action) -> SentRecord {
        SentRecord {
            action_id: a.id.clone(),
            customer_id: a.customer_id.clone(),
            invoice_ids: a.invoice_ids.clone(),
            rule: a.rule.clone(),
            kind: a.kind,
            channel: a.channel,
            sent_on: a.due_on,
            stages: a.stages.clone(),
        }
    }
}

/// What an action goes to, as part of its identity.
#[derive(Clone, Copy, Debug)]
pub enum Target {
    Channel(Channel),
    Role(Role),
}

/// The deterministic id: the first 16 bytes of SHA-256 over the kind, rule,
/// target, customer, sorted invoice ids and the step's nominal day, in hex.
pub fn action_id(
    kind: ActionKind,
    rule: &str,
    target: Target,
    customer_id: &str,
    sorted_invoice_ids: &[&str],
    nominal_day: Option<NaiveDate>,
) -> String {
    let mut h = Sha256::new();
    let mut field = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    field(kind.as_str().as_bytes());
    field(rule.as_bytes());
    field(match target {
        Target::Channel(c) => channel_str(c).as_bytes(),
        Target::Role(r) => r.as_str().as_bytes(),
    });
    field(customer_id.as_bytes());
    field(&(sorted_invoice_ids.len() as u64).to_le_bytes());
    for id in sorted_invoice_ids {
        field(id.as_bytes());
    }
    let mut day = String::with_capacity(10);
    if let Some(d) = nominal_day {
        crate::date::push_iso(&mut day, d);
    }
    field(day.as_bytes());
    let digest = h.finalize();
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(32);
    for b in &digest[..16] {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 0xf)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(recipients: Recipients) -> Action {
        Action {
            id: "abc".into(),
            kind: ActionKind::Email,
            customer_id: "C1".into(),
            invoice_ids: vec!["INV-7".into()],
            rule: "cadence:31-60 weekly".into(),
            channel: Some(Channel::Email),
            recipients,
            template: Some("cadence_reminder".into()),
            scheduled_for: "2024-02-01T09:00:00+00:00".into(),
            due_on: "2024-02-01".parse().unwrap(),
            explanation: "because".into(),
            tone: Tone::Firm,
            stages: Vec::new(),
            skipped_steps: Vec::new(),
            reminded_before: false,
        }
    }

    #[test]
    fn action_json_has_exactly_the_documented_keys() {
        let v =
            serde_json::to_value(sample(Recipients::Addresses(vec!["a@x.test".into()]))).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        let mut want = vec![
            "id",
            "kind",
            "customer_id",
            "invoice_ids",
            "rule",
            "channel",
            "recipients",
            "template",
            "scheduled_for",
            "explanation",
        ];
        let mut got = keys.clone();
        got.sort();
        want.sort();
        assert_eq!(got, want);
        assert_eq!(v["recipients"], serde_json::json!(["a@x.test"]));
        let v = serde_json::to_value(sample(Recipients::Role(Role::ArManager))).unwrap();
        assert_eq!(v["role"], "ar_manager");
        assert!(v.get("recipients").is_none());
    }

    #[test]
    fn ids_depend_on_every_part_but_not_on_invoice_order_given_sorted_input() {
        let d = "2024-01-01".parse().ok();
        let base = action_id(
            ActionKind::Email,
            "r",
            Target::Channel(Channel::Email),
            "C",
            &["A", "B"],
            d,
        );
        assert_eq!(base.len(), 32);
        assert_eq!(
            base,
            action_id(
                ActionKind::Email,
                "r",
                Target::Channel(Channel::Email),
                "C",
                &["A", "B"],
                d
            )
        );
        assert_ne!(
            base,
            action_id(
                ActionKind::Sms,
                "r",
                Target::Channel(Channel::Email),
                "C",
                &["A", "B"],
                d
            )
        );
        assert_ne!(
            base,
            action_id(
                ActionKind::Email,
                "r2",
                Target::Channel(Channel::Email),
                "C",
                &["A", "B"],
                d
            )
        );
        assert_ne!(
            base,
            action_id(
                ActionKind::Email,
                "r",
                Target::Channel(Channel::Email),
                "C",
                &["AB"],
                d
            )
        );
        assert_ne!(
            base,
            action_id(
                ActionKind::Email,
                "r",
                Target::Channel(Channel::Email),
                "C",
                &["A", "B"],
                None
            )
        );
    }

    #[test]
    fn serde_names_every_kind_as_as_str_and_round_trips() {
        for k in ActionKind::ALL {
            let json = serde_json::to_value(k).unwrap();
            assert_eq!(json, serde_json::Value::String(k.as_str().into()), "{k:?}");
            let back: ActionKind = serde_json::from_value(json).unwrap();
            assert_eq!(back, k);
            assert_eq!(ActionKind::parse(k.as_str()), Some(k));
        }
        assert!(serde_json::from_str::<ActionKind>("\"call-task\"").is_err());
        assert_eq!(ActionKind::parse("CallTask"), None);
    }

    #[test]
    fn a_sent_record_keeps_the_id_kind_and_day() {
        let a = sample(Recipients::Addresses(vec![]));
        let r = SentRecord::from(&a);
        assert_eq!(r.action_id, "abc");
        assert_eq!(r.kind, ActionKind::Email);
        assert_eq!(r.channel, Some(Channel::Email));
        assert_eq!(r.sent_on, a.due_on);
    }
}
