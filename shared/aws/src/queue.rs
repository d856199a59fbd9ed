//! The dispatch queue: messages sent with SendMessageBatch, at most ten a
//! call, failed entries retried.

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;

use crate::wire::QueueMessage;

/// SendMessageBatch takes at most ten entries.
pub const BATCH: usize = 10;
const ROUNDS: u32 = 5;

/// An SQS call that failed.
#[derive(Debug, thiserror::Error)]
#[error("queue {queue_url}: {detail}")]
pub struct QueueError {
    pub queue_url: String,
    pub detail: String,
}

#[derive(Clone, Debug)]
pub struct Queue {
    client: Client,
    url: String,
}

impl Queue {
    pub fn new(client: Client, url: impl Into<String>) -> Queue {
        Queue {
            client,
            url: url.into(),
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    fn error(&self, detail: String) -> QueueError {
        QueueError {
            queue_url: self.url.clone(),
            detail,
        }
    }

    /// Enqueues every message; returns how many calls it took.
    pub async fn send_all(&self, messages: &[QueueMessage]) -> Result<usize, QueueError> {
        let mut calls = 0;
        for chunk in messages.chunks(BATCH) {
            let mut pending: Vec<SendMessageBatchRequestEntry> = Vec::with_capacity(chunk.len());
            for (i, m) in chunk.iter().enumerate() {
                let body = serde_json::to_string(m).map_err(|e| self.error(e.to_string()))?;
                let entry = SendMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .message_body(body)
                    .build()
                    .map_err(|e| self.error(e.to_string()))?;
                pending.push(entry);
            }
            for round in 0.. {
                calls += 1;
                let out = self
                    .client
                    .send_message_batch()
                    .queue_url(&self.url)
                    .set_entries(Some(pending.clone()))
                    .send()
                    .await
                    .map_err(|e| {
                        self.error(
                            aws_smithy_types::error::display::DisplayErrorContext(e).to_string(),
                        )
                    })?;
                let failed: Vec<String> = out.failed.iter().map(|f| f.id.clone()).collect();
                if failed.is_empty() {
                    break;
                }
                if round + 1 >= ROUNDS {
                    return Err(self.error(format!(
                        "{} message(s) still failed after {ROUNDS} tries",
                        failed.len()
                    )));
                }
                pending.retain(|e| failed.contains(&e.id));
                tokio::time::sleep(std::time::Duration::from_millis(50 << round)).await;
            }
        }
        Ok(calls)
    }
}
