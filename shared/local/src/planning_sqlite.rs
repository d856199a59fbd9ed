//! `PlanningStore` for `SqliteStore`: a day's inputs (ledger as of the day,
//! customers, sent log, portal holds, stored strategy) read inside one read
//! transaction, so a concurrent ingest or run is seen whole or not at all.

use arflow_app::planning::{DayInputs, PlanningStore, Scope, read_day_inputs};
use arflow_app::store::StoreError;
use chrono::NaiveDate;

use crate::codec::Fail;
use crate::sqlite::SqliteStore;

impl PlanningStore for SqliteStore {
    fn day_inputs(
        &self,
        tenant: &str,
        as_of: NaiveDate,
        scope: Scope,
    ) -> Result<DayInputs, StoreError> {
        let fail = |e| Fail::Db(e).into_store(&self.name, "reading a day's inputs");
        // DEFERRED: the snapshot is taken at the first read and held to the end.
        self.conn.execute_batch("BEGIN DEFERRED").map_err(fail)?;
        let read = read_day_inputs(self, tenant, as_of, scope);
        let end = self
            .conn
            .execute_batch(if read.is_ok() { "COMMIT" } else { "ROLLBACK" });
        let inputs = read?;
        end.map_err(fail)?;
        Ok(inputs)
    }
}
