//! Disputes and their life cycle: open → acknowledged → escalated →
//! resolved or rejected, with notes and an owner.

use serde::{Deserialize, Serialize};

/// Where a dispute stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisputeState {
    Open,
    Acknowledged,
    Escalated,
    Resolved,
    Rejected,
}

impl DisputeState {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Acknowledged => "acknowledged",
            Self::Escalated => "escalated",
            Self::Resolved => "resolved",
            Self::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<DisputeState> {
        Some(match s {
            "open" => Self::Open,
            "acknowledged" => Self::Acknowledged,
            "escalated" => Self::Escalated,
            "resolved" => Self::Resolved,
            "rejected" => Self::Rejected,
            _ => return None,
        })
    }

    /// Still being worked on: it pauses dunning.
    pub fn is_active(&self) -> bool {
        matches!(self, Self::Open | Self::Acknowledged | Self::Escalated)
    }

    /// The states this one may move to. Open may be rejected at once (spam,
    /// a duplicate) but must be acknowledged before it is escalated or
    /// resolved; resolved and rejected are final.
    pub fn next(&self) -> &'static [DisputeState] {
        match self {
            Self::Open => &[Self::Acknowledged, Self::Rejected],
            Self::Acknowledged => &[Self::Escalated, Self::Resolved, Self::Rejected],
            Self::Escalated => &[Self::Resolved, Self::Rejected],
            Self::Resolved | Self::Rejected => &[],
        }
    }
}

/// A transition the life cycle does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("dispute '{id}' is {from}; it cannot become {to} (allowed: {allowed})", from = from.as_str(), to = to.as_str())]
pub struct TransitionError {
    pub id: String,
    pub from: DisputeState,
    pub to: DisputeState,
    pub allowed: String,
}

/// A customer's dispute of an invoice, or part of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dispute {
    pub id: String,
    pub customer_id: String,
    pub invoice_id: String,
    pub reason: String,
    /// Disputed amount in minor units of the invoice's currency.
    pub amount: i64,
    pub message: String,
    pub state: DisputeState,
    /// Who works it (an AR team member), once assigned.
    pub owner: Option<String>,
    /// Notes in the order they were added: "state: note".
    pub notes: Vec<String>,
    /// Seconds since the Unix epoch.
    pub opened_at: i64,
    pub updated_at: i64,
}

impl Dispute {
    /// Moves the dispute to `to`, adding `note` and taking `owner` when
    /// given; an invalid transition changes nothing.
    pub fn transition(
        &mut self,
        to: DisputeState,
        note: Option<&str>,
        owner: Option<&str>,
        now: i64,
    ) -> Result<(), TransitionError> {
        if !self.state.next().contains(&to) {
            return Err(TransitionError {
                id: self.id.clone(),
                from: self.state,
                to,
                allowed: match self.state.next() {
                    [] => "none, it is closed".to_string(),
                    list => list
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                },
            });
        }
        self.state = to;
        if let Some(o) = owner.filter(|o| !o.trim().is_empty()) {
            self.owner = Some(o.trim().to_string());
        }
        if let Some(n) = note.filter(|n| !n.trim().is_empty()) {
            self.notes.push(format!("{}: {}", to.as_str(), n.trim()));
        }
        self.updated_at = now;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dispute() -> Dispute {
        Dispute {
            id: "D1".into(),
            customer_id: "C1".into(),
            invoice_id: "INV-1".into(),
            reason: "wrong quantity".into(),
            amount: 1000,
            message: String::new(),
            state: DisputeState::Open,
            owner: None,
            notes: vec![],
            opened_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn dispute_walks_open_acknowledged_escalated_resolved_with_notes_and_owner() {
        let mut d = dispute();
        d.transition(DisputeState::Acknowledged, Some("looking"), Some("ana"), 1)
            .unwrap();
        d.transition(DisputeState::Escalated, None, None, 2)
            .unwrap();
        d.transition(DisputeState::Resolved, Some("credit note"), None, 3)
            .unwrap();
        assert_eq!(d.state, DisputeState::Resolved);
        assert_eq!(d.owner.as_deref(), Some("ana"));
        assert_eq!(d.notes, ["acknowledged: looking", "resolved: credit note"]);
        assert_eq!(d.updated_at, 3);
    }

    #[test]
    fn invalid_dispute_transitions_are_errors_and_change_nothing() {
        let mut d = dispute();
        let e = d
            .transition(DisputeState::Resolved, Some("x"), None, 1)
            .unwrap_err();
        assert_eq!(e.allowed, "acknowledged, rejected");
        assert_eq!(d, dispute());
        d.transition(DisputeState::Rejected, None, None, 1).unwrap();
        let e = d.transition(DisputeState::Open, None, None, 2).unwrap_err();
        assert!(e.to_string().contains("closed"), "{e}");
        assert!(
            d.transition(DisputeState::Acknowledged, None, None, 2)
                .is_err()
        );
    }

    #[test]
    fn only_open_acknowledged_and_escalated_disputes_are_active() {
        use DisputeState::*;
        let active: Vec<_> = [Open, Acknowledged, Escalated, Resolved, Rejected]
            .into_iter()
            .filter(|s| s.is_active())
            .collect();
        assert_eq!(active, [Open, Acknowledged, Escalated]);
        assert_eq!(DisputeState::parse("escalated"), Some(Escalated));
        assert_eq!(DisputeState::parse("nope"), None);
    }
}
