//! The CLI's access to the local store (SQLite, the embedded default).

use std::path::Path;

use anyhow::{Context, Result, bail};
use arflow_app::store::LedgerStore;
use arflow_domain::ledger::{Customer, Invoice};
use arflow_local::SqliteStore;
use chrono::NaiveDate;

use crate::source::Loaded;

/// Opens an existing store (a missing file is an error, not a new store)
/// for a tenant it holds: an unknown tenant is an error naming the tenants
/// there, so a typo in `--tenant` never reads as an empty ledger. Every
/// command that reads a tenant from `--db` opens the store through here.
pub fn open_tenant(db: &Path, tenant: &str) -> Result<SqliteStore> {
    if !db.exists() {
        bail!(
            "{}: no such store; create it with `arflow ingest --db {}`",
            db.display(),
            db.display()
        );
    }
    let store = SqliteStore::open(db).with_context(|| format!("opening {}", db.display()))?;
    let tenants = store
        .tenants()
        .with_context(|| format!("listing the tenants of {}", db.display()))?;
    if tenants.iter().any(|t| t == tenant) {
        return Ok(store);
    }
    if tenants.is_empty() {
        bail!(
            "tenant '{tenant}' is not in {db}: the store has no tenants yet; \
             run `arflow ingest --db {db} --tenant {tenant} --ledger FILE --as-of DATE` first",
            db = db.display()
        );
    }
    bail!(
        "tenant '{tenant}' is not in {}; tenants there: {}",
        db.display(),
        tenants.join(", ")
    )
}

/// Every invoice of `tenant` as the store knew it on `as_of`.
pub fn for_each_invoice_as_of(
    db: &Path,
    tenant: &str,
    as_of: NaiveDate,
    f: &mut dyn FnMut(Invoice),
) -> Result<Loaded> {
    let store = open_tenant(db, tenant)?;
    store.invoices_as_of(tenant, as_of, f).with_context(|| {
        format!(
            "reading invoices of tenant '{tenant}' from {}",
            db.display()
        )
    })?;
    Ok(Loaded::default())
}

pub fn customers(db: &Path, tenant: &str) -> Result<Vec<Customer>> {
    let store = open_tenant(db, tenant)?;
    store.customers(tenant).with_context(|| {
        format!(
            "reading customers of tenant '{tenant}' from {}",
            db.display()
        )
    })
}
