//! Measures the ingest handler on a large ledger against an emulator
//! (`scripts/bench-aws-ingest` drives it). Two steps, two processes, so the
//! handler's peak RSS is its own:
//!
//!     bench_ingest setup FILE KEY...   # table, bucket, tenant, FILE (- = stdin) uploaded
//!                                      # under each KEY; prints its size in bytes
//!     bench_ingest run KEY             # the handler on KEY's S3 event; one JSON line
//!
//! Environment: `AWS_ENDPOINT_URL`, `TABLE_NAME`, `BUCKET` (and the SDK's
//! credentials and region).

use std::time::Instant;

use arflow_aws::dynamo::table::ensure_table;
use arflow_aws::env;
use arflow_aws::tenant::TenantConfig;
use arflow_fn_ingest::IngestFunction;
use aws_lambda_events::event::s3::S3Event;

/// Errors as boxed trait objects (the package has no anyhow).
type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let table = env::required("TABLE_NAME", "the DynamoDB table")?;
    let bucket = env::required("BUCKET", "the bucket")?;
    let config = env::sdk_config().await;
    let s3 = env::s3_client(&config);
    match args.first().map(String::as_str) {
        Some("setup") if args.len() >= 3 => {
            let dynamo = aws_sdk_dynamodb::Client::new(&config);
            ensure_table(&dynamo, &table).await?;
            s3.create_bucket().bucket(&bucket).send().await?;
            let store = arflow_aws::DynamoStore::new(dynamo, &table);
            let tenant = TenantConfig::new("acme", "ar@acme.example", "UTC", 9);
            store.put_tenant_config(&tenant).await?;
            let body = if args[1] == "-" {
                let mut buf = Vec::new();
                std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)?;
                buf
            } else {
                std::fs::read(&args[1])?
            };
            for key in &args[2..] {
                s3.put_object()
                    .bucket(&bucket)
                    .key(key)
                    .body(body.clone().into())
                    .send()
                    .await?;
            }
            println!("{}", body.len());
            Ok(())
        }
        Some("run") if args.len() == 2 => {
            let key = &args[1];
            let head = s3.head_object().bucket(&bucket).key(key).send().await?;
            let etag = head
                .e_tag()
                .unwrap_or_default()
                .trim_matches('"')
                .to_string();
            let event = s3_event(&bucket, key, &etag)?;
            let function = IngestFunction::from_env().await?;
            let t0 = Instant::now();
            let reports = function.handle(event).await?;
            let secs = t0.elapsed().as_secs_f64();
            let report = reports.first().ok_or("no report")?;
            let out = serde_json::json!({
                "key": key,
                "secs": (secs * 10.0).round() / 10.0,
                "vm_hwm_kb": vm_hwm_kb(),
                "cpu_secs": cpu_secs(),
                "invoice_items_written": function.store().invoice_items_written(),
                "other_items_written": function.store().other_items_written(),
                "summary": report.summary,
                "events": report.events,
                "already_ingested": report.already_ingested,
            });
            println!("{out}");
            Ok(())
        }
        _ => Err("usage: bench_ingest setup FILE KEY... | bench_ingest run KEY".into()),
    }
}

/// An S3 put event for `key` (keys in events are URL-encoded).
fn s3_event(bucket: &str, key: &str, etag: &str) -> Result<S3Event> {
    let encoded: String = key
        .bytes()
        .map(|b| match b {
            b' ' => "+".to_string(),
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    let event = serde_json::json!({"Records": [{
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "us-east-1",
        "eventTime": "2024-12-31T06:00:00.000Z",
        "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "bench"},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {},
        "s3": {
            "s3SchemaVersion": "1.0",
            "bucket": {"name": bucket, "arn": format!("arn:aws:s3:::{bucket}")},
            "object": {"key": encoded, "eTag": etag}
        }
    }]});
    Ok(serde_json::from_value(event)?)
}

/// User + system CPU time of the process so far, in seconds (from
/// `/proc/self/stat`, at Linux's usual 100 clock ticks a second).
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime and
    // stime are the 12th and 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let ticks: u64 = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|v| v.parse::<u64>().ok())
        .sum();
    ticks as f64 / 100.0
}

/// The process's peak resident set size (`VmHWM`), in kB.
fn vm_hwm_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}
