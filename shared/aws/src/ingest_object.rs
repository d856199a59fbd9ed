//! Ingesting an uploaded S3 object: a ledger (diffed against the store, only
//! changes written) or a customers file (changed customers upserted), with a
//! report, the rejects and the events written back to `reports/{tenant}/…`.
//!
//! The flow is `arflow_app::ingest::ingest_from`, the same one `arflow
//! ingest` runs, fed with the object's stream; this module only opens the
//! object, recognises a redelivery and writes the results to S3.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write;

use arflow_app::ingest::{
    EventCounts, IngestError, IngestEvent, IngestMode, IngestOptions, IngestSource, IngestSummary,
    ingest_from,
};
use arflow_app::reader::{self, ReadError, Reject};
use arflow_app::store::{LedgerStore, StoreError};
use arflow_domain::ledger::{Customer, Invoice};
use chrono::{DateTime, NaiveDate, Utc};
use flate2::write::GzEncoder;
use serde::Serialize;
use tokio::runtime::Handle;

use crate::object_key::IncomingKey;
use crate::s3::{BlobError, Blobs, maybe_gunzip};
use crate::tenant::{self as tenant_config, ConfigError, TenantConfig};

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
    /// How many events of each kind were emitted.
    pub events: EventCounts,
    /// `reports/{tenant}/….events.jsonl.gz`, one JSON event a line, when
    /// there were any.
    pub events_key: Option<String>,
    /// `reports/{tenant}/….rejects.csv` when a row was rejected.
    pub rejects_key: Option<String>,
    pub report_key: String,
    /// The same object (bucket/key/etag/version) was ingested before and
    /// nothing was read or written.
    pub already_ingested: bool,
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
    #[error("writing the rejects report: {0}")]
    Rejects(#[from] csv::Error),
}

impl From<IngestError> for ObjectIngestError {
    fn from(e: IngestError) -> Self {
        match e {
            IngestError::Read(e) => ObjectIngestError::Read(e),
            IngestError::Store(e) => ObjectIngestError::Store(e),
            // Not strict: rejects are reported, never an error.
            IngestError::Rejected(r) => ObjectIngestError::Read(ReadError::Csv {
                file: r.first().map(|r| r.file.clone()).unwrap_or_default(),
                line: r.first().map_or(0, |r| r.line),
                message: format!("{} row(s) rejected", r.len()),
            }),
        }
    }
}

/// Ingests one uploaded object for `config`'s tenant. Blocking: call it on
/// a `spawn_blocking` thread; S3 calls run on `handle`. A configuration
/// that does not validate is refused before anything is read or written.
pub fn ingest_object(
    store: &mut dyn LedgerStore,
    blobs: &Blobs,
    handle: &Handle,
    config: &TenantConfig,
    incoming: &IncomingKey<'_>,
    object: &ObjectCreated,
) -> Result<ObjectReport, ObjectIngestError> {
    let tenant = incoming.tenant;
    config.validate()?;
    let zone = config.zone()?;
    let as_of = incoming
        .date()
        .unwrap_or_else(|| object.event_time.with_timezone(&zone).date_naive());
    let mode = match config.ingest_mode {
        tenant_config::IngestMode::Snapshot => IngestMode::Snapshot,
        tenant_config::IngestMode::Delta => IngestMode::Delta,
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
        events: EventCounts::default(),
        events_key: None,
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

    let opts = IngestOptions {
        tenant: tenant.to_string(),
        as_of,
        mode,
        strict: false,
    };
    let source = if incoming.is_customers() {
        let delivery = delivery.clone();
        IngestSource {
            ledger: None,
            customers: Some(Box::new(move |sink: &mut dyn FnMut(Customer)| {
                let spool = spool(input, &delivery)?;
                let mut read = reader::read_customers(spool.path(), &customer_opts, sink)?;
                rename_file(&mut read.rejects, &delivery);
                Ok(read)
            })),
        }
    } else {
        let (delivery, jsonl) = (delivery.clone(), incoming.is_jsonl());
        IngestSource {
            ledger: Some(Box::new(move |sink: &mut dyn FnMut(Invoice)| {
                reader::read_ledger_from(input, &delivery, jsonl, &ledger_opts, sink)
            })),
            customers: None,
        }
    };
    let mut events = EventsFile::default();
    let ingested = ingest_from(store, source, &opts, &mut |e| events.add(&e))?;
    report.summary = ingested.summary;
    report.events = ingested.events;
    let rejects = ingested.rejects;

    if !rejects.is_empty() {
        let key = incoming.report_key(".rejects.csv");
        handle.block_on(blobs.put(&key, rejects_csv(&rejects)?, "text/csv"))?;
        report.rejects_key = Some(key);
    }
    if let Some(body) = events.finish(&delivery)? {
        let key = incoming.report_key(".events.jsonl.gz");
        handle.block_on(blobs.put(&key, body, "application/gzip"))?;
        report.events_key = Some(key);
    }
    let json = serde_json::to_vec_pretty(&report).unwrap_or_default();
    handle.block_on(blobs.put(&report.report_key, json, "application/json"))?;
    store.mark_ingested(tenant, &delivery, &digest)?;
    Ok(report)
}

/// The events as gzip'd JSON Lines, compressed as they come (a first
/// ingest of a million invoices is a million events, ~20 MB compressed).
#[derive(Default)]
struct EventsFile {
    gz: Option<GzEncoder<Vec<u8>>>,
    failed: Option<std::io::Error>,
}

impl EventsFile {
    fn add(&mut self, event: &IngestEvent) {
        if self.failed.is_some() {
            return;
        }
        let gz = self
            .gz
            .get_or_insert_with(|| GzEncoder::new(Vec::new(), flate2::Compression::fast()));
        let written = serde_json::to_writer(&mut *gz, event)
            .map_err(std::io::Error::other)
            .and_then(|()| gz.write_all(b"\n"));
        if let Err(e) = written {
            self.failed = Some(e);
        }
    }

    /// The compressed file, or None when there was no event.
    fn finish(self, delivery: &str) -> Result<Option<Vec<u8>>, ObjectIngestError> {
        let fail = |e: std::io::Error| {
            ObjectIngestError::Read(ReadError::Io {
                file: format!("{delivery} (events)"),
                error: e,
            })
        };
        if let Some(e) = self.failed {
            return Err(fail(e));
        }
        self.gz.map(|gz| gz.finish().map_err(fail)).transpose()
    }
}

/// Rejects name the S3 object, not the spool file they were read from.
fn rename_file(rejects: &mut [Reject], name: &str) {
    for r in rejects {
        r.file = name.to_string();
    }
}

/// Copies a (small) customers object to a temporary file, chunk by chunk:
/// the reader reads customers files from paths.
fn spool(
    mut input: Box<dyn std::io::Read + Send>,
    delivery: &str,
) -> Result<tempfile::NamedTempFile, ReadError> {
    let fail = |e: std::io::Error| ReadError::Io {
        file: format!("{delivery} (copying to a temporary file)"),
        error: e,
    };
    let jsonl = delivery.to_ascii_lowercase().contains(".json");
    let suffix = if jsonl { ".jsonl" } else { ".csv" };
    let mut file = tempfile::Builder::new()
        .suffix(suffix)
        .tempfile()
        .map_err(fail)?;
    std::io::copy(&mut input, &mut file).map_err(fail)?;
    file.flush().map_err(fail)?;
    Ok(file)
}

/// Rejects as CSV (file, line, column, reason, record), as `write_rejects`
/// writes them locally.
pub fn rejects_csv(rejects: &[Reject]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["file", "line", "column", "reason", "record"])?;
    for r in rejects {
        w.write_record([
            r.file.as_str(),
            &r.line.to_string(),
            &r.column,
            &r.reason,
            &r.record,
        ])?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}
