//! The portal's payment plans page (the customer's plans and the request
//! form) and scheduling a payment through the payment gateway (recorded as
//! a promise to pay with the gateway's reference). A customer only ever
//! sees and plans its own invoices.

#![allow(clippy::result_large_err)]

use arflow_app::dispatch::Sender;
use arflow_app::portal::changes::{self, PROMISE_GRACE_DAYS};
use arflow_app::portal::{Instalment, PaymentPlan, PaymentRequest, PromiseToPay, Session};
use arflow_domain::ledger::Invoice;
use arflow_domain::money::Money;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse};
use serde::Deserialize;

use crate::auth::{csrf_ok, random_hex};
use crate::html::{csrf_field, escape, page, status_page};
use crate::pages::{
    Page, bad, forbidden, money, own_invoice, own_invoices, parse_amount, refused, signed_in,
    today, unavailable,
};
use crate::{Web, WebStore};

/// Instalment rows on the request form.
const FORM_ROWS: usize = 6;

/// The schedule-a-payment form of an invoice page.
pub fn schedule_form(invoice_id: &str, currency: &str, csrf: &str) -> String {
    format!(
        "<h2>Schedule a payment</h2><form method=\"post\" action=\"/invoices/{id}/schedule-payment\">{csrf}\
         <label for=\"sdate\">Pay on</label><input id=\"sdate\" name=\"date\" type=\"date\" required>\
         <label for=\"samount\">Amount ({cur})</label><input id=\"samount\" name=\"amount\" inputmode=\"decimal\" required>\
         <button type=\"submit\">Schedule payment</button></form>\
         <p><a href=\"/payment-plans\">Pay in instalments instead: request a payment plan</a></p>",
        id = escape(invoice_id),
        csrf = csrf_field(csrf),
        cur = escape(currency),
    )
}

#[derive(Deserialize)]
pub struct ScheduleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    amount: String,
}

pub async fn schedule_payment<S: WebStore, M: Sender + Send + 'static>(
    State(st): State<Web<S, M>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<ScheduleForm>,
) -> Page {
    let s = signed_in(&st, &headers)?;
    if !csrf_ok(&s, &f.csrf) {
        return Err(forbidden());
    }
    let i = own_invoice(&st, &s, &id)?;
    let amount = parse_amount(&f.amount, &i)?;
    let now = st.now();
    let day = today(now);
    let outstanding = i.outstanding_on(day);
    if amount > outstanding {
        return Err(bad(&format!(
            "The amount is more than the {} outstanding.",
            money(outstanding, i.currency)
        )));
    }
    let date = arflow_domain::date::parse_date(f.date.trim(), None)
        .map_err(|_| bad("Give the date as YYYY-MM-DD."))?;
    if date < day || (date - day).num_days() > changes::PROMISE_MAX_DAYS {
        return Err(bad("The date must be between today and 90 days from now."));
    }
    let request = PaymentRequest {
        tenant: s.tenant.clone(),
        customer_id: s.customer_id.clone(),
        invoice_id: i.invoice_id.clone(),
        amount,
        currency: i.currency.code().to_string(),
        date,
    };
    let reference = st
        .gateway
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .schedule(&request);
    let reference = match reference {
        Ok(r) => r,
        Err(e) => {
            return Err(status_page(
                StatusCode::PAYMENT_REQUIRED,
                "Payment not scheduled",
                &format!("The payment could not be scheduled: {e}. Nothing was charged."),
            ));
        }
    };
    let p = PromiseToPay {
        id: format!("P-{}", random_hex(6)),
        customer_id: s.customer_id.clone(),
        invoice_id: i.invoice_id.clone(),
        promised_date: date,
        amount,
        grace_days: PROMISE_GRACE_DAYS,
        reference: Some(reference.clone()),
        created_at: now,
    };
    changes::record_promise(&mut *st.store(), &s.tenant, &p, day).map_err(refused)?;
    let body = format!(
        "<p class=\"note\">Your payment of {} for invoice {} is scheduled for {}. Reference: <strong>{}</strong>. Reminders pause until then.</p><p><a href=\"/invoices\">Back to your invoices</a></p>",
        escape(&money(amount, i.currency)),
        escape(&p.invoice_id),
        p.promised_date,
        escape(&reference)
    );
    Ok((
        StatusCode::CREATED,
        Html(page("Payment scheduled", Some(&s.csrf), &body)),
    )
        .into_response())
}

fn own_plans<S: WebStore, M: Sender + Send + 'static>(
    st: &Web<S, M>,
    s: &Session,
) -> Result<Vec<PaymentPlan>, axum::response::Response> {
    Ok(st
        .store()
        .plans(&s.tenant)
        .map_err(|_| unavailable())?
        .into_iter()
        .filter(|p| p.customer_id == s.customer_id)
        .collect())
}

fn plan_money(minor: i64, currency: &str) -> String {
    match arflow_domain::money::Currency::parse(currency) {
        Ok(c) => money(minor, c),
        Err(_) => format!("{minor} {currency}"),
    }
}

pub async fn plans_page<S: WebStore, M: Sender + Send + 'static>(
    State(st): State<Web<S, M>>,
    headers: HeaderMap,
) -> Page {
    let s = signed_in(&st, &headers)?;
    let day = today(st.now());
    let plans = own_plans(&st, &s)?;
    let listed: String = plans
        .iter()
        .map(|p| {
            let steps: String = p
                .instalments
                .iter()
                .map(|i| {
                    format!(
                        "<li>{}: {}</li>",
                        i.due_date,
                        escape(&plan_money(i.amount, &p.currency))
                    )
                })
                .collect();
            format!(
                "<li>Plan {} for {} — {} — {}<ul>{steps}</ul></li>",
                escape(&p.id),
                escape(&p.invoice_ids.join(", ")),
                escape(&plan_money(p.total, &p.currency)),
                p.state.as_str()
            )
        })
        .collect();
    let held: Vec<&str> = plans
        .iter()
        .filter(|p| p.state.is_holding())
        .flat_map(|p| p.invoice_ids.iter().map(String::as_str))
        .collect();
    let open: Vec<Invoice> = own_invoices(&st, &s)?
        .into_iter()
        .filter(|i| i.is_open_on(day) && !held.contains(&i.invoice_id.as_str()))
        .collect();
    let mine = if plans.is_empty() {
        "<p>You have no payment plans.</p>".to_string()
    } else {
        format!("<h2>Your payment plans</h2><ul>{listed}</ul>")
    };
    let form = if open.is_empty() {
        "<p>No open invoices can be put on a payment plan.</p>".to_string()
    } else {
        let boxes: String = open
            .iter()
            .enumerate()
            .map(|(k, i)| {
                format!(
                    "<label for=\"inv{k}\"><input type=\"checkbox\" id=\"inv{k}\" name=\"invoice\" value=\"{id}\"> {id}: {} outstanding, due {}</label>",
                    escape(&money(i.outstanding_on(day), i.currency)),
                    i.due_date,
                    id = escape(&i.invoice_id)
                )
            })
            .collect();
        let rows: String = (1..=FORM_ROWS)
            .map(|k| {
                format!(
                    "<fieldset><legend>Instalment {k}</legend>\
                     <label for=\"date{k}\">Date</label><input id=\"date{k}\" name=\"date{k}\" type=\"date\">\
                     <label for=\"amount{k}\">Amount</label><input id=\"amount{k}\" name=\"amount{k}\" inputmode=\"decimal\"></fieldset>"
                )
            })
            .collect();
        let counts: String = (2..=FORM_ROWS)
            .map(|n| format!("<option value=\"{n}\">{n}</option>"))
            .collect();
        format!(
            "<h2>Request a payment plan</h2><p>Choose the invoices, the number of instalments and, for each, a date and an amount. The amounts must add up exactly to what is outstanding. Reminders for the invoices pause while we review your request.</p>\
             <form method=\"post\" action=\"/payment-plans\">{}\
             <fieldset><legend>Invoices</legend>{boxes}</fieldset>\
             <label for=\"count\">Number of instalments</label><select id=\"count\" name=\"count\">{counts}</select>\
             {rows}<button type=\"submit\">Request payment plan</button></form>",
            csrf_field(&s.csrf)
        )
    };
    Ok(Html(page(
        "Payment plans",
        Some(&s.csrf),
        &format!("{mine}{form}"),
    ))
    .into_response())
}

/// The request form's fields: repeated `invoice`, `count`, `dateN`/`amountN`.
struct PlanForm {
    csrf: String,
    invoices: Vec<String>,
    count: String,
    rows: Vec<(usize, String, String)>,
}

fn read_plan_form(pairs: Vec<(String, String)>) -> PlanForm {
    let mut f = PlanForm {
        csrf: String::new(),
        invoices: Vec::new(),
        count: String::new(),
        rows: Vec::new(),
    };
    let mut dates = std::collections::BTreeMap::new();
    let mut amounts = std::collections::BTreeMap::new();
    for (k, v) in pairs {
        match k.as_str() {
            "csrf" => f.csrf = v,
            "invoice" => f.invoices.push(v),
            "count" => f.count = v,
            _ => {
                if let Some(n) = k.strip_prefix("date").and_then(|n| n.parse::<usize>().ok()) {
                    dates.insert(n, v);
                } else if let Some(n) = k
                    .strip_prefix("amount")
                    .and_then(|n| n.parse::<usize>().ok())
                {
                    amounts.insert(n, v);
                }
            }
        }
    }
    let keys: std::collections::BTreeSet<usize> =
        dates.keys().chain(amounts.keys()).copied().collect();
    for k in keys.into_iter().filter(|k| (1..=64).contains(k)) {
        let d = dates
            .get(&k)
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        let a = amounts
            .get(&k)
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        if !(d.is_empty() && a.is_empty()) {
            f.rows.push((k, d, a));
        }
    }
    f
}

pub async fn request_plan<S: WebStore, M: Sender + Send + 'static>(
    State(st): State<Web<S, M>>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Page {
    let s = signed_in(&st, &headers)?;
    let f = read_plan_form(pairs);
    if !csrf_ok(&s, &f.csrf) {
        return Err(forbidden());
    }
    let now = st.now();
    let day = today(now);
    let mine = own_invoices(&st, &s)?;
    let mut chosen: Vec<&Invoice> = Vec::new();
    for id in &f.invoices {
        match mine.iter().find(|i| &i.invoice_id == id) {
            Some(i) => chosen.push(i),
            None => {
                return Err(status_page(
                    StatusCode::NOT_FOUND,
                    "Not found",
                    "No such invoice.",
                ));
            }
        }
    }
    let currency = chosen.first().map(|i| i.currency);
    let count: usize = f
        .count
        .trim()
        .parse()
        .map_err(|_| bad("Choose the number of instalments."))?;
    if count != f.rows.len() {
        return Err(bad(&format!(
            "You chose {count} instalments but filled in {}; give a date and an amount for each.",
            f.rows.len()
        )));
    }
    let mut instalments = Vec::with_capacity(f.rows.len());
    for (k, (_, date, amount)) in f.rows.iter().enumerate() {
        let n = k + 1;
        let due_date = arflow_domain::date::parse_date(date, None)
            .map_err(|_| bad(&format!("Instalment {n}: give the date as YYYY-MM-DD.")))?;
        let amount = match currency {
            Some(c) => {
                Money::parse(amount, c)
                    .map_err(|_| {
                        bad(&format!(
                            "Instalment {n}: '{amount}' is not an amount in {}.",
                            c.code()
                        ))
                    })?
                    .minor
            }
            None => 0,
        };
        instalments.push(Instalment { due_date, amount });
    }
    let plan = changes::request_plan(
        &mut *st.store(),
        &s.tenant,
        &format!("PP-{}", random_hex(6)),
        &s.customer_id,
        &chosen,
        instalments,
        day,
        now,
    )
    .map_err(refused)?;
    let body = format!(
        "<p class=\"note\">Payment plan {} is requested: {} in {} instalments. Reminders for these invoices pause while we review it; we will let you know.</p><p><a href=\"/payment-plans\">Your payment plans</a></p>",
        escape(&plan.id),
        escape(&plan_money(plan.total, &plan.currency)),
        plan.instalments.len()
    );
    Ok((
        StatusCode::CREATED,
        Html(page("Payment plan requested", Some(&s.csrf), &body)),
    )
        .into_response())
}
