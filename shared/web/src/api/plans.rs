//! `/api/payment-plans`: the customers' payment plan requests, and the AR
//! team approving or rejecting them (then marking an approved plan completed
//! or defaulted). A move the life cycle forbids is a 409.

use arflow_app::dispatch::Sender;
use arflow_app::portal::{PlanState, changes};
use axum::body::Bytes;
use axum::extract::Path;
use serde::Deserialize;

use super::money::plan_json;
use super::{Api, ApiError, ApiResult, Q, Write, reply};
use crate::WebStore;

#[derive(Deserialize)]
pub struct ListQuery {
    state: Option<String>,
    customer: Option<String>,
}

/// Every plan, ordered by (requested_at, id); `?state=` and `?customer=` filter.
pub async fn list<S: WebStore, M: Sender + Send + 'static>(
    api: Api<S, M>,
    Q(q): Q<ListQuery>,
) -> ApiResult {
    let plans = api.read(|s, t| s.plans(t))?;
    let plans: Vec<_> = plans
        .into_iter()
        .filter(|p| q.state.as_deref().is_none_or(|s| s == p.state.as_str()))
        .filter(|p| q.customer.as_deref().is_none_or(|c| c == p.customer_id))
        .map(|p| plan_json(&p))
        .collect::<Result<_, _>>()?;
    reply(plans)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct NoteBody {
    note: Option<String>,
}

/// `POST /api/payment-plans/{id}/{approve|reject|complete|default}` with an
/// optional `{"note": "..."}`.
pub async fn transition<S: WebStore, M: Sender + Send + 'static>(
    api: Api<S, M, Write>,
    Path((id, verb)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let to = PlanState::for_verb(&verb).ok_or_else(|| {
        ApiError::not_found(format!(
            "no action '{verb}' on a payment plan (approve, reject, complete, default)"
        ))
    })?;
    let b: NoteBody = if body.iter().all(u8::is_ascii_whitespace) {
        NoteBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::bad_request(format!("body: {e} (expected {{\"note\": \"...\"}})"))
        })?
    };
    if b.note.as_deref().is_some_and(|n| n.chars().count() > 4000) {
        return Err(ApiError::bad_request("note: at most 4,000 characters"));
    }
    let plan = api.change(|s, t, actor, now| {
        changes::move_plan(s, t, actor, &id, to, b.note.as_deref(), now)
    })?;
    reply(plan_json(&plan)?)
}
