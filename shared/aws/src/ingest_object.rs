//! Ingesting an uploaded S3 object: a ledger (diffed against the store, only
//! changes written) or a customers file (changed customers upserted), with a
//! report and the rejects written back to `reports/{tenant}/…`.
//!
//! The flow is `arflow_app::ingest::ingest` with an S3 stream for the file:
//! that function takes paths, so this one drives the same `LedgerDiff` over
//! `reader::read_ledger_from` (see the report to the lead: an
//! `ingest_from(reader)` in arflow-app would let both share one body).

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write;

use arflow_app::ingest::{IngestMode, IngestSummary, LedgerDiff};
use arflow_app::reader::{self, ReadError, Reject};
use arflow_app::store::{ChangeKind, LedgerStore, StoreError};
use arflow_domain::ledger::Customer;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use tokio::runtime::Handle;

use crate::object_key::IncomingKey;
use crate::s3::{BlobError, Blobs, maybe_gunzip};
use crate::tenant::{ConfigError, TenantConfig};

/// One S3 ObjectCreated record, key already URL-decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectCreated {
    pub bucket: String,
    pub key: String,
    pub etag: Option<String>,
    pub version_id: Option<String>,
    pub event_time: DateTime<Utc>,
}

/// What the ingest of one object wrote, as the report object says it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ObjectReport {
    pub tenant: String,
    pub bucket: String,
    pub key: String,
    pub kind: &'static str,
    pub as_of: NaiveDate,
    pub mode: &'static str,
    pub summary: IngestSummary,
    /// The events the strategy sees (derived from the changes).
    pub events: Events,
    /// `reports/{tenant}/….rejects.csv` when a row was rejected.
    pub rejects_key: Option<String>,
    pub report_key: String,
    /// The same object (bucket/key/etag/version) was ingested before and
    /// nothing was read or written.
    pub already_ingested: bool,
}

/// Counts of the events an ingest emitted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Events {
    pub invoice_created: u64,
    pub invoice_paid: u64,
    pub invoice_disputed: u64,
    pub customer_created: u64,
}

/// Why an object was not ingested.
#[derive(Debug, thiserror::Error)]
pub enum ObjectIngestError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Blob(#[from] BlobError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("s3://{bucket}/{key}: {message}")]
    Spool {
        bucket: String,
        key: String,
        message: String,
    },
}

/// Ingests one uploaded object for `config`'s tenant. Blocking: call it on
/// a `spawn_blocking` thread; S3 calls run on `handle`.
pub fn ingest_object(
    store: &mut dyn LedgerStore,
    blobs: &Blobs,
    handle: &Handle,
    config: &TenantConfig,
    incoming: &IncomingKey<'_>,
    object: &ObjectCreated,
) -> Result<ObjectReport, ObjectIngestError> {
    let tenant = incoming.tenant;
    let zone = config.zone()?;
    let as_of = incoming
        .date()
        .unwrap_or_else(|| object.event_time.with_timezone(&zone).date_naive());
    let mode = if config.ingest_mode == "delta" {
        IngestMode::Delta
    } else {
        IngestMode::Snapshot
    };
    let (ledger_opts, customer_opts) = config.read_options()?;
    let delivery = format!("s3://{}/{}", object.bucket, object.key);
    let mut report = ObjectReport {
        tenant: tenant.to_string(),
        bucket: object.bucket.clone(),
        key: object.key.clone(),
        kind: if incoming.is_customers() {
            "customers"
        } else {
            "ledger"
        },
        as_of,
        mode: mode.as_str(),
        summary: IngestSummary::default(),
        events: Events::default(),
        rejects_key: None,
        report_key: incoming.report_key(".report.json"),
        already_ingested: false,
    };
    let options_hash = {
        let mut h = DefaultHasher::new();
        format!("{ledger_opts:?}|{customer_opts:?}").hash(&mut h);
        h.finish()
    };
    let digest_of = |etag: &str, version: Option<&str>| {
        format!(
            "{etag}|{}|{as_of}|{}|{options_hash:016x}",
            version.unwrap_or("-"),
            mode.as_str()
        )
    };
    if let Some(etag) = &object.etag
        && store.is_ingested(
            tenant,
            &delivery,
            &digest_of(etag, object.version_id.as_deref()),
        )?
    {
        report.already_ingested = true;
        return Ok(report);
    }

    let (body, meta) = handle.block_on(blobs.open(&object.key, handle.clone()))?;
    let etag = object.etag.clone().unwrap_or(meta.etag);
    let digest = digest_of(
        &etag,
        object.version_id.as_deref().or(meta.version_id.as_deref()),
    );
    if object.etag.is_none() && store.is_ingested(tenant, &delivery, &digest)? {
        report.already_ingested = true;
        return Ok(report);
    }
    let input = maybe_gunzip(body).map_err(|e| ReadError::Io {
        file: delivery.clone(),
        error: e,
    })?;

    let rejects = if incoming.is_customers() {
        let spool = spool(input, object)?;
        let mut incoming_customers = Vec::new();
        let read = reader::read_customers(spool.path(), &customer_opts, &mut |c| {
            incoming_customers.push(c)
        })?;
        let changed = changed_customers(
            store.customers(tenant)?,
            incoming_customers,
            &mut report.summary,
        );
        report.events.customer_created = report.summary.customers_new;
        if !changed.is_empty() {
            store.apply_changes(tenant, &[], &changed)?;
        }
        rename_file(read.rejects, &delivery)
    } else {
        let mut diff = LedgerDiff::new(as_of);
        store.current_invoices(tenant, &mut |inv| diff.stored(&inv))?;
        let read = reader::read_ledger_from(
            input,
            &delivery,
            incoming.is_jsonl(),
            &ledger_opts,
            &mut |inv| diff.incoming(inv),
        )?;
        if mode == IngestMode::Snapshot && diff.missing_open() > 0 {
            store.current_invoices(tenant, &mut |inv| diff.close_if_missing(&inv))?;
        }
        let (changes, summary) = diff.finish();
        report.summary = summary;
        for c in &changes {
            match c.kind {
                ChangeKind::New => report.events.invoice_created += 1,
                ChangeKind::Closed => report.events.invoice_paid += 1,
                ChangeKind::Changed if c.invoice.paid_date.is_some_and(|d| d <= as_of) => {
                    report.events.invoice_paid += 1
                }
                ChangeKind::Changed if c.invoice.disputed => report.events.invoice_disputed += 1,
                ChangeKind::Changed => {}
            }
        }
        if !changes.is_empty() {
            store.apply_changes(tenant, &changes, &[])?;
        }
        read.rejects
    };
    report.summary.rejected = rejects.len() as u64;

    if !rejects.is_empty() {
        let key = incoming.report_key(".rejects.csv");
        handle.block_on(blobs.put(&key, rejects_csv(&rejects), "text/csv"))?;
        report.rejects_key = Some(key);
    }
    let json = serde_json::to_vec_pretty(&report).unwrap_or_default();
    handle.block_on(blobs.put(&report.report_key, json, "application/json"))?;
    store.mark_ingested(tenant, &delivery, &digest)?;
    Ok(report)
}

/// Rejects name the S3 object, not the spool file they were read from.
fn rename_file(mut rejects: Vec<Reject>, name: &str) -> Vec<Reject> {
    for r in &mut rejects {
        r.file = name.to_string();
    }
    rejects
}

/// Copies a (small) customers object to a temporary file, chunk by chunk:
/// the reader reads customers files from paths.
fn spool(
    mut input: Box<dyn std::io::Read + Send>,
    object: &ObjectCreated,
) -> Result<tempfile::NamedTempFile, ObjectIngestError> {
    let fail = |e: std::io::Error| ObjectIngestError::Spool {
        bucket: object.bucket.clone(),
        key: object.key.clone(),
        message: format!("copying to a temporary file: {e}"),
    };
    let jsonl = object.key.to_ascii_lowercase().contains(".json");
    let suffix = if jsonl { ".jsonl" } else { ".csv" };
    let mut file = tempfile::Builder::new()
        .suffix(suffix)
        .tempfile()
        .map_err(fail)?;
    std::io::copy(&mut input, &mut file).map_err(fail)?;
    file.flush().map_err(fail)?;
    Ok(file)
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

/// Rejects as CSV (file, line, column, reason, record), as `write_rejects`
/// writes them locally.
pub fn rejects_csv(rejects: &[Reject]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["file", "line", "column", "reason", "record"]);
    for r in rejects {
        let _ = w.write_record([
            r.file.as_str(),
            &r.line.to_string(),
            &r.column,
            &r.reason,
            &r.record,
        ]);
    }
    w.into_inner().unwrap_or_default()
}
