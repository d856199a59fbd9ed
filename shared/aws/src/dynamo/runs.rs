//! Daily-run markers (`RUN`): the scheduler's execution id (or a shard
//! job's) as the idempotency key of a daily run.

use arflow_app::store::StoreError;
use chrono::NaiveDate;

use super::batch::key;
use super::codec::{get_n, n, opt_s, s};
use super::keys;
use super::{DynamoStore, check_tenant};

/// A daily run's marker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunState {
    /// First time this execution id is seen.
    New,
    /// Started before but not finished: run again (actions are idempotent).
    Unfinished,
    /// Finished before: nothing to do.
    Done,
}

impl DynamoStore {
    /// Starts a daily run marker for `execution_id` (the idempotency key).
    pub async fn begin_run(
        &self,
        tenant: &str,
        execution_id: &str,
        as_of: NaiveDate,
    ) -> Result<RunState, StoreError> {
        check_tenant(tenant)?;
        let mut item = key(keys::run_pk(tenant), execution_id);
        item.insert("st".into(), s("started"));
        item.insert("as_of".into(), s(as_of.to_string()));
        if self.put_if_absent(item, "starting a daily run").await? {
            return Ok(RunState::New);
        }
        let held = self
            .get(
                keys::run_pk(tenant),
                execution_id.to_string(),
                "reading a daily run",
            )
            .await?
            .unwrap_or_default();
        Ok(if opt_s(&held, "st") == Some("done") {
            RunState::Done
        } else {
            RunState::Unfinished
        })
    }

    /// Marks a daily run finished with the number of messages it enqueued.
    pub async fn finish_run(
        &self,
        tenant: &str,
        execution_id: &str,
        as_of: NaiveDate,
        enqueued: usize,
    ) -> Result<(), StoreError> {
        let mut item = key(keys::run_pk(tenant), execution_id);
        item.insert("st".into(), s("done"));
        item.insert("as_of".into(), s(as_of.to_string()));
        item.insert("enqueued".into(), n(enqueued));
        self.put_plain(item, "finishing a daily run").await
    }

    /// How many messages a finished run enqueued.
    pub async fn run_enqueued(
        &self,
        tenant: &str,
        execution_id: &str,
    ) -> Result<Option<u64>, StoreError> {
        match self
            .get(
                keys::run_pk(tenant),
                execution_id.to_string(),
                "reading a daily run",
            )
            .await?
        {
            Some(item) if item.contains_key("enqueued") => Ok(Some(get_n(&item, "enqueued")?)),
            _ => Ok(None),
        }
    }
}
