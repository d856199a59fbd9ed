//! Items beyond the `LedgerStore` trait that the AWS functions need:
//! dispatch claims, the communication log, the suppression list, provider
//! message ids, daily-run markers, and per-shard reads for a fanned-out run.

use std::collections::HashSet;

use arflow_app::store::StoreError;
use arflow_domain::ledger::{Customer, Invoice};
use arflow_domain::sent::SentRecord;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::batch::{get_many, key, query_all};
use super::codec::{Item, doc, from_doc, get_n, invoice_from, n, opt_s, s};
use super::keys::{self, GSI1, GSI1_PK, plan_shard, shard};
use super::{DynamoStore, backend, check_tenant};

/// What claiming an action found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// This caller owns the action now.
    Claimed,
    /// Another caller holds an unexpired claim.
    Busy,
    /// Finished before with this status ("sent", "suppressed", "task").
    Done(String),
    /// A permanent failure was recorded before.
    Failed(String),
}

/// One message in a customer's communication log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    pub action_id: String,
    pub customer_id: String,
    pub sent_on: NaiveDate,
    pub channel: String,
    pub to: Vec<String>,
    pub subject: String,
    pub invoice_ids: Vec<String>,
    /// The provider's id (SES or SNS message id).
    pub provider_id: String,
}

/// Which tenant and action a provider message id belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageOrigin {
    pub tenant: String,
    pub action_id: String,
    pub customer_id: String,
}

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
    /// Claims an action for dispatch: on condition that nobody holds it, or
    /// that the holder's lease (epoch seconds) ran out before `now`.
    pub async fn claim(
        &self,
        tenant: &str,
        customer_id: &str,
        action_id: &str,
        now: i64,
        lease_secs: i64,
    ) -> Result<ClaimOutcome, StoreError> {
        check_tenant(tenant)?;
        let mut item = key(keys::claim_pk(tenant, shard(customer_id)), action_id);
        item.insert("st".into(), s("claimed"));
        item.insert("lease".into(), n(now + lease_secs));
        let out = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK) OR (st = :claimed AND lease < :now)")
            .expression_attribute_values(":claimed", s("claimed"))
            .expression_attribute_values(":now", n(now))
            .send()
            .await;
        match out {
            Ok(_) => {
                self.count_other_items(1);
                Ok(ClaimOutcome::Claimed)
            }
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(PutItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                let pk = keys::claim_pk(tenant, shard(customer_id));
                let held = self
                    .get(pk, action_id.to_string(), "reading a claim")
                    .await?
                    .unwrap_or_default();
                Ok(match opt_s(&held, "st") {
                    Some("claimed") | None => ClaimOutcome::Busy,
                    Some("failed") => {
                        ClaimOutcome::Failed(opt_s(&held, "err").unwrap_or_default().to_string())
                    }
                    Some(other) => ClaimOutcome::Done(other.to_string()),
                })
            }
            Err(e) => Err(backend("claiming an action", e)),
        }
    }

    /// Takes over an action whose send failed permanently before (a message
    /// redriven from the dead-letter queue gets one more try).
    pub async fn reclaim_failed(
        &self,
        tenant: &str,
        customer_id: &str,
        action_id: &str,
        now: i64,
        lease_secs: i64,
    ) -> Result<bool, StoreError> {
        let mut item = key(keys::claim_pk(tenant, shard(customer_id)), action_id);
        item.insert("st".into(), s("claimed"));
        item.insert("lease".into(), n(now + lease_secs));
        let out = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("st = :failed")
            .expression_attribute_values(":failed", s("failed"))
            .send()
            .await;
        match out {
            Ok(_) => Ok(true),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(PutItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                Ok(false)
            }
            Err(e) => Err(backend("reclaiming an action", e)),
        }
    }

    /// Ends a claim with a final status ("sent", "suppressed", "task",
    /// "failed") and what to remember of it.
    pub async fn finish_claim(
        &self,
        tenant: &str,
        customer_id: &str,
        action_id: &str,
        status: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        let mut item = key(keys::claim_pk(tenant, shard(customer_id)), action_id);
        item.insert("st".into(), s(status));
        if !detail.is_empty() {
            item.insert(
                if status == "failed" { "err" } else { "ref" }.into(),
                s(detail),
            );
        }
        self.put_plain(item, "finishing a claim").await
    }

    /// Gives a claim up so that the next delivery can take it at once.
    pub async fn release_claim(
        &self,
        tenant: &str,
        customer_id: &str,
        action_id: &str,
    ) -> Result<(), StoreError> {
        let mut item = key(keys::claim_pk(tenant, shard(customer_id)), action_id);
        item.insert("st".into(), s("claimed"));
        item.insert("lease".into(), n(0));
        self.put_plain(item, "releasing a claim").await
    }

    /// Adds a message to the customer's communication log.
    pub async fn log_message(&self, tenant: &str, entry: &LogEntry) -> Result<(), StoreError> {
        check_tenant(tenant)?;
        let mut item = key(
            keys::log_pk(tenant, &entry.customer_id),
            format!("{}#{}", entry.sent_on, entry.action_id),
        );
        item.insert("doc".into(), doc(entry));
        self.put_plain(item, "logging a message").await
    }

    /// The customer's communication log, oldest first.
    pub async fn message_log(
        &self,
        tenant: &str,
        customer_id: &str,
    ) -> Result<Vec<LogEntry>, StoreError> {
        check_tenant(tenant)?;
        let mut out = Vec::new();
        query_all(
            &self.client,
            &self.table,
            None,
            &keys::log_pk(tenant, customer_id),
            &mut |item| {
                out.push(from_doc(&item, "log entry")?);
                Ok(())
            },
        )
        .await?;
        Ok(out)
    }

    /// Remembers which tenant and action a provider message id is for
    /// (bounces and complaints name only the message id).
    pub async fn remember_message(
        &self,
        provider_id: &str,
        origin: &MessageOrigin,
    ) -> Result<(), StoreError> {
        let mut item = key(keys::message_pk(provider_id), "MSG");
        item.insert("doc".into(), doc(origin));
        self.put_plain(item, "remembering a message id").await
    }

    pub async fn message_origin(
        &self,
        provider_id: &str,
    ) -> Result<Option<MessageOrigin>, StoreError> {
        match self
            .get(
                keys::message_pk(provider_id),
                "MSG".into(),
                "reading a message id",
            )
            .await?
        {
            Some(item) => Ok(Some(from_doc(&item, "message origin")?)),
            None => Ok(None),
        }
    }

    /// Adds an address to the tenant's suppression list; true when new.
    pub async fn suppress(
        &self,
        tenant: &str,
        address: &str,
        reason: &str,
    ) -> Result<bool, StoreError> {
        check_tenant(tenant)?;
        let mut item = key(
            keys::suppression_pk(tenant),
            address.trim().to_ascii_lowercase(),
        );
        item.insert("why".into(), s(reason));
        self.put_if_absent(item, "suppressing an address").await
    }

    /// The addresses of `addresses` that are suppressed (as given).
    pub async fn suppressed(
        &self,
        tenant: &str,
        addresses: &[String],
    ) -> Result<Vec<String>, StoreError> {
        check_tenant(tenant)?;
        let pk = keys::suppression_pk(tenant);
        let wanted: HashSet<String> = addresses
            .iter()
            .map(|a| a.trim().to_ascii_lowercase())
            .collect();
        let found = get_many(
            &self.client,
            &self.table,
            wanted.iter().map(|a| key(pk.clone(), a.clone())).collect(),
        )
        .await?;
        Ok(addresses
            .iter()
            .filter(|a| found.contains_key(&(pk.clone(), a.trim().to_ascii_lowercase())))
            .cloned()
            .collect())
    }

    /// One customer.
    pub async fn customer(
        &self,
        tenant: &str,
        customer_id: &str,
    ) -> Result<Option<Customer>, StoreError> {
        check_tenant(tenant)?;
        match self
            .get(
                keys::customer_pk(tenant, shard(customer_id)),
                customer_id.to_string(),
                "reading a customer",
            )
            .await?
        {
            Some(item) => Ok(Some(from_doc(&item, "customer")?)),
            None => Ok(None),
        }
    }

    /// The current versions of the invoices named (unknown ids left out).
    pub async fn invoices_by_id(
        &self,
        tenant: &str,
        ids: &[String],
    ) -> Result<Vec<Invoice>, StoreError> {
        check_tenant(tenant)?;
        let keys: Vec<Item> = ids
            .iter()
            .map(|id| key(keys::invoice_pk(tenant, shard(id)), id.clone()))
            .collect();
        let found = get_many(&self.client, &self.table, keys).await?;
        let mut out = Vec::with_capacity(found.len());
        for item in found.values() {
            out.push(invoice_from(item)?.invoice);
        }
        out.sort_by(|a, b| a.invoice_id.cmp(&b.invoice_id));
        Ok(out)
    }

    /// Current invoices of the customers in planning shard `p` (GSI1).
    pub async fn plan_shard_invoices(
        &self,
        tenant: &str,
        p: u32,
    ) -> Result<Vec<Invoice>, StoreError> {
        check_tenant(tenant)?;
        let mut out = Vec::new();
        let pk = keys::invoices_by_customer_pk(tenant, p);
        query_all(
            &self.client,
            &self.table,
            Some((GSI1, GSI1_PK)),
            &pk,
            &mut |item| {
                out.push(invoice_from(&item)?.invoice);
                Ok(())
            },
        )
        .await?;
        Ok(out)
    }

    /// Customers and sent records of planning shard `p` (read from the
    /// storage shard that holds it, then filtered).
    pub async fn plan_shard_memory(
        &self,
        tenant: &str,
        p: u32,
    ) -> Result<(Vec<Customer>, Vec<SentRecord>), StoreError> {
        check_tenant(tenant)?;
        let storage = p % keys::SHARDS;
        let mut customers: Vec<Customer> = Vec::new();
        query_all(
            &self.client,
            &self.table,
            None,
            &keys::customer_pk(tenant, storage),
            &mut |item| {
                let c: Customer = from_doc(&item, "customer")?;
                if plan_shard(&c.customer_id) == p {
                    customers.push(c);
                }
                Ok(())
            },
        )
        .await?;
        let mut sent: Vec<SentRecord> = Vec::new();
        query_all(
            &self.client,
            &self.table,
            None,
            &keys::sent_pk(tenant, storage),
            &mut |item| {
                let r: SentRecord = from_doc(&item, "sent record")?;
                if plan_shard(&r.customer_id) == p {
                    sent.push(r);
                }
                Ok(())
            },
        )
        .await?;
        Ok((customers, sent))
    }

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

    async fn put_plain(&self, item: Item, operation: &str) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| backend(operation, e))?;
        self.count_other_items(1);
        Ok(())
    }
}
