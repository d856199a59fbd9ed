//! `PortalStore` for `SqliteStore`: the portal's tables (schema migration 2)
//! in the same SQLite file as the ledger; `SelfServiceStore` in
//! `portal_sqlite/self_service.rs`.

use arflow_app::portal::{
    ApiKey, AuditEntry, ContactPrefs, Dispute, DisputeState, PortalStore, PromiseToPay, Scope,
    Session,
};
use arflow_app::store::StoreError;
use rusqlite::{ErrorCode, OptionalExtension, params};

use crate::codec::Fail;
use crate::sqlite::SqliteStore;

/// A record as the JSON body column holds it.
pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Backend {
        operation: "encoding a record as JSON".into(),
        detail: e.to_string(),
    })
}

fn from_json<T: serde::de::DeserializeOwned>(what: &str, id: &str, text: &str) -> Result<T, Fail> {
    serde_json::from_str(text).map_err(|e| {
        Fail::Store(StoreError::Corrupt {
            what: format!("{what} '{id}'"),
            detail: e.to_string(),
        })
    })
}

fn is_constraint(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(ErrorCode::ConstraintViolation))
}

impl SqliteStore {
    fn bodies<T: serde::de::DeserializeOwned>(
        &self,
        what: &str,
        sql: &str,
        tenant: &str,
    ) -> Result<Vec<T>, StoreError> {
        let run = || -> Result<Vec<T>, Fail> {
            let mut stmt = self.conn.prepare_cached(sql)?;
            let mut rows = stmt.query([tenant])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                let id: String = r.get(0)?;
                let body: String = r.get(1)?;
                out.push(from_json(what, &id, &body)?);
            }
            Ok(out)
        };
        run().map_err(|f| f.into_store(&self.name, &format!("reading {what}s")))
    }

    fn exec(
        &self,
        operation: &str,
        sql: &str,
        p: &[&dyn rusqlite::ToSql],
    ) -> Result<usize, StoreError> {
        self.conn
            .prepare_cached(sql)
            .and_then(|mut s| s.execute(p))
            .map_err(|e| Fail::Db(e).into_store(&self.name, operation))
    }
}

impl PortalStore for SqliteStore {
    fn insert_dispute(&mut self, tenant: &str, d: &Dispute) -> Result<(), StoreError> {
        self.exec(
            "recording a dispute",
            "INSERT INTO disputes (tenant, dispute_id, state, opened_at, body) VALUES (?1, ?2, ?3, ?4, ?5)",
            &[&tenant, &d.id, &d.state.as_str(), &d.opened_at, &to_json(d)?],
        )
        .map(|_| ())
    }

    fn disputes(&self, tenant: &str) -> Result<Vec<Dispute>, StoreError> {
        self.bodies(
            "dispute",
            "SELECT dispute_id, body FROM disputes WHERE tenant = ?1 ORDER BY opened_at, dispute_id",
            tenant,
        )
    }

    fn update_dispute(
        &mut self,
        tenant: &str,
        d: &Dispute,
        expected: DisputeState,
    ) -> Result<bool, StoreError> {
        let n = self.exec(
            "updating a dispute",
            "UPDATE disputes SET state = ?3, body = ?4 WHERE tenant = ?1 AND dispute_id = ?2 AND state = ?5",
            &[&tenant, &d.id, &d.state.as_str(), &to_json(d)?, &expected.as_str()],
        )?;
        Ok(n == 1)
    }

    fn insert_promise(&mut self, tenant: &str, p: &PromiseToPay) -> Result<(), StoreError> {
        self.exec(
            "recording a promise to pay",
            "INSERT INTO promises (tenant, promise_id, created_at, body) VALUES (?1, ?2, ?3, ?4)",
            &[&tenant, &p.id, &p.created_at, &to_json(p)?],
        )
        .map(|_| ())
    }

    fn promises(&self, tenant: &str) -> Result<Vec<PromiseToPay>, StoreError> {
        self.bodies(
            "promise",
            "SELECT promise_id, body FROM promises WHERE tenant = ?1 ORDER BY created_at, promise_id",
            tenant,
        )
    }

    fn consume_token(
        &mut self,
        tenant: &str,
        nonce: &str,
        used_at: i64,
    ) -> Result<bool, StoreError> {
        let n = self.exec(
            "recording a used sign-in link",
            "INSERT OR IGNORE INTO used_tokens (tenant, nonce, used_at) VALUES (?1, ?2, ?3)",
            &[&tenant, &nonce, &used_at],
        )?;
        Ok(n == 1)
    }

    fn insert_session(&mut self, s: &Session) -> Result<(), StoreError> {
        self.exec(
            "recording a session",
            "INSERT INTO sessions (id_hash, tenant, customer_id, csrf, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            &[&s.id_hash, &s.tenant, &s.customer_id, &s.csrf, &s.expires_at],
        )
        .map(|_| ())
    }

    fn session(&self, id_hash: &str) -> Result<Option<Session>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT tenant, customer_id, csrf, expires_at FROM sessions WHERE id_hash = ?1",
            )
            .and_then(|mut s| {
                s.query_row([id_hash], |r| {
                    Ok(Session {
                        id_hash: id_hash.to_string(),
                        tenant: r.get(0)?,
                        customer_id: r.get(1)?,
                        csrf: r.get(2)?,
                        expires_at: r.get(3)?,
                    })
                })
                .optional()
            })
            .map_err(|e| Fail::Db(e).into_store(&self.name, "reading a session"))
    }

    fn delete_session(&mut self, id_hash: &str) -> Result<(), StoreError> {
        self.exec(
            "ending a session",
            "DELETE FROM sessions WHERE id_hash = ?1",
            &[&id_hash],
        )
        .map(|_| ())
    }

    fn insert_api_key(&mut self, k: &ApiKey) -> Result<bool, StoreError> {
        let scopes: Vec<&str> = k.scopes.iter().map(|s| s.as_str()).collect();
        let r = self.conn.execute(
            "INSERT INTO api_keys (key_hash, tenant, name, scopes, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![k.key_hash, k.tenant, k.name, scopes.join(","), k.created_at],
        );
        match r {
            Ok(_) => Ok(true),
            Err(e) if is_constraint(&e) => Ok(false),
            Err(e) => Err(Fail::Db(e).into_store(&self.name, "recording an API key")),
        }
    }

    fn api_key(&self, key_hash: &str) -> Result<Option<ApiKey>, StoreError> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT tenant, name, scopes, created_at FROM api_keys WHERE key_hash = ?1",
            )
            .and_then(|mut s| {
                s.query_row([key_hash], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                    ))
                })
                .optional()
            })
            .map_err(|e| Fail::Db(e).into_store(&self.name, "reading an API key"))?;
        let Some((tenant, name, scopes, created_at)) = row else {
            return Ok(None);
        };
        let scopes = Scope::parse_list(&scopes).map_err(|detail| StoreError::Corrupt {
            what: format!("API key '{name}'"),
            detail,
        })?;
        Ok(Some(ApiKey {
            tenant,
            name,
            key_hash: key_hash.to_string(),
            scopes,
            created_at,
        }))
    }

    fn contact_prefs(
        &self,
        tenant: &str,
        customer_id: &str,
    ) -> Result<Option<ContactPrefs>, StoreError> {
        let body: Option<String> = self
            .conn
            .prepare_cached("SELECT body FROM contact_prefs WHERE tenant = ?1 AND customer_id = ?2")
            .and_then(|mut s| s.query_row([tenant, customer_id], |r| r.get(0)).optional())
            .map_err(|e| Fail::Db(e).into_store(&self.name, "reading contact preferences"))?;
        body.map(|b| from_json("contact preferences", customer_id, &b))
            .transpose()
            .map_err(|f| f.into_store(&self.name, "reading contact preferences"))
    }

    fn set_contact_prefs(
        &mut self,
        tenant: &str,
        customer_id: &str,
        prefs: &ContactPrefs,
    ) -> Result<(), StoreError> {
        self.exec(
            "saving contact preferences",
            "INSERT INTO contact_prefs (tenant, customer_id, body) VALUES (?1, ?2, ?3) \
             ON CONFLICT (tenant, customer_id) DO UPDATE SET body = excluded.body",
            &[&tenant, &customer_id, &to_json(prefs)?],
        )
        .map(|_| ())
    }

    fn append_audit(&mut self, tenant: &str, e: &AuditEntry) -> Result<(), StoreError> {
        self.exec(
            "appending to the audit log",
            "INSERT INTO audit_log (tenant, at, actor, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            &[&tenant, &e.at, &e.actor, &e.action, &e.target, &e.detail],
        )
        .map(|_| ())
    }

    fn audit_log(&self, tenant: &str) -> Result<Vec<AuditEntry>, StoreError> {
        let run = || -> Result<Vec<AuditEntry>, Fail> {
            let mut stmt = self.conn.prepare_cached(
                "SELECT at, actor, action, target, detail FROM audit_log WHERE tenant = ?1 ORDER BY seq",
            )?;
            let rows = stmt.query_map([tenant], |r| {
                Ok(AuditEntry {
                    at: r.get(0)?,
                    actor: r.get(1)?,
                    action: r.get(2)?,
                    target: r.get(3)?,
                    detail: r.get(4)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        };
        run().map_err(|f| f.into_store(&self.name, "reading the audit log"))
    }
}

mod self_service;
#[cfg(test)]
mod tests;
