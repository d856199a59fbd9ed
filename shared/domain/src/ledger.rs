//! Ledger rows: invoices and credit notes as arflow sees them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::money::{Currency, Money};

/// Where an invoice stands in the ERP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    #[default]
    Open,
    Paid,
    Void,
    WrittenOff,
}

impl InvoiceStatus {
    /// Parses a status in any case; "written-off", "writtenoff" and
    /// "written off" all mean `WrittenOff`, "closed"/"settled" mean `Paid`,
    /// "cancelled" means `Void`.
    pub fn parse(s: &str) -> Option<InvoiceStatus> {
        let norm: String = s
            .trim()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        Some(match norm.as_str() {
            "" | "open" | "unpaid" | "outstanding" | "partial" | "partiallypaid" => Self::Open,
            "paid" | "closed" | "settled" => Self::Paid,
            "void" | "voided" | "cancelled" | "canceled" => Self::Void,
            "writtenoff" | "writeoff" | "baddebt" => Self::WrittenOff,
            _ => return None,
        })
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Paid => "paid",
            Self::Void => "void",
            Self::WrittenOff => "written_off",
        }
    }
}

/// One ledger item. A negative `amount` is a credit note.
///
/// `paid_date` is the day the item was settled in full; `paid_amount` is what
/// has been paid so far (equal to `amount` once settled).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    pub invoice_id: String,
    pub customer_id: String,
    pub invoice_date: NaiveDate,
    pub due_date: NaiveDate,
    /// Invoice total in minor units of `currency`.
    pub amount: i64,
    pub currency: Currency,
    /// Paid so far, in minor units.
    pub paid_amount: i64,
    pub paid_date: Option<NaiveDate>,
    pub disputed: bool,
    pub status: InvoiceStatus,
}

impl Invoice {
    pub fn amount_money(&self) -> Money {
        Money::new(self.amount, self.currency)
    }

    pub fn is_credit_note(&self) -> bool {
        self.amount < 0
    }

    /// The day this item stopped being receivable, if the ledger says so:
    /// its `paid_date` (settled or written off on that day).
    pub fn closed_on(&self) -> Option<NaiveDate> {
        self.paid_date
    }

    /// Whether the item is part of receivables on `as_of`: issued by then and
    /// not settled on or before it. Void items never are; paid or written-off
    /// items without a date, or paid in full without a date, are treated as
    /// closed since an unknown day (so never open).
    pub fn is_open_on(&self, as_of: NaiveDate) -> bool {
        if self.invoice_date > as_of || self.status == InvoiceStatus::Void {
            return false;
        }
        match self.paid_date {
            Some(paid) => paid > as_of,
            None => {
                self.status == InvoiceStatus::Open
                    && (self.amount == 0 || self.paid_amount.abs() < self.amount.abs())
            }
        }
    }

    /// Outstanding on `as_of` in minor units (0 when not open).
    ///
    /// A row that carries a `paid_date` says when it was settled but not when
    /// any earlier part payment came in, so before that date the whole amount
    /// is outstanding. Without a `paid_date`, `paid_amount` is taken as paid.
    pub fn outstanding_on(&self, as_of: NaiveDate) -> i64 {
        if !self.is_open_on(as_of) {
            return 0;
        }
        if self.paid_date.is_some() {
            self.amount
        } else {
            self.amount - self.paid_amount
        }
    }

    /// Days past due on `as_of` (negative before the due date).
    pub fn days_past_due(&self, as_of: NaiveDate) -> i64 {
        (as_of - self.due_date).num_days()
    }
}

/// Customer segment type, as the strategy file names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CustomerType {
    Strategic,
    #[default]
    Established,
    New,
}

impl CustomerType {
    pub fn parse(s: &str) -> Option<CustomerType> {
        match s.trim().to_ascii_lowercase().as_str() {
            "strategic" | "key" => Some(Self::Strategic),
            "" | "established" | "standard" | "regular" => Some(Self::Established),
            "new" => Some(Self::New),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Strategic => "strategic",
            Self::Established => "established",
            Self::New => "new",
        }
    }
}

/// A channel a message can go out on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Sms,
    Whatsapp,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Self::Email, Self::Sms, Self::Whatsapp];

    /// The lower-case name it is stored and serialized as ("email", "sms",
    /// "whatsapp").
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Sms => "sms",
            Self::Whatsapp => "whatsapp",
        }
    }

    /// The channel whose [`Channel::as_str`] is exactly `s`: how stores and
    /// wire formats spell it. Unlike [`Channel::parse`], no aliases, case or
    /// whitespace are accepted.
    pub fn from_stored(s: &str) -> Option<Channel> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// A channel as a person writes it: any case, surrounding spaces, and the
    /// aliases "mail" and "text".
    pub fn parse(s: &str) -> Option<Channel> {
        match s.trim().to_ascii_lowercase().as_str() {
            "email" | "mail" => Some(Self::Email),
            "sms" | "text" => Some(Self::Sms),
            "whatsapp" => Some(Self::Whatsapp),
            _ => None,
        }
    }
}

/// A customer (bill-to account).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Customer {
    pub customer_id: String,
    pub name: String,
    pub emails: Vec<String>,
    pub phone: Option<String>,
    pub kind: CustomerType,
    /// Credit limit in minor units of `credit_currency`.
    pub credit_limit: Option<i64>,
    pub credit_currency: Option<Currency>,
    /// IANA time zone ("Europe/Berlin"); the tenant's when absent.
    pub timezone: Option<String>,
    /// Language tag ("en", "de"); the tenant's when absent.
    pub language: Option<String>,
    pub white_glove: bool,
    /// Channels this customer opted out of (all automated messages when it
    /// holds every channel).
    pub opted_out: Vec<Channel>,
    pub account_manager: Option<String>,
    pub sales_manager: Option<String>,
    pub tags: Vec<String>,
    /// ISO 3166 country (or country-region, "GB-SCT") of the bill-to
    /// address; its holiday calendar, when arflow has one, holds messages
    /// to this customer on its public holidays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn inv(amount: i64, paid: i64, paid_date: Option<&str>) -> Invoice {
        Invoice {
            invoice_id: "I".into(),
            customer_id: "C".into(),
            invoice_date: d("2024-01-01"),
            due_date: d("2024-01-31"),
            amount,
            currency: Currency::USD,
            paid_amount: paid,
            paid_date: paid_date.map(d),
            disputed: false,
            status: InvoiceStatus::Open,
        }
    }

    #[test]
    fn settlement_on_the_as_of_day_counts_as_paid() {
        let i = inv(1000, 1000, Some("2024-02-10"));
        assert!(i.is_open_on(d("2024-02-09")));
        assert!(!i.is_open_on(d("2024-02-10")));
    }

    #[test]
    fn not_open_before_it_was_issued() {
        assert!(!inv(1000, 0, None).is_open_on(d("2023-12-31")));
        assert!(inv(1000, 0, None).is_open_on(d("2024-01-01")));
    }

    #[test]
    fn partial_payment_reduces_outstanding() {
        assert_eq!(inv(1000, 400, None).outstanding_on(d("2024-03-01")), 600);
        assert_eq!(inv(1000, 1000, None).outstanding_on(d("2024-03-01")), 0);
    }

    #[test]
    fn statuses_parse_in_any_spelling() {
        assert_eq!(
            InvoiceStatus::parse("Written-Off"),
            Some(InvoiceStatus::WrittenOff)
        );
        assert_eq!(InvoiceStatus::parse("PAID"), Some(InvoiceStatus::Paid));
        assert_eq!(InvoiceStatus::parse("bogus"), None);
    }

    #[test]
    fn channels_are_stored_as_their_serde_names_and_nothing_else() {
        for c in Channel::ALL {
            assert_eq!(
                serde_json::to_value(c).unwrap(),
                serde_json::Value::String(c.as_str().into())
            );
            assert_eq!(Channel::from_stored(c.as_str()), Some(c));
        }
        assert_eq!(Channel::from_stored("mail"), None);
        assert_eq!(Channel::from_stored("SMS"), None);
        assert_eq!(Channel::parse("SMS"), Some(Channel::Sms));
    }
}
