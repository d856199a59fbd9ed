//! Which tenants a SQLite store knows: those with ledger data (invoices,
//! customers, an ingested file) or a stored strategy.

use std::collections::BTreeSet;

use arflow_app::store::StoreError;

use crate::codec::Fail;
use crate::sqlite::SqliteStore;

/// The tables whose rows make a tenant exist; each is keyed by tenant first.
const TENANT_TABLES: [&str; 4] = ["invoices", "customers", "ingested_objects", "strategies"];

impl SqliteStore {
    /// Every tenant the store holds data or a strategy for, sorted.
    pub fn tenants(&self) -> Result<Vec<String>, StoreError> {
        let mut all = BTreeSet::new();
        for table in TENANT_TABLES {
            self.distinct_tenants(table, &mut all)
                .map_err(|e| Fail::Db(e).into_store(&self.name, "listing tenants"))?;
        }
        Ok(all.into_iter().collect())
    }

    /// The distinct tenants of one table, hopping from one to the next in
    /// its primary key (a few index seeks per tenant, not a full scan).
    fn distinct_tenants(&self, table: &str, out: &mut BTreeSet<String>) -> rusqlite::Result<()> {
        let sql = format!(
            "WITH RECURSIVE t(tenant) AS (
                 SELECT MIN(tenant) FROM {table}
                 UNION ALL
                 SELECT (SELECT MIN(tenant) FROM {table} WHERE tenant > t.tenant)
                 FROM t WHERE t.tenant IS NOT NULL
             )
             SELECT tenant FROM t WHERE tenant IS NOT NULL"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            out.insert(row.get(0)?);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use arflow_app::store::LedgerStore;
    use arflow_app::strategy_store::StrategyStore;

    use super::*;

    #[test]
    fn a_new_store_has_no_tenants() {
        let store = SqliteStore::open_in_memory().unwrap();
        assert!(store.tenants().unwrap().is_empty());
    }

    #[test]
    fn tenants_with_data_or_a_strategy_are_listed_once_each_in_order() {
        let mut store = SqliteStore::open_in_memory().unwrap();
        store.mark_ingested("zeta", "a.csv", "d1").unwrap();
        store.mark_ingested("zeta", "b.csv", "d2").unwrap();
        store
            .put_strategy("acme", "[tenant]\nname = \"Acme\"\n", None)
            .unwrap();
        store.apply_changes("demo", &[], &[]).unwrap();
        assert_eq!(
            store.tenants().unwrap(),
            ["acme", "zeta"],
            "changing nothing leaves no trace of 'demo'"
        );
    }

    #[test]
    fn the_tenant_listing_seeks_the_primary_key() {
        let store = SqliteStore::open_in_memory().unwrap();
        let plan: Vec<String> = store
            .conn
            .prepare("EXPLAIN QUERY PLAN SELECT MIN(tenant) FROM invoices WHERE tenant > 'a'")
            .unwrap()
            .query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(
            plan.iter().any(|p| p.contains("SEARCH")),
            "a seek, not a scan: {plan:?}"
        );
    }
}
