//! `/api/invoices`: the ledger as it stood on a day, optionally for one customer.

use arflow_app::dispatch::Sender;
use arflow_domain::ledger::Invoice;
use arflow_domain::money::Money;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Api, ApiResult, Q, reply};
use crate::WebStore;

#[derive(Deserialize)]
pub struct InvoiceQuery {
    as_of: Option<NaiveDate>,
    customer: Option<String>,
}

fn decimal(minor: i64, i: &Invoice) -> String {
    Money::new(minor, i.currency).to_decimal_string()
}

/// One invoice as the API shows it on `day`.
pub fn invoice_json(i: &Invoice, day: NaiveDate) -> Value {
    json!({
        "invoice_id": i.invoice_id, "customer_id": i.customer_id,
        "invoice_date": i.invoice_date, "due_date": i.due_date,
        "currency": i.currency.code(), "amount": decimal(i.amount, i),
        "outstanding": decimal(i.outstanding_on(day), i),
        "days_past_due": i.days_past_due(day), "open": i.is_open_on(day),
        "disputed": i.disputed, "status": i.status.as_str(),
    })
}

pub async fn list<S: WebStore, M: Sender + Send + 'static>(
    api: Api<S, M>,
    Q(q): Q<InvoiceQuery>,
) -> ApiResult {
    let day = api.day(q.as_of);
    let list: Vec<Value> = api
        .ledger(day)?
        .iter()
        .filter(|i| q.customer.as_deref().is_none_or(|c| c == i.customer_id))
        .map(|i| invoice_json(i, day))
        .collect();
    reply(list)
}
