//! Tenant configuration items: `TENANT` / `{tenant}`, the config as JSON.
//!
//! A config is checked when read (`TenantConfig::from_stored`): a field an
//! operator broke by editing the item is a `StoreError::Corrupt` naming the
//! tenant and the field, so ingest, the daily run and dispatch refuse to
//! work from it rather than guess.

use arflow_app::store::StoreError;

use super::batch::{key, query_all};
use super::codec::{corrupt, doc, get_s};
use super::keys::{SK, tenant_config_pk};
use super::{DynamoStore, check_tenant};
use crate::tenant::{ConfigError, TenantConfig};

impl DynamoStore {
    /// The tenant's configuration, if it has one; an error naming the field
    /// when the stored one does not read as a valid configuration.
    pub async fn tenant_config(&self, tenant: &str) -> Result<Option<TenantConfig>, StoreError> {
        match self.tenant_config_doc(tenant).await? {
            Some(json) => TenantConfig::from_stored(tenant, &json)
                .map(Some)
                .map_err(unreadable),
            None => Ok(None),
        }
    }

    /// The stored JSON of the tenant's configuration, unchecked: for
    /// repairing one that no longer reads (`arflow tenant update`).
    pub async fn tenant_config_doc(&self, tenant: &str) -> Result<Option<String>, StoreError> {
        check_tenant(tenant)?;
        let item = self
            .get(
                tenant_config_pk(),
                tenant.to_string(),
                "reading a tenant config",
            )
            .await?;
        item.map(|item| get_s(&item, "doc").map(str::to_string))
            .transpose()
    }

    /// Creates or replaces a tenant's configuration.
    pub async fn put_tenant_config(&self, config: &TenantConfig) -> Result<(), StoreError> {
        check_tenant(&config.tenant)?;
        let mut item = key(tenant_config_pk(), &config.tenant);
        item.insert("doc".into(), doc(config));
        self.put_plain(item, "writing a tenant config").await
    }

    /// Every tenant's configuration, by tenant id. One that does not read
    /// fails the whole call, with every such tenant and its field named:
    /// a caller acting on all tenants must not skip one silently. Use
    /// `tenant_config_entries` to see the readable ones beside the others.
    pub async fn tenant_configs(&self) -> Result<Vec<TenantConfig>, StoreError> {
        let mut configs = Vec::new();
        let mut problems = Vec::new();
        for entry in self.tenant_config_entries().await? {
            match entry {
                Ok(config) => configs.push(config),
                Err(e) => problems.push(e.to_string()),
            }
        }
        if problems.is_empty() {
            Ok(configs)
        } else {
            Err(corrupt("tenant config", problems.join("; ")))
        }
    }

    /// Every tenant's configuration by tenant id, each read on its own: a
    /// bad one is its `ConfigError` (tenant and field named) in its place.
    pub async fn tenant_config_entries(
        &self,
    ) -> Result<Vec<Result<TenantConfig, ConfigError>>, StoreError> {
        let mut out = Vec::new();
        query_all(
            &self.client,
            &self.table,
            None,
            &tenant_config_pk(),
            &mut |item| {
                let tenant = get_s(&item, SK)?;
                out.push(TenantConfig::from_stored(tenant, get_s(&item, "doc")?));
                Ok(())
            },
        )
        .await?;
        Ok(out)
    }
}

/// A stored config that does not read; the message names tenant and field.
fn unreadable(e: ConfigError) -> StoreError {
    corrupt("tenant config", e.to_string())
}
