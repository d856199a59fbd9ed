//! The SQLite schema and its migrations, in one place.
//!
//! `PRAGMA user_version` holds how many migrations have run. Money is
//! INTEGER minor units beside a currency TEXT; dates are ISO `YYYY-MM-DD`
//! TEXT (so text order is date order); lists are JSON arrays.

use rusqlite::Connection;

/// The migrations, oldest first. Never edit one that has shipped: add one.
const MIGRATIONS: &[&str] = &[
    // 1: ledger (current state and history), customers, sent log, tasks,
    // ingested objects.
    "
    CREATE TABLE invoices (
        tenant       TEXT    NOT NULL,
        invoice_id   TEXT    NOT NULL,
        customer_id  TEXT    NOT NULL,
        invoice_date TEXT    NOT NULL,
        due_date     TEXT    NOT NULL,
        amount       INTEGER NOT NULL,
        currency     TEXT    NOT NULL,
        paid_amount  INTEGER NOT NULL,
        paid_date    TEXT,
        disputed     INTEGER NOT NULL,
        status       TEXT    NOT NULL,
        version      INTEGER NOT NULL,
        PRIMARY KEY (tenant, invoice_id)
    ) WITHOUT ROWID, STRICT;

    -- One row per version; effective_date NULL = since ever.
    CREATE TABLE invoice_history (
        tenant         TEXT    NOT NULL,
        invoice_id     TEXT    NOT NULL,
        seq            INTEGER NOT NULL,
        effective_date TEXT,
        change_kind    TEXT    NOT NULL,
        customer_id    TEXT    NOT NULL,
        invoice_date   TEXT    NOT NULL,
        due_date       TEXT    NOT NULL,
        amount         INTEGER NOT NULL,
        currency       TEXT    NOT NULL,
        paid_amount    INTEGER NOT NULL,
        paid_date      TEXT,
        disputed       INTEGER NOT NULL,
        status         TEXT    NOT NULL,
        PRIMARY KEY (tenant, invoice_id, seq DESC)
    ) WITHOUT ROWID, STRICT;

    CREATE TABLE customers (
        tenant          TEXT    NOT NULL,
        customer_id     TEXT    NOT NULL,
        name            TEXT    NOT NULL,
        emails          TEXT    NOT NULL,
        phone           TEXT,
        kind            TEXT    NOT NULL,
        credit_limit    INTEGER,
        credit_currency TEXT,
        timezone        TEXT,
        language        TEXT,
        white_glove     INTEGER NOT NULL,
        opted_out       TEXT    NOT NULL,
        account_manager TEXT,
        sales_manager   TEXT,
        tags            TEXT    NOT NULL,
        PRIMARY KEY (tenant, customer_id)
    ) WITHOUT ROWID, STRICT;

    CREATE TABLE sent_log (
        tenant      TEXT NOT NULL,
        action_id   TEXT NOT NULL,
        customer_id TEXT NOT NULL,
        invoice_ids TEXT NOT NULL,
        rule        TEXT NOT NULL,
        kind        TEXT NOT NULL,
        channel     TEXT,
        sent_on     TEXT NOT NULL,
        PRIMARY KEY (tenant, action_id)
    ) STRICT;
    CREATE INDEX sent_log_by_day ON sent_log (tenant, sent_on, action_id);

    CREATE TABLE tasks (
        tenant      TEXT NOT NULL,
        task_id     TEXT NOT NULL,
        customer_id TEXT NOT NULL,
        invoice_ids TEXT NOT NULL,
        kind        TEXT NOT NULL,
        assignee    TEXT NOT NULL,
        title       TEXT NOT NULL,
        body        TEXT NOT NULL,
        due_on      TEXT NOT NULL,
        status      TEXT NOT NULL,
        outcome     TEXT,
        PRIMARY KEY (tenant, task_id)
    ) STRICT;
    CREATE INDEX tasks_by_due ON tasks (tenant, due_on, task_id);

    CREATE TABLE ingested_objects (
        tenant     TEXT NOT NULL,
        object_key TEXT NOT NULL,
        digest     TEXT NOT NULL,
        PRIMARY KEY (tenant, object_key, digest)
    ) WITHOUT ROWID, STRICT;
    ",
    // 2: the customer portal and AR team API (shared/app portal): disputes
    // and promises (JSON bodies beside their keys), used magic links,
    // sessions and API keys (hashes only), contact preferences, audit log.
    "
    CREATE TABLE disputes (
        tenant     TEXT    NOT NULL,
        dispute_id TEXT    NOT NULL,
        state      TEXT    NOT NULL,
        opened_at  INTEGER NOT NULL,
        body       TEXT    NOT NULL,
        PRIMARY KEY (tenant, dispute_id)
    ) STRICT;

    CREATE TABLE promises (
        tenant     TEXT    NOT NULL,
        promise_id TEXT    NOT NULL,
        created_at INTEGER NOT NULL,
        body       TEXT    NOT NULL,
        PRIMARY KEY (tenant, promise_id)
    ) STRICT;

    CREATE TABLE used_tokens (
        tenant  TEXT    NOT NULL,
        nonce   TEXT    NOT NULL,
        used_at INTEGER NOT NULL,
        PRIMARY KEY (tenant, nonce)
    ) WITHOUT ROWID, STRICT;

    CREATE TABLE sessions (
        id_hash     TEXT    NOT NULL PRIMARY KEY,
        tenant      TEXT    NOT NULL,
        customer_id TEXT    NOT NULL,
        csrf        TEXT    NOT NULL,
        expires_at  INTEGER NOT NULL
    ) WITHOUT ROWID, STRICT;

    CREATE TABLE api_keys (
        key_hash   TEXT    NOT NULL PRIMARY KEY,
        tenant     TEXT    NOT NULL,
        name       TEXT    NOT NULL,
        scopes     TEXT    NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (tenant, name)
    ) WITHOUT ROWID, STRICT;

    CREATE TABLE contact_prefs (
        tenant      TEXT NOT NULL,
        customer_id TEXT NOT NULL,
        body        TEXT NOT NULL,
        PRIMARY KEY (tenant, customer_id)
    ) WITHOUT ROWID, STRICT;

    CREATE TABLE audit_log (
        tenant TEXT    NOT NULL,
        seq    INTEGER PRIMARY KEY AUTOINCREMENT,
        at     INTEGER NOT NULL,
        actor  TEXT    NOT NULL,
        action TEXT    NOT NULL,
        target TEXT    NOT NULL,
        detail TEXT    NOT NULL
    ) STRICT;
    CREATE INDEX audit_log_by_tenant ON audit_log (tenant, seq);
    ",
    // 3: the portal reads one customer's invoices per request, and caches
    // reports by a per-tenant ledger version bumped with every ledger write.
    "
    CREATE INDEX invoices_by_customer ON invoices (tenant, customer_id, invoice_id);

    CREATE TABLE ledger_versions (
        tenant  TEXT    NOT NULL PRIMARY KEY,
        version INTEGER NOT NULL
    ) WITHOUT ROWID, STRICT;
    ",
    // 4: collection strategies (TOML), one row per version; the latest wins.
    "
    CREATE TABLE strategies (
        tenant  TEXT    NOT NULL,
        version INTEGER NOT NULL,
        source  TEXT    NOT NULL,
        PRIMARY KEY (tenant, version)
    ) WITHOUT ROWID, STRICT;
    ",
    // 5: customer self-service (shared/app portal::SelfServiceStore):
    // payment plans (JSON bodies beside their keys) and one attachment per
    // dispute (the file as a blob).
    "
    CREATE TABLE payment_plans (
        tenant       TEXT    NOT NULL,
        plan_id      TEXT    NOT NULL,
        state        TEXT    NOT NULL,
        requested_at INTEGER NOT NULL,
        body         TEXT    NOT NULL,
        PRIMARY KEY (tenant, plan_id)
    ) STRICT;

    CREATE TABLE dispute_attachments (
        tenant       TEXT NOT NULL,
        dispute_id   TEXT NOT NULL,
        name         TEXT NOT NULL,
        content_type TEXT NOT NULL,
        bytes        BLOB NOT NULL,
        PRIMARY KEY (tenant, dispute_id)
    ) STRICT;
    ",
    // 6: delivery (shared/app delivery::DeliveryStore): a claim per action
    // id, the customer communication log, the suppression list.
    "
    CREATE TABLE claims (
        tenant      TEXT    NOT NULL,
        action_id   TEXT    NOT NULL,
        customer_id TEXT    NOT NULL,
        status      TEXT    NOT NULL,
        lease       INTEGER NOT NULL,
        detail      TEXT,
        PRIMARY KEY (tenant, action_id)
    ) WITHOUT ROWID, STRICT;

    CREATE TABLE communications (
        tenant      TEXT NOT NULL,
        customer_id TEXT NOT NULL,
        sent_on     TEXT NOT NULL,
        action_id   TEXT NOT NULL,
        body        TEXT NOT NULL,
        PRIMARY KEY (tenant, customer_id, sent_on, action_id)
    ) WITHOUT ROWID, STRICT;

    CREATE TABLE suppressions (
        tenant  TEXT NOT NULL,
        address TEXT NOT NULL,
        reason  TEXT NOT NULL,
        PRIMARY KEY (tenant, address)
    ) WITHOUT ROWID, STRICT;
    ",
    // 7: each invoice's own stage in a grouped reminder (a JSON list
    // parallel to invoice_ids; empty when every invoice is at the rule).
    "ALTER TABLE sent_log ADD COLUMN stages TEXT NOT NULL DEFAULT '[]';",
    // 8: the customer's country (holiday calendar for messages to it).
    "ALTER TABLE customers ADD COLUMN country TEXT;",
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Why the schema could not be brought up to date.
pub enum MigrateError {
    Db(rusqlite::Error),
    TooNew(i64),
}

impl From<rusqlite::Error> for MigrateError {
    fn from(e: rusqlite::Error) -> Self {
        MigrateError::Db(e)
    }
}

/// Runs the migrations the store has not seen yet, each in its own
/// transaction together with its version bump.
pub fn migrate(conn: &mut Connection) -> Result<(), MigrateError> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(MigrateError::TooNew(found));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
