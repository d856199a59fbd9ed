//! The dispatch function: an SQS batch of actions (and SES feedback) → each
//! action claimed, rendered, sent once and recorded; only the messages that
//! failed are reported in `batchItemFailures`. A library so tests call the
//! handler in-process; `main.rs` is the Lambda shell.

use arflow_app::templates::default_templates;
use arflow_aws::dispatch::{Dispatcher, Outcome};
use arflow_aws::outbound::Outbound;
use arflow_aws::queue::Queue;
use arflow_aws::{DynamoStore, env};
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use lambda_runtime::Error;

/// The function's clients, built once per cold start.
#[derive(Clone)]
pub struct DispatchFunction {
    store: DynamoStore,
    outbound: Outbound,
    queue: Queue,
}

impl DispatchFunction {
    pub fn new(store: DynamoStore, outbound: Outbound, queue: Queue) -> DispatchFunction {
        DispatchFunction {
            store,
            outbound,
            queue,
        }
    }

    /// From `TABLE_NAME`, `QUEUE_URL`, optional `ALERTS_TOPIC_ARN` and
    /// `SES_CONFIGURATION_SET`.
    pub async fn from_env() -> Result<DispatchFunction, Error> {
        let table = env::required("TABLE_NAME", "the DynamoDB table")?;
        let queue_url = env::required("QUEUE_URL", "the dispatch queue")?;
        let config = env::sdk_config().await;
        let outbound = Outbound::new(
            aws_sdk_sesv2::Client::new(&config),
            aws_sdk_sns::Client::new(&config),
            env::optional("ALERTS_TOPIC_ARN"),
            env::optional("SES_CONFIGURATION_SET"),
        );
        Ok(DispatchFunction::new(
            DynamoStore::new(aws_sdk_dynamodb::Client::new(&config), table),
            outbound,
            Queue::new(aws_sdk_sqs::Client::new(&config), queue_url),
        ))
    }

    pub fn store(&self) -> &DynamoStore {
        &self.store
    }

    /// Handles a batch; never fails as a whole for one bad message.
    pub async fn handle(&self, event: SqsEvent) -> Result<SqsBatchResponse, Error> {
        let templates = default_templates()?;
        let mut dispatcher = Dispatcher::new(
            self.store.clone(),
            self.outbound.clone(),
            self.queue.clone(),
            templates,
        );
        let mut response = SqsBatchResponse::default();
        for record in event.records {
            let id = record.message_id.clone().unwrap_or_default();
            let receive_count = record
                .attributes
                .get("ApproximateReceiveCount")
                .and_then(|v| v.parse().ok())
                .unwrap_or(1);
            let outcome = dispatcher
                .handle(
                    record.body.as_deref().unwrap_or(""),
                    receive_count,
                    chrono::Utc::now(),
                )
                .await;
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
        Ok(response)
    }
}
