//! `/api/payment-plans`: the customers' payment plan requests, and the AR
//! team approving or rejecting them (then marking an approved plan completed
//! or defaulted). A move the life cycle forbids is a 409.

use arflow_app::dispatch::Sender;
use arflow_app::portal::PlanState;
use axum::body::Bytes;
use axum::extract::Path;
use serde::Deserialize;

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
        .collect();
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
    let mut plan = api
        .read(|s, t| s.plans(t))?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(|| ApiError::not_found(format!("no payment plan '{id}'")))?;
    let from = plan.state;
    plan.transition(to, b.note.as_deref(), api.now())
        .map_err(|e| ApiError::conflict(e.to_string()))?;
    let entry = api.audit(
        &format!("payment_plan.{}", to.as_str()),
        format!("payment_plan:{id}"),
        format!("{} -> {}", from.as_str(), to.as_str()),
    );
    let updated = api.write(|s, t| {
        let ok = s.update_plan(t, &plan, from)?;
        if ok {
            s.append_audit(t, &entry)?;
        }
        Ok(ok)
    })?;
    if !updated {
        return Err(ApiError::conflict(format!(
            "payment plan '{id}' changed meanwhile; read it again"
        )));
    }
    reply(plan)
}
