//! Items to and from domain types. An invoice is a compact JSON array in one
//! attribute (invoices are most of the table, so they stay small); the rest
//! is a JSON document in `doc` beside the attributes keys and updates need.

use std::collections::HashMap;

use arflow_app::store::StoreError;
use arflow_domain::ledger::{Invoice, InvoiceStatus};
use arflow_domain::money::Currency;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::NaiveDate;
use serde::Serialize;
use serde::de::DeserializeOwned;

pub type Item = HashMap<String, AttributeValue>;

/// Attribute names of an invoice item.
mod attr {
    /// The invoice as a compact JSON array (see `InvoiceRow`): one
    /// attribute instead of ten keeps items small in DynamoDB and cheap to
    /// read (moto's reads cost per attribute, too).
    pub const ROW: &str = "v";
    /// Recording order of this version (1 for the first).
    pub const VERSION: &str = "ver";
    /// The day from which this version holds; absent = since ever.
    pub const EFFECTIVE: &str = "eff";
}

/// id, customer, invoice date, due date, amount, currency, paid amount,
/// paid date, disputed, status.
type InvoiceRow = (
    String,
    String,
    NaiveDate,
    NaiveDate,
    i64,
    String,
    i64,
    Option<NaiveDate>,
    bool,
    String,
);

pub fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// An invoice version as attributes (keys not included).
pub fn invoice_attrs(inv: &Invoice, version: u64, effective: Option<NaiveDate>) -> Item {
    let row: InvoiceRow = (
        inv.invoice_id.clone(),
        inv.customer_id.clone(),
        inv.invoice_date,
        inv.due_date,
        inv.amount,
        inv.currency.code().to_string(),
        inv.paid_amount,
        inv.paid_date,
        inv.disputed,
        inv.status.as_str().to_string(),
    );
    let mut item = Item::with_capacity(8);
    item.insert(attr::ROW.into(), doc(&row));
    item.insert(attr::VERSION.into(), n(version));
    if let Some(d) = effective {
        item.insert(attr::EFFECTIVE.into(), s(d.to_string()));
    }
    item
}

/// One stored invoice version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredInvoice {
    pub invoice: Invoice,
    pub version: u64,
    pub effective: Option<NaiveDate>,
}

pub fn invoice_from(item: &Item) -> Result<StoredInvoice, StoreError> {
    let text = get_s(item, attr::ROW)?;
    let (
        invoice_id,
        customer_id,
        invoice_date,
        due_date,
        amount,
        currency,
        paid_amount,
        paid_date,
        disputed,
        status,
    ): InvoiceRow =
        serde_json::from_str(text).map_err(|e| corrupt("invoice", format!("{e} in {text}")))?;
    let invoice = Invoice {
        currency: Currency::parse(&currency).map_err(|e| {
            corrupt(
                "invoice",
                format!("{invoice_id}: currency '{currency}': {e}"),
            )
        })?,
        status: InvoiceStatus::parse(&status)
            .ok_or_else(|| corrupt("invoice", format!("{invoice_id}: status '{status}'")))?,
        invoice_id,
        customer_id,
        invoice_date,
        due_date,
        amount,
        paid_amount,
        paid_date,
        disputed,
    };
    Ok(StoredInvoice {
        invoice,
        version: get_n::<u64>(item, attr::VERSION)?,
        effective: opt_date(item, attr::EFFECTIVE)?,
    })
}

/// A JSON document attribute.
pub fn doc<T: Serialize>(value: &T) -> AttributeValue {
    // Domain types serialize to JSON without fail (no maps with non-string keys).
    s(serde_json::to_string(value).unwrap_or_default())
}

pub fn from_doc<T: DeserializeOwned>(item: &Item, what: &str) -> Result<T, StoreError> {
    let text = get_s(item, "doc")?;
    serde_json::from_str(text).map_err(|e| corrupt(what, e.to_string()))
}

pub fn get_s<'a>(item: &'a Item, name: &str) -> Result<&'a str, StoreError> {
    match item.get(name) {
        Some(AttributeValue::S(v)) => Ok(v),
        _ => Err(corrupt(
            "item",
            format!("attribute '{name}' is missing or not a string"),
        )),
    }
}

pub fn opt_s<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    match item.get(name) {
        Some(AttributeValue::S(v)) => Some(v),
        _ => None,
    }
}

pub fn get_n<T: std::str::FromStr>(item: &Item, name: &str) -> Result<T, StoreError> {
    match item.get(name) {
        Some(AttributeValue::N(v)) => v
            .parse()
            .map_err(|_| corrupt("item", format!("attribute '{name}' = {v} is out of range"))),
        _ => Err(corrupt(
            "item",
            format!("attribute '{name}' is missing or not a number"),
        )),
    }
}

fn get_date(item: &Item, name: &str) -> Result<NaiveDate, StoreError> {
    let v = get_s(item, name)?;
    v.parse()
        .map_err(|_| corrupt("item", format!("attribute '{name}' = '{v}' is not a date")))
}

fn opt_date(item: &Item, name: &str) -> Result<Option<NaiveDate>, StoreError> {
    match item.get(name) {
        None | Some(AttributeValue::Null(_)) => Ok(None),
        Some(_) => get_date(item, name).map(Some),
    }
}

pub fn corrupt(what: &str, detail: impl Into<String>) -> StoreError {
    StoreError::Corrupt {
        what: what.to_string(),
        detail: detail.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invoice_round_trips_through_attributes() {
        let inv = Invoice {
            invoice_id: "INV-1".into(),
            customer_id: "C1".into(),
            invoice_date: "2024-01-01".parse().unwrap(),
            due_date: "2024-01-31".parse().unwrap(),
            amount: i64::MIN,
            currency: Currency::parse("JPY").unwrap(),
            paid_amount: i64::MAX,
            paid_date: Some("2024-02-29".parse().unwrap()),
            disputed: true,
            status: InvoiceStatus::WrittenOff,
        };
        let eff = Some("2024-03-01".parse().unwrap());
        let back = invoice_from(&invoice_attrs(&inv, 7, eff)).unwrap();
        assert_eq!(
            back,
            StoredInvoice {
                invoice: inv,
                version: 7,
                effective: eff
            }
        );
    }

    #[test]
    fn a_missing_attribute_is_reported_as_corrupt() {
        let err = invoice_from(&Item::new()).unwrap_err();
        assert!(err.to_string().contains("'v'"), "{err}");
    }
}
