//! The ingest function: S3 ObjectCreated on `incoming/{tenant}/…` → the
//! tenant's ledger (or customers file) ingested into DynamoDB, report and
//! rejects in `reports/{tenant}/…`. A library so tests call the handler
//! in-process; `main.rs` is the Lambda shell.

use arflow_aws::DynamoStore;
use arflow_aws::env;
use arflow_aws::ingest_object::{ObjectCreated, ObjectReport, ingest_object};
use arflow_aws::object_key::{IncomingKey, decode_event_key};
use arflow_aws::s3::Blobs;
use aws_lambda_events::event::s3::S3Event;
use lambda_runtime::Error;
use tokio::runtime::Handle;

/// The function's clients, built once per cold start.
#[derive(Clone)]
pub struct IngestFunction {
    store: DynamoStore,
    s3: aws_sdk_s3::Client,
}

impl IngestFunction {
    pub fn new(store: DynamoStore, s3: aws_sdk_s3::Client) -> IngestFunction {
        IngestFunction { store, s3 }
    }

    /// The store it writes to (its write counters show what an ingest wrote).
    pub fn store(&self) -> &DynamoStore {
        &self.store
    }

    /// From `TABLE_NAME` (and the SDK's own variables).
    pub async fn from_env() -> Result<IngestFunction, Error> {
        let table = env::required("TABLE_NAME", "the DynamoDB table")?;
        let config = env::sdk_config().await;
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&config), table);
        Ok(IngestFunction::new(store, env::s3_client(&config)))
    }

    /// Ingests every object the event names; keys outside `incoming/` are
    /// skipped. Fails (so S3 retries) when an object could not be ingested.
    pub async fn handle(&self, event: S3Event) -> Result<Vec<ObjectReport>, Error> {
        let mut reports = Vec::new();
        for record in event.records {
            if record
                .event_name
                .as_deref()
                .is_some_and(|n| !n.starts_with("ObjectCreated"))
            {
                continue;
            }
            let (Some(bucket), Some(raw_key)) = (record.s3.bucket.name, record.s3.object.key)
            else {
                tracing::warn!("S3 record without bucket or key; skipped");
                continue;
            };
            let object = ObjectCreated {
                key: decode_event_key(&raw_key)?,
                bucket,
                etag: record.s3.object.e_tag.filter(|e| !e.is_empty()),
                version_id: record.s3.object.version_id.filter(|v| !v.is_empty()),
                event_time: record.event_time,
            };
            reports.push(self.ingest(object).await?);
        }
        Ok(reports)
    }

    async fn ingest(&self, object: ObjectCreated) -> Result<ObjectReport, Error> {
        let tenant = match IncomingKey::parse(&object.key) {
            Some(k) => k.tenant.to_string(),
            None => {
                return Err(format!(
                    "s3://{}/{}: not under incoming/{{tenant}}/",
                    object.bucket, object.key
                )
                .into());
            }
        };
        // A configuration that does not read (a field named in the error)
        // stops the ingest before anything is written, so fixing it and
        // delivering the object again ingests it.
        let not_ingested =
            |why: String| format!("s3://{}/{}: not ingested: {why}", object.bucket, object.key);
        let config = self
            .store
            .tenant_config(&tenant)
            .await
            .map_err(|e| not_ingested(e.to_string()))?
            .ok_or_else(|| {
                not_ingested(format!(
                    "tenant '{tenant}' has no configuration (run `arflow tenant create`)"
                ))
            })?;
        let mut store = self.store.clone();
        let blobs = Blobs::new(self.s3.clone(), object.bucket.clone());
        let handle = Handle::current();
        let report = tokio::task::spawn_blocking(move || {
            let incoming = IncomingKey::parse(&object.key).expect("parsed above");
            ingest_object(&mut store, &blobs, &handle, &config, &incoming, &object)
        })
        .await??;
        tracing::info!(
            tenant = %report.tenant,
            key = %report.key,
            already_ingested = report.already_ingested,
            new = report.summary.new,
            changed = report.summary.changed,
            closed = report.summary.closed,
            rejected = report.summary.rejected,
            "ingested"
        );
        Ok(report)
    }
}
