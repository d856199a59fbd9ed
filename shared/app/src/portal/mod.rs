//! The customer portal and AR team API use cases: disputes, promises to pay,
//! magic-link sign-in, sessions, API keys, the audit log and contact
//! preferences — and the holds they put on dunning.
//!
//! Everything here is pure or written against [`PortalStore`]; the clock
//! (`now`, seconds since the Unix epoch) and randomness come in as arguments.

mod dispute;
mod holds;
mod keys;
mod store;
mod token;

pub use dispute::{Dispute, DisputeState, TransitionError};
pub use holds::{Holds, PromiseToPay, apply_holds, broken_promises};
pub use keys::{ApiKey, Scope, hash_secret};
pub use store::{AuditEntry, ContactPrefs, PortalStore, Session};
pub use token::{
    MagicLink, TokenError, constant_time_eq, hex, hmac_sha256, sign_magic_link, verify_magic_link,
};
