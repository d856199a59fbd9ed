//! The AR team API: JSON under `/api`, `Authorization: Bearer <key>`, each
//! key bound to one tenant with scopes; errors are `{"error": "..."}`.

use std::collections::HashMap;

use arflow_app::dispatch::Sender;
use arflow_app::portal::{ApiKey, AuditEntry, DisputeState, Holds, Scope, hash_secret};
use arflow_app::report;
use arflow_domain::aging::{Aging, Buckets};
use arflow_domain::kpis::Kpis;
use arflow_domain::ledger::Invoice;
use arflow_domain::money::Money;
use arflow_domain::strategy::{PlanInput, plan};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::pages::today;
use crate::{Web, WebStore};

/// A JSON error with its status.
pub struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

fn store_err(e: arflow_app::store::StoreError) -> ApiError {
    ApiError(StatusCode::SERVICE_UNAVAILABLE, format!("store: {e}"))
}

type ApiResult = Result<Json<Value>, ApiError>;

pub fn routes<S: WebStore, M: Sender + Send + 'static>() -> Router<Web<S, M>> {
    Router::new()
        .route("/customers", get(customers::<S, M>))
        .route("/invoices", get(invoices::<S, M>))
        .route("/aging", get(aging::<S, M>))
        .route("/kpis", get(kpis::<S, M>))
        .route("/actions", get(actions::<S, M>))
        .route("/sent", get(sent::<S, M>))
        .route("/disputes", get(disputes::<S, M>))
        .route("/disputes/{id}/transition", post(transition::<S, M>))
        .route("/tasks", get(tasks::<S, M>))
        .route("/tasks/{id}/complete", post(complete_task::<S, M>))
        .route("/audit", get(audit::<S, M>))
        .fallback(|| async { ApiError(StatusCode::NOT_FOUND, "no such endpoint".into()) })
}

/// The key behind the bearer token, if it has `scope`.
fn authorize<S: WebStore, M: Sender + Send + 'static>(
    st: &Web<S, M>,
    headers: &HeaderMap,
    scope: Scope,
) -> Result<ApiKey, ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError(StatusCode::UNAUTHORIZED, "missing bearer API key".into()))?;
    let key = st
        .store()
        .api_key(&hash_secret(token))
        .map_err(store_err)?
        .ok_or_else(|| ApiError(StatusCode::UNAUTHORIZED, "unknown API key".into()))?;
    if !key.allows(scope) {
        return Err(ApiError(
            StatusCode::FORBIDDEN,
            format!("this API key lacks the '{}' scope", scope.as_str()),
        ));
    }
    Ok(key)
}

#[derive(Deserialize)]
pub struct DayQuery {
    as_of: Option<NaiveDate>,
    customer: Option<String>,
    period_days: Option<i64>,
}

fn as_of<S: WebStore, M: Sender + Send + 'static>(st: &Web<S, M>, q: &DayQuery) -> NaiveDate {
    q.as_of.unwrap_or_else(|| today(st.now()))
}

fn decimal(minor: i64, i: &Invoice) -> String {
    Money::new(minor, i.currency).to_decimal_string()
}

fn ledger<S: WebStore, M: Sender + Send + 'static>(
    st: &Web<S, M>,
    tenant: &str,
    day: NaiveDate,
) -> Result<Vec<Invoice>, ApiError> {
    let mut out = Vec::new();
    st.store()
        .invoices_as_of(tenant, day, &mut |i| out.push(i))
        .map_err(store_err)?;
    Ok(out)
}

async fn customers<S: WebStore, M: Sender + Send + 'static>(
    State(st): State<Web<S, M>>,
    headers: HeaderMap,
) -> ApiResult {
    let k = authorize(&st, &headers, Scope::Read)?;
    let list = st.store().customers(&k.tenant).map_err(store_err)?;
    Ok(Json(json!(list)))
}

async fn invoices<S: WebStore, M: Sender + Send + 'static>(
    State(st): State<Web<S, M>>,
    headers: HeaderMap,
    Query(q): Query<DayQuery>,
) -> ApiResult {
    let k = authorize(&st, &headers, Scope::Read)?;
    let day = as_of(&st, &q);
    let list: Vec<Value> = ledger(&st, &k.tenant, day)?
        .iter()
        .filter(|i| q.customer.as_deref().is_none_or(|c| c == i.customer_id))
        .map(|i| {
            json!({
                "invoice_id": i.invoice_id, "customer_id": i.customer_id,
                "invoice_date": i.invoice_date, "due_date": i.due_date,
                "currency": i.currency.code(), "amount": decimal(i.amount, i),
                "outstanding": decimal(i.outstanding_on(day), i),
                "days_past_due": i.days_past_due(day), "open": i.is_open_on(day),
                "disputed": i.disputed, "status": i.status.as_str(),
            })
        })
        .collect();
    Ok(Json(json!(list)))
}

async fn aging<S: WebStore, M: Sender + Send + 'static>(
    State(st): State<Web<S, M>>,
    headers: HeaderMap,
    Query(q): Query<DayQuery>,
) -> ApiResult {
    let k = authorize(&st, &headers, Scope::Read)?;
    let day = as_of(&st, &q);
    let mut a = Aging::new(day, Buckets::default(), false);
    for i in ledger(&st, &k.tenant, day)? {
        a.add(&i);
    }
    Ok(Json(report::aging_json(&a.finish(), 0)))
}

async fn kpis<S: WebStore, M: Sender + Send + 'static>(
    State(st): State<Web<S, M>>,
    headers: HeaderMap,
    Query(q): Query<DayQuery>,
) -> ApiResult {
    let k = authorize(&st, &headers, Scope::Read)?;
    let day = as_of(&st, &q);
    let period = q.period_days.unwrap_or(90);
    if !(1..=3660).contains(&period) {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            "period_days must be 1 to 3660".into(),
        ));
    }
    let mut kp = Kpis::new(day, period, false);
    for i in ledger(&st, &k.tenant, day)? {
        kp.add(&i);
    }
    Ok(Json(report::kpis_json(&kp.finish(), 0)))
}

/// The actions the strategy plans for the day, with the portal's holds.
async fn actions<S: WebStore, M: Sender + Send + 'static>(
    State(st): State<Web<S, M>>,
    headers: HeaderMap,
    Query(q): Query<DayQuery>,
) -> ApiResult {
    let k = authorize(&st, &headers, Scope::Read)?;
    let day = as_of(&st, &q);
    let invoices = ledger(&st, &k.tenant, day)?;
    let (customers, sent, holds) = {
        let store = st.store();
        let customers: HashMap<_, _> = store
            .customers(&k.tenant)
            .map_err(store_err)?
            .into_iter()
            .map(|c| (c.customer_id.clone(), c))
            .collect();
        let sent = store.sent_log(&k.tenant).map_err(store_err)?;
        let holds = Holds::load(&*store, &k.tenant).map_err(store_err)?;
        (customers, sent, holds)
    };
    let invoices = holds.apply(invoices, day);
    let actions = plan(&PlanInput {
        as_of: day,
        invoices: &invoices,
        customers: &customers,
        strategy: &st.config.strategy,
        sent: &sent,
    });
    Ok(Json(json!(actions)))
}

async fn sent<S: WebStore, M: Sender + Send + 'static>(
    State(st): State<Web<S, M>>,
    headers: HeaderMap,
) -> ApiResult {
    let k = authorize(&st, &headers, Scope::Read)?;
    Ok(Json(json!(
        st.store().sent_log(&k.tenant).map_err(store_err)?
    )))
}

async fn disputes<S: WebStore, M: Sender + Send + 'static>(
    State(st): State<Web<S, M>>,
    headers: HeaderMap,
) -> ApiResult {
    let k = authorize(&st, &headers, Scope::Read)?;
    Ok(Json(json!(
        st.store().disputes(&k.tenant).map_err(store_err)?
    )))
}

#[derive(Deserialize)]
pub struct TransitionBody {
    to: String,
    note: Option<String>,
    owner: Option<String>,
}

async fn transition<S: WebStore, M: Sender + Send + 'static>(
    State(st): State<Web<S, M>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Json<TransitionBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    let k = authorize(&st, &headers, Scope::Write)?;
    let Json(b) = body.map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.body_text()))?;
    let to = DisputeState::parse(&b.to).ok_or_else(|| {
        ApiError(
            StatusCode::BAD_REQUEST,
            format!(
                "unknown state '{}' (open, acknowledged, escalated, resolved, rejected)",
                b.to
            ),
        )
    })?;
    let now = st.now();
    let mut store = st.store();
    let mut d = store
        .disputes(&k.tenant)
        .map_err(store_err)?
        .into_iter()
        .find(|d| d.id == id)
        .ok_or_else(|| ApiError(StatusCode::NOT_FOUND, format!("no dispute '{id}'")))?;
    let from = d.state;
    d.transition(to, b.note.as_deref(), b.owner.as_deref(), now)
        .map_err(|e| ApiError(StatusCode::CONFLICT, e.to_string()))?;
    if !store
        .update_dispute(&k.tenant, &d, from)
        .map_err(store_err)?
    {
        return Err(ApiError(
            StatusCode::CONFLICT,
            format!("dispute '{id}' changed meanwhile; read it again"),
        ));
    }
    store
        .append_audit(
            &k.tenant,
            &AuditEntry {
                at: now,
                actor: format!("api_key:{}", k.name),
                action: format!("dispute.{}", to.as_str()),
                target: format!("dispute:{id}"),
                detail: format!("{} -> {}", from.as_str(), to.as_str()),
            },
        )
        .map_err(store_err)?;
    Ok(Json(json!(d)))
}

async fn tasks<S: WebStore, M: Sender + Send + 'static>(
    State(st): State<Web<S, M>>,
    headers: HeaderMap,
) -> ApiResult {
    let k = authorize(&st, &headers, Scope::Read)?;
    Ok(Json(json!(st.store().tasks(&k.tenant).map_err(store_err)?)))
}

#[derive(Deserialize)]
pub struct CompleteBody {
    outcome: String,
}

async fn complete_task<S: WebStore, M: Sender + Send + 'static>(
    State(st): State<Web<S, M>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Json<CompleteBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    let k = authorize(&st, &headers, Scope::Write)?;
    let Json(b) = body.map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.body_text()))?;
    if b.outcome.trim().is_empty() {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            "outcome must not be empty".into(),
        ));
    }
    let now = st.now();
    let mut store = st.store();
    if !store
        .complete_task(&k.tenant, &id, b.outcome.trim())
        .map_err(store_err)?
    {
        return Err(ApiError(StatusCode::NOT_FOUND, format!("no task '{id}'")));
    }
    store
        .append_audit(
            &k.tenant,
            &AuditEntry {
                at: now,
                actor: format!("api_key:{}", k.name),
                action: "task.complete".into(),
                target: format!("task:{id}"),
                detail: b.outcome.trim().to_string(),
            },
        )
        .map_err(store_err)?;
    Ok(Json(
        json!({"id": id, "status": "done", "outcome": b.outcome.trim()}),
    ))
}

async fn audit<S: WebStore, M: Sender + Send + 'static>(
    State(st): State<Web<S, M>>,
    headers: HeaderMap,
) -> ApiResult {
    let k = authorize(&st, &headers, Scope::Read)?;
    Ok(Json(json!(
        st.store().audit_log(&k.tenant).map_err(store_err)?
    )))
}
