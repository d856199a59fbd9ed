//! The customer portal's pages: open invoices, an invoice with its dispute
//! and promise-to-pay forms, payment history, statement CSV, preferences.
//! A customer only ever reads its own invoices (filtered by the session's
//! customer id, whatever id the URL names).

// Handlers return early with a finished `Response` as the error; it is moved
// once, straight out to axum, so boxing it would buy nothing.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;

use arflow_app::dispatch::Sender;
use arflow_app::portal::changes::{self, PROMISE_GRACE_DAYS};
use arflow_app::portal::{
    AttachmentError, ChangeError, ContactPrefs, Dispute, PromiseToPay, Session,
};
use arflow_domain::ledger::{Channel, Invoice};
use arflow_domain::money::{Currency, Money};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use crate::auth::{csrf_ok, random_hex, session};
use crate::html::{csrf_field, escape, page, status_page};
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

pub async fn invoices<S: WebStore, M: Sender + Send + 'static>(
    State(st): State<Web<S, M>>,
    headers: HeaderMap,
) -> Page {
    let s = signed_in(&st, &headers)?;
    let day = today(st.now());
    let open: Vec<Invoice> = own_invoices(&st, &s)?
        .into_iter()
        .filter(|i| i.is_open_on(day))
        .collect();
    let mut totals: BTreeMap<Currency, i64> = BTreeMap::new();
    let mut rows = String::new();
    for i in &open {
        let out = i.outstanding_on(day);
        *totals.entry(i.currency).or_default() += out;
        rows.push_str(&format!(
            "<tr><td><a href=\"/invoices/{id}\">{id}</a></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            i.due_date,
            i.days_past_due(day).max(0),
            escape(&money(out, i.currency)),
            id = escape(&i.invoice_id)
        ));
    }
    let totals: String = totals
        .iter()
        .map(|(c, t)| format!("<li>{}</li>", escape(&money(*t, *c))))
        .collect();
    let body = if open.is_empty() {
        "<p>You have no open invoices. Thank you!</p>".to_string()
    } else {
        format!(
            "<table><caption>Open invoices on {day}</caption><thead><tr><th scope=\"col\">Invoice</th><th scope=\"col\">Due date</th>\
             <th scope=\"col\" class=\"num\">Days past due</th><th scope=\"col\" class=\"num\">Outstanding</th></tr></thead>\
             <tbody>{rows}</tbody></table><h2>Total outstanding</h2><ul>{totals}</ul>"
        )
    };
    Ok(Html(page("Your open invoices", Some(&s.csrf), &body)).into_response())
}

pub async fn invoice<S: WebStore, M: Sender + Send + 'static>(
    State(st): State<Web<S, M>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Page {
    let s = signed_in(&st, &headers)?;
    let i = own_invoice(&st, &s, &id)?;
    let day = today(st.now());
    let disputes: Vec<Dispute> = st
        .store()
        .disputes(&s.tenant)
        .map_err(|_| unavailable())?
        .into_iter()
        .filter(|d| d.customer_id == s.customer_id && d.invoice_id == i.invoice_id)
        .collect();
    let listed: String = disputes
        .iter()
        .map(|d| {
            format!(
                "<li>Dispute {}: {} ({}) — {}</li>",
                escape(&d.id),
                escape(&d.reason),
                escape(&money(d.amount, i.currency)),
                d.state.as_str()
            )
        })
        .collect();
    let id = escape(&i.invoice_id);
    let csrf = csrf_field(&s.csrf);
    let body = format!(
        "<dl><dt>Invoice date</dt><dd>{}</dd><dt>Due date</dt><dd>{}</dd><dt>Amount</dt><dd>{}</dd>\
         <dt>Outstanding</dt><dd>{}</dd><dt>Days past due</dt><dd>{}</dd><dt>Status</dt><dd>{}</dd></dl>\
         <ul>{listed}</ul>\
         {dispute_form}\
         <h2>Promise to pay</h2><form method=\"post\" action=\"/invoices/{id}/promise\">{csrf}\
         <label for=\"date\">I will pay on</label><input id=\"date\" name=\"date\" type=\"date\" required>\
         <label for=\"pamount\">Amount ({cur})</label><input id=\"pamount\" name=\"amount\" inputmode=\"decimal\" required>\
         <button type=\"submit\">Promise to pay</button></form>{schedule_form}",
        i.invoice_date,
        i.due_date,
        escape(&money(i.amount, i.currency)),
        escape(&money(i.outstanding_on(day), i.currency)),
        i.days_past_due(day).max(0),
        i.status.as_str(),
        cur = i.currency.code(),
        dispute_form = crate::pages_dispute::form(&i.invoice_id, i.currency.code(), &s.csrf),
        schedule_form =
            crate::pages_plans::schedule_form(&i.invoice_id, i.currency.code(), &s.csrf),
    );
    Ok(Html(page(
        &format!("Invoice {}", i.invoice_id),
        Some(&s.csrf),
        &body,
    ))
    .into_response())
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

#[derive(Deserialize)]
pub struct PromiseForm {
    #[serde(default)]
    csrf: String,
    date: String,
    amount: String,
}

pub async fn promise<S: WebStore, M: Sender + Send + 'static>(
    State(st): State<Web<S, M>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<PromiseForm>,
) -> Page {
    let s = signed_in(&st, &headers)?;
    if !csrf_ok(&s, &f.csrf) {
        return Err(forbidden());
    }
    let i = own_invoice(&st, &s, &id)?;
    let amount = parse_amount(&f.amount, &i)?;
    let now = st.now();
    let day = today(now);
    let date = arflow_domain::date::parse_date(f.date.trim(), None)
        .map_err(|_| bad("Give the date as YYYY-MM-DD."))?;
    let p = PromiseToPay {
        id: format!("P-{}", random_hex(6)),
        customer_id: s.customer_id.clone(),
        invoice_id: i.invoice_id.clone(),
        promised_date: date,
        amount,
        grace_days: PROMISE_GRACE_DAYS,
        reference: None,
        created_at: now,
    };
    changes::record_promise(&mut *st.store(), &s.tenant, &p, day).map_err(refused)?;
    let body = format!(
        "<p class=\"note\">Thank you. We noted your promise to pay invoice {} on {}; reminders pause until then.</p><p><a href=\"/invoices\">Back to your invoices</a></p>",
        escape(&p.invoice_id),
        p.promised_date
    );
    Ok((
        StatusCode::CREATED,
        Html(page("Promise noted", Some(&s.csrf), &body)),
    )
        .into_response())
}

pub async fn payments<S: WebStore, M: Sender + Send + 'static>(
    State(st): State<Web<S, M>>,
    headers: HeaderMap,
) -> Page {
    let s = signed_in(&st, &headers)?;
    let rows: String = own_invoices(&st, &s)?
        .iter()
        .filter_map(|i| i.paid_date.map(|d| (d, i)))
        .map(|(d, i)| {
            format!(
                "<tr><td>{d}</td><td>{}</td><td class=\"num\">{}</td></tr>",
                escape(&i.invoice_id),
                escape(&money(i.paid_amount, i.currency))
            )
        })
        .collect();
    let body = if rows.is_empty() {
        "<p>No payments recorded yet.</p>".to_string()
    } else {
        format!(
            "<table><thead><tr><th scope=\"col\">Paid on</th><th scope=\"col\">Invoice</th><th scope=\"col\" class=\"num\">Amount</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    };
    Ok(Html(page("Payment history", Some(&s.csrf), &body)).into_response())
}

/// A CSV field, quoted when needed; a leading formula character is
/// defused so spreadsheets do not run it.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

pub async fn statement_csv<S: WebStore, M: Sender + Send + 'static>(
    State(st): State<Web<S, M>>,
    headers: HeaderMap,
) -> Page {
    let s = signed_in(&st, &headers)?;
    let day = today(st.now());
    let mut out = String::from(
        "invoice_id,invoice_date,due_date,currency,amount,outstanding,days_past_due\n",
    );
    for i in own_invoices(&st, &s)?.iter().filter(|i| i.is_open_on(day)) {
        out.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            csv_field(&i.invoice_id),
            i.invoice_date,
            i.due_date,
            i.currency.code(),
            Money::new(i.amount, i.currency).to_decimal_string(),
            Money::new(i.outstanding_on(day), i.currency).to_decimal_string(),
            i.days_past_due(day).max(0)
        ));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"statement-{day}.csv\""),
            ),
        ],
        out,
    )
        .into_response())
}

pub async fn preferences<S: WebStore, M: Sender + Send + 'static>(
    State(st): State<Web<S, M>>,
    headers: HeaderMap,
) -> Page {
    let s = signed_in(&st, &headers)?;
    let p = st
        .store()
        .contact_prefs(&s.tenant, &s.customer_id)
        .map_err(|_| unavailable())?
        .unwrap_or_default();
    let sel = |v: Channel| if p.channel == v { " selected" } else { "" };
    let body = format!(
        "<form method=\"post\" action=\"/preferences\">{}\
         <label for=\"channel\">Reach me by</label><select id=\"channel\" name=\"channel\">\
         <option value=\"email\"{}>E-mail</option><option value=\"sms\"{}>SMS</option></select>\
         <label for=\"language\">Language</label><input id=\"language\" name=\"language\" value=\"{}\" maxlength=\"10\">\
         <label><input type=\"checkbox\" name=\"sms_opt_out\" value=\"on\"{}> No text messages (SMS)</label>\
         <button type=\"submit\">Save</button></form>",
        csrf_field(&s.csrf),
        sel(Channel::Email),
        sel(Channel::Sms),
        escape(p.language.as_deref().unwrap_or("")),
        if p.sms_opt_out { " checked" } else { "" }
    );
    Ok(Html(page("Contact preferences", Some(&s.csrf), &body)).into_response())
}

#[derive(Deserialize)]
pub struct PrefsForm {
    #[serde(default)]
    csrf: String,
    channel: String,
    #[serde(default)]
    language: String,
    sms_opt_out: Option<String>,
}

pub async fn save_preferences<S: WebStore, M: Sender + Send + 'static>(
    State(st): State<Web<S, M>>,
    headers: HeaderMap,
    Form(f): Form<PrefsForm>,
) -> Page {
    let s = signed_in(&st, &headers)?;
    if !csrf_ok(&s, &f.csrf) {
        return Err(forbidden());
    }
    let channel = match f.channel.as_str() {
        "email" => Channel::Email,
        "sms" => Channel::Sms,
        _ => return Err(bad("Choose e-mail or SMS.")),
    };
    let lang = f.language.trim();
    let prefs = ContactPrefs {
        channel,
        language: (!lang.is_empty()).then(|| lang.to_string()),
        sms_opt_out: f.sms_opt_out.is_some(),
    };
    let now = st.now();
    changes::set_contact_prefs(&mut *st.store(), &s.tenant, &s.customer_id, &prefs, now)
        .map_err(refused)?;
    Ok(Redirect::to("/preferences").into_response())
}
