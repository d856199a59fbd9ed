//! `/api/aging`, `/api/kpis`, `/api/actions`, `/api/sent`: the ledger's
//! reports for a day, the strategy's plan and what was sent.

use arflow_app::dispatch::Sender;
use arflow_app::planning::{PlanError, Scope, plan_day};
use arflow_app::report;
use axum::Json;
use axum::http::StatusCode;
use chrono::NaiveDate;
use serde::Deserialize;

use super::{Api, ApiError, ApiResult, Q, reply};
use crate::WebStore;

#[derive(Deserialize)]
pub struct DayQuery {
    as_of: Option<NaiveDate>,
    period_days: Option<i64>,
}

pub async fn aging<S: WebStore, M: Sender + Send + 'static>(
    api: Api<S, M>,
    Q(q): Q<DayQuery>,
) -> ApiResult {
    let day = api.day(q.as_of);
    let a = crate::cache::aging(&api.st, api.tenant(), day, false)?;
    Ok(Json(report::aging_json(&a, 0)))
}

pub async fn kpis<S: WebStore, M: Sender + Send + 'static>(
    api: Api<S, M>,
    Q(q): Q<DayQuery>,
) -> ApiResult {
    let day = api.day(q.as_of);
    let period = q.period_days.unwrap_or(90);
    if !(1..=3660).contains(&period) {
        return Err(ApiError::bad_request("period_days must be 1 to 3660"));
    }
    let kp = crate::cache::kpis(&api.st, api.tenant(), day, period)?;
    Ok(Json(report::kpis_json(&kp, 0)))
}

/// The actions the strategy in force (the stored one, else the server's)
/// plans for the day, with the portal's holds — the same use case as the
/// daily run and `arflow run`.
pub async fn actions<S: WebStore, M: Sender + Send + 'static>(
    api: Api<S, M>,
    Q(q): Q<DayQuery>,
) -> ApiResult {
    let day = api.day(q.as_of);
    let defaults = api.st.config.strategy_defaults();
    let planned = plan_day(
        &*api.st.store(),
        api.tenant(),
        day,
        Scope::Tenant,
        &defaults,
    )
    .map_err(|e| match e {
        PlanError::Store(e) => ApiError::from(e),
        e => ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    })?;
    reply(planned.actions)
}

/// Everything sent so far.
pub async fn sent<S: WebStore, M: Sender + Send + 'static>(api: Api<S, M>) -> ApiResult {
    reply(api.read(|s, t| s.sent_log(t))?)
}
