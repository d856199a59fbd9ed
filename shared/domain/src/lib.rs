//! arflow's pure domain: money, dates, ledger rows, aging, KPIs, and (in later
//! modules) the collection strategy and its planner.
//!
//! Nothing here does I/O or reads a clock: every function takes the as-of
//! date it needs. Parsing works on text already read by the caller.

pub mod aging;
pub mod columns;
pub mod date;
pub mod holidays;
pub mod kpis;
pub mod ledger;
pub mod money;
pub mod row;
pub mod sent;
pub mod strategy;
pub mod synth;
pub mod template;
