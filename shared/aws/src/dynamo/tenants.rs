//! Tenant configuration items: `TENANT` / `{tenant}`, the config as JSON.

use arflow_app::store::StoreError;

use super::batch::{key, query_all};
use super::codec::{doc, from_doc};
use super::keys::tenant_config_pk;
use super::{DynamoStore, backend, check_tenant};
use crate::tenant::TenantConfig;

impl DynamoStore {
    /// The tenant's configuration, if it has one.
    pub async fn tenant_config(&self, tenant: &str) -> Result<Option<TenantConfig>, StoreError> {
        check_tenant(tenant)?;
        match self
            .get(
                tenant_config_pk(),
                tenant.to_string(),
                "reading a tenant config",
            )
            .await?
        {
            Some(item) => Ok(Some(from_doc(&item, "tenant config")?)),
            None => Ok(None),
        }
    }

    /// Creates or replaces a tenant's configuration.
    pub async fn put_tenant_config(&self, config: &TenantConfig) -> Result<(), StoreError> {
        check_tenant(&config.tenant)?;
        let mut item = key(tenant_config_pk(), &config.tenant);
        item.insert("doc".into(), doc(config));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| backend("writing a tenant config", e))?;
        self.count_other_items(1);
        Ok(())
    }

    /// Every tenant's configuration, by tenant id.
    pub async fn tenant_configs(&self) -> Result<Vec<TenantConfig>, StoreError> {
        let mut out = Vec::new();
        query_all(
            &self.client,
            &self.table,
            None,
            &tenant_config_pk(),
            &mut |item| {
                out.push(from_doc(&item, "tenant config")?);
                Ok(())
            },
        )
        .await?;
        Ok(out)
    }
}
