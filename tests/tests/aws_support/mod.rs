//! Shared set-up for the AWS end-to-end tests: a moto server (the one the
//! test command started, through `AWS_ENDPOINT_URL`, or one started here
//! from `.venv`), SDK config pointing at it, and unique resource names.
#![allow(dead_code)]

pub mod runtime;
pub mod ses_proxy;
pub mod world;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, SdkConfig};

/// The emulator's base URL, starting one if the environment names none.
pub fn endpoint() -> &'static str {
    static ENDPOINT: OnceLock<String> = OnceLock::new();
    ENDPOINT.get_or_init(|| {
        // SAFETY (edition 2024 marks these unsafe): set once, before any
        // client reads them, under the OnceLock.
        let defaults = [
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_REGION", "us-east-1"),
        ];
        for (k, v) in defaults {
            if std::env::var_os(k).is_none() {
                unsafe { std::env::set_var(k, v) };
            }
        }
        match std::env::var("AWS_ENDPOINT_URL") {
            Ok(url) if !url.is_empty() => url,
            _ => start_moto(),
        }
    })
}

fn start_moto() -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let server = root.join(".venv/bin/moto_server");
    assert!(
        server.is_file(),
        "AWS_ENDPOINT_URL is not set and {} is missing: run scripts/python-env (scripts/test does)",
        server.display()
    );
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    // A watchdog shell stops the server when this test process ends, so no
    // emulator outlives the tests.
    let script = r#"server="$1"; port="$2"; parent="$3"
"$server" -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
child=$!
trap 'kill "$child" 2>/dev/null; exit 0' TERM INT HUP
while kill -0 "$parent" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 0.5; done
kill "$child" 2>/dev/null"#;
    let watchdog = Command::new("bash")
        .args(["-c", script, "moto-watchdog"])
        .arg(&server)
        .arg(port.to_string())
        .arg(std::process::id().to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start moto_server");
    // Held for the life of the process; the shell ends itself.
    static WATCHDOG: OnceLock<std::sync::Mutex<std::process::Child>> = OnceLock::new();
    let _ = WATCHDOG.set(std::sync::Mutex::new(watchdog));
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "moto_server did not start on port {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    url
}

/// SDK config for the emulator.
pub async fn sdk_config() -> SdkConfig {
    sdk_config_at(endpoint()).await
}

/// SDK config for the emulator at `url`.
pub async fn sdk_config_at(url: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(url)
        .load()
        .await
}

/// A moto server of this test process alone, for a test that loads the
/// emulator with so many items that the shared server's
/// `/moto-api/data.json` (which the SES tests read) would take minutes.
pub fn private_endpoint() -> &'static str {
    static PRIVATE: OnceLock<String> = OnceLock::new();
    PRIVATE.get_or_init(|| {
        endpoint();
        start_moto()
    })
}

/// A multi-thread runtime for tests that drive the synchronous store from
/// the test thread.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// A name no other test (or earlier run against the same server) uses.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}-{}-{nanos:09}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Clients for the emulator, the table and bucket created for one test.
pub struct Aws {
    pub config: SdkConfig,
    pub dynamo: aws_sdk_dynamodb::Client,
    pub s3: aws_sdk_s3::Client,
    pub table: String,
    pub bucket: String,
}

impl Aws {
    /// A fresh table and bucket (call inside a multi-thread runtime).
    pub async fn fresh(prefix: &str) -> Aws {
        let config = sdk_config().await;
        let dynamo = aws_sdk_dynamodb::Client::new(&config);
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config)
                .force_path_style(true)
                .build(),
        );
        let table = unique(prefix);
        arflow_aws::dynamo::table::ensure_table(&dynamo, &table)
            .await
            .expect("create table");
        let bucket = unique(prefix).to_ascii_lowercase();
        s3.create_bucket()
            .bucket(&bucket)
            .send()
            .await
            .expect("create bucket");
        Aws {
            config,
            dynamo,
            s3,
            table,
            bucket,
        }
    }

    pub fn store(&self) -> arflow_aws::DynamoStore {
        arflow_aws::DynamoStore::new(self.dynamo.clone(), self.table.clone())
    }

    pub async fn put_object(&self, key: &str, body: Vec<u8>) {
        self.s3
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .body(body.into())
            .send()
            .await
            .expect("put object");
    }

    pub async fn get_object(&self, key: &str) -> Option<Vec<u8>> {
        let out = self
            .s3
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .ok()?;
        Some(
            out.body
                .collect()
                .await
                .expect("object body")
                .into_bytes()
                .to_vec(),
        )
    }
}

/// A sample event from `events/`, parsed.
pub fn event(name: &str) -> serde_json::Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../events")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `events/s3_put.json` pointed at `bucket`/`raw_key` (as S3 encodes keys).
pub fn s3_put_event(
    bucket: &str,
    raw_key: &str,
    etag: &str,
) -> aws_lambda_events::event::s3::S3Event {
    let mut v = event("s3_put.json");
    let s3 = &mut v["Records"][0]["s3"];
    s3["bucket"]["name"] = bucket.into();
    s3["bucket"]["arn"] = format!("arn:aws:s3:::{bucket}").into();
    s3["object"]["key"] = raw_key.into();
    s3["object"]["eTag"] = etag.into();
    s3["object"]["versionId"] = serde_json::Value::Null;
    serde_json::from_value(v).expect("S3 event")
}

/// GET `path` from the emulator (e.g. `/moto-api/data.json`) as JSON.
/// moto builds data.json by serialising every backend; while other tests
/// hold some DynamoDB state it can fail with a 500 ("keys must be str …,
/// not DynamoType", seen once in a full run), so a non-JSON answer is
/// asked again, a few times, before the test gives up.
pub fn moto_get(path: &str) -> serde_json::Value {
    let mut last = String::new();
    for attempt in 0..5 {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(200 * attempt));
        }
        let body = moto_get_once(path);
        match serde_json::from_str(&body) {
            Ok(v) => return v,
            Err(e) => last = format!("{e}: {body:.200}"),
        }
    }
    panic!("moto {path}: {last}")
}

fn moto_get_once(path: &str) -> String {
    use std::io::{Read, Write};
    let url = endpoint().trim_start_matches("http://").to_string();
    let host = url.split('/').next().unwrap_or(&url).to_string();
    let mut stream = std::net::TcpStream::connect(&host).expect("connect to moto");
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").expect("request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response");
    response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default()
}

/// One e-mail the emulator's SES accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentMail {
    pub id: String,
    pub source: String,
    pub to: Vec<String>,
    pub subject: String,
    pub body: String,
}

/// E-mails SES accepted from senders containing `sender_part`.
pub fn sent_mail(sender_part: &str) -> Vec<SentMail> {
    let data = moto_get("/moto-api/data.json");
    let empty = Vec::new();
    data["ses"]["Message"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .filter(|m| m["source"].as_str().unwrap_or("").contains(sender_part))
        .map(|m| SentMail {
            id: m["id"].as_str().unwrap_or("").to_string(),
            source: m["source"].as_str().unwrap_or("").to_string(),
            to: m["destinations"]["ToAddresses"]
                .as_array()
                .map(|v| {
                    v.iter()
                        .filter_map(|a| a.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            subject: m["subject"].as_str().unwrap_or("").to_string(),
            body: m["body"].as_str().unwrap_or("").to_string(),
        })
        .collect()
}
