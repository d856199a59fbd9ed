//! `ChangeStore` for `SqliteStore`: a portal or AR team change and its
//! audit row in one SQLite transaction; a condition that does not hold
//! (an existing id, a moved record, a done task, a changed strategy
//! version) rolls it back and writes nothing.

use arflow_app::portal::{AuditEntry, Change, ChangeStore};
use arflow_app::store::StoreError;
use rusqlite::{Connection, params};

use crate::codec::Fail;
use crate::portal_sqlite::to_json;
use crate::sqlite::SqliteStore;
use crate::strategy_sqlite::put_strategy_in;

impl ChangeStore for SqliteStore {
    fn commit(
        &mut self,
        tenant: &str,
        change: &Change,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let run = |conn: &mut Connection| -> Result<bool, Fail> {
            let tx = conn.transaction()?;
            // Dropping `tx` without commit rolls back.
            if !apply(&tx, tenant, change)? {
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO audit_log (tenant, at, actor, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![tenant, audit.at, audit.actor, audit.action, audit.target, audit.detail],
            )?;
            tx.commit()?;
            Ok(true)
        };
        run(&mut self.conn)
            .map_err(|f| f.into_store(&self.name, &format!("storing {}", audit.action)))
    }
}

/// Writes the change inside the caller's transaction; false when its
/// condition does not hold.
fn apply(tx: &Connection, tenant: &str, change: &Change) -> Result<bool, Fail> {
    let one = |sql: &str, p: &[&dyn rusqlite::ToSql]| -> Result<bool, Fail> {
        Ok(tx.prepare_cached(sql)?.execute(p)? == 1)
    };
    match change {
        Change::OpenDispute(d) => one(
            "INSERT OR IGNORE INTO disputes (tenant, dispute_id, state, opened_at, body) VALUES (?1, ?2, ?3, ?4, ?5)",
            &[
                &tenant,
                &d.id,
                &d.state.as_str(),
                &d.opened_at,
                &to_json(d)?,
            ],
        ),
        Change::MoveDispute { dispute: d, from } => one(
            "UPDATE disputes SET state = ?3, body = ?4 WHERE tenant = ?1 AND dispute_id = ?2 AND state = ?5",
            &[
                &tenant,
                &d.id,
                &d.state.as_str(),
                &to_json(d)?,
                &from.as_str(),
            ],
        ),
        Change::Promise(p) => one(
            "INSERT OR IGNORE INTO promises (tenant, promise_id, created_at, body) VALUES (?1, ?2, ?3, ?4)",
            &[&tenant, &p.id, &p.created_at, &to_json(p)?],
        ),
        Change::RequestPlan(p) => one(
            "INSERT OR IGNORE INTO payment_plans (tenant, plan_id, state, requested_at, body) VALUES (?1, ?2, ?3, ?4, ?5)",
            &[
                &tenant,
                &p.id,
                &p.state.as_str(),
                &p.requested_at,
                &to_json(p)?,
            ],
        ),
        Change::MovePlan { plan: p, from } => one(
            "UPDATE payment_plans SET state = ?3, body = ?4 WHERE tenant = ?1 AND plan_id = ?2 AND state = ?5",
            &[
                &tenant,
                &p.id,
                &p.state.as_str(),
                &to_json(p)?,
                &from.as_str(),
            ],
        ),
        Change::CompleteTask { id, outcome } => one(
            "UPDATE tasks SET status = 'done', outcome = ?3 WHERE tenant = ?1 AND task_id = ?2 AND status <> 'done'",
            &[&tenant, id, outcome],
        ),
        Change::ContactPrefs { customer_id, prefs } => one(
            "INSERT INTO contact_prefs (tenant, customer_id, body) VALUES (?1, ?2, ?3) \
             ON CONFLICT (tenant, customer_id) DO UPDATE SET body = excluded.body",
            &[&tenant, customer_id, &to_json(prefs)?],
        ),
        Change::Strategy { source, expected } => {
            Ok(put_strategy_in(tx, tenant, source, *expected)?)
        }
    }
}

#[cfg(test)]
mod tests {
    use arflow_app::portal::change_contract::{
        INJECTED_FAULT, failing_audit, run_change_store_contract,
    };

    use crate::SqliteStore;

    #[test]
    fn sqlite_store_keeps_the_change_store_contract() {
        let mut s = SqliteStore::open_in_memory().unwrap();
        // The injected fault: the audit row of the failing entry is refused.
        s.conn
            .execute_batch(&format!(
                "CREATE TEMP TRIGGER audit_fault BEFORE INSERT ON audit_log \
                 WHEN NEW.detail LIKE '{INJECTED_FAULT}%' \
                 BEGIN SELECT RAISE(ABORT, 'injected fault'); END;"
            ))
            .unwrap();
        run_change_store_contract(&mut s, &failing_audit());
        run_change_store_contract(&mut s, &failing_audit());
    }
}
