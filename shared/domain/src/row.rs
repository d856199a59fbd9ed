//! Turning one record's text fields into a validated `Invoice` or `Customer`.

use chrono::NaiveDate;

use crate::columns::{HeaderIndex, parse_bool};
use crate::date::parse_date;
use crate::ledger::{Channel, Customer, CustomerType, Invoice, InvoiceStatus};
use crate::money::{Currency, parse_minor};

/// How to read values: the date format and the default currency.
#[derive(Clone, Debug)]
pub struct ValueFormat {
    /// strftime format tried before ISO, e.g. `%m/%d/%Y`.
    pub date_format: Option<String>,
    pub default_currency: Currency,
}

impl Default for ValueFormat {
    fn default() -> Self {
        ValueFormat {
            date_format: None,
            default_currency: Currency::USD,
        }
    }
}

/// Why a record was rejected, naming the column (canonical and as the file
/// calls it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub column: String,
    pub reason: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.column, self.reason)
    }
}

/// A record's fields in canonical order (None = column absent or empty).
pub type Fields<'a> = [Option<&'a str>];

/// Picks the canonical fields out of a record laid out as `index` says.
pub fn canonical_fields<'a>(index: &HeaderIndex, record: &[&'a str]) -> Vec<Option<&'a str>> {
    index
        .positions
        .iter()
        .map(|p| {
            p.and_then(|i| record.get(i).copied())
                .filter(|v| !v.trim().is_empty())
        })
        .collect()
}

fn err(index: &HeaderIndex, col: usize, reason: impl Into<String>) -> FieldError {
    FieldError {
        column: index.source_names[col].clone(),
        reason: reason.into(),
    }
}

fn required<'a>(f: &Fields<'a>, index: &HeaderIndex, col: usize) -> Result<&'a str, FieldError> {
    f[col]
        .map(str::trim)
        .ok_or_else(|| err(index, col, "required value is missing"))
}

fn date(
    f: &Fields<'_>,
    index: &HeaderIndex,
    col: usize,
    fmt: &ValueFormat,
) -> Result<Option<NaiveDate>, FieldError> {
    f[col]
        .map(|v| {
            parse_date(v, fmt.date_format.as_deref()).map_err(|e| err(index, col, e.to_string()))
        })
        .transpose()
}

/// A validated ledger record whose ids still borrow the record's text: what
/// [`parse_invoice`] checks, without allocating (the aging fast path).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvoiceRow<'a> {
    pub invoice_id: &'a str,
    pub customer_id: &'a str,
    pub invoice_date: NaiveDate,
    pub due_date: NaiveDate,
    pub amount: i64,
    pub currency: Currency,
    pub paid_amount: i64,
    pub paid_date: Option<NaiveDate>,
    pub disputed: bool,
    pub status: InvoiceStatus,
}

impl InvoiceRow<'_> {
    /// The owned invoice.
    pub fn to_invoice(&self) -> Invoice {
        self.with_ids(self.invoice_id.to_string(), self.customer_id.to_string())
    }

    /// The invoice with the given ids (e.g. empty ones, which allocate
    /// nothing, when only amounts and dates matter).
    pub fn with_ids(&self, invoice_id: String, customer_id: String) -> Invoice {
        Invoice {
            invoice_id,
            customer_id,
            invoice_date: self.invoice_date,
            due_date: self.due_date,
            amount: self.amount,
            currency: self.currency,
            paid_amount: self.paid_amount,
            paid_date: self.paid_date,
            disputed: self.disputed,
            status: self.status,
        }
    }
}

/// Parses a ledger record whose fields are in `LEDGER_COLUMNS` order.
pub fn parse_invoice(
    f: &Fields<'_>,
    index: &HeaderIndex,
    fmt: &ValueFormat,
) -> Result<Invoice, FieldError> {
    parse_invoice_row(f, index, fmt).map(|r| r.to_invoice())
}

/// [`parse_invoice`] with borrowed ids: the same checks in the same order,
/// so the same record gives the same invoice or the same error.
pub fn parse_invoice_row<'a>(
    f: &Fields<'a>,
    index: &HeaderIndex,
    fmt: &ValueFormat,
) -> Result<InvoiceRow<'a>, FieldError> {
    let invoice_id = required(f, index, 0)?;
    let customer_id = required(f, index, 1)?;
    required(f, index, 2)?;
    required(f, index, 3)?;
    let invoice_date = date(f, index, 2, fmt)?.unwrap_or_default();
    let due_date = date(f, index, 3, fmt)?.unwrap_or_default();
    let currency = match f[5] {
        Some(c) => Currency::parse(c).map_err(|e| err(index, 5, e.to_string()))?,
        None => fmt.default_currency,
    };
    let exp = currency.exponent();
    let amount =
        parse_minor(required(f, index, 4)?, exp).map_err(|e| err(index, 4, e.to_string()))?;
    let paid_date = date(f, index, 7, fmt)?;
    let status = match f[9] {
        Some(v) => status(v).ok_or_else(|| {
            err(
                index,
                9,
                format!("'{v}' is not a status (open, paid, void, written_off)"),
            )
        })?,
        None => InvoiceStatus::Open,
    };
    // A paid_date alone means paid in full on that day, except on a written-off
    // item, where it is the day of the write-off.
    let paid_amount = match f[6] {
        Some(v) => parse_minor(v, exp).map_err(|e| err(index, 6, e.to_string()))?,
        None if paid_date.is_some() && status != InvoiceStatus::WrittenOff => amount,
        None => 0,
    };
    let disputed = match f[8] {
        Some(v) => boolean(v).ok_or_else(|| {
            err(
                index,
                8,
                format!("'{v}' is not true/false, yes/no, y/n or 1/0"),
            )
        })?,
        None => false,
    };
    if due_date < invoice_date {
        return Err(err(
            index,
            3,
            format!("due date {due_date} is before invoice date {invoice_date}"),
        ));
    }
    if let Some(p) = paid_date
        && p < invoice_date
    {
        return Err(err(
            index,
            7,
            format!("paid date {p} is before invoice date {invoice_date}"),
        ));
    }
    if paid_amount != 0
        && (paid_amount.signum() != amount.signum() || paid_amount.abs() > amount.abs())
    {
        return Err(err(
            index,
            6,
            format!(
                "paid amount {} does not fit amount {}",
                f[6].unwrap_or("").trim(),
                f[4].unwrap_or("").trim()
            ),
        ));
    }
    Ok(InvoiceRow {
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
    })
}

/// [`InvoiceStatus::parse`], answering the canonical spellings without
/// allocating.
fn status(v: &str) -> Option<InvoiceStatus> {
    match v {
        "open" => Some(InvoiceStatus::Open),
        "paid" => Some(InvoiceStatus::Paid),
        "void" => Some(InvoiceStatus::Void),
        "written_off" => Some(InvoiceStatus::WrittenOff),
        _ => InvoiceStatus::parse(v),
    }
}

/// [`parse_bool`], answering `true`/`false` without allocating.
fn boolean(v: &str) -> Option<bool> {
    match v {
        "false" => Some(false),
        "true" => Some(true),
        _ => parse_bool(v),
    }
}

fn list(v: Option<&str>) -> Vec<String> {
    v.map(|s| {
        s.split([';', ',', '|'])
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .collect()
    })
    .unwrap_or_default()
}

fn text(v: Option<&str>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// Parses a customer record whose fields are in `CUSTOMER_COLUMNS` order.
/// "DE", "gb-sct": two letters, optionally a region of up to three
/// letters or digits.
fn is_country_code(s: &str) -> bool {
    let (country, region) = match s.split_once('-') {
        Some((c, r)) => (c, Some(r)),
        None => (s, None),
    };
    country.len() == 2
        && country.bytes().all(|b| b.is_ascii_alphabetic())
        && region.is_none_or(|r| {
            (1..=3).contains(&r.len()) && r.bytes().all(|b| b.is_ascii_alphanumeric())
        })
}

pub fn parse_customer(
    f: &Fields<'_>,
    index: &HeaderIndex,
    fmt: &ValueFormat,
) -> Result<Customer, FieldError> {
    let customer_id = required(f, index, 0)?.to_string();
    let kind = match f[4] {
        Some(v) => CustomerType::parse(v).ok_or_else(|| {
            err(
                index,
                4,
                format!("'{v}' is not a customer type (strategic, established, new)"),
            )
        })?,
        None => CustomerType::Established,
    };
    let credit_currency = match f[6] {
        Some(c) => Some(Currency::parse(c).map_err(|e| err(index, 6, e.to_string()))?),
        None => None,
    };
    let credit_limit = match f[5] {
        Some(v) => Some(
            parse_minor(
                v,
                credit_currency.unwrap_or(fmt.default_currency).exponent(),
            )
            .map_err(|e| err(index, 5, e.to_string()))?,
        ),
        None => None,
    };
    let bool_col = |col: usize| -> Result<bool, FieldError> {
        match f[col] {
            Some(v) => parse_bool(v).ok_or_else(|| {
                err(
                    index,
                    col,
                    format!("'{v}' is not true/false, yes/no, y/n or 1/0"),
                )
            }),
            None => Ok(false),
        }
    };
    let white_glove = bool_col(9)?;
    let opted_out = match f[10] {
        None => Vec::new(),
        Some(v) => match parse_bool(v) {
            Some(true) => vec![Channel::Email, Channel::Sms, Channel::Whatsapp],
            Some(false) => Vec::new(),
            None => list(Some(v))
                .iter()
                .map(|c| {
                    Channel::parse(c).ok_or_else(|| {
                        err(
                            index,
                            10,
                            format!("'{c}' is not a channel (email, sms, whatsapp) or yes/no"),
                        )
                    })
                })
                .collect::<Result<_, _>>()?,
        },
    };
    if let Some(tz) = f[7]
        && tz.trim().parse::<chrono_tz::Tz>().is_err()
    {
        return Err(err(
            index,
            7,
            format!(
                "'{}' is not an IANA time zone (e.g. Europe/Berlin)",
                tz.trim()
            ),
        ));
    }
    if let Some(c) = f[14]
        && !is_country_code(c.trim())
    {
        return Err(err(
            index,
            14,
            format!(
                "'{}' is not an ISO 3166 country code (e.g. DE, or GB-SCT with a region)",
                c.trim()
            ),
        ));
    }
    Ok(Customer {
        name: text(f[1]).unwrap_or_else(|| customer_id.clone()),
        customer_id,
        emails: list(f[2]),
        phone: text(f[3]),
        kind,
        credit_limit,
        credit_currency: credit_currency.or(credit_limit.map(|_| fmt.default_currency)),
        timezone: text(f[7]),
        language: text(f[8]),
        white_glove,
        opted_out,
        account_manager: text(f[11]),
        sales_manager: text(f[12]),
        tags: list(f[13]),
        country: text(f[14]).map(|c| c.to_ascii_uppercase()),
    })
}

#[cfg(test)]
mod tests;
