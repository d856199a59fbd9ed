//! Daily and dispatch end to end on the emulator: a scheduler event plans
//! the day onto SQS, a dispatch batch sends exactly the expected e-mails
//! through SES (read back from moto's data.json); repeated runs and
//! redelivered messages send nothing twice; one bad recipient fails alone;
//! a bounced address is suppressed and becomes a task.

mod aws_support;

use arflow_app::delivery::DeliveryStore;

use arflow_app::store::LedgerStore;
use arflow_domain::ledger::{Customer, Invoice};
use aws_lambda_events::event::sqs::SqsEvent;
use aws_support::event;
use aws_support::world::{
    customer, email_actions, failures, invoice, redelivered, sqs_event, world,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_day_is_planned_to_sqs_and_each_email_is_sent_exactly_once() {
    let w = world(
        &[
            customer("C1", "ap@c1.example"),
            customer("C2", "ap@c2.example"),
        ],
        &[
            invoice("INV-1", "C1", "2024-01-02", "2024-02-01", 120_000),
            invoice("INV-2", "C2", "2024-01-09", "2024-02-08", 8_050),
        ],
    )
    .await;
    let first = w.run_daily("exec-1", None).await;
    assert_eq!(
        first.as_of.to_string(),
        "2024-02-01",
        "scheduled 14:00 UTC is Feb 1 in New York"
    );
    assert!(first.messages > 0, "{first:?}");
    let batch = w.drain().await;
    assert_eq!(
        batch.records.len(),
        first.messages,
        "SQS holds the planned actions"
    );
    let emails = email_actions(&batch);
    assert!(emails.len() >= 2, "a reminder to each customer: {emails:?}");

    let response = w.dispatch.handle(batch.clone()).await.expect("dispatch");
    assert!(failures(&response).is_empty(), "{response:?}");
    let mail = w.mail();
    assert_eq!(
        mail.len(),
        emails.len(),
        "one e-mail per e-mail action: {mail:#?}"
    );
    for (_, to, invoices) in &emails {
        let m = mail
            .iter()
            .find(|m| &m.to == to)
            .unwrap_or_else(|| panic!("no mail to {to:?}: {mail:#?}"));
        assert!(m.source.contains("Acme AR"), "{}", m.source);
        for inv in invoices {
            assert!(
                m.body.contains(inv.as_str()),
                "the body of the mail to {to:?} names {inv}: {}",
                m.body
            );
        }
    }

    // The same schedule fired again, a new execution of the same day, and the
    // same SQS messages redelivered: nothing more is sent.
    assert!(w.run_daily("exec-1", None).await.skipped);
    let rerun = w.run_daily("exec-2", None).await;
    assert_eq!(
        rerun.actions, 0,
        "every planned action is recorded as sent: {rerun:?}"
    );
    let response = w.dispatch.handle(batch).await.expect("redelivery");
    assert!(failures(&response).is_empty());
    assert_eq!(
        w.mail().len(),
        emails.len(),
        "still exactly one e-mail per action"
    );
    let log = w
        .dispatch
        .store()
        .communications("acme", "C1")
        .expect("log");
    assert_eq!(
        log.len(),
        1,
        "the communication log holds the send once: {log:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_bad_recipient_fails_alone_and_the_others_are_sent_once() {
    let w = world(
        &[
            customer("C1", "ap@c1.example"),
            customer("C2", "not-an-address"),
            customer("C3", "ap@c3.example"),
        ],
        &[
            invoice("INV-1", "C1", "2024-01-02", "2024-02-01", 10_000),
            invoice("INV-2", "C2", "2024-01-02", "2024-02-01", 20_000),
            invoice("INV-3", "C3", "2024-01-02", "2024-02-01", 30_000),
        ],
    )
    .await;
    w.run_daily("exec-1", None).await;
    let batch = w.drain().await;
    let emails = email_actions(&batch);
    let bad: Vec<String> = emails
        .iter()
        .filter(|(_, to, _)| to == &["not-an-address"])
        .map(|(id, _, _)| id.clone())
        .collect();
    assert_eq!(bad.len(), 1, "{emails:?}");
    let response = w.dispatch.handle(batch.clone()).await.expect("dispatch");
    assert_eq!(failures(&response), bad, "only the bad message is reported");
    assert_eq!(w.mail().len(), emails.len() - 1);

    // Redelivered (receive count 2): the bad one fails again without a
    // send (so it reaches the DLQ), the good ones are not sent again.
    let response = w
        .dispatch
        .handle(redelivered(&batch, 2))
        .await
        .expect("redelivery");
    assert_eq!(failures(&response), bad);
    assert_eq!(w.mail().len(), emails.len() - 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bounced_address_is_suppressed_and_its_next_reminder_becomes_a_task() {
    let w = world(
        &[customer("C1", "ap@c1.example")],
        &[invoice("INV-1", "C1", "2024-01-02", "2024-02-01", 120_000)],
    )
    .await;
    w.run_daily("exec-1", None).await;
    let batch = w.drain().await;
    assert!(failures(&w.dispatch.handle(batch).await.expect("dispatch")).is_empty());
    let first = w.mail();
    assert_eq!(first.len(), 1);

    // SES reports a permanent bounce for that message (SNS → SQS).
    let mut envelope = event("ses_bounce_sns.json");
    let mut ses: serde_json::Value =
        serde_json::from_str(envelope["Message"].as_str().expect("message")).expect("SES JSON");
    ses["mail"]["messageId"] = first[0].id.as_str().into();
    ses["bounce"]["bouncedRecipients"][0]["emailAddress"] = "ap@c1.example".into();
    envelope["Message"] = ses.to_string().into();
    let feedback = sqs_event(&[("bounce-1".into(), envelope.to_string())]);
    assert!(failures(&w.dispatch.handle(feedback).await.expect("feedback")).is_empty());
    let tasks = w.aws.store().tasks("acme").expect("tasks");
    assert!(
        tasks
            .iter()
            .any(|t| t.id == "suppressed:ap@c1.example" && t.assignee == "ar_team"),
        "{tasks:?}"
    );

    // A week later the firm follow-up is due: not sent, a task instead.
    let later = w.run_daily("exec-2", Some("2024-02-08")).await;
    assert!(later.messages > 0, "{later:?}");
    let batch = w.drain().await;
    assert!(failures(&w.dispatch.handle(batch).await.expect("dispatch")).is_empty());
    assert_eq!(
        w.mail().len(),
        1,
        "nothing more was e-mailed to the suppressed address"
    );
    let tasks = w.aws.store().tasks("acme").expect("tasks");
    assert!(
        tasks.iter().any(|t| t.id.ends_with(":suppressed")),
        "{tasks:?}"
    );
}

/// Measures e-mails per second through dispatch against the emulator (the
/// figure in BENCHMARKS.md): 200 customers with an invoice due today, their
/// reminders dispatched in batches of 10, alternately one message at a time
/// and `IN_FLIGHT` at a time, so both modes see the same machine load.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dispatch_sends_a_batch_of_reminders_and_reports_its_rate() {
    let n = 200;
    let customers: Vec<Customer> = (0..n)
        .map(|i| customer(&format!("C{i:04}"), &format!("ap@c{i}.example")))
        .collect();
    let invoices: Vec<Invoice> = (0..n)
        .map(|i| {
            invoice(
                &format!("INV-{i:04}"),
                &format!("C{i:04}"),
                "2024-01-02",
                "2024-02-01",
                10_000 + i,
            )
        })
        .collect();
    let w = world(&customers, &invoices).await;
    w.run_daily("exec-1", None).await;
    let all = w.drain().await;
    let emails = email_actions(&all).len();
    assert_eq!(emails, n as usize, "one due-today reminder per customer");
    let sequential = w.dispatch.clone().with_in_flight(1);
    let mut secs = [0.0f64; 2];
    let mut sent = [0usize; 2];
    for (i, chunk) in all.records.chunks(10).enumerate() {
        let batch = SqsEvent {
            records: chunk.to_vec(),
        };
        let function = if i % 2 == 0 { &sequential } else { &w.dispatch };
        let t0 = std::time::Instant::now();
        assert!(failures(&function.handle(batch).await.expect("dispatch")).is_empty());
        secs[i % 2] += t0.elapsed().as_secs_f64();
        sent[i % 2] += chunk.len();
    }
    assert_eq!(w.mail().len(), emails);
    let rate = |m: usize| sent[m] as f64 / secs[m];
    eprintln!(
        "dispatch: {emails} e-mails in batches of 10; one at a time {:.0} e-mails/s, {} in flight {:.0} e-mails/s (moto)",
        rate(0),
        arflow_fn_dispatch::IN_FLIGHT,
        rate(1)
    );
}
