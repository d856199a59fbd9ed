//! Rows to domain values and back: how invoices, customers, sends and tasks
//! sit in SQLite columns.

use arflow_app::store::{StoreError, Task, TaskStatus};
use arflow_domain::date::parse_date;
use arflow_domain::ledger::{Channel, Customer, CustomerType, Invoice, InvoiceStatus};
use arflow_domain::money::Currency;
use arflow_domain::sent::SentRecord;
use arflow_domain::strategy::action::ActionKind;
use chrono::NaiveDate;
use rusqlite::Row;
use rusqlite::types::ValueRef;

/// A failure inside the adapter: the database's, or a stored value's.
pub enum Fail {
    Db(rusqlite::Error),
    Store(StoreError),
}

impl From<rusqlite::Error> for Fail {
    fn from(e: rusqlite::Error) -> Self {
        Fail::Db(e)
    }
}

impl From<StoreError> for Fail {
    fn from(e: StoreError) -> Self {
        Fail::Store(e)
    }
}

impl Fail {
    /// The port's error, naming the store and what it was doing.
    pub fn into_store(self, store: &str, operation: &str) -> StoreError {
        match self {
            Fail::Db(e) => StoreError::Backend {
                operation: format!("{store}: {operation}"),
                detail: match e.sqlite_error_code() {
                    // A full disk (or a file size limit): say so, and that
                    // the store kept its last complete state.
                    Some(rusqlite::ErrorCode::DiskFull | rusqlite::ErrorCode::SystemIoFailure) => {
                        format!(
                            "{e} (is the disk full, or a file size limit reached? nothing of this write was kept; free space and run the command again)"
                        )
                    }
                    _ => e.to_string(),
                },
            },
            Fail::Store(e) => e,
        }
    }
}

fn corrupt(what: &str, id: &str, detail: impl Into<String>) -> Fail {
    Fail::Store(StoreError::Corrupt {
        what: format!("{what} '{id}'"),
        detail: detail.into(),
    })
}

/// The invoice columns, in the order `invoice` reads them.
pub const INVOICE_COLUMNS: &str = "invoice_id, customer_id, invoice_date, due_date, amount, \
     currency, paid_amount, paid_date, disputed, status";

pub fn iso(d: NaiveDate) -> String {
    d.to_string()
}

fn text<'r>(row: &'r Row<'_>, i: usize) -> Result<&'r str, Fail> {
    Ok(row.get_ref(i)?.as_str().map_err(rusqlite::Error::from)?)
}

fn date(row: &Row<'_>, i: usize, what: &str, id: &str) -> Result<NaiveDate, Fail> {
    parse_date(text(row, i)?, None).map_err(|e| corrupt(what, id, e.to_string()))
}

fn opt_date(row: &Row<'_>, i: usize, what: &str, id: &str) -> Result<Option<NaiveDate>, Fail> {
    match row.get_ref(i)? {
        ValueRef::Null => Ok(None),
        _ => date(row, i, what, id).map(Some),
    }
}

fn currency(row: &Row<'_>, i: usize, what: &str, id: &str) -> Result<Currency, Fail> {
    Currency::parse(text(row, i)?).map_err(|e| corrupt(what, id, e.to_string()))
}

fn list<T: serde::de::DeserializeOwned>(
    row: &Row<'_>,
    i: usize,
    what: &str,
    id: &str,
) -> Result<Vec<T>, Fail> {
    serde_json::from_str(text(row, i)?).map_err(|e| corrupt(what, id, e.to_string()))
}

pub fn json_list<T: serde::Serialize>(items: &[T]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

/// Reads an invoice from `INVOICE_COLUMNS` starting at column `at`.
pub fn invoice(row: &Row<'_>, at: usize) -> Result<Invoice, Fail> {
    let invoice_id: String = row.get(at)?;
    let id = invoice_id.as_str();
    let status = text(row, at + 9)?;
    Ok(Invoice {
        customer_id: row.get(at + 1)?,
        invoice_date: date(row, at + 2, "invoice", id)?,
        due_date: date(row, at + 3, "invoice", id)?,
        amount: row.get(at + 4)?,
        currency: currency(row, at + 5, "invoice", id)?,
        paid_amount: row.get(at + 6)?,
        paid_date: opt_date(row, at + 7, "invoice", id)?,
        disputed: row.get(at + 8)?,
        status: InvoiceStatus::parse(status)
            .ok_or_else(|| corrupt("invoice", id, format!("status '{status}'")))?,
        invoice_id,
    })
}

/// The customer columns, in the order `customer` reads them.
pub const CUSTOMER_COLUMNS: &str = "customer_id, name, emails, phone, kind, credit_limit, \
     credit_currency, timezone, language, white_glove, opted_out, account_manager, \
     sales_manager, tags, country";

pub fn customer(row: &Row<'_>) -> Result<Customer, Fail> {
    let customer_id: String = row.get(0)?;
    let id = customer_id.as_str();
    let kind = text(row, 4)?;
    let credit_currency = match row.get_ref(6)? {
        ValueRef::Null => None,
        _ => Some(currency(row, 6, "customer", id)?),
    };
    let opted_out: Vec<Channel> = list(row, 10, "customer", id)?;
    Ok(Customer {
        name: row.get(1)?,
        emails: list(row, 2, "customer", id)?,
        phone: row.get(3)?,
        kind: CustomerType::parse(kind)
            .ok_or_else(|| corrupt("customer", id, format!("type '{kind}'")))?,
        credit_limit: row.get(5)?,
        credit_currency,
        timezone: row.get(7)?,
        language: row.get(8)?,
        white_glove: row.get(9)?,
        opted_out,
        account_manager: row.get(11)?,
        sales_manager: row.get(12)?,
        tags: list(row, 13, "customer", id)?,
        country: row.get(14)?,
        customer_id,
    })
}

/// The action kind stored in column `i` ("call_task", …).
fn action_kind(row: &Row<'_>, i: usize, what: &str, id: &str) -> Result<ActionKind, Fail> {
    let kind = text(row, i)?;
    ActionKind::parse(kind).ok_or_else(|| corrupt(what, id, format!("kind '{kind}'")))
}

/// The channel stored in column `i` ("email", "sms", "whatsapp"), if any.
fn opt_channel(row: &Row<'_>, i: usize, what: &str, id: &str) -> Result<Option<Channel>, Fail> {
    if let ValueRef::Null = row.get_ref(i)? {
        return Ok(None);
    }
    let channel = text(row, i)?;
    Channel::from_stored(channel)
        .map(Some)
        .ok_or_else(|| corrupt(what, id, format!("channel '{channel}'")))
}

/// The sent-log columns, in the order `sent` reads them.
pub const SENT_COLUMNS: &str =
    "action_id, customer_id, invoice_ids, rule, kind, channel, sent_on, stages";

pub fn sent(row: &Row<'_>) -> Result<SentRecord, Fail> {
    let action_id: String = row.get(0)?;
    let id = action_id.as_str();
    Ok(SentRecord {
        customer_id: row.get(1)?,
        invoice_ids: list(row, 2, "sent record", id)?,
        rule: row.get(3)?,
        kind: action_kind(row, 4, "sent record", id)?,
        channel: opt_channel(row, 5, "sent record", id)?,
        sent_on: date(row, 6, "sent record", id)?,
        stages: list(row, 7, "sent record", id)?,
        action_id,
    })
}

/// The task columns, in the order `task` reads them.
pub const TASK_COLUMNS: &str =
    "task_id, customer_id, invoice_ids, kind, assignee, title, body, due_on, status, outcome";

pub fn task(row: &Row<'_>) -> Result<Task, Fail> {
    let task_id: String = row.get(0)?;
    let id = task_id.as_str();
    let status = text(row, 8)?;
    Ok(Task {
        customer_id: row.get(1)?,
        invoice_ids: list(row, 2, "task", id)?,
        kind: action_kind(row, 3, "task", id)?,
        assignee: row.get(4)?,
        title: row.get(5)?,
        body: row.get(6)?,
        due_on: date(row, 7, "task", id)?,
        status: TaskStatus::parse(status)
            .ok_or_else(|| corrupt("task", id, format!("status '{status}'")))?,
        outcome: row.get(9)?,
        id: task_id,
    })
}
