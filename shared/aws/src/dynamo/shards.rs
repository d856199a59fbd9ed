//! Reads for planning and dispatch: one customer, invoices by id, and a
//! planning shard of a fanned-out daily run from the by-customer index —
//! and `PlanningStore` for `DynamoStore` on top of them.

use arflow_app::planning::{DayInputs, PlanningStore, Scope, read_day_inputs};
use arflow_app::portal::Holds;
use arflow_app::store::StoreError;
use arflow_app::strategy_store::StrategyStore;
use arflow_domain::ledger::{Customer, Invoice};
use arflow_domain::sent::SentRecord;
use chrono::NaiveDate;

use super::batch::{get_many, key, query_all};
use super::codec::{Item, from_doc, invoice_from};
use super::keys::{self, GSI1, GSI1_PK, PLAN_SHARDS, plan_shard, shard};
use super::{DynamoStore, check_tenant};

impl DynamoStore {
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
}

impl PlanningStore for DynamoStore {
    /// A whole tenant is read port by port, the ledger as of the day; a
    /// planning shard from the by-customer index (current versions: the
    /// daily run plans today) and the one storage shard that holds its
    /// customers and sent records.
    fn day_inputs(
        &self,
        tenant: &str,
        as_of: NaiveDate,
        scope: Scope,
    ) -> Result<DayInputs, StoreError> {
        let Scope::Shard { index, of } = scope else {
            return read_day_inputs(self, tenant, as_of, scope);
        };
        if of != PLAN_SHARDS || index >= of {
            return Err(StoreError::Backend {
                operation: "planning a shard".into(),
                detail: format!(
                    "shard {index} of {of}: this table is planned in {PLAN_SHARDS} shards"
                ),
            });
        }
        let invoices = self.block(self.plan_shard_invoices(tenant, index))?;
        let (customers, sent) = self.block(self.plan_shard_memory(tenant, index))?;
        Ok(DayInputs {
            as_of,
            invoices,
            customers,
            sent,
            holds: Holds::load(self, tenant)?,
            strategy_source: self.strategy_source(tenant)?,
        })
    }
}
