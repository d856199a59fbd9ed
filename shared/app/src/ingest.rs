//! Ingesting a ledger: diff a file against the store's current state and
//! record only what changed, each change with the day it took effect.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;

use arflow_domain::ledger::Customer;
use chrono::NaiveDate;
use serde::Serialize;

use crate::reader::{self, Progress, ReadError, ReadOptions, Reject};
use crate::store::{LedgerStore, StoreError};

mod diff;

pub use diff::LedgerDiff;

/// What a ledger file says about invoices it does not list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IngestMode {
    /// The file is the full list of open items: an invoice open in the store
    /// but missing from the file was settled on the as-of date.
    #[default]
    Snapshot,
    /// The file holds changes only: missing invoices are left as they are.
    Delta,
}

impl IngestMode {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Snapshot => "snapshot",
            Self::Delta => "delta",
        }
    }
}

/// How to ingest.
#[derive(Clone, Debug)]
pub struct IngestOptions {
    pub tenant: String,
    /// The day the file describes.
    pub as_of: NaiveDate,
    pub mode: IngestMode,
    /// Any rejected row fails the ingest and nothing is stored.
    pub strict: bool,
}

/// The files to ingest and how to read each.
#[derive(Clone, Copy, Debug)]
pub struct IngestFiles<'a> {
    pub ledger: &'a Path,
    pub ledger_options: &'a ReadOptions,
    pub customers: Option<&'a Path>,
    pub customer_options: &'a ReadOptions,
}

/// Identity of a delivered file (an S3 key and etag, a path and its hash),
/// so that a second delivery of the same thing is recognised and skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveredObject {
    pub key: String,
    /// Digest of the content (ledger and customers file).
    pub content_digest: String,
}

/// Counts of what an ingest did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct IngestSummary {
    pub new: u64,
    pub changed: u64,
    pub closed: u64,
    pub unchanged: u64,
    pub rejected: u64,
    pub customers_new: u64,
    pub customers_changed: u64,
}

impl IngestSummary {
    /// Whether the ingest wrote any invoice or customer.
    pub fn wrote_anything(&self) -> bool {
        self.new + self.changed + self.closed + self.customers_new + self.customers_changed > 0
    }
}

/// The outcome of an ingest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IngestReport {
    pub summary: IngestSummary,
    /// Rows that were not stored, for the rejects file.
    pub rejects: Vec<Reject>,
    /// The same object (content and options) was ingested before; nothing
    /// was read or written.
    pub already_ingested: bool,
}

/// Why an ingest stored nothing.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("strict mode: {} row(s) rejected; nothing was stored", .0.len())]
    Rejected(Vec<Reject>),
}

/// Ingests a ledger (and optionally a customers file) into `store`.
///
/// Reads the store's current invoices, then the file, and records new,
/// changed and (in snapshot mode) closed invoices in one `apply_changes`.
/// An unchanged file writes nothing. With `object`, a delivery already
/// ingested with the same content and options is skipped without reading.
pub fn ingest(
    store: &mut dyn LedgerStore,
    files: &IngestFiles<'_>,
    opts: &IngestOptions,
    object: Option<&DeliveredObject>,
    progress: Progress<'_>,
) -> Result<IngestReport, IngestError> {
    let tenant = opts.tenant.as_str();
    let marker = object.map(|o| (o.key.as_str(), delivery_digest(o, files, opts)));
    if let Some((key, digest)) = &marker
        && store.is_ingested(tenant, key, digest)?
    {
        return Ok(IngestReport {
            already_ingested: true,
            ..IngestReport::default()
        });
    }

    let mut diff = LedgerDiff::new(opts.as_of);
    store.current_invoices(tenant, &mut |inv| diff.stored(&inv))?;
    let read = reader::read_ledger_with_progress(
        files.ledger,
        files.ledger_options,
        progress,
        &mut |inv| diff.incoming(inv),
    )?;
    let mut rejects = read.rejects;
    let mut incoming_customers = Vec::new();
    if let Some(path) = files.customers {
        let read = reader::read_customers(path, files.customer_options, &mut |c| {
            incoming_customers.push(c)
        })?;
        rejects.extend(read.rejects);
    }
    if opts.strict && !rejects.is_empty() {
        return Err(IngestError::Rejected(rejects));
    }
    if opts.mode == IngestMode::Snapshot && diff.missing_open() > 0 {
        store.current_invoices(tenant, &mut |inv| diff.close_if_missing(&inv))?;
    }
    let (changes, mut summary) = diff.finish();
    let customers = changed_customers(store.customers(tenant)?, incoming_customers, &mut summary);
    summary.rejected = rejects.len() as u64;
    if !changes.is_empty() || !customers.is_empty() {
        store.apply_changes(tenant, &changes, &customers)?;
    }
    if let Some((key, digest)) = &marker {
        store.mark_ingested(tenant, key, digest)?;
    }
    Ok(IngestReport {
        summary,
        rejects,
        already_ingested: false,
    })
}

/// What makes two deliveries "the same": content, mode, as-of date and the
/// read options (a different `--map` reads the same bytes differently).
fn delivery_digest(
    object: &DeliveredObject,
    files: &IngestFiles<'_>,
    opts: &IngestOptions,
) -> String {
    let mut h = DefaultHasher::new();
    format!("{:?}|{:?}", files.ledger_options, files.customer_options).hash(&mut h);
    files.customers.is_some().hash(&mut h);
    format!(
        "{} mode={} as_of={} options={:016x}",
        object.content_digest,
        opts.mode.as_str(),
        opts.as_of,
        h.finish()
    )
}

/// Incoming customers that are new or differ from the stored ones.
fn changed_customers(
    stored: Vec<Customer>,
    incoming: Vec<Customer>,
    summary: &mut IngestSummary,
) -> Vec<Customer> {
    let stored: HashMap<String, Customer> = stored
        .into_iter()
        .map(|c| (c.customer_id.clone(), c))
        .collect();
    let mut out = Vec::new();
    for c in incoming {
        match stored.get(&c.customer_id) {
            None => summary.customers_new += 1,
            Some(old) if *old == c => continue,
            Some(_) => summary.customers_changed += 1,
        }
        out.push(c);
    }
    out
}
