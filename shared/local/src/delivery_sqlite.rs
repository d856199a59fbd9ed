//! `DeliveryStore` for `SqliteStore` (schema migration 6): claims are rows
//! written on condition in one statement (`INSERT … ON CONFLICT DO UPDATE
//! … WHERE`), so two `arflow run`s on one file never both claim an action;
//! a completion is one transaction of the claim, the sent log, the
//! communication log and the tasks.

use arflow_app::delivery::{
    ClaimOutcome, ClaimStatus, Completion, DeliveryStore, LogEntry, suppression_key,
};
use arflow_app::store::StoreError;
use rusqlite::{Connection, OptionalExtension, params};

use crate::codec::Fail;
use crate::sqlite::{SqliteStore, write_sent, write_tasks};

impl SqliteStore {
    fn claim_row(
        &self,
        tenant: &str,
        action_id: &str,
    ) -> Result<Option<(String, i64, Option<String>)>, Fail> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT status, lease, detail FROM claims WHERE tenant = ?1 AND action_id = ?2",
            )?
            .query_row(params![tenant, action_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?)
    }

    fn set_claim(
        &self,
        tenant: &str,
        action_id: &str,
        status: ClaimStatus,
        detail: Option<&str>,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "UPDATE claims SET status = ?3, lease = 0, detail = ?4 WHERE tenant = ?1 AND action_id = ?2",
            )
            .and_then(|mut s| s.execute(params![tenant, action_id, status.as_str(), detail]))
            .map(|_| ())
            .map_err(|e| Fail::Db(e).into_store(&self.name, "updating a claim"))
    }
}

fn corrupt(status: &str) -> StoreError {
    StoreError::Corrupt {
        what: "claim".into(),
        detail: format!("unknown status '{status}'"),
    }
}

fn write_completion(conn: &Connection, tenant: &str, c: &Completion) -> Result<(), Fail> {
    conn.prepare_cached(
        "INSERT INTO claims (tenant, action_id, customer_id, status, lease, detail)
         VALUES (?1, ?2, ?3, ?4, 0, ?5)
         ON CONFLICT (tenant, action_id) DO UPDATE SET status = ?4, lease = 0, detail = ?5",
    )?
    .execute(params![
        tenant,
        c.record.action_id,
        c.record.customer_id,
        c.status.as_str(),
        c.provider_id
    ])?;
    write_sent(conn, tenant, std::slice::from_ref(&c.record))?;
    write_tasks(conn, tenant, &c.tasks)?;
    if let Some(entry) = &c.log {
        let body = serde_json::to_string(entry).map_err(|e| StoreError::Corrupt {
            what: "log entry".into(),
            detail: e.to_string(),
        })?;
        conn.prepare_cached(
            "INSERT OR REPLACE INTO communications (tenant, customer_id, sent_on, action_id, body)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            tenant,
            entry.customer_id,
            entry.sent_on.to_string(),
            entry.action_id,
            body
        ])?;
    }
    Ok(())
}

impl DeliveryStore for SqliteStore {
    fn claim(
        &mut self,
        tenant: &str,
        customer_id: &str,
        action_id: &str,
        now: i64,
        lease_secs: i64,
    ) -> Result<ClaimOutcome, StoreError> {
        let run = || -> Result<ClaimOutcome, Fail> {
            let won = self
                .conn
                .prepare_cached(
                    "INSERT INTO claims (tenant, action_id, customer_id, status, lease)
                     VALUES (?1, ?2, ?3, 'claimed', ?4)
                     ON CONFLICT (tenant, action_id) DO UPDATE SET status = 'claimed', lease = ?4, detail = NULL
                     WHERE status = 'released'",
                )?
                .execute(params![tenant, action_id, customer_id, now + lease_secs])?;
            if won == 1 {
                return Ok(ClaimOutcome::Claimed);
            }
            let Some((status, lease, detail)) = self.claim_row(tenant, action_id)? else {
                return Ok(ClaimOutcome::Busy);
            };
            let status = ClaimStatus::parse(&status).ok_or_else(|| corrupt(&status))?;
            Ok(ClaimOutcome::of_stored(status, lease, detail, now))
        };
        run().map_err(|f| f.into_store(&self.name, "claiming an action"))
    }

    fn take_over(
        &mut self,
        tenant: &str,
        _customer_id: &str,
        action_id: &str,
        from: ClaimStatus,
        now: i64,
        lease_secs: i64,
    ) -> Result<bool, StoreError> {
        let sql = match from {
            ClaimStatus::Failed => {
                "UPDATE claims SET status = 'claimed', lease = ?3, detail = NULL
                 WHERE tenant = ?1 AND action_id = ?2 AND status = 'failed'"
            }
            _ => {
                "UPDATE claims SET status = 'claimed', lease = ?3, detail = NULL
                 WHERE tenant = ?1 AND action_id = ?2 AND status = 'claimed' AND lease < ?4"
            }
        };
        let n = match from {
            ClaimStatus::Failed => self
                .conn
                .prepare_cached(sql)
                .and_then(|mut s| s.execute(params![tenant, action_id, now + lease_secs])),
            _ => self
                .conn
                .prepare_cached(sql)
                .and_then(|mut s| s.execute(params![tenant, action_id, now + lease_secs, now])),
        };
        n.map(|n| n == 1)
            .map_err(|e| Fail::Db(e).into_store(&self.name, "taking over a claim"))
    }

    fn release(
        &mut self,
        tenant: &str,
        _customer_id: &str,
        action_id: &str,
    ) -> Result<(), StoreError> {
        self.set_claim(tenant, action_id, ClaimStatus::Released, None)
    }

    fn fail(
        &mut self,
        tenant: &str,
        _customer_id: &str,
        action_id: &str,
        reason: &str,
    ) -> Result<(), StoreError> {
        self.set_claim(tenant, action_id, ClaimStatus::Failed, Some(reason))
    }

    fn complete(&mut self, tenant: &str, c: &Completion) -> Result<(), StoreError> {
        let name = self.name.clone();
        let run = |conn: &mut Connection| -> Result<(), Fail> {
            let tx = conn.transaction()?;
            write_completion(&tx, tenant, c)?;
            tx.commit()?;
            Ok(())
        };
        run(&mut self.conn).map_err(|f| f.into_store(&name, "recording a delivery"))
    }

    fn suppress(&mut self, tenant: &str, address: &str, reason: &str) -> Result<bool, StoreError> {
        self.conn
            .prepare_cached(
                "INSERT OR IGNORE INTO suppressions (tenant, address, reason) VALUES (?1, ?2, ?3)",
            )
            .and_then(|mut s| s.execute(params![tenant, suppression_key(address), reason]))
            .map(|n| n == 1)
            .map_err(|e| Fail::Db(e).into_store(&self.name, "suppressing an address"))
    }

    fn suppressed(&self, tenant: &str, addresses: &[String]) -> Result<Vec<String>, StoreError> {
        let mut out = Vec::new();
        for a in addresses {
            let found: bool = self
                .conn
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM suppressions WHERE tenant = ?1 AND address = ?2)",
                )
                .and_then(|mut s| s.query_row(params![tenant, suppression_key(a)], |r| r.get(0)))
                .map_err(|e| Fail::Db(e).into_store(&self.name, "reading the suppression list"))?;
            if found {
                out.push(a.clone());
            }
        }
        Ok(out)
    }

    fn communications(&self, tenant: &str, customer_id: &str) -> Result<Vec<LogEntry>, StoreError> {
        let run = || -> Result<Vec<LogEntry>, Fail> {
            let mut stmt = self.conn.prepare_cached(
                "SELECT body FROM communications WHERE tenant = ?1 AND customer_id = ?2
                 ORDER BY sent_on, action_id",
            )?;
            let rows = stmt.query_map(params![tenant, customer_id], |r| r.get::<_, String>(0))?;
            let mut out = Vec::new();
            for body in rows {
                out.push(
                    serde_json::from_str(&body?).map_err(|e| StoreError::Corrupt {
                        what: "communication log entry".into(),
                        detail: e.to_string(),
                    })?,
                );
            }
            Ok(out)
        };
        run().map_err(|f| f.into_store(&self.name, "reading the communication log"))
    }
}

#[cfg(test)]
mod tests {
    use arflow_app::delivery::contract::run_delivery_store_contract;

    use crate::SqliteStore;

    #[test]
    fn sqlite_store_keeps_the_delivery_store_contract() {
        let mut store = SqliteStore::open_in_memory().unwrap();
        run_delivery_store_contract(&mut store, "a");
        run_delivery_store_contract(&mut store, "b");
    }
}
