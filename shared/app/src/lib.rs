//! arflow's use cases, written against small ports (the store, the sender,
//! the blob store) so the CLI, the Lambda handlers and the web router run
//! the same code. The two that matter most: [`planning::plan_day`] (what is
//! due on a day) and [`delivery::deliver`] (send an action exactly once).

pub mod contract;
mod csv_chunks;
pub mod delivery;
pub mod dispatch;
pub mod fast;
pub mod idset;
pub mod ingest;
pub mod planning;
pub mod portal;
pub mod reader;
pub mod report;
pub mod store;
pub mod strategy_store;
pub mod templates;
