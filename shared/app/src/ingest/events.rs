//! The events an ingest emits for the strategy (new invoice, paid, disputed,
//! new customer). Each id depends only on what happened, so a repeated
//! delivery of the same file yields the same ids and consumers can drop
//! repeats by id.

use arflow_domain::ledger::{Customer, Invoice};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// First sight of an invoice.
    InvoiceCreated,
    /// An invoice was settled (a paid date on or before the as-of date, or
    /// closed by a snapshot that no longer lists it).
    InvoicePaid,
    /// An invoice became disputed.
    InvoiceDisputed,
    /// First sight of a customer.
    CustomerCreated,
}

impl EventKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::InvoiceCreated => "invoice_created",
            Self::InvoicePaid => "invoice_paid",
            Self::InvoiceDisputed => "invoice_disputed",
            Self::CustomerCreated => "customer_created",
        }
    }
}

/// One event, as a line of the events file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestEvent {
    /// `{tenant}/{kind}/{subject id}` for creations (once per invoice or
    /// customer ever), `{tenant}/{kind}/{invoice id}/{day}` otherwise.
    pub id: String,
    pub kind: EventKind,
    pub tenant: String,
    pub customer_id: String,
    pub invoice_id: Option<String>,
    /// The day it took effect: the paid date of a payment, else the as-of
    /// date of the file.
    pub on: NaiveDate,
    /// The invoice amount in minor units, and its currency.
    pub amount: Option<i64>,
    pub currency: Option<String>,
}

impl IngestEvent {
    /// An event about `invoice` found in a file describing `as_of`.
    pub fn invoice(kind: EventKind, tenant: &str, invoice: &Invoice, as_of: NaiveDate) -> Self {
        let on = match kind {
            EventKind::InvoicePaid => invoice.paid_date.filter(|d| *d <= as_of).unwrap_or(as_of),
            _ => as_of,
        };
        let id = match kind {
            EventKind::InvoiceCreated | EventKind::CustomerCreated => {
                format!("{tenant}/{}/{}", kind.as_str(), invoice.invoice_id)
            }
            _ => format!("{tenant}/{}/{}/{on}", kind.as_str(), invoice.invoice_id),
        };
        IngestEvent {
            id,
            kind,
            tenant: tenant.to_string(),
            customer_id: invoice.customer_id.clone(),
            invoice_id: Some(invoice.invoice_id.clone()),
            on,
            amount: Some(invoice.amount),
            currency: Some(invoice.currency.code().to_string()),
        }
    }

    /// A new customer found in a file describing `as_of`.
    pub fn customer(tenant: &str, customer: &Customer, as_of: NaiveDate) -> Self {
        let kind = EventKind::CustomerCreated;
        IngestEvent {
            id: format!("{tenant}/{}/{}", kind.as_str(), customer.customer_id),
            kind,
            tenant: tenant.to_string(),
            customer_id: customer.customer_id.clone(),
            invoice_id: None,
            on: as_of,
            amount: None,
            currency: None,
        }
    }
}

/// How many events of each kind an ingest emitted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct EventCounts {
    pub invoice_created: u64,
    pub invoice_paid: u64,
    pub invoice_disputed: u64,
    pub customer_created: u64,
}

impl EventCounts {
    pub fn count(&mut self, kind: EventKind) {
        match kind {
            EventKind::InvoiceCreated => self.invoice_created += 1,
            EventKind::InvoicePaid => self.invoice_paid += 1,
            EventKind::InvoiceDisputed => self.invoice_disputed += 1,
            EventKind::CustomerCreated => self.customer_created += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use arflow_domain::ledger::InvoiceStatus;
    use arflow_domain::money::Currency;

    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn inv() -> Invoice {
        Invoice {
            invoice_id: "INV-1".into(),
            customer_id: "C1".into(),
            invoice_date: d("2024-01-01"),
            due_date: d("2024-01-31"),
            amount: 12_000,
            currency: Currency::EUR,
            paid_amount: 12_000,
            paid_date: Some(d("2024-01-20")),
            disputed: false,
            status: InvoiceStatus::Paid,
        }
    }

    #[test]
    fn event_ids_depend_on_what_happened_not_on_the_file() {
        let paid = IngestEvent::invoice(EventKind::InvoicePaid, "acme", &inv(), d("2024-02-01"));
        assert_eq!(paid.id, "acme/invoice_paid/INV-1/2024-01-20");
        assert_eq!(
            paid.on,
            d("2024-01-20"),
            "a payment is dated by its paid date"
        );
        let later = IngestEvent::invoice(EventKind::InvoicePaid, "acme", &inv(), d("2024-02-05"));
        assert_eq!(later.id, paid.id, "the same payment seen in a later file");
        let created =
            IngestEvent::invoice(EventKind::InvoiceCreated, "acme", &inv(), d("2024-02-01"));
        assert_eq!(created.id, "acme/invoice_created/INV-1");
        assert_eq!(created.currency.as_deref(), Some("EUR"));
    }
}
