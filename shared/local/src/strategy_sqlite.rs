//! `StrategyStore` for `SqliteStore`: every version of a tenant's strategy
//! (schema migration 4); the primary key (tenant, version) makes two writers
//! racing for the same next version store only one.

use arflow_app::store::StoreError;
use arflow_app::strategy_store::StrategyStore;
use rusqlite::{OptionalExtension, params};

use crate::codec::Fail;
use crate::sqlite::SqliteStore;

impl StrategyStore for SqliteStore {
    fn strategy_source(&self, tenant: &str) -> Result<Option<(String, u64)>, StoreError> {
        self.conn
            .query_row(
                "SELECT source, version FROM strategies WHERE tenant = ?1 ORDER BY version DESC LIMIT 1",
                [tenant],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)),
            )
            .optional()
            .map_err(|e| Fail::Db(e).into_store(&self.name, "reading the strategy"))
    }

    fn put_strategy(
        &mut self,
        tenant: &str,
        source: &str,
        expected_version: Option<u64>,
    ) -> Result<bool, StoreError> {
        let run = |conn: &mut rusqlite::Connection| -> rusqlite::Result<bool> {
            let tx = conn.transaction()?;
            let stored = put_strategy_in(&tx, tenant, source, expected_version)?;
            tx.commit()?;
            Ok(stored)
        };
        run(&mut self.conn).map_err(|e| Fail::Db(e).into_store(&self.name, "storing the strategy"))
    }
}

/// Stores `source` as the next version inside the caller's transaction,
/// only if the stored version is still `expected_version`.
pub(crate) fn put_strategy_in(
    tx: &rusqlite::Connection,
    tenant: &str,
    source: &str,
    expected_version: Option<u64>,
) -> rusqlite::Result<bool> {
    let current: Option<i64> = tx.query_row(
        "SELECT MAX(version) FROM strategies WHERE tenant = ?1",
        [tenant],
        |r| r.get(0),
    )?;
    if current.map(|v| v as u64) != expected_version {
        return Ok(false);
    }
    let next = current.unwrap_or(0) + 1;
    let n = tx.execute(
        "INSERT OR IGNORE INTO strategies (tenant, version, source) VALUES (?1, ?2, ?3)",
        params![tenant, next, source],
    )?;
    Ok(n == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategy_versions_count_up_and_a_stale_version_stores_nothing() {
        let mut s = SqliteStore::open_in_memory().unwrap();
        assert_eq!(s.strategy_source("t").unwrap(), None);
        assert!(!s.put_strategy("t", "a", Some(1)).unwrap());
        assert!(s.put_strategy("t", "a", None).unwrap());
        assert!(!s.put_strategy("t", "b", None).unwrap());
        assert!(s.put_strategy("t", "b", Some(1)).unwrap());
        assert!(!s.put_strategy("t", "c", Some(1)).unwrap());
        assert_eq!(s.strategy_source("t").unwrap(), Some(("b".into(), 2)));
        assert_eq!(s.strategy_source("other").unwrap(), None);
    }

    #[test]
    fn sqlite_store_keeps_the_strategy_store_contract() {
        let mut s = SqliteStore::open_in_memory().unwrap();
        arflow_app::strategy_store::run_strategy_store_contract(&mut s);
        arflow_app::strategy_store::run_strategy_store_contract(&mut s);
    }
}
