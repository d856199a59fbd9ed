//! The delivery use case on DynamoDB + SES in the emulator: the delivery
//! store contract; a send whose record fails (injected) is never sent
//! again — the retry records it as unconfirmed with a task, and the
//! dispatch Lambda then finds it done; a WhatsApp action, with no WhatsApp
//! provider on AWS, becomes a task for the AR team in the dispatch Lambda.

mod aws_support;

use std::collections::HashMap;

use arflow_app::delivery::{
    Attempt, ClaimOutcome, ClaimStatus, Completion, DeliverError, Delivered, DeliveryStore,
    LEASE_SECS, LogEntry, deliver,
};
use arflow_app::dispatch::Renderer;
use arflow_app::store::{LedgerStore, StoreError};
use arflow_app::templates::default_templates;
use arflow_aws::DynamoStore;
use arflow_aws::daily::strategy_defaults;
use arflow_aws::outbound::Outbound;
use arflow_aws::sender::SesSender;
use arflow_aws::wire::QueueMessage;
use arflow_domain::ledger::Customer;
use arflow_domain::strategy::{Action, ActionKind};
use aws_support::world::{Setup, World, customer, failures, invoice, world, world_with};

/// A DynamoDB store whose next `fail` completions fail, as a throttled or
/// unreachable table would.
struct Flaky {
    inner: DynamoStore,
    fail: u32,
}

impl DeliveryStore for Flaky {
    fn claim(
        &mut self,
        t: &str,
        c: &str,
        a: &str,
        now: i64,
        lease: i64,
    ) -> Result<ClaimOutcome, StoreError> {
        self.inner.claim(t, c, a, now, lease)
    }
    fn take_over(
        &mut self,
        t: &str,
        c: &str,
        a: &str,
        from: ClaimStatus,
        now: i64,
        lease: i64,
    ) -> Result<bool, StoreError> {
        self.inner.take_over(t, c, a, from, now, lease)
    }
    fn release(&mut self, t: &str, c: &str, a: &str) -> Result<(), StoreError> {
        self.inner.release(t, c, a)
    }
    fn fail(&mut self, t: &str, c: &str, a: &str, why: &str) -> Result<(), StoreError> {
        self.inner.fail(t, c, a, why)
    }
    fn complete(&mut self, t: &str, done: &Completion) -> Result<(), StoreError> {
        if self.fail > 0 {
            self.fail -= 1;
            return Err(StoreError::Backend {
                operation: "recording a delivery".into(),
                detail: "injected: ProvisionedThroughputExceededException".into(),
            });
        }
        self.inner.complete(t, done)
    }
    fn suppress(&mut self, t: &str, a: &str, why: &str) -> Result<bool, StoreError> {
        self.inner.suppress(t, a, why)
    }
    fn suppressed(&self, t: &str, a: &[String]) -> Result<Vec<String>, StoreError> {
        self.inner.suppressed(t, a)
    }
    fn communications(&self, t: &str, c: &str) -> Result<Vec<LogEntry>, StoreError> {
        self.inner.communications(t, c)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamo_store_keeps_the_delivery_store_contract() {
    let aws = aws_support::Aws::fresh("delivery").await;
    let mut store = aws.store();
    arflow_app::delivery::contract::run_delivery_store_contract(&mut store, "a");
    arflow_app::delivery::contract::run_delivery_store_contract(&mut store, "b");
}

/// The day's actions on the queue (and the event dispatch would get).
async fn planned(
    w: &World,
    execution: &str,
) -> (Vec<Action>, aws_lambda_events::event::sqs::SqsEvent) {
    let run = w.run_daily(execution, None).await;
    assert!(run.messages > 0, "{run:?}");
    let batch = w.drain().await;
    let actions = batch
        .records
        .iter()
        .filter_map(
            |r| match serde_json::from_str(r.body.as_deref().unwrap_or("")) {
                Ok(QueueMessage::Action { action, .. }) => Action::try_from(*action).ok(),
                _ => None,
            },
        )
        .collect();
    (actions, batch)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_whose_record_fails_on_dynamodb_is_never_sent_again() {
    let w = world(
        &[customer("C1", "ap@c1.example")],
        &[invoice("INV-1", "C1", "2024-01-02", "2024-02-01", 120_000)],
    )
    .await;
    let (actions, batch) = planned(&w, "exec-1").await;
    let action = actions
        .iter()
        .find(|a| a.kind == ActionKind::Email)
        .expect("an e-mail to C1")
        .clone();

    // Rendered as dispatch renders it.
    let store = w.aws.store();
    let config = store.tenant_config("acme").await.unwrap().unwrap();
    let strategy = strategy_defaults(&config).unwrap().fallback;
    let templates = default_templates().unwrap();
    let mut invoices = Vec::new();
    store
        .current_invoices("acme", &mut |i| invoices.push(i))
        .unwrap();
    let customers: HashMap<String, Customer> = store
        .customers("acme")
        .unwrap()
        .into_iter()
        .map(|c| (c.customer_id.clone(), c))
        .collect();
    let renderer = Renderer::new(&strategy, &templates, &invoices, &customers, action.due_on);
    let prepare = || renderer.prepare(&action).expect("rendered");
    let outbound = Outbound::new(
        aws_sdk_sesv2::Client::new(&w.aws.config),
        aws_sdk_sns::Client::new(&w.aws.config),
        None,
        None,
    );
    let mut ses = SesSender::new(outbound, "acme", tokio::runtime::Handle::current());
    let mut flaky = Flaky {
        inner: store.clone(),
        fail: 3,
    };
    let now = chrono::Utc::now().timestamp();
    let at = |now| Attempt {
        now,
        retry_failed: false,
    };

    let first = deliver(&mut flaky, &mut ses, "acme", &action, prepare(), at(now));
    assert!(
        matches!(first, Err(DeliverError::Unrecorded { .. })),
        "{first:?}"
    );
    assert_eq!(w.mail().len(), 1, "sent once");
    assert!(store.sent_log("acme").unwrap().is_empty());

    let busy = deliver(
        &mut flaky,
        &mut ses,
        "acme",
        &action,
        prepare(),
        at(now + 60),
    );
    assert!(matches!(busy, Err(DeliverError::Busy(_))), "{busy:?}");
    let retry = deliver(
        &mut flaky,
        &mut ses,
        "acme",
        &action,
        prepare(),
        at(now + LEASE_SECS + 1),
    );
    assert_eq!(
        retry.unwrap(),
        Delivered::Unconfirmed,
        "SES cannot tell: recorded, not resent"
    );
    assert_eq!(w.mail().len(), 1, "still one e-mail");
    assert!(
        store
            .tasks("acme")
            .unwrap()
            .iter()
            .any(|t| t.id == format!("{}:unconfirmed", action.id)),
        "the AR team checks it"
    );
    assert_eq!(store.sent_log("acme").unwrap().len(), 1);

    // SQS redelivers the whole day to the dispatch Lambda: the faulted
    // action is done, the others go out once.
    let response = w.dispatch.handle(batch).await.expect("dispatch");
    assert!(failures(&response).is_empty(), "{response:?}");
    let emails = actions
        .iter()
        .filter(|a| a.kind == ActionKind::Email)
        .count();
    assert_eq!(
        w.mail().len(),
        emails,
        "one e-mail per e-mail action, the faulted one once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whatsapp_action_without_a_provider_is_a_task_in_the_dispatch_lambda() {
    let mut c1 = customer("C1", "ap@c1.example");
    c1.phone = Some("+15550100".into());
    let w = world_with(
        &[c1],
        &[invoice("INV-1", "C1", "2024-01-02", "2024-02-01", 120_000)],
        Setup {
            strategy: Some(arflow_tests::whatsapp_strategy()),
            ..Setup::default()
        },
    )
    .await;
    let (actions, batch) = planned(&w, "exec-1").await;
    let whatsapp = actions
        .iter()
        .find(|a| a.kind == ActionKind::Whatsapp)
        .unwrap_or_else(|| panic!("a WhatsApp reminder: {actions:#?}"))
        .clone();
    let response = w.dispatch.handle(batch).await.expect("dispatch");
    assert!(failures(&response).is_empty(), "{response:?}");
    assert!(w.mail().is_empty(), "nothing sent on another channel");
    let mut store = w.aws.store();
    let tasks = store.tasks("acme").unwrap();
    let task = tasks
        .iter()
        .find(|t| t.id == whatsapp.id)
        .unwrap_or_else(|| panic!("the AR team's task: {tasks:#?}"));
    assert_eq!(task.assignee, "ar_team");
    assert!(
        task.title.contains("whatsapp") && task.title.contains("+15550100"),
        "{}",
        task.title
    );
    assert_eq!(
        store
            .claim("acme", "C1", &whatsapp.id, 0, LEASE_SECS)
            .unwrap(),
        ClaimOutcome::Done(ClaimStatus::Task)
    );
}
