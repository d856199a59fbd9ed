//! The port every portal and AR team change goes through: the change and
//! its audit entry stored in one transaction, so the log never misses a
//! change nor records one that did not happen.

use super::{
    AuditEntry, ContactPrefs, Dispute, DisputeState, PaymentPlan, PlanState, PromiseToPay,
};
use crate::store::StoreError;

/// One state change a customer (portal) or the AR team (API) makes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// A new dispute; its id must be new.
    OpenDispute(Dispute),
    /// A dispute replaced, only if it is still in state `from`.
    MoveDispute {
        dispute: Dispute,
        from: DisputeState,
    },
    /// A new promise to pay (or scheduled payment); its id must be new.
    Promise(PromiseToPay),
    /// A new payment plan request; its id must be new.
    RequestPlan(PaymentPlan),
    /// A plan replaced, only if it is still in state `from`.
    MovePlan { plan: PaymentPlan, from: PlanState },
    /// A task that exists and is not done yet, marked done.
    CompleteTask { id: String, outcome: String },
    /// A customer's contact preferences, replaced.
    ContactPrefs {
        customer_id: String,
        prefs: ContactPrefs,
    },
    /// The next strategy version, only if the stored version is still
    /// `expected` (None: only if none is stored).
    Strategy {
        source: String,
        expected: Option<u64>,
    },
}

/// Stores changes with their audit entries, all or nothing.
pub trait ChangeStore {
    /// Applies `change` and appends `audit` in one transaction. `Ok(false)`,
    /// with nothing written, when the change's condition does not hold (an
    /// id that exists, a record that moved on, a task done or missing, a
    /// strategy version that changed). An error also writes nothing.
    fn commit(
        &mut self,
        tenant: &str,
        change: &Change,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError>;
}
