//! `DeliveryStore` for `DynamoStore`: dispatch claims (`CLM`, conditional
//! puts), the communication log (`LOG`), the suppression list (`SUP`) and
//! provider message ids (`MSG#…`, so a bounce finds its tenant and action).
//! A completion writes its tasks (each only if new, so a done task is never
//! reopened), then the claim's outcome, the sent record, the log entry and
//! the message id in one TransactWriteItems.

use std::collections::HashSet;

use arflow_app::delivery::{
    ClaimOutcome, ClaimStatus, Completion, DeliveryStore, LogEntry, suppression_key,
};
use arflow_app::store::{LedgerStore, StoreError};
use arflow_domain::ledger::Channel;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use serde::{Deserialize, Serialize};

use super::batch::{get_many, key, query_all};
use super::codec::{Item, doc, from_doc, get_n, opt_s, s};
use super::keys::{self, shard};
use super::ledger::sent_item;
use super::{DynamoStore, backend, check_tenant};

/// Which tenant and action a provider message id belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageOrigin {
    pub tenant: String,
    pub action_id: String,
    pub customer_id: String,
}

fn claim_key(tenant: &str, customer_id: &str, action_id: &str) -> Item {
    key(keys::claim_pk(tenant, shard(customer_id)), action_id)
}

fn claim_item(tenant: &str, customer_id: &str, action_id: &str, lease: i64) -> Item {
    let mut item = claim_key(tenant, customer_id, action_id);
    item.insert("st".into(), s(ClaimStatus::Claimed.as_str()));
    item.insert("lease".into(), AttributeValue::N(lease.to_string()));
    item
}

impl DynamoStore {
    async fn end_claim(
        &self,
        tenant: &str,
        customer_id: &str,
        action_id: &str,
        status: ClaimStatus,
        detail: Option<&str>,
    ) -> Result<(), StoreError> {
        check_tenant(tenant)?;
        let mut item = claim_key(tenant, customer_id, action_id);
        item.insert("st".into(), s(status.as_str()));
        if let Some(d) = detail {
            item.insert("err".into(), s(d));
        }
        self.put_plain(item, "ending a claim").await
    }

    /// Which tenant and action a provider message id is for.
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
}

impl DeliveryStore for DynamoStore {
    fn claim(
        &mut self,
        tenant: &str,
        customer_id: &str,
        action_id: &str,
        now: i64,
        lease_secs: i64,
    ) -> Result<ClaimOutcome, StoreError> {
        check_tenant(tenant)?;
        self.block(async {
            let won = self
                .put_if(
                    claim_item(tenant, customer_id, action_id, now + lease_secs),
                    "attribute_not_exists(PK) OR st = :released",
                    &[(":released", s(ClaimStatus::Released.as_str()))],
                    "claiming an action",
                )
                .await?;
            if won {
                return Ok(ClaimOutcome::Claimed);
            }
            let pk = keys::claim_pk(tenant, shard(customer_id));
            let Some(held) = self.get(pk, action_id.into(), "reading a claim").await? else {
                return Ok(ClaimOutcome::Busy);
            };
            let status = opt_s(&held, "st").unwrap_or_default();
            let status = ClaimStatus::parse(status).ok_or_else(|| StoreError::Corrupt {
                what: "claim".into(),
                detail: format!("unknown status '{status}'"),
            })?;
            let lease = get_n::<i64>(&held, "lease").unwrap_or(0);
            let reason = opt_s(&held, "err").map(str::to_string);
            Ok(ClaimOutcome::of_stored(status, lease, reason, now))
        })
    }

    fn take_over(
        &mut self,
        tenant: &str,
        customer_id: &str,
        action_id: &str,
        from: ClaimStatus,
        now: i64,
        lease_secs: i64,
    ) -> Result<bool, StoreError> {
        check_tenant(tenant)?;
        let item = claim_item(tenant, customer_id, action_id, now + lease_secs);
        self.block(async {
            match from {
                ClaimStatus::Failed => {
                    self.put_if(
                        item,
                        "st = :failed",
                        &[(":failed", s(ClaimStatus::Failed.as_str()))],
                        "taking over a failed action",
                    )
                    .await
                }
                _ => {
                    self.put_if(
                        item,
                        "st = :claimed AND lease < :now",
                        &[
                            (":claimed", s(ClaimStatus::Claimed.as_str())),
                            (":now", AttributeValue::N(now.to_string())),
                        ],
                        "taking over a stale claim",
                    )
                    .await
                }
            }
        })
    }

    fn release(
        &mut self,
        tenant: &str,
        customer_id: &str,
        action_id: &str,
    ) -> Result<(), StoreError> {
        self.block(self.end_claim(tenant, customer_id, action_id, ClaimStatus::Released, None))
    }

    fn fail(
        &mut self,
        tenant: &str,
        customer_id: &str,
        action_id: &str,
        reason: &str,
    ) -> Result<(), StoreError> {
        self.block(self.end_claim(
            tenant,
            customer_id,
            action_id,
            ClaimStatus::Failed,
            Some(reason),
        ))
    }

    fn complete(&mut self, tenant: &str, c: &Completion) -> Result<(), StoreError> {
        check_tenant(tenant)?;
        self.insert_tasks(tenant, &c.tasks)?;
        let r = &c.record;
        let mut claim = claim_key(tenant, &r.customer_id, &r.action_id);
        claim.insert("st".into(), s(c.status.as_str()));
        if let Some(p) = &c.provider_id {
            claim.insert("ref".into(), s(p));
        }
        let mut items = vec![claim, sent_item(tenant, r)];
        if let Some(entry) = &c.log {
            let mut item = key(
                keys::log_pk(tenant, &entry.customer_id),
                format!("{}#{}", entry.sent_on, entry.action_id),
            );
            item.insert("doc".into(), doc(entry));
            items.push(item);
            if entry.channel == Channel::Email && !entry.provider_id.is_empty() {
                let mut item = key(keys::message_pk(&entry.provider_id), "MSG");
                item.insert(
                    "doc".into(),
                    doc(&MessageOrigin {
                        tenant: tenant.to_string(),
                        action_id: entry.action_id.clone(),
                        customer_id: entry.customer_id.clone(),
                    }),
                );
                items.push(item);
            }
        }
        let n = items.len();
        let mut req = self.client.transact_write_items();
        for item in items {
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(item))
                .build()
                .map_err(|e| backend("building a delivery record", e))?;
            req = req.transact_items(TransactWriteItem::builder().put(put).build());
        }
        self.block(req.send())
            .map_err(|e| backend("recording a delivery", e))?;
        self.count_other_items(n);
        Ok(())
    }

    fn suppress(&mut self, tenant: &str, address: &str, reason: &str) -> Result<bool, StoreError> {
        check_tenant(tenant)?;
        let mut item = key(keys::suppression_pk(tenant), suppression_key(address));
        item.insert("why".into(), s(reason));
        self.block(self.put_if_absent(item, "suppressing an address"))
    }

    fn suppressed(&self, tenant: &str, addresses: &[String]) -> Result<Vec<String>, StoreError> {
        check_tenant(tenant)?;
        if addresses.is_empty() {
            return Ok(Vec::new());
        }
        let pk = keys::suppression_pk(tenant);
        let wanted: HashSet<String> = addresses.iter().map(|a| suppression_key(a)).collect();
        let found = self.block(get_many(
            &self.client,
            &self.table,
            wanted.iter().map(|a| key(pk.clone(), a.clone())).collect(),
        ))?;
        Ok(addresses
            .iter()
            .filter(|a| found.contains_key(&(pk.clone(), suppression_key(a))))
            .cloned()
            .collect())
    }

    fn communications(&self, tenant: &str, customer_id: &str) -> Result<Vec<LogEntry>, StoreError> {
        check_tenant(tenant)?;
        let mut out: Vec<LogEntry> = Vec::new();
        self.block(query_all(
            &self.client,
            &self.table,
            None,
            &keys::log_pk(tenant, customer_id),
            &mut |item| {
                out.push(from_doc(&item, "log entry")?);
                Ok(())
            },
        ))?;
        out.sort_by(|a, b| (a.sent_on, &a.action_id).cmp(&(b.sent_on, &b.action_id)));
        Ok(out)
    }
}
