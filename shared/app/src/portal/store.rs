//! The portal's store port: disputes, promises, used magic links, sessions,
//! API keys, contact preferences and the audit log. Kept apart from
//! [`crate::store::LedgerStore`] so ledger adapters need not grow with it.

use arflow_domain::ledger::Channel;
use serde::{Deserialize, Serialize};

use super::{ApiKey, Dispute, DisputeState, PromiseToPay};
use crate::store::StoreError;

/// A signed-in customer. The cookie holds the session id; the store keeps
/// only its hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub id_hash: String,
    pub tenant: String,
    pub customer_id: String,
    /// The token every form of this session must post back.
    pub csrf: String,
    pub expires_at: i64,
}

/// How a customer wants to be reached.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactPrefs {
    /// E-mail or SMS (stored as "email" / "sms").
    pub channel: Channel,
    /// Language tag ("en", "de"); the tenant's when absent.
    pub language: Option<String>,
    pub sms_opt_out: bool,
}

impl Default for ContactPrefs {
    /// E-mail, the tenant's language, text messages allowed.
    fn default() -> Self {
        ContactPrefs {
            channel: Channel::Email,
            language: None,
            sms_opt_out: false,
        }
    }
}

/// Who changed what, when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Seconds since the Unix epoch.
    pub at: i64,
    /// "customer:C1", "api_key:ops".
    pub actor: String,
    /// "dispute.open", "dispute.acknowledged", "promise.create", "task.complete", …
    pub action: String,
    /// What it was done to ("dispute:D1").
    pub target: String,
    pub detail: String,
}

/// What the portal and the AR team API keep beyond the ledger. Every method
/// but the two lookups by secret hash takes the tenant.
pub trait PortalStore {
    /// Adds a dispute; its id must be new.
    fn insert_dispute(&mut self, tenant: &str, dispute: &Dispute) -> Result<(), StoreError>;

    /// Every dispute, ordered by (opened_at, id).
    fn disputes(&self, tenant: &str) -> Result<Vec<Dispute>, StoreError>;

    /// Replaces a dispute only if it is still in state `expected` (so two
    /// people working it at once cannot both win); false otherwise.
    fn update_dispute(
        &mut self,
        tenant: &str,
        dispute: &Dispute,
        expected: DisputeState,
    ) -> Result<bool, StoreError>;

    fn insert_promise(&mut self, tenant: &str, promise: &PromiseToPay) -> Result<(), StoreError>;

    /// Every promise to pay, ordered by (created_at, id).
    fn promises(&self, tenant: &str) -> Result<Vec<PromiseToPay>, StoreError>;

    /// Records that the magic link with this nonce was used; true the first
    /// time only (a conditional insert).
    fn consume_token(
        &mut self,
        tenant: &str,
        nonce: &str,
        used_at: i64,
    ) -> Result<bool, StoreError>;

    fn insert_session(&mut self, session: &Session) -> Result<(), StoreError>;

    /// The session whose id hashes to `id_hash`, whatever its expiry.
    fn session(&self, id_hash: &str) -> Result<Option<Session>, StoreError>;

    fn delete_session(&mut self, id_hash: &str) -> Result<(), StoreError>;

    /// Adds a key; false when a key with the same tenant and name exists.
    fn insert_api_key(&mut self, key: &ApiKey) -> Result<bool, StoreError>;

    /// The key whose secret hashes to `key_hash`.
    fn api_key(&self, key_hash: &str) -> Result<Option<ApiKey>, StoreError>;

    fn contact_prefs(
        &self,
        tenant: &str,
        customer_id: &str,
    ) -> Result<Option<ContactPrefs>, StoreError>;

    fn set_contact_prefs(
        &mut self,
        tenant: &str,
        customer_id: &str,
        prefs: &ContactPrefs,
    ) -> Result<(), StoreError>;

    fn append_audit(&mut self, tenant: &str, entry: &AuditEntry) -> Result<(), StoreError>;

    /// The audit log, oldest first.
    fn audit_log(&self, tenant: &str) -> Result<Vec<AuditEntry>, StoreError>;
}
