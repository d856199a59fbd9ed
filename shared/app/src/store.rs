//! The store port: what the use cases need from a tenant's ledger store.
//!
//! One small, synchronous, object-safe trait. SQLite (`arflow-local`) stands
//! behind it on a laptop, DynamoDB in AWS; both pass the same contract tests
//! (`crate::contract`).

use arflow_domain::ledger::{Customer, Invoice};
use arflow_domain::sent::SentRecord;
use arflow_domain::strategy::action::ActionKind;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Why an invoice version is being recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// First time the store sees the invoice.
    New,
    /// The ledger now says something else about it.
    Changed,
    /// A snapshot no longer lists it: settled on the snapshot's date.
    Closed,
}

impl ChangeKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Changed => "changed",
            Self::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<ChangeKind> {
        match s {
            "new" => Some(Self::New),
            "changed" => Some(Self::Changed),
            "closed" => Some(Self::Closed),
            _ => None,
        }
    }
}

/// One new version of an invoice and the day from which it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceChange {
    pub kind: ChangeKind,
    /// `None` = since ever (an invoice's first version).
    pub effective: Option<NaiveDate>,
    pub invoice: Invoice,
}

/// Whether a task is still to be done.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    #[default]
    Open,
    Done,
}

impl TaskStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<TaskStatus> {
        match s {
            "open" => Some(Self::Open),
            "done" => Some(Self::Done),
            _ => None,
        }
    }
}

/// Work for a person: a call, an internal notification, a hand-over, a review.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// The id of the action that created it (so creating it twice is harmless).
    pub id: String,
    pub customer_id: String,
    pub invoice_ids: Vec<String>,
    /// The action kind (stored as "call_task", "notify", "task", "credit_hold", …).
    pub kind: ActionKind,
    /// A role ("ar_manager") or a person.
    pub assignee: String,
    pub title: String,
    pub body: String,
    pub due_on: NaiveDate,
    pub status: TaskStatus,
    /// What came of it, once done.
    pub outcome: Option<String>,
}

/// A store operation that failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The storage backend failed (I/O, locking, a service error).
    #[error("{operation}: {detail}")]
    Backend { operation: String, detail: String },
    /// Something stored cannot be read back as the domain type.
    #[error("stored {what} is unreadable: {detail}")]
    Corrupt { what: String, detail: String },
    /// A `New` change for an invoice the store already holds.
    #[error("invoice '{invoice_id}' of tenant '{tenant}' is already stored; it cannot be new")]
    AlreadyStored { tenant: String, invoice_id: String },
    /// A `Changed` or `Closed` change for an invoice the store does not hold.
    #[error("invoice '{invoice_id}' of tenant '{tenant}' is not stored; it can only be new")]
    NotStored { tenant: String, invoice_id: String },
    /// The store was written by a newer arflow.
    #[error(
        "the store has schema version {found}; this arflow knows up to {supported} (upgrade arflow)"
    )]
    SchemaTooNew { found: i64, supported: i64 },
}

/// A tenant's ledger, customers, sent log, tasks and ingested objects.
///
/// Every method takes the tenant; tenants never see each other's data.
pub trait LedgerStore {
    /// Calls `visit` with the latest version of every invoice.
    fn current_invoices(
        &self,
        tenant: &str,
        visit: &mut dyn FnMut(Invoice),
    ) -> Result<(), StoreError>;

    /// Calls `visit` with the latest version of every invoice of one
    /// customer. The default filters [`LedgerStore::current_invoices`];
    /// stores with an index by customer override it.
    fn customer_invoices(
        &self,
        tenant: &str,
        customer_id: &str,
        visit: &mut dyn FnMut(Invoice),
    ) -> Result<(), StoreError> {
        self.current_invoices(tenant, &mut |i| {
            if i.customer_id == customer_id {
                visit(i)
            }
        })
    }

    /// A cheap number that changes whenever the tenant's ledger does
    /// (invoices or customers), so reports computed from it can be cached;
    /// `None` when the store cannot tell cheaply (then nothing is cached).
    fn ledger_version(&self, _tenant: &str) -> Result<Option<u64>, StoreError> {
        Ok(None)
    }

    /// Calls `visit`, for every invoice, with the version that held on
    /// `as_of`: among the versions effective on or before `as_of` (a first
    /// version is effective since ever), the one recorded last. Recording
    /// order wins over effective order so that a later, back-dated version
    /// (a payment learned late) corrects what came before it.
    fn invoices_as_of(
        &self,
        tenant: &str,
        as_of: NaiveDate,
        visit: &mut dyn FnMut(Invoice),
    ) -> Result<(), StoreError>;

    /// Records invoice versions (current state and history) and upserts
    /// customers, all or nothing. A `New` change for a stored invoice, or a
    /// `Changed`/`Closed` one for an unknown invoice, fails the whole call.
    fn apply_changes(
        &mut self,
        tenant: &str,
        changes: &[InvoiceChange],
        customers: &[Customer],
    ) -> Result<(), StoreError>;

    /// Starts one ingest as a whole. A store that can (SQLite) makes every
    /// `apply_changes` until [`LedgerStore::finish_ingest`] one transaction,
    /// so an ingest killed midway leaves the previous snapshot and readers
    /// never see half of one. The default does nothing: DynamoDB writes
    /// batch by batch, and a redelivered ingest diffs and writes the rest.
    fn begin_ingest(&mut self) -> Result<(), StoreError> {
        Ok(())
    }

    /// Ends what [`LedgerStore::begin_ingest`] started: `commit` makes the
    /// ingest's changes visible, otherwise they are dropped.
    fn finish_ingest(&mut self, _commit: bool) -> Result<(), StoreError> {
        Ok(())
    }

    /// Every customer, ordered by id.
    fn customers(&self, tenant: &str) -> Result<Vec<Customer>, StoreError>;

    /// Everything sent so far, ordered by (sent_on, action_id).
    fn sent_log(&self, tenant: &str) -> Result<Vec<SentRecord>, StoreError>;

    /// Records sends; an action id already recorded is left as it was.
    /// Returns how many records were new.
    fn record_sent(&mut self, tenant: &str, records: &[SentRecord]) -> Result<usize, StoreError>;

    /// Adds tasks; a task id already stored is left as it was. Returns how
    /// many were new.
    fn insert_tasks(&mut self, tenant: &str, tasks: &[Task]) -> Result<usize, StoreError>;

    /// Every task, ordered by (due_on, id).
    fn tasks(&self, tenant: &str) -> Result<Vec<Task>, StoreError>;

    /// Marks a task done with its outcome; false when no such task exists.
    fn complete_task(&mut self, tenant: &str, id: &str, outcome: &str) -> Result<bool, StoreError>;

    /// Whether this object (key + digest) was ingested before.
    fn is_ingested(&self, tenant: &str, object_key: &str, digest: &str)
    -> Result<bool, StoreError>;

    /// Records that this object was ingested; true the first time.
    fn mark_ingested(
        &mut self,
        tenant: &str,
        object_key: &str,
        digest: &str,
    ) -> Result<bool, StoreError>;
}
