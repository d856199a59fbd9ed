//! The customer portal and AR team API use cases: disputes, promises to pay,
//! payment plans, scheduled payments (through a [`PaymentGateway`]),
//! magic-link sign-in, sessions, API keys, the audit log and contact
//! preferences — and the holds and actions they put on dunning.
//!
//! Everything here is pure or written against [`PortalStore`]; the clock
//! (`now`, seconds since the Unix epoch) and randomness come in as arguments.

mod announce;
mod change;
pub mod change_contract;
pub mod changes;
pub mod contract;
mod dispute;
mod filing;
mod gateway;
mod holds;
mod keys;
mod self_service;
pub mod self_service_contract;
mod store;
mod token;

pub use announce::{Filed, announce_filing};
pub use change::{Change, ChangeStore};
pub use changes::ChangeError;
pub use dispute::{Dispute, DisputeState, TransitionError};
pub use filing::{
    DISPUTE_FILED, FilingError, acknowledge_dispute, filed_notice_id, notify_dispute_filed,
};
pub use gateway::{GatewayError, PaymentGateway, PaymentRequest, TestGateway};
pub use holds::{HeldDay, Holds, PromiseToPay, apply_holds, broken_promises};
pub use keys::{ApiKey, Scope, hash_secret};
pub use self_service::{
    ATTACHMENT_TYPES, Attachment, AttachmentError, Instalment, MAX_ATTACHMENT_BYTES,
    MAX_INSTALMENTS, PaymentPlan, PlanError, PlanRequest, PlanState, PlanTransitionError,
    SelfServiceStore, check_attachment,
};
pub use store::{AuditEntry, ContactPrefs, PortalStore, Session};
pub use token::{
    MagicLink, TokenError, constant_time_eq, hex, hmac_sha256, sign_magic_link, verify_magic_link,
};
