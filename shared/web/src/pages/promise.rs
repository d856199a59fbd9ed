//! A promise to pay from an invoice page.

#![allow(clippy::result_large_err)]

use arflow_app::dispatch::Sender;
use arflow_app::portal::PromiseToPay;
use arflow_app::portal::changes::{self, PROMISE_GRACE_DAYS};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse};
use serde::Deserialize;

use super::{Page, bad, forbidden, own_invoice, parse_amount, refused, signed_in, today};
use crate::auth::{csrf_ok, random_hex};
use crate::html::{escape, page};
use crate::{Web, WebStore};

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
