//! The built `daily` binary run the way Lambda runs it: a local stand-in for
//! the Lambda Runtime API hands it the scheduler event from `events/` and
//! takes its response; the binary builds its clients from the environment
//! and plans the day onto the emulator's SQS.

mod aws_support;

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use arflow_app::store::{ChangeKind, InvoiceChange, LedgerStore};
use arflow_aws::tenant::TenantConfig;
use arflow_domain::ledger::{Customer, Invoice, InvoiceStatus};
use arflow_domain::money::Currency;
use aws_support::runtime::{binary, runtime_api};
use aws_support::{Aws, event, unique};

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
    std::thread::spawn(move || runtime_api(listener, "arflow-daily", payload, tx));

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
