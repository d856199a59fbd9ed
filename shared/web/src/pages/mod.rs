//! The customer portal's pages and what they share: the signed-in
//! customer, their own invoices (filtered by the session's customer id,
//! whatever id the URL names), and the error pages of a refused form.
//! One file per page: `invoices` (list, invoice, payments, statement CSV),
//! `promise`, `preferences`, `dispute`, `plans`.

// Handlers return early with a finished `Response` as the error; it is moved
// once, straight out to axum, so boxing it would buy nothing.
#![allow(clippy::result_large_err)]

mod invoices;
mod preferences;
mod promise;

pub mod dispute;
pub mod plans;

pub use invoices::{invoice, invoices, payments, statement_csv};
pub use preferences::{preferences, save_preferences};
pub use promise::promise;

use arflow_app::dispatch::Sender;
use arflow_app::portal::{AttachmentError, ChangeError, Session};
use arflow_domain::ledger::Invoice;
use arflow_domain::money::{Currency, Money};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;

use crate::auth::session;
use crate::html::status_page;
use crate::{Web, WebStore};

/// The UTC day of `now`.
pub fn today(now: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp(now, 0)
        .unwrap_or_default()
        .date_naive()
}

pub(crate) fn money(minor: i64, c: Currency) -> String {
    format!("{} {}", Money::new(minor, c).to_grouped_string(), c.code())
}

pub(crate) type Page = Result<Response, Response>;

pub(crate) fn signed_in<S: WebStore, M: Sender + Send + 'static>(
    st: &Web<S, M>,
    headers: &HeaderMap,
) -> Result<Session, Response> {
    session(st, headers).ok_or_else(|| Redirect::to("/").into_response())
}

pub(crate) fn unavailable() -> Response {
    status_page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Unavailable",
        "Please try again later.",
    )
}

pub(crate) fn own_invoices<S: WebStore, M: Sender + Send + 'static>(
    st: &Web<S, M>,
    s: &Session,
) -> Result<Vec<Invoice>, Response> {
    let mut out = Vec::new();
    st.store()
        .customer_invoices(&s.tenant, &s.customer_id, &mut |i| out.push(i))
        .map_err(|_| unavailable())?;
    out.sort_by(|a, b| (a.due_date, &a.invoice_id).cmp(&(b.due_date, &b.invoice_id)));
    Ok(out)
}

pub(crate) fn own_invoice<S: WebStore, M: Sender + Send + 'static>(
    st: &Web<S, M>,
    s: &Session,
    id: &str,
) -> Result<Invoice, Response> {
    own_invoices(st, s)?
        .into_iter()
        .find(|i| i.invoice_id == id)
        .ok_or_else(|| status_page(StatusCode::NOT_FOUND, "Not found", "No such invoice."))
}

pub(crate) fn forbidden() -> Response {
    status_page(
        StatusCode::FORBIDDEN,
        "Form expired",
        "This form has expired; go back, reload the page and try again.",
    )
}

pub(crate) fn bad(msg: &str) -> Response {
    status_page(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Please check the form",
        msg,
    )
}

pub(crate) fn parse_amount(raw: &str, i: &Invoice) -> Result<i64, Response> {
    match Money::parse(raw.trim(), i.currency) {
        Ok(m) if m.minor > 0 => Ok(m.minor),
        _ => Err(bad(&format!(
            "'{}' is not a positive amount in {}",
            raw.trim(),
            i.currency.code()
        ))),
    }
}

/// The page for a change a use case refused; nothing was stored.
pub(crate) fn refused(e: ChangeError) -> Response {
    match e {
        ChangeError::NotFound(m) => status_page(StatusCode::NOT_FOUND, "Not found", &m),
        ChangeError::Conflict(m) => status_page(StatusCode::CONFLICT, "Please try again", &m),
        ChangeError::Invalid(m) => bad(&m),
        ChangeError::Plan(e) => bad(&format!("{}.", capitalise(&e.to_string()))),
        ChangeError::Attachment(AttachmentError::TooLarge) => status_page(
            StatusCode::PAYLOAD_TOO_LARGE,
            "File too large",
            "The attachment is larger than 5 MB; attach a smaller file.",
        ),
        ChangeError::Attachment(e) => status_page(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "File type not accepted",
            &e.to_string(),
        ),
        ChangeError::Store(e) => {
            tracing::error!("portal change not stored: {e}");
            unavailable()
        }
    }
}

/// `s` with its first letter in upper case.
pub(crate) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
