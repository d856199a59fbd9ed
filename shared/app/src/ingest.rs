//! Ingesting a ledger: diff a file against the store's current state and
//! record only what changed, each change with the day it took effect, and
//! the events the strategy needs (new invoice, paid, disputed, new customer).

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;

use arflow_domain::ledger::{Customer, Invoice};
use chrono::NaiveDate;
use serde::Serialize;

use crate::reader::{self, Progress, ReadError, ReadOptions, ReadSummary, Reject};
use crate::store::{InvoiceChange, LedgerStore, StoreError};

mod diff;
mod events;

pub use diff::{Found, LedgerDiff};
pub use events::{EventCounts, EventKind, IngestEvent};

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
    /// The events emitted (written changes only).
    pub events: EventCounts,
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

/// Reads one file of a delivery, handing each good record on; what it read.
pub type ReadWith<'a, T> =
    Box<dyn FnOnce(&mut dyn FnMut(T)) -> Result<ReadSummary, ReadError> + 'a>;

/// An opened delivery: a ledger, a customers file, or both (a local path,
/// an S3 object stream, …).
pub struct IngestSource<'a> {
    pub ledger: Option<ReadWith<'a, Invoice>>,
    pub customers: Option<ReadWith<'a, Customer>>,
}

/// Changes written per `apply_changes` call while a ledger streams in: the
/// diff keeps 32 bytes a stored invoice, the changes never more than this.
pub const APPLY_BATCH: usize = 2_000;

/// Ingests a ledger (and optionally a customers file) into `store`.
///
/// With `object`, a delivery already ingested with the same content and
/// options is skipped without reading; otherwise see [`ingest_from`].
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
    let source = IngestSource {
        ledger: Some(Box::new(|sink: &mut dyn FnMut(Invoice)| {
            reader::read_ledger_with_progress(files.ledger, files.ledger_options, progress, sink)
        })),
        customers: files.customers.map(|path| -> ReadWith<'_, Customer> {
            Box::new(move |sink: &mut dyn FnMut(Customer)| {
                reader::read_customers(path, files.customer_options, sink)
            })
        }),
    };
    let report = ingest_from(store, source, opts, &mut |_| {})?;
    if let Some((key, digest)) = &marker {
        store.mark_ingested(tenant, key, digest)?;
    }
    Ok(report)
}

/// Ingests an opened delivery into `store`; the one flow behind `arflow
/// ingest` and the S3 ingest function. Marking the delivery as ingested is
/// the caller's (after whatever else it writes, e.g. a report).
///
/// Reads the store's current invoices into a compact diff, streams the
/// ledger through it and writes new and changed invoices in batches of
/// [`APPLY_BATCH`] as they are found; in snapshot mode it then closes the
/// open invoices the file did not list. Customers that are new or changed
/// are written with the last batch. An unchanged file writes nothing. Each
/// batch's events go to `on_event` once the batch is written.
///
/// In strict mode every change is held until the file is read, so that a
/// rejected row stores nothing. A store that can write the whole ingest as
/// one transaction ([`LedgerStore::begin_ingest`], SQLite) does: there, an
/// ingest that fails or is killed midway stores nothing. Elsewhere
/// (DynamoDB) it has written some batches: ingesting the same file again
/// diffs against them and writes the rest.
pub fn ingest_from(
    store: &mut dyn LedgerStore,
    source: IngestSource<'_>,
    opts: &IngestOptions,
    on_event: &mut dyn FnMut(IngestEvent),
) -> Result<IngestReport, IngestError> {
    store.begin_ingest()?;
    match ingest_batched(store, source, opts, on_event, APPLY_BATCH) {
        Ok(report) => {
            store.finish_ingest(true)?;
            Ok(report)
        }
        Err(e) => {
            // The ingest's own error is the one to report; a rollback that
            // fails too leaves the transaction to end with the connection.
            if let Err(rollback) = store.finish_ingest(false) {
                tracing::warn!(error = %rollback, "rolling back a failed ingest");
            }
            Err(e)
        }
    }
}

fn ingest_batched(
    store: &mut dyn LedgerStore,
    source: IngestSource<'_>,
    opts: &IngestOptions,
    on_event: &mut dyn FnMut(IngestEvent),
    batch: usize,
) -> Result<IngestReport, IngestError> {
    let tenant = opts.tenant.as_str();
    let mut rejects = Vec::new();
    let mut writer = Writer {
        store,
        opts,
        batch: if opts.strict {
            usize::MAX
        } else {
            batch.max(1)
        },
        pending: Vec::new(),
        events: Vec::new(),
        counts: EventCounts::default(),
        failed: None,
    };
    let mut summary = IngestSummary::default();
    if let Some(read_ledger) = source.ledger {
        let mut diff = LedgerDiff::new(opts.as_of);
        writer
            .store
            .current_invoices(tenant, &mut |inv| diff.stored(&inv))?;
        let read = read_ledger(&mut |inv| {
            if let Some(found) = diff.incoming(inv) {
                writer.push(found, on_event);
            }
        })?;
        writer.check()?;
        rejects.extend(read.rejects);
        if opts.mode == IngestMode::Snapshot && diff.missing_open() > 0 {
            // The store is being read: closes are collected, then written.
            let mut closed = Vec::new();
            writer.store.current_invoices(tenant, &mut |inv| {
                closed.extend(diff.close_if_missing(&inv));
            })?;
            for found in closed {
                writer.push(found, on_event);
                writer.check()?;
            }
        }
        summary = diff.summary();
    }
    let mut incoming_customers = Vec::new();
    if let Some(read_customers) = source.customers {
        let read = read_customers(&mut |c| incoming_customers.push(c))?;
        rejects.extend(read.rejects);
    }
    if opts.strict && !rejects.is_empty() {
        return Err(IngestError::Rejected(rejects));
    }
    let customers = if incoming_customers.is_empty() {
        Vec::new()
    } else {
        let stored = writer.store.customers(tenant)?;
        let (changed, created) = changed_customers(stored, incoming_customers, &mut summary);
        writer.events.extend(
            created
                .into_iter()
                .map(|i| IngestEvent::customer(tenant, &changed[i], opts.as_of)),
        );
        changed
    };
    writer.finish(&customers, on_event)?;
    summary.rejected = rejects.len() as u64;
    Ok(IngestReport {
        summary,
        events: writer.counts,
        rejects,
        already_ingested: false,
    })
}

/// Writes the diff's changes in batches, and hands on their events once
/// they are written.
struct Writer<'s, 'o> {
    store: &'s mut dyn LedgerStore,
    opts: &'o IngestOptions,
    batch: usize,
    pending: Vec<InvoiceChange>,
    events: Vec<IngestEvent>,
    counts: EventCounts,
    /// A write failed while the file was being read: later changes are
    /// dropped and the error is returned once the read ends.
    failed: Option<StoreError>,
}

impl Writer<'_, '_> {
    fn push(&mut self, found: Found, on_event: &mut dyn FnMut(IngestEvent)) {
        if self.failed.is_some() {
            return;
        }
        if let Some(kind) = found.event {
            let tenant = &self.opts.tenant;
            let invoice = &found.change.invoice;
            self.events
                .push(IngestEvent::invoice(kind, tenant, invoice, self.opts.as_of));
        }
        self.pending.push(found.change);
        if self.pending.len() >= self.batch
            && let Err(e) = self.flush(&[], on_event)
        {
            self.failed = Some(e);
        }
    }

    fn check(&mut self) -> Result<(), StoreError> {
        self.failed.take().map_or(Ok(()), Err)
    }

    fn flush(
        &mut self,
        customers: &[Customer],
        on_event: &mut dyn FnMut(IngestEvent),
    ) -> Result<(), StoreError> {
        if self.pending.is_empty() && customers.is_empty() {
            return Ok(());
        }
        self.store
            .apply_changes(&self.opts.tenant, &self.pending, customers)?;
        self.pending.clear();
        for e in self.events.drain(..) {
            self.counts.count(e.kind);
            on_event(e);
        }
        Ok(())
    }

    /// Writes what is left, with the changed customers.
    fn finish(
        &mut self,
        customers: &[Customer],
        on_event: &mut dyn FnMut(IngestEvent),
    ) -> Result<(), StoreError> {
        self.check()?;
        self.flush(customers, on_event)
    }
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

/// Incoming customers that are new or differ from the stored ones, and
/// the positions of the new ones among them.
fn changed_customers(
    stored: Vec<Customer>,
    incoming: Vec<Customer>,
    summary: &mut IngestSummary,
) -> (Vec<Customer>, Vec<usize>) {
    let stored: HashMap<String, Customer> = stored
        .into_iter()
        .map(|c| (c.customer_id.clone(), c))
        .collect();
    let mut out = Vec::new();
    let mut created = Vec::new();
    for c in incoming {
        match stored.get(&c.customer_id) {
            None => {
                summary.customers_new += 1;
                created.push(out.len());
            }
            Some(old) if *old == c => continue,
            Some(_) => summary.customers_changed += 1,
        }
        out.push(c);
    }
    (out, created)
}

#[cfg(test)]
mod tests;
