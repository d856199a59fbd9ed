//! The invoice list, one invoice with its forms, the payment history and
//! the statement CSV.

#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;

use arflow_app::dispatch::Sender;
use arflow_app::portal::Dispute;
use arflow_domain::ledger::Invoice;
use arflow_domain::money::{Currency, Money};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse};

use super::{Page, money, own_invoice, own_invoices, signed_in, today, unavailable};
use crate::html::{csrf_field, escape, page};
use crate::{Web, WebStore};

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
        dispute_form = crate::pages::dispute::form(&i.invoice_id, i.currency.code(), &s.csrf),
        schedule_form =
            crate::pages::plans::schedule_form(&i.invoice_id, i.currency.code(), &s.csrf),
    );
    Ok(Html(page(
        &format!("Invoice {}", i.invoice_id),
        Some(&s.csrf),
        &body,
    ))
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
