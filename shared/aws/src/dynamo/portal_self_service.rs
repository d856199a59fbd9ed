//! `SelfServiceStore` for `DynamoStore`: payment plans (JSON `doc` items,
//! conditional on their state like disputes), dispute attachments (chunked
//! binary items in the table: up to 5 MiB does not fit one 400 KB item) and
//! a tenant's contact preferences in one query.
//!
//! An attachment is a partition `T#{t}#ATT#{dispute}`: a `META` item (name,
//! content type, size, chunk count, version) and chunks `V#{version}#{i:04}`
//! of at most `CHUNK_BYTES` each. A replacement writes its chunks under a
//! new version, then switches `META` on condition it still names the version
//! read before, then deletes the old chunks; readers follow `META`, so they
//! never see a half-written file.

use arflow_app::portal::{Attachment, ContactPrefs, PaymentPlan, PlanState, SelfServiceStore};
use arflow_app::store::StoreError;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use super::batch::{key, put_many, query_all};
use super::changes::plan_item;
use super::codec::{Item, corrupt, from_doc, get_n, get_s, n, opt_s, s};
use super::portal::{Written, unique_tail};
use super::portal_keys as pk;
use super::{DynamoStore, backend, check_tenant};

/// Bytes per attachment chunk: well under DynamoDB's 400 KB item limit.
pub const CHUNK_BYTES: usize = 350 * 1024;

const META: &str = "META";

fn chunk_sk(version: &str, i: usize) -> String {
    format!("V#{version}#{i:04}")
}

impl DynamoStore {
    async fn put_attachment_async(
        &self,
        tenant: &str,
        dispute_id: &str,
        name: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<(), StoreError> {
        let partition = pk::attachment_pk(tenant, dispute_id);
        let op = "storing a dispute attachment";
        let old = self
            .get(partition.clone(), META.into(), op)
            .await?
            .and_then(|m| opt_s(&m, "ver").map(str::to_string));
        let version = unique_tail();
        let chunks: Vec<Item> = bytes
            .chunks(CHUNK_BYTES)
            .enumerate()
            .map(|(i, part)| {
                let mut item = key(&partition, chunk_sk(&version, i));
                item.insert("b".into(), AttributeValue::B(Blob::new(part)));
                item
            })
            .collect();
        let count = chunks.len();
        put_many(&self.client, &self.table, chunks).await?;
        self.count_other_items(count);
        let mut meta = key(&partition, META);
        meta.insert("name".into(), s(name));
        meta.insert("ct".into(), s(content_type));
        meta.insert("size".into(), n(bytes.len()));
        meta.insert("chunks".into(), n(count));
        meta.insert("ver".into(), s(&version));
        let switched = match &old {
            Some(v) => self.put_on(meta, "ver = :old", &[(":old", v)], op).await?,
            None => {
                self.put_on(meta, "attribute_not_exists(PK)", &[], op)
                    .await?
            }
        };
        // Whichever chunks lost (the old file's, or ours after a race) go.
        let stale = match switched {
            Written::Yes => old,
            Written::ConditionFailed => Some(version),
        };
        if let Some(v) = &stale {
            self.delete_chunks(&partition, v).await?;
        }
        match switched {
            Written::Yes => Ok(()),
            Written::ConditionFailed => Err(StoreError::Backend {
                operation: op.into(),
                detail: format!(
                    "the attachment of dispute '{dispute_id}' was replaced at the same time; try again"
                ),
            }),
        }
    }

    async fn delete_chunks(&self, partition: &str, version: &str) -> Result<(), StoreError> {
        let prefix = format!("V#{version}#");
        let mut sks = Vec::new();
        query_all(&self.client, &self.table, None, partition, &mut |item| {
            let sk = get_s(&item, super::keys::SK)?;
            if sk.starts_with(&prefix) {
                sks.push(sk.to_string());
            }
            Ok(())
        })
        .await?;
        for sk in sks {
            self.client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(key(partition, sk)))
                .send()
                .await
                .map_err(|e| backend("deleting an old attachment chunk", e))?;
        }
        Ok(())
    }

    async fn attachment_async(
        &self,
        tenant: &str,
        dispute_id: &str,
    ) -> Result<Option<Attachment>, StoreError> {
        let partition = pk::attachment_pk(tenant, dispute_id);
        let Some(meta) = self
            .get(
                partition.clone(),
                META.into(),
                "reading a dispute attachment",
            )
            .await?
        else {
            return Ok(None);
        };
        let version = get_s(&meta, "ver")?.to_string();
        let size: usize = get_n(&meta, "size")?;
        let count: usize = get_n(&meta, "chunks")?;
        let prefix = format!("V#{version}#");
        let mut parts: Vec<(String, Vec<u8>)> = Vec::with_capacity(count);
        query_all(&self.client, &self.table, None, &partition, &mut |item| {
            let sk = get_s(&item, super::keys::SK)?;
            if sk.starts_with(&prefix) {
                let Some(AttributeValue::B(b)) = item.get("b") else {
                    return Err(corrupt("attachment chunk", format!("{sk} has no bytes")));
                };
                parts.push((sk.to_string(), b.clone().into_inner()));
            }
            Ok(())
        })
        .await?;
        parts.sort_by(|a, b| a.0.cmp(&b.0));
        let bytes: Vec<u8> = parts.into_iter().flat_map(|(_, b)| b).collect();
        if bytes.len() != size {
            return Err(corrupt(
                "dispute attachment",
                format!("'{dispute_id}': {} of {size} bytes found", bytes.len()),
            ));
        }
        Ok(Some(Attachment {
            dispute_id: dispute_id.to_string(),
            name: get_s(&meta, "name")?.to_string(),
            content_type: get_s(&meta, "ct")?.to_string(),
            bytes,
        }))
    }
}

impl SelfServiceStore for DynamoStore {
    fn insert_plan(&mut self, tenant: &str, p: &PaymentPlan) -> Result<(), StoreError> {
        check_tenant(tenant)?;
        let item = plan_item(tenant, p);
        let op = "recording a payment plan";
        match self.block(self.put_on(item, "attribute_not_exists(PK)", &[], op))? {
            Written::Yes => Ok(()),
            Written::ConditionFailed => Err(StoreError::Backend {
                operation: op.into(),
                detail: format!(
                    "payment plan '{}' of tenant '{tenant}' already exists",
                    p.id
                ),
            }),
        }
    }

    fn plans(&self, tenant: &str) -> Result<Vec<PaymentPlan>, StoreError> {
        check_tenant(tenant)?;
        let mut all: Vec<PaymentPlan> =
            self.block(self.docs(&pk::plan_pk(tenant), "payment plan"))?;
        all.sort_by(|a, b| (a.requested_at, &a.id).cmp(&(b.requested_at, &b.id)));
        Ok(all)
    }

    fn update_plan(
        &mut self,
        tenant: &str,
        p: &PaymentPlan,
        expected: PlanState,
    ) -> Result<bool, StoreError> {
        check_tenant(tenant)?;
        let item = plan_item(tenant, p);
        let written = self.block(self.put_on(
            item,
            "attribute_exists(PK) AND st = :expected",
            &[(":expected", expected.as_str())],
            "updating a payment plan",
        ))?;
        Ok(matches!(written, Written::Yes))
    }

    fn put_attachment(
        &mut self,
        tenant: &str,
        dispute_id: &str,
        name: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<(), StoreError> {
        check_tenant(tenant)?;
        self.block(self.put_attachment_async(tenant, dispute_id, name, content_type, bytes))
    }

    fn attachment(&self, tenant: &str, dispute_id: &str) -> Result<Option<Attachment>, StoreError> {
        check_tenant(tenant)?;
        self.block(self.attachment_async(tenant, dispute_id))
    }

    fn all_contact_prefs(&self, tenant: &str) -> Result<Vec<(String, ContactPrefs)>, StoreError> {
        check_tenant(tenant)?;
        let mut out = Vec::new();
        self.block(query_all(
            &self.client,
            &self.table,
            None,
            &pk::prefs_pk(tenant),
            &mut |item| {
                let customer = get_s(&item, super::keys::SK)?.to_string();
                out.push((customer, from_doc(&item, "contact preferences")?));
                Ok(())
            },
        ))?;
        Ok(out)
    }
}
