//! `SqliteStore`: the ledger store in one SQLite file (WAL mode), the CLI's
//! default.

use std::path::Path;

use arflow_app::store::{ChangeKind, InvoiceChange, LedgerStore, StoreError, Task};
use arflow_domain::ledger::{Channel, Customer, Invoice};
use arflow_domain::sent::SentRecord;
use chrono::NaiveDate;
use rusqlite::{Connection, ErrorCode, OptionalExtension, params};

use crate::codec::{self, Fail, iso, json_list};
use crate::schema::{self, MigrateError};

/// The ledger store in SQLite.
pub struct SqliteStore {
    pub(crate) conn: Connection,
    /// The file (or `:memory:`), for error messages.
    pub(crate) name: String,
}

/// How many rows a tenant has in each table (for diagnostics and tests).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RowCounts {
    pub invoices: u64,
    pub history: u64,
    pub customers: u64,
    pub sent: u64,
    pub tasks: u64,
    pub ingested_objects: u64,
}

impl SqliteStore {
    /// Opens (creating if needed) the store at `path` and brings its schema
    /// up to date.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let name = path.display().to_string();
        let conn = Connection::open(path).map_err(|e| Fail::Db(e).into_store(&name, "opening"))?;
        SqliteStore::init(conn, name)
    }

    /// A private store in memory (tests, dry runs).
    pub fn open_in_memory() -> Result<SqliteStore, StoreError> {
        let name = ":memory:".to_string();
        let conn =
            Connection::open_in_memory().map_err(|e| Fail::Db(e).into_store(&name, "opening"))?;
        SqliteStore::init(conn, name)
    }

    fn init(mut conn: Connection, name: String) -> Result<SqliteStore, StoreError> {
        let setup = |conn: &Connection| -> rusqlite::Result<()> {
            conn.busy_timeout(std::time::Duration::from_secs(10))?;
            // Returns the mode ("memory" for in-memory stores); either is fine.
            let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            conn.pragma_update(None, "cache_size", -32_768)?;
            conn.pragma_update(None, "temp_store", "MEMORY")?;
            conn.set_prepared_statement_cache_capacity(32);
            Ok(())
        };
        setup(&conn).map_err(|e| Fail::Db(e).into_store(&name, "configuring"))?;
        match schema::migrate(&mut conn) {
            Ok(()) => Ok(SqliteStore { conn, name }),
            Err(MigrateError::TooNew(found)) => Err(StoreError::SchemaTooNew {
                found,
                supported: schema::SCHEMA_VERSION,
            }),
            Err(MigrateError::Db(e)) => Err(Fail::Db(e).into_store(&name, "migrating the schema")),
        }
    }

    /// Row counts of one tenant.
    pub fn row_counts(&self, tenant: &str) -> Result<RowCounts, StoreError> {
        let count = |table: &str| -> Result<u64, Fail> {
            let sql = format!("SELECT COUNT(*) FROM {table} WHERE tenant = ?1");
            Ok(self
                .conn
                .query_row(&sql, [tenant], |r| r.get::<_, i64>(0))? as u64)
        };
        let counts = || -> Result<RowCounts, Fail> {
            Ok(RowCounts {
                invoices: count("invoices")?,
                history: count("invoice_history")?,
                customers: count("customers")?,
                sent: count("sent_log")?,
                tasks: count("tasks")?,
                ingested_objects: count("ingested_objects")?,
            })
        };
        counts().map_err(|f| f.into_store(&self.name, "counting rows"))
    }

    fn fail(&self, operation: &str) -> impl FnOnce(Fail) -> StoreError + '_ {
        let name = &self.name;
        let operation = operation.to_string();
        move |f| f.into_store(name, &operation)
    }

    /// Calls `visit` with the first row of each invoice from `sql`, whose
    /// rows come ordered by invoice id (then newest version first).
    fn scan_invoices(
        &self,
        sql: &str,
        params: &[&dyn rusqlite::ToSql],
        visit: &mut dyn FnMut(Invoice),
    ) -> Result<(), Fail> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let mut rows = stmt.query(params)?;
        let mut last_id = String::new();
        while let Some(row) = rows.next()? {
            let id = row.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
            if !last_id.is_empty() && id == last_id {
                continue;
            }
            let invoice = codec::invoice(row, 0)?;
            last_id.clone_from(&invoice.invoice_id);
            visit(invoice);
        }
        Ok(())
    }

    fn apply(
        &mut self,
        tenant: &str,
        changes: &[InvoiceChange],
        customers: &[Customer],
    ) -> Result<(), Fail> {
        // A savepoint: its own transaction, or part of an ingest's.
        let tx = self.conn.savepoint()?;
        {
            let mut insert_current = tx.prepare_cached(&format!(
                "INSERT INTO invoices (tenant, {}, version)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 1)",
                codec::INVOICE_COLUMNS
            ))?;
            let mut update_current = tx.prepare_cached(
                "UPDATE invoices SET customer_id = ?3, invoice_date = ?4, due_date = ?5,
                     amount = ?6, currency = ?7, paid_amount = ?8, paid_date = ?9,
                     disputed = ?10, status = ?11, version = version + 1
                 WHERE tenant = ?1 AND invoice_id = ?2
                 RETURNING version",
            )?;
            let mut insert_history = tx.prepare_cached(&format!(
                "INSERT INTO invoice_history (tenant, {}, seq, effective_date, change_kind)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                codec::INVOICE_COLUMNS
            ))?;
            for change in changes {
                let inv = &change.invoice;
                let invoice_date = iso(inv.invoice_date);
                let due_date = iso(inv.due_date);
                let paid_date = inv.paid_date.map(iso);
                let values = params![
                    tenant,
                    inv.invoice_id,
                    inv.customer_id,
                    invoice_date,
                    due_date,
                    inv.amount,
                    inv.currency.code(),
                    inv.paid_amount,
                    paid_date,
                    inv.disputed,
                    inv.status.as_str(),
                ];
                let seq: i64 = match change.kind {
                    ChangeKind::New => match insert_current.execute(values) {
                        Ok(_) => 1,
                        Err(e) if e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) => {
                            return Err(Fail::Store(StoreError::AlreadyStored {
                                tenant: tenant.to_string(),
                                invoice_id: inv.invoice_id.clone(),
                            }));
                        }
                        Err(e) => return Err(e.into()),
                    },
                    ChangeKind::Changed | ChangeKind::Closed => update_current
                        .query_row(values, |r| r.get(0))
                        .optional()?
                        .ok_or_else(|| StoreError::NotStored {
                            tenant: tenant.to_string(),
                            invoice_id: inv.invoice_id.clone(),
                        })?,
                };
                insert_history.execute(params![
                    tenant,
                    inv.invoice_id,
                    inv.customer_id,
                    invoice_date,
                    due_date,
                    inv.amount,
                    inv.currency.code(),
                    inv.paid_amount,
                    paid_date,
                    inv.disputed,
                    inv.status.as_str(),
                    seq,
                    change.effective.map(iso),
                    change.kind.as_str(),
                ])?;
            }
            let mut upsert_customer = tx.prepare_cached(&format!(
                "INSERT OR REPLACE INTO customers (tenant, {})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
                codec::CUSTOMER_COLUMNS
            ))?;
            for c in customers {
                upsert_customer.execute(params![
                    tenant,
                    c.customer_id,
                    c.name,
                    json_list(&c.emails),
                    c.phone,
                    c.kind.as_str(),
                    c.credit_limit,
                    c.credit_currency.map(|cur| cur.code().to_string()),
                    c.timezone,
                    c.language,
                    c.white_glove,
                    json_list(&c.opted_out),
                    c.account_manager,
                    c.sales_manager,
                    json_list(&c.tags),
                    c.country,
                ])?;
            }
            if !changes.is_empty() || !customers.is_empty() {
                tx.prepare_cached(
                    "INSERT INTO ledger_versions (tenant, version) VALUES (?1, 1)
                     ON CONFLICT (tenant) DO UPDATE SET version = version + 1",
                )?
                .execute([tenant])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn select<T>(
        &self,
        sql: &str,
        tenant: &str,
        decode: fn(&rusqlite::Row<'_>) -> Result<T, Fail>,
    ) -> Result<Vec<T>, Fail> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let mut rows = stmt.query([tenant])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(decode(row)?);
        }
        Ok(out)
    }
}

impl LedgerStore for SqliteStore {
    fn current_invoices(
        &self,
        tenant: &str,
        visit: &mut dyn FnMut(Invoice),
    ) -> Result<(), StoreError> {
        let sql = format!(
            "SELECT {} FROM invoices WHERE tenant = ?1 ORDER BY invoice_id",
            codec::INVOICE_COLUMNS
        );
        self.scan_invoices(&sql, &[&tenant], visit)
            .map_err(self.fail("reading invoices"))
    }

    fn customer_invoices(
        &self,
        tenant: &str,
        customer_id: &str,
        visit: &mut dyn FnMut(Invoice),
    ) -> Result<(), StoreError> {
        let sql = format!(
            // Named: on a store without statistics SQLite would rather walk
            // the whole tenant in primary-key order than sort a few rows.
            "SELECT {} FROM invoices INDEXED BY invoices_by_customer
             WHERE tenant = ?1 AND customer_id = ?2 ORDER BY invoice_id",
            codec::INVOICE_COLUMNS
        );
        self.scan_invoices(&sql, &[&tenant, &customer_id], visit)
            .map_err(self.fail("reading a customer's invoices"))
    }

    fn ledger_version(&self, tenant: &str) -> Result<Option<u64>, StoreError> {
        self.conn
            .prepare_cached("SELECT version FROM ledger_versions WHERE tenant = ?1")
            .and_then(|mut s| s.query_row([tenant], |r| r.get::<_, i64>(0)).optional())
            .map(|v| Some(v.unwrap_or(0) as u64))
            .map_err(|e| Fail::Db(e).into_store(&self.name, "reading the ledger version"))
    }

    fn invoices_as_of(
        &self,
        tenant: &str,
        as_of: NaiveDate,
        visit: &mut dyn FnMut(Invoice),
    ) -> Result<(), StoreError> {
        let sql = format!(
            "SELECT {} FROM invoice_history
             WHERE tenant = ?1 AND (effective_date IS NULL OR effective_date <= ?2)
             ORDER BY invoice_id, seq DESC",
            codec::INVOICE_COLUMNS
        );
        self.scan_invoices(&sql, &[&tenant, &iso(as_of)], visit)
            .map_err(self.fail(&format!("reading invoices as of {as_of}")))
    }

    fn apply_changes(
        &mut self,
        tenant: &str,
        changes: &[InvoiceChange],
        customers: &[Customer],
    ) -> Result<(), StoreError> {
        let name = self.name.clone();
        self.apply(tenant, changes, customers)
            .map_err(|f| f.into_store(&name, "recording ledger changes"))
    }

    fn begin_ingest(&mut self) -> Result<(), StoreError> {
        // IMMEDIATE: the write lock now, so a second ingest waits (busy
        // timeout) rather than failing at its first write.
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| Fail::Db(e).into_store(&self.name, "starting an ingest"))
    }

    fn finish_ingest(&mut self, commit: bool) -> Result<(), StoreError> {
        if self.conn.is_autocommit() {
            return Ok(());
        }
        let (sql, what) = if commit {
            ("COMMIT", "committing an ingest")
        } else {
            ("ROLLBACK", "rolling back an ingest")
        };
        self.conn
            .execute_batch(sql)
            .map_err(|e| Fail::Db(e).into_store(&self.name, what))
    }

    fn customers(&self, tenant: &str) -> Result<Vec<Customer>, StoreError> {
        let sql = format!(
            "SELECT {} FROM customers WHERE tenant = ?1 ORDER BY customer_id",
            codec::CUSTOMER_COLUMNS
        );
        self.select(&sql, tenant, codec::customer)
            .map_err(self.fail("reading customers"))
    }

    fn sent_log(&self, tenant: &str) -> Result<Vec<SentRecord>, StoreError> {
        let sql = format!(
            "SELECT {} FROM sent_log WHERE tenant = ?1 ORDER BY sent_on, action_id",
            codec::SENT_COLUMNS
        );
        self.select(&sql, tenant, codec::sent)
            .map_err(self.fail("reading the sent log"))
    }

    fn record_sent(&mut self, tenant: &str, records: &[SentRecord]) -> Result<usize, StoreError> {
        let run = |conn: &mut Connection| -> Result<usize, Fail> {
            let tx = conn.transaction()?;
            let inserted = write_sent(&tx, tenant, records)?;
            tx.commit()?;
            Ok(inserted)
        };
        let name = self.name.clone();
        run(&mut self.conn).map_err(|f| f.into_store(&name, "recording sends"))
    }

    fn insert_tasks(&mut self, tenant: &str, tasks: &[Task]) -> Result<usize, StoreError> {
        let run = |conn: &mut Connection| -> Result<usize, Fail> {
            let tx = conn.transaction()?;
            let inserted = write_tasks(&tx, tenant, tasks)?;
            tx.commit()?;
            Ok(inserted)
        };
        let name = self.name.clone();
        run(&mut self.conn).map_err(|f| f.into_store(&name, "adding tasks"))
    }

    fn tasks(&self, tenant: &str) -> Result<Vec<Task>, StoreError> {
        let sql = format!(
            "SELECT {} FROM tasks WHERE tenant = ?1 ORDER BY due_on, task_id",
            codec::TASK_COLUMNS
        );
        self.select(&sql, tenant, codec::task)
            .map_err(self.fail("reading tasks"))
    }

    fn complete_task(&mut self, tenant: &str, id: &str, outcome: &str) -> Result<bool, StoreError> {
        self.conn
            .prepare_cached(
                "UPDATE tasks SET status = 'done', outcome = ?3 WHERE tenant = ?1 AND task_id = ?2",
            )
            .and_then(|mut s| s.execute(params![tenant, id, outcome]))
            .map(|n| n > 0)
            .map_err(|e| Fail::Db(e).into_store(&self.name, "completing a task"))
    }

    fn is_ingested(
        &self,
        tenant: &str,
        object_key: &str,
        digest: &str,
    ) -> Result<bool, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM ingested_objects
                 WHERE tenant = ?1 AND object_key = ?2 AND digest = ?3)",
            )
            .and_then(|mut s| s.query_row(params![tenant, object_key, digest], |r| r.get(0)))
            .map_err(|e| Fail::Db(e).into_store(&self.name, "looking up ingested objects"))
    }

    fn mark_ingested(
        &mut self,
        tenant: &str,
        object_key: &str,
        digest: &str,
    ) -> Result<bool, StoreError> {
        self.conn
            .prepare_cached(
                "INSERT OR IGNORE INTO ingested_objects (tenant, object_key, digest) VALUES (?1, ?2, ?3)",
            )
            .and_then(|mut s| s.execute(params![tenant, object_key, digest]))
            .map(|n| n == 1)
            .map_err(|e| Fail::Db(e).into_store(&self.name, "recording an ingested object"))
    }
}

/// Inserts sent records (an id already recorded is left as it was); how
/// many were new. Part of the caller's transaction.
pub(crate) fn write_sent(
    conn: &Connection,
    tenant: &str,
    records: &[SentRecord],
) -> Result<usize, Fail> {
    let mut stmt = conn.prepare_cached(&format!(
        "INSERT OR IGNORE INTO sent_log (tenant, {}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        codec::SENT_COLUMNS
    ))?;
    let mut inserted = 0;
    for r in records {
        inserted += stmt.execute(params![
            tenant,
            r.action_id,
            r.customer_id,
            json_list(&r.invoice_ids),
            r.rule,
            r.kind.as_str(),
            r.channel.map(Channel::as_str),
            iso(r.sent_on),
            json_list(&r.stages),
        ])?;
    }
    Ok(inserted)
}

/// Inserts tasks (an id already stored is left as it was); how many were
/// new. Part of the caller's transaction.
pub(crate) fn write_tasks(conn: &Connection, tenant: &str, tasks: &[Task]) -> Result<usize, Fail> {
    let mut stmt = conn.prepare_cached(&format!(
        "INSERT OR IGNORE INTO tasks (tenant, {})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        codec::TASK_COLUMNS
    ))?;
    let mut inserted = 0;
    for t in tasks {
        inserted += stmt.execute(params![
            tenant,
            t.id,
            t.customer_id,
            json_list(&t.invoice_ids),
            t.kind.as_str(),
            t.assignee,
            t.title,
            t.body,
            iso(t.due_on),
            t.status.as_str(),
            t.outcome,
        ])?;
    }
    Ok(inserted)
}

#[cfg(test)]
mod tests;
