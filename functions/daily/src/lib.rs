//! The daily function: an EventBridge Scheduler event naming a tenant → the
//! tenant's day planned and its actions on the dispatch queue. A library so
//! tests call the handler in-process; `main.rs` is the Lambda shell.

use arflow_aws::daily::{DailyEvent, DailyOutcome, run_daily};
use arflow_aws::queue::Queue;
use arflow_aws::{DynamoStore, env};
use lambda_runtime::Error;

/// The function's clients, built once per cold start.
#[derive(Clone)]
pub struct DailyFunction {
    store: DynamoStore,
    queue: Queue,
}

impl DailyFunction {
    pub fn new(store: DynamoStore, queue: Queue) -> DailyFunction {
        DailyFunction { store, queue }
    }

    /// From `TABLE_NAME` and `QUEUE_URL`.
    pub async fn from_env() -> Result<DailyFunction, Error> {
        let table = env::required("TABLE_NAME", "the DynamoDB table")?;
        let queue_url = env::required("QUEUE_URL", "the dispatch queue")?;
        let config = env::sdk_config().await;
        Ok(DailyFunction::new(
            DynamoStore::new(aws_sdk_dynamodb::Client::new(&config), table),
            Queue::new(aws_sdk_sqs::Client::new(&config), queue_url),
        ))
    }

    pub async fn handle(&self, event: DailyEvent) -> Result<DailyOutcome, Error> {
        let outcome = run_daily(&self.store, &self.queue, &event, chrono::Utc::now()).await?;
        tracing::info!(
            tenant = %outcome.tenant,
            as_of = %outcome.as_of,
            execution_id = %outcome.execution_id,
            skipped = outcome.skipped,
            actions = outcome.actions,
            messages = outcome.messages,
            "daily run"
        );
        Ok(outcome)
    }
}
