//! `DynamoStore`: the ledger store in one DynamoDB table (see `keys` for the
//! key design), behind the same synchronous `LedgerStore` trait as SQLite.
//!
//! The trait is synchronous because the use cases (ingest, planning) are
//! plain CPU work over streams; the adapter bridges to the async SDK with
//! `block_in_place` + `Handle::block_on`. Call it from a thread of a
//! multi-thread tokio runtime, a `spawn_blocking` thread, or any thread
//! outside the runtime; never from a current-thread runtime.

mod apply;
mod batch;
mod changes;
mod claims;
pub mod codec;
pub mod keys;
mod ledger;
mod portal;
pub mod portal_keys;
mod portal_self_service;
mod portal_strategy;
mod runs;
mod shards;
pub mod table;
mod tenants;
mod write;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use arflow_app::store::StoreError;
use aws_sdk_dynamodb::Client;
use tokio::runtime::Handle;

pub use claims::MessageOrigin;
pub use codec::StoredInvoice;
pub use runs::RunState;

/// The ledger store in a DynamoDB table.
#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
    handle: Handle,
    counters: Arc<Counters>,
}

/// Items written since the store was made (for tests and reports).
#[derive(Debug, Default)]
pub struct Counters {
    pub invoice_items: AtomicU64,
    pub other_items: AtomicU64,
}

impl DynamoStore {
    /// A store on `table`, bridging through the current tokio runtime (call
    /// inside one).
    pub fn new(client: Client, table: impl Into<String>) -> DynamoStore {
        DynamoStore::with_handle(client, table, Handle::current())
    }

    /// A store on `table` bridging through `handle`'s runtime.
    pub fn with_handle(client: Client, table: impl Into<String>, handle: Handle) -> DynamoStore {
        DynamoStore {
            client,
            table: table.into(),
            handle,
            counters: Arc::default(),
        }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Invoice items (current and history) written so far.
    pub fn invoice_items_written(&self) -> u64 {
        self.counters.invoice_items.load(Ordering::Relaxed)
    }

    /// Items of every other kind written so far.
    pub fn other_items_written(&self) -> u64 {
        self.counters.other_items.load(Ordering::Relaxed)
    }

    /// Runs an SDK future to completion from synchronous code.
    fn block<F: Future>(&self, f: F) -> F::Output {
        tokio::task::block_in_place(|| self.handle.block_on(f))
    }

    fn count_invoice_items(&self, n: usize) {
        self.counters
            .invoice_items
            .fetch_add(n as u64, Ordering::Relaxed);
    }

    fn count_other_items(&self, n: usize) {
        self.counters
            .other_items
            .fetch_add(n as u64, Ordering::Relaxed);
    }
}

/// A service error as a store error naming the operation.
pub(crate) fn backend(operation: &str, e: impl std::error::Error + 'static) -> StoreError {
    StoreError::Backend {
        operation: operation.to_string(),
        detail: aws_smithy_types::error::display::DisplayErrorContext(e).to_string(),
    }
}

/// Tenant ids become key prefixes, so they are restricted to characters that
/// cannot forge another tenant's key.
pub fn check_tenant(tenant: &str) -> Result<(), StoreError> {
    let ok = !tenant.is_empty()
        && tenant.len() <= 64
        && tenant
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(StoreError::Backend {
            operation: "checking the tenant id".into(),
            detail: format!("tenant '{tenant}' must be 1-64 letters, digits, '-' or '_'"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_ids_that_could_forge_keys_are_refused() {
        assert!(check_tenant("acme-eu_1").is_ok());
        for bad in ["", "a#INV", "a b", "ä", &"x".repeat(65)] {
            assert!(check_tenant(bad).is_err(), "{bad:?}");
        }
    }
}
