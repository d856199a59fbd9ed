//! Invoices and customers as canonical text fields (`LEDGER_COLUMNS` /
//! `CUSTOMER_COLUMNS` order), the inverse of `row::parse_invoice` and
//! `row::parse_customer`.

use crate::columns::{CUSTOMER_COLUMNS, LEDGER_COLUMNS};
use crate::ledger::{Channel, Customer, Invoice};
use crate::money::format_minor;

/// An invoice's fields in `LEDGER_COLUMNS` order. Absent values are empty;
/// `paid_amount` is always written so a `paid_date` never implies a full
/// payment the row does not mean.
pub fn invoice_fields(i: &Invoice) -> [String; LEDGER_COLUMNS.len()] {
    let exp = i.currency.exponent();
    [
        i.invoice_id.clone(),
        i.customer_id.clone(),
        i.invoice_date.to_string(),
        i.due_date.to_string(),
        format_minor(i.amount, exp, false),
        i.currency.code().to_string(),
        format_minor(i.paid_amount, exp, false),
        i.paid_date.map(|d| d.to_string()).unwrap_or_default(),
        i.disputed.to_string(),
        i.status.as_str().to_string(),
    ]
}

fn channel_name(c: Channel) -> &'static str {
    match c {
        Channel::Email => "email",
        Channel::Sms => "sms",
        Channel::Whatsapp => "whatsapp",
    }
}

/// A customer's fields in `CUSTOMER_COLUMNS` order; lists are `;`-separated,
/// opting out of every channel is written `yes`.
pub fn customer_fields(c: &Customer) -> [String; CUSTOMER_COLUMNS.len()] {
    let all = [Channel::Email, Channel::Sms, Channel::Whatsapp];
    let opted_out = if c.opted_out.is_empty() {
        String::new()
    } else if all.iter().all(|ch| c.opted_out.contains(ch)) {
        "yes".to_string()
    } else {
        c.opted_out
            .iter()
            .map(|ch| channel_name(*ch))
            .collect::<Vec<_>>()
            .join(";")
    };
    let credit_limit = match (c.credit_limit, c.credit_currency) {
        (Some(l), Some(cur)) => format_minor(l, cur.exponent(), false),
        (Some(l), None) => format_minor(l, 2, false),
        _ => String::new(),
    };
    [
        c.customer_id.clone(),
        c.name.clone(),
        c.emails.join(";"),
        c.phone.clone().unwrap_or_default(),
        c.kind.as_str().to_string(),
        credit_limit,
        c.credit_currency
            .map(|cur| cur.code().to_string())
            .unwrap_or_default(),
        c.timezone.clone().unwrap_or_default(),
        c.language.clone().unwrap_or_default(),
        c.white_glove.to_string(),
        opted_out,
        c.account_manager.clone().unwrap_or_default(),
        c.sales_manager.clone().unwrap_or_default(),
        c.tags.join(";"),
        c.country.clone().unwrap_or_default(),
    ]
}
