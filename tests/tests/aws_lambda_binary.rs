//! The built `daily` binary run the way Lambda runs it: a local stand-in for
//! the Lambda Runtime API hands it the scheduler event from `events/` and
//! takes its response; the binary builds its clients from the environment
//! and plans the day onto the emulator's SQS.

mod aws_support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use arflow_app::store::{ChangeKind, InvoiceChange, LedgerStore};
use arflow_aws::tenant::TenantConfig;
use arflow_domain::ledger::{Customer, Invoice, InvoiceStatus};
use arflow_domain::money::Currency;
use aws_support::{Aws, event, unique};

/// A built binary beside the test executable (scripts/test builds the
/// workspace first).
fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    let dir = exe
        .parent()
        .and_then(|p| p.parent())
        .expect("target/<profile>");
    let bin = dir.join(name);
    assert!(
        bin.is_file(),
        "{} is not built; run `cargo build -p arflow-fn-{name}` (scripts/test does)",
        bin.display()
    );
    bin
}

/// One HTTP request: (method, path, body).
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(String, String, String)> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_string(), parts.next()?.to_string());
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((k, v)) = header.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((method, path, String::from_utf8_lossy(&body).into_owned()))
}

/// Serves one invocation of `payload`; sends ("response"|"error", body).
fn runtime_api(listener: TcpListener, payload: String, done: mpsc::Sender<(String, String)>) {
    let mut served = false;
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let mut writer = stream.try_clone().expect("clone stream");
        let mut reader = BufReader::new(stream);
        while let Some((method, path, body)) = read_request(&mut reader) {
            if method == "GET" && path.ends_with("/invocation/next") {
                if served {
                    // Keep the runtime waiting, as Lambda does between events.
                    std::thread::sleep(Duration::from_secs(600));
                    return;
                }
                served = true;
                let deadline = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .expect("clock")
                    .as_millis()
                    + 120_000;
                let _ = write!(
                    writer,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: req-1\r\n\
                     Lambda-Runtime-Deadline-Ms: {deadline}\r\n\
                     Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:arflow-daily\r\n\
                     Lambda-Runtime-Trace-Id: Root=1-5759e988-bd862e3fe1be46a994272793\r\n\
                     Content-Length: {}\r\n\r\n{payload}",
                    payload.len()
                );
            } else {
                let kind = if path.contains("/response") {
                    "response"
                } else {
                    "error"
                };
                let _ = write!(
                    writer,
                    "HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{{}}"
                );
                let _ = done.send((kind.to_string(), body));
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_built_daily_binary_handles_a_scheduler_event_through_the_runtime_api() {
    let aws = Aws::fresh("binary").await;
    let sqs = aws_sdk_sqs::Client::new(&aws.config);
    let queue_url = sqs
        .create_queue()
        .queue_name(unique("bin"))
        .send()
        .await
        .expect("queue")
        .queue_url
        .expect("url");
    let mut store = aws.store();
    store
        .put_tenant_config(&TenantConfig::new(
            "acme",
            "ar@acme.example",
            "America/New_York",
            9,
        ))
        .await
        .expect("config");
    let invoice = Invoice {
        invoice_id: "INV-1".into(),
        customer_id: "C1".into(),
        invoice_date: "2024-01-02".parse().expect("date"),
        due_date: "2024-02-01".parse().expect("date"),
        amount: 120_000,
        currency: Currency::USD,
        paid_amount: 0,
        paid_date: None,
        disputed: false,
        status: InvoiceStatus::Open,
    };
    let customer = Customer {
        customer_id: "C1".into(),
        name: "C1 Corp".into(),
        emails: vec!["ap@c1.example".into()],
        ..Customer::default()
    };
    store
        .apply_changes(
            "acme",
            &[InvoiceChange {
                kind: ChangeKind::New,
                effective: None,
                invoice,
            }],
            &[customer],
        )
        .expect("ledger");

    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let api = listener.local_addr().expect("addr").to_string();
    let (tx, rx) = mpsc::channel();
    let payload = event("scheduler.json").to_string();
    std::thread::spawn(move || runtime_api(listener, payload, tx));

    let mut child = Command::new(binary("daily"))
        .env("AWS_LAMBDA_RUNTIME_API", &api)
        .env("AWS_LAMBDA_FUNCTION_NAME", "arflow-daily")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/arflow-daily")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "2024/02/01/[$LATEST]test")
        .env("AWS_ENDPOINT_URL", aws_support::endpoint())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("TABLE_NAME", &aws.table)
        .env("QUEUE_URL", &queue_url)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the daily binary");
    let answer = rx.recv_timeout(Duration::from_secs(60));
    let _ = child.kill();
    let output = child.wait_with_output().expect("daily exited");
    let (kind, body) = answer.unwrap_or_else(|e| {
        panic!(
            "no answer from the binary ({e}); stderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    assert_eq!(kind, "response", "{body}");
    let outcome: serde_json::Value = serde_json::from_str(&body).expect("JSON response");
    assert_eq!(outcome["tenant"], "acme");
    assert_eq!(outcome["as_of"], "2024-02-01");
    let messages = outcome["messages"].as_u64().expect("messages");
    assert!(messages > 0, "{outcome}");
    let attrs = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
        .send()
        .await
        .expect("attributes");
    let on_queue = attrs
        .attributes
        .and_then(|a| {
            a.get(&aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
                .cloned()
        })
        .unwrap_or_default();
    assert_eq!(
        on_queue,
        messages.to_string(),
        "the binary put the planned actions on SQS"
    );
}
