//! `StrategyStore` for `DynamoStore`: a tenant's strategy TOML in numbered
//! versions. `T#{t}#STR` / `CURRENT` holds the latest (`toml`, `ver`); each
//! version is also kept as `V#{ver:010}`. A put is one transaction: the
//! `CURRENT` item on condition its version is still the expected one (or
//! that there is none), and the new version item on condition it is new.

use arflow_app::store::StoreError;
use arflow_app::strategy_store::StrategyStore;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};

use super::batch::key;
use super::codec::{Item, get_n, get_s, n, s};
use super::portal_keys as pk;
use super::write::condition_failed;
use super::{DynamoStore, backend, check_tenant};

/// Largest strategy stored: one item holds it (DynamoDB items are ≤ 400 KB).
pub const MAX_STRATEGY_BYTES: usize = 350 * 1024;

/// An item of a strategy version (`CURRENT` or `V#…`).
pub(super) fn strategy_item(tenant: &str, sk: String, source: &str, version: u64) -> Item {
    let mut item = key(pk::strategy_pk(tenant), sk);
    item.insert("toml".into(), s(source));
    item.insert("ver".into(), n(version));
    item
}

impl DynamoStore {
    async fn put_strategy_async(
        &self,
        tenant: &str,
        source: &str,
        expected: Option<u64>,
    ) -> Result<bool, StoreError> {
        let op = "storing a strategy";
        if source.len() > MAX_STRATEGY_BYTES {
            return Err(StoreError::Backend {
                operation: op.into(),
                detail: format!(
                    "the strategy is {} bytes; at most {MAX_STRATEGY_BYTES} are stored",
                    source.len()
                ),
            });
        }
        let version = expected.map_or(1, |v| v + 1);
        let item = |sk: String| strategy_item(tenant, sk, source, version);
        let mut current = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item(pk::STRATEGY_CURRENT.into())));
        current = match expected {
            None => current.condition_expression("attribute_not_exists(PK)"),
            Some(v) => current
                .condition_expression("ver = :expected")
                .expression_attribute_values(":expected", n(v)),
        };
        let history = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item(pk::strategy_version_sk(version))))
            .condition_expression("attribute_not_exists(PK)");
        let build = |p: aws_sdk_dynamodb::types::builders::PutBuilder| {
            p.build()
                .map(|p| TransactWriteItem::builder().put(p).build())
                .map_err(|e| backend("building a strategy write", e))
        };
        let out = self
            .client
            .transact_write_items()
            .transact_items(build(current)?)
            .transact_items(build(history)?)
            .send()
            .await;
        match out {
            Ok(_) => {
                self.count_other_items(2);
                Ok(true)
            }
            Err(e) if condition_failed(&e) => Ok(false),
            Err(e) => Err(backend(op, e)),
        }
    }
}

impl StrategyStore for DynamoStore {
    fn strategy_source(&self, tenant: &str) -> Result<Option<(String, u64)>, StoreError> {
        check_tenant(tenant)?;
        let item = self.block(self.get(
            pk::strategy_pk(tenant),
            pk::STRATEGY_CURRENT.into(),
            "reading the strategy",
        ))?;
        match item {
            Some(item) => Ok(Some((
                get_s(&item, "toml")?.to_string(),
                get_n(&item, "ver")?,
            ))),
            None => Ok(None),
        }
    }

    fn put_strategy(
        &mut self,
        tenant: &str,
        source: &str,
        expected_version: Option<u64>,
    ) -> Result<bool, StoreError> {
        check_tenant(tenant)?;
        self.block(self.put_strategy_async(tenant, source, expected_version))
    }
}
