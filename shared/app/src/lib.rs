//! arflow's use cases, written against small ports (the store, the outbox,
//! the blob store) so the CLI and the Lambda handlers run the same code.

pub mod contract;
mod csv_chunks;
pub mod dispatch;
pub mod fast;
pub mod idset;
pub mod ingest;
pub mod portal;
pub mod reader;
pub mod report;
pub mod store;
pub mod strategy_store;
pub mod templates;
