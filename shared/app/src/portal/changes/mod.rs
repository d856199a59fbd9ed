//! The portal's and the AR team's state changes as use cases: each checks
//! its input, reads what it needs, and stores the change with its audit
//! entry through [`ChangeStore::commit`] (one transaction). Hosts map HTTP
//! (or a CLI) to these and [`ChangeError`] back to a status; they hold no
//! rule of their own.

mod customer;
mod team;

pub use customer::{
    DisputeFiling, NewAttachment, PROMISE_GRACE_DAYS, PROMISE_MAX_DAYS, file_dispute,
    record_promise, request_plan, set_contact_prefs,
};
pub use team::{OUTCOMES, complete_task, move_dispute, move_plan, put_strategy};

use super::{AttachmentError, AuditEntry, PlanError};
use crate::store::StoreError;

/// Why a change was not made; nothing was stored.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// What it names does not exist (or is not the caller's).
    #[error("{0}")]
    NotFound(String),
    /// The record is not in a state that allows it, or moved on meanwhile.
    #[error("{0}")]
    Conflict(String),
    /// The input breaks a rule; the message says which, for a person.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    Attachment(#[from] AttachmentError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An audit entry.
fn entry(at: i64, actor: &str, action: &str, target: String, detail: String) -> AuditEntry {
    AuditEntry {
        at,
        actor: actor.to_string(),
        action: action.to_string(),
        target,
        detail,
    }
}

/// The actor of a customer's own change.
fn customer_actor(customer_id: &str) -> String {
    format!("customer:{customer_id}")
}
