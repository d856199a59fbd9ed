//! SES failures injected between dispatch and the emulator (a proxy that
//! answers SendEmail for chosen recipients with throttling or a permanent
//! rejection): a throttled send is retried with backoff inside the handler;
//! one that stays throttled fails alone (`batchItemFailures`) and is sent
//! exactly once after redelivery; a permanent rejection is recorded on the
//! action's claim, fails its message on every delivery without another
//! send, and gets exactly one new try after a dead-letter redrive.

mod aws_support;

use arflow_app::delivery::LEASE_SECS;
use arflow_app::delivery::{ClaimOutcome, ClaimStatus, DeliveryStore};
use arflow_app::store::LedgerStore;
use arflow_aws::outbound::SEND_ATTEMPTS;
use aws_support::ses_proxy::{Fault, SesProxy};
use aws_support::world::{
    Setup, customer, email_actions, failures, invoice, redelivered, world_with,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_is_retried_in_the_handler_then_left_to_sqs_and_a_rejection_fails_alone() {
    let proxy = SesProxy::start(aws_support::endpoint()).await;
    let w = world_with(
        &[
            customer("C1", "ap@ok.example"),
            customer("C2", "ap@briefly-throttled.example"),
            customer("C3", "ap@long-throttled.example"),
            customer("C4", "ap@rejected.example"),
        ],
        &[
            invoice("INV-1", "C1", "2024-01-02", "2024-02-01", 10_000),
            invoice("INV-2", "C2", "2024-01-02", "2024-02-01", 20_000),
            invoice("INV-3", "C3", "2024-01-02", "2024-02-01", 30_000),
            invoice("INV-4", "C4", "2024-01-02", "2024-02-01", 40_000),
        ],
        Setup {
            ses_endpoint: Some(proxy.url.clone()),
            ..Setup::default()
        },
    )
    .await;
    assert_eq!(SEND_ATTEMPTS, 3, "the counts below assume three attempts");
    proxy.fault("ap@briefly-throttled.example", Fault::Throttle(2));
    proxy.fault("ap@long-throttled.example", Fault::Throttle(5));
    proxy.fault("ap@rejected.example", Fault::Reject);

    w.run_daily("exec-1", None).await;
    let batch = w.drain().await;
    let emails = email_actions(&batch);
    assert_eq!(emails.len(), 4, "{emails:?}");
    let id_of = |to: &str| {
        emails
            .iter()
            .find(|(_, r, _)| r == &[to])
            .map(|(id, _, _)| id.clone())
            .unwrap_or_else(|| panic!("no action to {to}"))
    };
    let (long, rejected) = (
        id_of("ap@long-throttled.example"),
        id_of("ap@rejected.example"),
    );
    let sent_to = |to: &str| w.mail().iter().filter(|m| m.to == [to]).count();

    // First delivery: two throttles then a send inside the handler; five
    // throttles outlast the handler's attempts; the rejection is final.
    let response = w.dispatch.handle(batch.clone()).await.expect("dispatch");
    let mut expected = vec![long.clone(), rejected.clone()];
    expected.sort();
    assert_eq!(failures(&response), expected);
    assert_eq!(proxy.attempts("ap@briefly-throttled.example"), 3);
    assert_eq!(proxy.attempts("ap@long-throttled.example"), 3);
    assert_eq!(
        proxy.attempts("ap@rejected.example"),
        1,
        "no retry of a rejection"
    );
    assert_eq!(sent_to("ap@ok.example"), 1);
    assert_eq!(sent_to("ap@briefly-throttled.example"), 1);
    assert_eq!(sent_to("ap@long-throttled.example"), 0);
    let mut store = w.dispatch.store().clone();
    let now = chrono::Utc::now().timestamp();
    match store
        .claim(
            "acme",
            "C4",
            &rejected_action(&batch, &rejected),
            now,
            LEASE_SECS,
        )
        .expect("claim")
    {
        ClaimOutcome::Failed(err) => assert!(err.contains("MessageRejected"), "{err}"),
        other => panic!("the rejection is recorded on the claim: {other:?}"),
    }

    // SQS redelivers (the whole batch, as if every message came back): the
    // throttled one goes out now (two more throttles, then a send), the sent
    // ones are not sent again, the rejected one fails without a send.
    let response = w
        .dispatch
        .handle(redelivered(&batch, 2))
        .await
        .expect("redelivery");
    assert_eq!(failures(&response), vec![rejected.clone()]);
    assert_eq!(proxy.attempts("ap@long-throttled.example"), 6);
    assert_eq!(proxy.attempts("ap@rejected.example"), 1);
    for to in [
        "ap@ok.example",
        "ap@briefly-throttled.example",
        "ap@long-throttled.example",
    ] {
        assert_eq!(sent_to(to), 1, "exactly one e-mail to {to}");
    }
    assert_eq!(sent_to("ap@rejected.example"), 0);

    // Moved back from the dead-letter queue (receive count starts at 1):
    // exactly one new try, which is rejected again and recorded.
    let only_rejected = aws_lambda_events::event::sqs::SqsEvent {
        records: batch
            .records
            .iter()
            .filter(|r| r.message_id.as_deref() == Some(rejected.as_str()))
            .cloned()
            .collect(),
    };
    let response = w.dispatch.handle(only_rejected).await.expect("redrive");
    assert_eq!(failures(&response), vec![rejected]);
    assert_eq!(proxy.attempts("ap@rejected.example"), 2);
    assert_eq!(w.mail().len(), 3, "{:#?}", w.mail());
}

/// The action id of the message `message_id` in `batch`.
fn rejected_action(batch: &aws_lambda_events::event::sqs::SqsEvent, message_id: &str) -> String {
    let record = batch
        .records
        .iter()
        .find(|r| r.message_id.as_deref() == Some(message_id))
        .expect("record");
    let body: serde_json::Value =
        serde_json::from_str(record.body.as_deref().unwrap_or("")).expect("body");
    body["action"]["id"]
        .as_str()
        .expect("action id")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_ses_may_have_taken_is_never_sent_again_but_recorded_unconfirmed_with_a_task() {
    let proxy = SesProxy::start(aws_support::endpoint()).await;
    let w = world_with(
        &[
            customer("C1", "ap@ok.example"),
            customer("C2", "ap@answered-500.example"),
        ],
        &[
            invoice("INV-1", "C1", "2024-01-02", "2024-02-01", 10_000),
            invoice("INV-2", "C2", "2024-01-02", "2024-02-01", 20_000),
        ],
        Setup {
            ses_endpoint: Some(proxy.url.clone()),
            ..Setup::default()
        },
    )
    .await;
    // SES takes the e-mail, then answers 500: a retry would send it twice.
    proxy.fault("ap@answered-500.example", Fault::AcceptThenFail);
    w.run_daily("exec-1", None).await;
    let batch = w.drain().await;
    let emails = email_actions(&batch);
    let message = emails
        .iter()
        .find(|(_, r, _)| r == &["ap@answered-500.example"])
        .map(|(id, _, _)| id.clone())
        .expect("an e-mail to C2");
    let action = rejected_action(&batch, &message);
    let sent_to = |to: &str| w.mail().iter().filter(|m| m.to == [to]).count();

    let response = w.dispatch.handle(batch.clone()).await.expect("dispatch");
    assert!(
        failures(&response).is_empty(),
        "recorded, not left to redelivery: {:?}",
        failures(&response)
    );
    assert_eq!(
        proxy.attempts("ap@answered-500.example"),
        1,
        "not retried in the handler"
    );
    assert_eq!(sent_to("ap@answered-500.example"), 1);
    assert_eq!(sent_to("ap@ok.example"), 1);

    // Redelivered anyway (as SQS may): nothing is sent again.
    let response = w
        .dispatch
        .handle(redelivered(&batch, 2))
        .await
        .expect("redelivery");
    assert!(failures(&response).is_empty());
    assert_eq!(proxy.attempts("ap@answered-500.example"), 1);
    assert_eq!(sent_to("ap@answered-500.example"), 1);

    // Recorded as unconfirmed, with a task for a person to check.
    let mut store = w.dispatch.store().clone();
    let now = chrono::Utc::now().timestamp();
    match store
        .claim("acme", "C2", &action, now, LEASE_SECS)
        .expect("claim")
    {
        ClaimOutcome::Done(ClaimStatus::Unconfirmed) => {}
        other => panic!("the send is recorded as unconfirmed: {other:?}"),
    }
    let tasks = store.tasks("acme").expect("tasks");
    assert!(
        tasks
            .iter()
            .any(|t| t.id == format!("{action}:unconfirmed")),
        "{tasks:#?}"
    );
}
