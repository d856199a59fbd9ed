//! The sent log, indexed for the planner: what each invoice and customer has
//! already had, so a step is never sent twice and guards can look back.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use crate::sent::SentRecord;

use super::action::ActionKind;

/// Rule names the planner writes; the sent log is read back through them.
pub mod rule {
    pub const FINAL_NOTICE: &str = "final_notice";
    pub const INVOICE_NOTIFICATION: &str = "event:invoice_notification";
    pub const THANK_YOU: &str = "event:thank_you";
    pub const ONBOARDING: &str = "event:onboarding";
    pub const ONBOARDING_CALL: &str = "event:onboarding_call";
    pub const DISPUTE_ACK: &str = "event:dispute_ack";
    pub const DISPUTE_ESCALATION: &str = "event:dispute_escalation";
    pub const DISPUTE_RESOLVED: &str = "event:dispute_resolved";
    pub const STATEMENT: &str = "event:statement";
    pub const CREDIT_HOLD: &str = "credit:hold";
    pub const CREDIT_RELEASE: &str = "credit:release";
    pub const CREDIT_REVIEW: &str = "credit:review";
    pub const TOUCH_BASE: &str = "white_glove:touch_base";
    pub const REMINDER_PREFIX: &str = "reminder:";
    pub const CADENCE_PREFIX: &str = "cadence:";
    pub const ESCALATION_PREFIX: &str = "escalation:";

    /// Whether the rule is a dunning step (reminder, cadence or final notice).
    pub fn is_dunning(rule: &str) -> bool {
        rule == FINAL_NOTICE
            || rule.starts_with(REMINDER_PREFIX)
            || rule.starts_with(CADENCE_PREFIX)
    }
}

/// What one invoice has had.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InvoiceMemory {
    /// Last day a dunning message to the customer covered it.
    pub last_external_dunning: Option<NaiveDate>,
    /// Last day an internal dunning task (call, notification) covered it.
    pub last_internal_dunning: Option<NaiveDate>,
    pub notified: bool,
    pub thanked: bool,
    pub dispute_ack: Option<NaiveDate>,
    pub dispute_escalated: bool,
    pub dispute_resolved: bool,
    /// Escalation rules already fired for it.
    pub escalations: Vec<String>,
    /// The dunning steps (rules) it was itself at in a message (or in a
    /// task standing in for one), each once, in the order first sent.
    pub steps: Vec<String>,
}

/// What one customer has had.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CustomerMemory {
    /// Last day any automated message went to the customer.
    pub last_external: Option<NaiveDate>,
    /// Last day a dunning message went to the customer.
    pub last_dunning: Option<NaiveDate>,
    /// Every day a dunning message went to the customer, ascending.
    pub dunning_days: Vec<NaiveDate>,
    /// Last day its reminders were handed to a person instead (opted out
    /// of every channel).
    pub last_handover: Option<NaiveDate>,
    pub onboarded: bool,
    pub onboarding_called: bool,
    /// Whether any of its invoices had a dispute acknowledged.
    pub has_disputes: bool,
    pub last_statement: Option<NaiveDate>,
    pub last_review: Option<NaiveDate>,
    pub last_touch_base: Option<NaiveDate>,
    /// The latest credit hold or release: (day, order in the log, is a hold).
    credit: Option<(NaiveDate, u64, bool)>,
}

impl CustomerMemory {
    /// Whether the last credit action was a hold (not yet released).
    pub fn on_hold(&self) -> bool {
        self.credit.is_some_and(|(_, _, hold)| hold)
    }
}

/// The sent log, indexed by invoice, customer and action id.
#[derive(Clone, Debug, Default)]
pub struct SentIndex {
    invoices: HashMap<String, InvoiceMemory>,
    customers: HashMap<String, CustomerMemory>,
    ids: HashSet<String>,
    seq: u64,
}

fn later(slot: &mut Option<NaiveDate>, d: NaiveDate) {
    if slot.is_none_or(|s| s < d) {
        *slot = Some(d);
    }
}

impl SentIndex {
    pub fn new(records: &[SentRecord]) -> SentIndex {
        let mut idx = SentIndex::default();
        for r in records {
            idx.record(r);
        }
        idx
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn contains_id(&self, id: &str) -> bool {
        self.ids.contains(id)
    }

    pub fn invoice(&self, invoice_id: &str) -> Option<&InvoiceMemory> {
        self.invoices.get(invoice_id)
    }

    pub fn customer(&self, customer_id: &str) -> Option<&CustomerMemory> {
        self.customers.get(customer_id)
    }

    /// Adds one record (records may come in any order).
    pub fn record(&mut self, r: &SentRecord) {
        self.seq += 1;
        self.ids.insert(r.action_id.clone());
        let external = r.kind.is_external();
        let rule = r.rule.as_str();
        let day = r.sent_on;
        let c = self.customers.entry(r.customer_id.clone()).or_default();
        if external {
            later(&mut c.last_external, day);
        }
        match rule {
            _ if rule::is_dunning(rule) && r.kind == ActionKind::Task => {
                later(&mut c.last_handover, day);
            }
            _ if rule::is_dunning(rule) && external => {
                later(&mut c.last_dunning, day);
                if let Err(at) = c.dunning_days.binary_search(&day) {
                    c.dunning_days.insert(at, day);
                }
            }
            rule::ONBOARDING => c.onboarded = true,
            rule::ONBOARDING_CALL => c.onboarding_called = true,
            rule::DISPUTE_ACK => c.has_disputes = true,
            rule::STATEMENT => later(&mut c.last_statement, day),
            rule::CREDIT_REVIEW => later(&mut c.last_review, day),
            rule::TOUCH_BASE => later(&mut c.last_touch_base, day),
            rule::CREDIT_HOLD | rule::CREDIT_RELEASE => {
                let entry = (day, self.seq, rule == rule::CREDIT_HOLD);
                if c.credit.is_none_or(|(d, s, _)| (d, s) < (entry.0, entry.1)) {
                    c.credit = Some(entry);
                }
            }
            _ => {}
        }
        if rule == rule::STATEMENT {
            return;
        }
        // A task standing in for a message (the customer opted out of every
        // channel) moves the invoice along its steps as the message would.
        let stands_in = r.kind == ActionKind::Task;
        for (i, id) in r.invoice_ids.iter().enumerate() {
            let stage = r.stage_of(i);
            let m = self.invoices.entry(id.clone()).or_default();
            match stage {
                _ if rule::is_dunning(stage) => {
                    if external || stands_in {
                        later(&mut m.last_external_dunning, day);
                        if !m.steps.iter().any(|s| s == stage) {
                            m.steps.push(stage.to_string());
                        }
                    } else {
                        later(&mut m.last_internal_dunning, day);
                    }
                }
                rule::INVOICE_NOTIFICATION => m.notified = true,
                rule::THANK_YOU => m.thanked = true,
                rule::DISPUTE_ACK => later(&mut m.dispute_ack, day),
                rule::DISPUTE_ESCALATION => m.dispute_escalated = true,
                rule::DISPUTE_RESOLVED => m.dispute_resolved = true,
                _ if stage.starts_with(rule::ESCALATION_PREFIX)
                    && !m.escalations.iter().any(|e| e == stage) =>
                {
                    m.escalations.push(stage.to_string());
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::action::ActionKind;

    fn rec(id: &str, rule: &str, kind: ActionKind, invoices: &[&str], day: &str) -> SentRecord {
        SentRecord {
            action_id: id.into(),
            customer_id: "C".into(),
            invoice_ids: invoices.iter().map(|s| s.to_string()).collect(),
            rule: rule.into(),
            kind,
            channel: None,
            sent_on: day.parse().unwrap(),
            stages: Vec::new(),
        }
    }

    #[test]
    fn external_and_internal_dunning_are_remembered_apart() {
        let idx = SentIndex::new(&[
            rec(
                "1",
                "cadence:61-90",
                ActionKind::Email,
                &["A", "B"],
                "2024-03-01",
            ),
            rec(
                "2",
                "cadence:61-90",
                ActionKind::CallTask,
                &["A"],
                "2024-03-05",
            ),
        ]);
        let a = idx.invoice("A").unwrap();
        assert_eq!(a.last_external_dunning, "2024-03-01".parse().ok());
        assert_eq!(a.last_internal_dunning, "2024-03-05".parse().ok());
        let c = idx.customer("C").unwrap();
        assert_eq!(c.last_dunning, "2024-03-01".parse().ok());
        assert_eq!(c.last_external, "2024-03-01".parse().ok());
        assert!(idx.contains_id("2"));
    }

    #[test]
    fn the_latest_credit_action_decides_the_hold() {
        let mut idx = SentIndex::new(&[
            rec(
                "1",
                rule::CREDIT_HOLD,
                ActionKind::CreditHold,
                &[],
                "2024-03-01",
            ),
            rec(
                "2",
                rule::CREDIT_RELEASE,
                ActionKind::CreditRelease,
                &[],
                "2024-03-09",
            ),
        ]);
        assert!(!idx.customer("C").unwrap().on_hold());
        idx.record(&rec(
            "3",
            rule::CREDIT_HOLD,
            ActionKind::CreditHold,
            &[],
            "2024-03-20",
        ));
        assert!(idx.customer("C").unwrap().on_hold());
        // An older record read late does not undo the newer one.
        idx.record(&rec(
            "4",
            rule::CREDIT_RELEASE,
            ActionKind::CreditRelease,
            &[],
            "2024-03-10",
        ));
        assert!(idx.customer("C").unwrap().on_hold());
    }

    #[test]
    fn escalations_are_remembered_per_invoice_and_rule() {
        let idx = SentIndex::new(&[
            rec(
                "1",
                "escalation:collections",
                ActionKind::Notify,
                &["A"],
                "2024-03-01",
            ),
            rec(
                "2",
                "escalation:collections",
                ActionKind::Task,
                &["A"],
                "2024-03-01",
            ),
        ]);
        assert_eq!(
            idx.invoice("A").unwrap().escalations,
            vec!["escalation:collections"]
        );
        assert!(idx.invoice("B").is_none());
    }
}
