//! `SelfServiceStore` for `SqliteStore`: payment plans and dispute
//! attachments (schema migration 5), and the tenant's contact preferences
//! read in one query for planning.

use arflow_app::portal::{Attachment, ContactPrefs, PaymentPlan, PlanState, SelfServiceStore};
use arflow_app::store::StoreError;
use rusqlite::OptionalExtension;

use super::{from_json, to_json};
use crate::codec::Fail;
use crate::sqlite::SqliteStore;

impl SelfServiceStore for SqliteStore {
    fn insert_plan(&mut self, tenant: &str, p: &PaymentPlan) -> Result<(), StoreError> {
        self.exec(
            "recording a payment plan",
            "INSERT INTO payment_plans (tenant, plan_id, state, requested_at, body) VALUES (?1, ?2, ?3, ?4, ?5)",
            &[&tenant, &p.id, &p.state.as_str(), &p.requested_at, &to_json(p)?],
        )
        .map(|_| ())
    }

    fn plans(&self, tenant: &str) -> Result<Vec<PaymentPlan>, StoreError> {
        self.bodies(
            "payment plan",
            "SELECT plan_id, body FROM payment_plans WHERE tenant = ?1 ORDER BY requested_at, plan_id",
            tenant,
        )
    }

    fn update_plan(
        &mut self,
        tenant: &str,
        p: &PaymentPlan,
        expected: PlanState,
    ) -> Result<bool, StoreError> {
        let n = self.exec(
            "updating a payment plan",
            "UPDATE payment_plans SET state = ?3, body = ?4 WHERE tenant = ?1 AND plan_id = ?2 AND state = ?5",
            &[&tenant, &p.id, &p.state.as_str(), &to_json(p)?, &expected.as_str()],
        )?;
        Ok(n == 1)
    }

    fn put_attachment(
        &mut self,
        tenant: &str,
        dispute_id: &str,
        name: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<(), StoreError> {
        self.exec(
            "storing a dispute attachment",
            "INSERT INTO dispute_attachments (tenant, dispute_id, name, content_type, bytes) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (tenant, dispute_id) DO UPDATE SET name = excluded.name, \
             content_type = excluded.content_type, bytes = excluded.bytes",
            &[&tenant, &dispute_id, &name, &content_type, &bytes],
        )
        .map(|_| ())
    }

    fn attachment(&self, tenant: &str, dispute_id: &str) -> Result<Option<Attachment>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT name, content_type, bytes FROM dispute_attachments WHERE tenant = ?1 AND dispute_id = ?2",
            )
            .and_then(|mut s| {
                s.query_row([tenant, dispute_id], |r| {
                    Ok(Attachment {
                        dispute_id: dispute_id.to_string(),
                        name: r.get(0)?,
                        content_type: r.get(1)?,
                        bytes: r.get(2)?,
                    })
                })
                .optional()
            })
            .map_err(|e| Fail::Db(e).into_store(&self.name, "reading a dispute attachment"))
    }

    fn all_contact_prefs(&self, tenant: &str) -> Result<Vec<(String, ContactPrefs)>, StoreError> {
        let run = || -> Result<Vec<(String, ContactPrefs)>, Fail> {
            let mut stmt = self.conn.prepare_cached(
                "SELECT customer_id, body FROM contact_prefs WHERE tenant = ?1 ORDER BY customer_id",
            )?;
            let mut rows = stmt.query([tenant])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                let id: String = r.get(0)?;
                let body: String = r.get(1)?;
                let prefs = from_json("contact preferences", &id, &body)?;
                out.push((id, prefs));
            }
            Ok(out)
        };
        run().map_err(|f| f.into_store(&self.name, "reading contact preferences"))
    }
}

#[cfg(test)]
mod tests {
    use crate::SqliteStore;

    #[test]
    fn sqlite_store_keeps_the_self_service_store_contract() {
        let mut s = SqliteStore::open_in_memory().unwrap();
        arflow_app::portal::self_service_contract::run_self_service_store_contract(&mut s);
        arflow_app::portal::self_service_contract::run_self_service_store_contract(&mut s);
    }
}
