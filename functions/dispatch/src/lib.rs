//! The dispatch function: an SQS batch of actions (and SES feedback) → each
//! action claimed, rendered, sent once and recorded, up to `IN_FLIGHT`
//! messages at a time; only the messages that failed are reported in
//! `batchItemFailures`. A library so tests call the handler in-process;
//! `main.rs` is the Lambda shell.

use std::collections::HashMap;
use std::sync::Arc;

use arflow_app::templates::default_templates;
use arflow_aws::dispatch::{Dispatcher, Outcome, action_message};
use arflow_aws::outbound::Outbound;
use arflow_aws::queue::Queue;
use arflow_aws::{DynamoStore, env};
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use lambda_runtime::Error;
use tokio::task::JoinSet;

/// Messages of a batch handled at once (each is a few DynamoDB calls and
/// one send; SES's own rate limit is met with backoff, see `outbound`).
pub const IN_FLIGHT: usize = 8;

/// The function's clients, templates and strategy cache, built once per
/// cold start and shared by every batch.
#[derive(Clone)]
pub struct DispatchFunction {
    dispatcher: Arc<Dispatcher>,
    in_flight: usize,
}

impl DispatchFunction {
    pub fn new(
        store: DynamoStore,
        outbound: Outbound,
        queue: Queue,
    ) -> Result<DispatchFunction, Error> {
        let templates = default_templates()?;
        Ok(DispatchFunction {
            dispatcher: Arc::new(Dispatcher::new(store, outbound, queue, templates)),
            in_flight: IN_FLIGHT,
        })
    }

    /// Handles at most `n` (at least 1) messages of a batch at once.
    pub fn with_in_flight(mut self, n: usize) -> DispatchFunction {
        self.in_flight = n.max(1);
        self
    }

    /// From `TABLE_NAME`, `QUEUE_URL`, optional `ALERTS_TOPIC_ARN` and
    /// `SES_CONFIGURATION_SET`.
    pub async fn from_env() -> Result<DispatchFunction, Error> {
        let table = env::required("TABLE_NAME", "the DynamoDB table")?;
        let queue_url = env::required("QUEUE_URL", "the dispatch queue")?;
        let config = env::sdk_config().await;
        let outbound = Outbound::from_config(
            &config,
            env::optional("ALERTS_TOPIC_ARN"),
            env::optional("SES_CONFIGURATION_SET"),
        );
        DispatchFunction::new(
            DynamoStore::new(aws_sdk_dynamodb::Client::new(&config), table),
            outbound,
            Queue::new(aws_sdk_sqs::Client::new(&config), queue_url),
        )
    }

    pub fn store(&self) -> &DynamoStore {
        self.dispatcher.store()
    }

    /// Handles a batch, `IN_FLIGHT` action messages at a time; never fails
    /// as a whole for one bad message.
    pub async fn handle(&self, event: SqsEvent) -> Result<SqsBatchResponse, Error> {
        let dispatcher = &self.dispatcher;
        let mut response = SqsBatchResponse::default();
        let mut tasks = JoinSet::new();
        let mut ids = HashMap::new();
        let mut records = event.records.into_iter();
        loop {
            while tasks.len() < self.in_flight {
                let Some(record) = records.next() else { break };
                let id = record.message_id.clone().unwrap_or_default();
                let receive_count = record
                    .attributes
                    .get("ApproximateReceiveCount")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(1);
                let body = record.body.unwrap_or_default();
                let now = chrono::Utc::now();
                let Some((tenant, action)) = action_message(&body) else {
                    // Shard jobs and feedback are few: handled in turn.
                    let outcome = dispatcher.handle(&body, receive_count, now).await;
                    report(&mut response, id, outcome);
                    continue;
                };
                let dispatcher = dispatcher.clone();
                let task = tasks.spawn(async move {
                    match action {
                        Ok(a) => dispatcher.action(&tenant, &a, receive_count, now).await,
                        Err(e) => Outcome::Failed(e),
                    }
                });
                ids.insert(task.id(), id);
            }
            let Some(done) = tasks.join_next_with_id().await else {
                break;
            };
            let (id, outcome) = match done {
                Ok((task, outcome)) => (ids.remove(&task).unwrap_or_default(), outcome),
                Err(e) => {
                    let why = format!("the handler of this message failed: {e}");
                    (ids.remove(&e.id()).unwrap_or_default(), Outcome::Retry(why))
                }
            };
            report(&mut response, id, outcome);
        }
        Ok(response)
    }
}

/// Logs a message's outcome and lists it in `batchItemFailures` if it failed.
fn report(response: &mut SqsBatchResponse, id: String, outcome: Outcome) {
    match &outcome {
        Outcome::Retry(why) | Outcome::Failed(why) => {
            tracing::warn!(message_id = %id, ?outcome, "{why}")
        }
        _ => tracing::info!(message_id = %id, ?outcome, "dispatched"),
    }
    if outcome.is_failure() {
        response.batch_item_failures.push(BatchItemFailure {
            item_identifier: id,
        });
    }
}
