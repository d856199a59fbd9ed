//! Embedded adapters for arflow: the ledger store in one SQLite file (the
//! CLI's default), content digests of local files, and an outbox of `.eml`
//! files. Not for AWS: those adapters live in `shared/aws`.

mod changes_sqlite;
mod codec;
mod delivery_sqlite;
pub mod digest;
pub mod outbox;
mod planning_sqlite;
pub(crate) mod portal_sqlite;
mod schema;
mod sqlite;
mod strategy_sqlite;
mod tenants_sqlite;

pub use sqlite::{RowCounts, SqliteStore};
