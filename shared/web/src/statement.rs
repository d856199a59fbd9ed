//! The printable statement of account (`/statement`): the signed-in
//! customer's open items, totals per currency and their aging, laid out to
//! print (or save as PDF from the browser's print dialog).

use std::collections::BTreeMap;

use arflow_app::dispatch::Sender;
use arflow_domain::aging::{Aging, Buckets};
use arflow_domain::money::{Currency, Money};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::auth::session;
use crate::html::{escape, page, status_page};
use crate::pages::today;
use crate::{Web, WebStore};

fn money(minor: i64, c: Currency) -> String {
    format!("{} {}", Money::new(minor, c).to_grouped_string(), c.code())
}

pub async fn statement<S: WebStore, M: Sender + Send + 'static>(
    State(st): State<Web<S, M>>,
    headers: HeaderMap,
) -> Response {
    let Some(s) = session(&st, &headers) else {
        return Redirect::to("/").into_response();
    };
    let day = today(st.now());
    let mut open = Vec::new();
    let customer = {
        let store = st.store();
        let read = store
            .customer_invoices(&s.tenant, &s.customer_id, &mut |i| {
                if i.is_open_on(day) {
                    open.push(i)
                }
            })
            .and_then(|()| store.customers(&s.tenant));
        match read {
            Ok(all) => all.into_iter().find(|c| c.customer_id == s.customer_id),
            Err(_) => {
                return status_page(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Unavailable",
                    "Please try again later.",
                );
            }
        }
    };
    open.sort_by(|a, b| (a.due_date, &a.invoice_id).cmp(&(b.due_date, &b.invoice_id)));
    let mut aging = Aging::new(day, Buckets::default(), false);
    let mut totals: BTreeMap<Currency, i64> = BTreeMap::new();
    let mut rows = String::new();
    for i in &open {
        aging.add(i);
        let out = i.outstanding_on(day);
        *totals.entry(i.currency).or_default() += out;
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&i.invoice_id),
            i.invoice_date,
            i.due_date,
            escape(&money(i.amount, i.currency)),
            escape(&money(out, i.currency)),
            i.days_past_due(day).max(0),
        ));
    }
    let aging = aging.finish();
    let who = match &customer {
        Some(c) => format!("{} ({})", escape(&c.name), escape(&c.customer_id)),
        None => escape(&s.customer_id),
    };
    let mut body = format!(
        "<p class=\"noprint note\">To keep a copy, use <strong>Print / save as PDF</strong>: your browser's \
         Print command (Ctrl+P, or ⌘P on a Mac), then choose “Save as PDF” as the printer. \
         A spreadsheet version is the <a href=\"/statement.csv\">statement CSV</a>.</p>\
         <dl><dt>Customer</dt><dd>{who}</dd><dt>Statement date</dt><dd>{day}</dd></dl>"
    );
    if open.is_empty() {
        body.push_str("<p>No open items on this date. Thank you!</p>");
    } else {
        let totals: String = totals
            .iter()
            .map(|(c, t)| {
                format!(
                    "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td></tr>",
                    c.code(),
                    escape(&money(*t, *c))
                )
            })
            .collect();
        let heads: String = aging
            .labels
            .iter()
            .map(|l| format!("<th scope=\"col\" class=\"num\">{}</th>", escape(l)))
            .collect();
        let aged: String = aging
            .currencies
            .iter()
            .map(|c| {
                let cells: String = c
                    .buckets
                    .iter()
                    .map(|t| {
                        format!(
                            "<td class=\"num\">{}</td>",
                            escape(&money(t.amount, c.currency))
                        )
                    })
                    .collect();
                format!(
                    "<tr><th scope=\"row\">{}</th>{cells}</tr>",
                    c.currency.code()
                )
            })
            .collect();
        body.push_str(&format!(
            "<h2>Open items</h2><div class=\"scroll\"><table><thead><tr><th scope=\"col\">Invoice</th>\
             <th scope=\"col\">Invoice date</th><th scope=\"col\">Due date</th><th scope=\"col\" class=\"num\">Amount</th>\
             <th scope=\"col\" class=\"num\">Outstanding</th><th scope=\"col\" class=\"num\">Days past due</th></tr></thead>\
             <tbody>{rows}</tbody></table></div>\
             <h2>Total due</h2><table class=\"narrow\"><tbody>{totals}</tbody></table>\
             <h2>Aging</h2><div class=\"scroll\"><table><thead><tr><th scope=\"col\">Currency</th>{heads}</tr></thead>\
             <tbody>{aged}</tbody></table></div>"
        ));
    }
    Html(page("Statement of account", Some(&s.csrf), &body)).into_response()
}
