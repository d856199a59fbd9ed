//! The CLI's access to the local store (SQLite, the embedded default).

use std::path::Path;

use anyhow::{Context, Result};
use arflow_app::store::LedgerStore;
use arflow_domain::ledger::{Customer, Invoice};
use arflow_local::SqliteStore;
use chrono::NaiveDate;

use crate::source::Loaded;

/// Opens an existing store (a missing file is an error, not a new store).
pub fn open_existing(db: &Path) -> Result<SqliteStore> {
    if !db.exists() {
        anyhow::bail!(
            "{}: no such store; create it with `arflow ingest --db {}`",
            db.display(),
            db.display()
        );
    }
    SqliteStore::open(db).with_context(|| format!("opening {}", db.display()))
}

/// Every invoice of `tenant` as the store knew it on `as_of`.
pub fn for_each_invoice_as_of(
    db: &Path,
    tenant: &str,
    as_of: NaiveDate,
    f: &mut dyn FnMut(Invoice),
) -> Result<Loaded> {
    let store = open_existing(db)?;
    store.invoices_as_of(tenant, as_of, f).with_context(|| {
        format!(
            "reading invoices of tenant '{tenant}' from {}",
            db.display()
        )
    })?;
    Ok(Loaded::default())
}

pub fn customers(db: &Path, tenant: &str) -> Result<Vec<Customer>> {
    let store = open_existing(db)?;
    store.customers(tenant).with_context(|| {
        format!(
            "reading customers of tenant '{tenant}' from {}",
            db.display()
        )
    })
}
