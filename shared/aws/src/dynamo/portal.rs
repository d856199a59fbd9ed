//! `PortalStore` for `DynamoStore`: disputes, promises, used sign-in nonces,
//! sessions, API keys, contact preferences and the audit log as JSON `doc`
//! items (keys in `portal_keys`), with conditional writes wherever the trait
//! promises "once" or "only if".

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use arflow_app::portal::{
    ApiKey, AuditEntry, ContactPrefs, Dispute, DisputeState, PortalStore, PromiseToPay, Session,
};
use arflow_app::store::StoreError;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};

use super::batch::{key, query_all};
use super::changes::{audit_item, dispute_item, prefs_item};
use super::codec::{Item, doc, from_doc, s};
use super::portal_keys as pk;
use super::write::condition_failed;
use super::{DynamoStore, backend, check_tenant};

/// How long a used sign-in nonce is kept (seconds) before the table's TTL
/// may remove it; sign-in links live minutes.
pub const USED_NONCE_KEEP_SECS: i64 = 7 * 24 * 3600;

/// What a conditional write found.
pub(super) enum Written {
    Yes,
    ConditionFailed,
}

impl DynamoStore {
    /// Puts `item` on `condition` (with `values` for its placeholders).
    pub(super) async fn put_on(
        &self,
        item: Item,
        condition: &str,
        values: &[(&str, &str)],
        operation: &str,
    ) -> Result<Written, StoreError> {
        let values: Vec<(&str, aws_sdk_dynamodb::types::AttributeValue)> =
            values.iter().map(|(k, v)| (*k, s(*v))).collect();
        Ok(if self.put_if(item, condition, &values, operation).await? {
            Written::Yes
        } else {
            Written::ConditionFailed
        })
    }

    /// Every `doc` of one partition, decoded.
    pub(super) async fn docs<T: serde::de::DeserializeOwned>(
        &self,
        partition: &str,
        what: &str,
    ) -> Result<Vec<T>, StoreError> {
        let mut out = Vec::new();
        query_all(&self.client, &self.table, None, partition, &mut |item| {
            out.push(from_doc(&item, what)?);
            Ok(())
        })
        .await?;
        Ok(out)
    }

    /// The `doc` of one item, decoded, if the item exists.
    async fn get_doc<T: serde::de::DeserializeOwned>(
        &self,
        partition: String,
        sort: String,
        what: &str,
    ) -> Result<Option<T>, StoreError> {
        let op = format!("reading {what}");
        match self.get(partition, sort, &op).await? {
            Some(item) => Ok(Some(from_doc(&item, what)?)),
            None => Ok(None),
        }
    }

    async fn insert_api_key_async(&self, k: &ApiKey) -> Result<bool, StoreError> {
        check_tenant(&k.tenant)?;
        let put = |item: Item| {
            Put::builder()
                .table_name(&self.table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(PK)")
                .build()
                .map_err(|e| backend("building an API key write", e))
        };
        let mut by_hash = key(pk::key_pk(&k.key_hash), pk::KEY_SK);
        by_hash.insert("doc".into(), doc(k));
        let mut by_name = key(pk::key_name_pk(&k.tenant), &k.name);
        by_name.insert("key_hash".into(), s(&k.key_hash));
        let out = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(put(by_hash)?).build())
            .transact_items(TransactWriteItem::builder().put(put(by_name)?).build())
            .send()
            .await;
        match out {
            Ok(_) => {
                self.count_other_items(2);
                Ok(true)
            }
            Err(e) if condition_failed(&e) => Ok(false),
            Err(e) => Err(backend("recording an API key", e)),
        }
    }
}

/// A sort-key tail unique to this process and call: a per-process random
/// seed and a counter.
pub(super) fn unique_tail() -> String {
    static SEED: OnceLock<u64> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let seed = SEED.get_or_init(|| RandomState::new().build_hasher().finish());
    format!("{seed:016x}{:08x}", NEXT.fetch_add(1, Ordering::Relaxed))
}

pub(super) fn wall_clock_nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

impl PortalStore for DynamoStore {
    fn insert_dispute(&mut self, tenant: &str, d: &Dispute) -> Result<(), StoreError> {
        check_tenant(tenant)?;
        let item = dispute_item(tenant, d);
        let op = "recording a dispute";
        match self.block(self.put_on(item, "attribute_not_exists(PK)", &[], op))? {
            Written::Yes => Ok(()),
            Written::ConditionFailed => Err(StoreError::Backend {
                operation: op.into(),
                detail: format!("dispute '{}' of tenant '{tenant}' already exists", d.id),
            }),
        }
    }

    fn disputes(&self, tenant: &str) -> Result<Vec<Dispute>, StoreError> {
        check_tenant(tenant)?;
        let mut all: Vec<Dispute> = self.block(self.docs(&pk::dispute_pk(tenant), "dispute"))?;
        all.sort_by(|a, b| (a.opened_at, &a.id).cmp(&(b.opened_at, &b.id)));
        Ok(all)
    }

    fn update_dispute(
        &mut self,
        tenant: &str,
        d: &Dispute,
        expected: DisputeState,
    ) -> Result<bool, StoreError> {
        check_tenant(tenant)?;
        let item = dispute_item(tenant, d);
        let written = self.block(self.put_on(
            item,
            "attribute_exists(PK) AND st = :expected",
            &[(":expected", expected.as_str())],
            "updating a dispute",
        ))?;
        Ok(matches!(written, Written::Yes))
    }

    fn insert_promise(&mut self, tenant: &str, p: &PromiseToPay) -> Result<(), StoreError> {
        check_tenant(tenant)?;
        let mut item = key(pk::promise_pk(tenant), &p.id);
        item.insert("doc".into(), doc(p));
        let op = "recording a promise to pay";
        match self.block(self.put_on(item, "attribute_not_exists(PK)", &[], op))? {
            Written::Yes => Ok(()),
            Written::ConditionFailed => Err(StoreError::Backend {
                operation: op.into(),
                detail: format!("promise '{}' of tenant '{tenant}' already exists", p.id),
            }),
        }
    }

    fn promises(&self, tenant: &str) -> Result<Vec<PromiseToPay>, StoreError> {
        check_tenant(tenant)?;
        let mut all: Vec<PromiseToPay> =
            self.block(self.docs(&pk::promise_pk(tenant), "promise"))?;
        all.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(all)
    }

    fn consume_token(
        &mut self,
        tenant: &str,
        nonce: &str,
        used_at: i64,
    ) -> Result<bool, StoreError> {
        check_tenant(tenant)?;
        let mut item = key(pk::token_pk(tenant), nonce);
        item.insert("used_at".into(), super::codec::n(used_at));
        // A link is refused once expired anyway (minutes, not days), so the
        // table's TTL may drop the nonce a week later.
        item.insert(
            "ttl".into(),
            super::codec::n(used_at.max(0) + USED_NONCE_KEEP_SECS),
        );
        self.block(self.put_if_absent(item, "recording a used sign-in link"))
    }

    fn insert_session(&mut self, sess: &Session) -> Result<(), StoreError> {
        check_tenant(&sess.tenant)?;
        let mut item = key(pk::session_pk(&sess.id_hash), pk::SESSION_SK);
        item.insert("doc".into(), doc(sess));
        // DynamoDB's TTL (attribute `ttl`, see infra/template.yaml) removes
        // it some time after it expired; readers check `expires_at` anyway.
        item.insert("ttl".into(), super::codec::n(sess.expires_at.max(0)));
        let op = "recording a session";
        match self.block(self.put_on(item, "attribute_not_exists(PK)", &[], op))? {
            Written::Yes => Ok(()),
            Written::ConditionFailed => Err(StoreError::Backend {
                operation: op.into(),
                detail: "a session with this id already exists".into(),
            }),
        }
    }

    fn session(&self, id_hash: &str) -> Result<Option<Session>, StoreError> {
        self.block(self.get_doc(pk::session_pk(id_hash), pk::SESSION_SK.into(), "session"))
    }

    fn delete_session(&mut self, id_hash: &str) -> Result<(), StoreError> {
        self.block(
            self.client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(key(pk::session_pk(id_hash), pk::SESSION_SK)))
                .send(),
        )
        .map_err(|e| backend("ending a session", e))?;
        Ok(())
    }

    fn insert_api_key(&mut self, k: &ApiKey) -> Result<bool, StoreError> {
        self.block(self.insert_api_key_async(k))
    }

    fn api_key(&self, key_hash: &str) -> Result<Option<ApiKey>, StoreError> {
        self.block(self.get_doc(pk::key_pk(key_hash), pk::KEY_SK.into(), "API key"))
    }

    fn contact_prefs(
        &self,
        tenant: &str,
        customer_id: &str,
    ) -> Result<Option<ContactPrefs>, StoreError> {
        check_tenant(tenant)?;
        self.block(self.get_doc(
            pk::prefs_pk(tenant),
            customer_id.into(),
            "contact preferences",
        ))
    }

    fn set_contact_prefs(
        &mut self,
        tenant: &str,
        customer_id: &str,
        prefs: &ContactPrefs,
    ) -> Result<(), StoreError> {
        check_tenant(tenant)?;
        let item = prefs_item(tenant, customer_id, prefs);
        self.block(
            self.client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item))
                .send(),
        )
        .map_err(|e| backend("saving contact preferences", e))?;
        self.count_other_items(1);
        Ok(())
    }

    fn append_audit(&mut self, tenant: &str, e: &AuditEntry) -> Result<(), StoreError> {
        check_tenant(tenant)?;
        let item = audit_item(tenant, e);
        let op = "appending to the audit log";
        match self.block(self.put_on(item, "attribute_not_exists(PK)", &[], op))? {
            Written::Yes => Ok(()),
            Written::ConditionFailed => Err(StoreError::Backend {
                operation: op.into(),
                detail: "an audit entry with the same key exists (retry)".into(),
            }),
        }
    }

    fn audit_log(&self, tenant: &str) -> Result<Vec<AuditEntry>, StoreError> {
        check_tenant(tenant)?;
        // Sort keys put the log in order already: `at`, then the writer's clock.
        self.block(self.docs(&pk::audit_pk(tenant), "audit entry"))
    }
}
