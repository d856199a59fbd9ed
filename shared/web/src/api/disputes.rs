//! `/api/disputes`: the tenant's disputes and their life cycle.

use arflow_app::dispatch::Sender;
use arflow_app::portal::{DisputeState, changes};
use axum::extract::Path;
use serde::Deserialize;

use super::money::{dispute_json, disputes_json};
use super::{Api, ApiError, ApiResult, Body, Write, reply};
use crate::WebStore;

/// Every dispute, ordered by (opened_at, id).
pub async fn list<S: WebStore, M: Sender + Send + 'static>(api: Api<S, M>) -> ApiResult {
    let disputes = api.read(|s, t| s.disputes(t))?;
    reply(disputes_json(&api, &disputes)?)
}

#[derive(Deserialize)]
pub struct TransitionBody {
    to: String,
    note: Option<String>,
    owner: Option<String>,
}

/// Moves a dispute to another state (409 when its life cycle forbids it).
pub async fn transition<S: WebStore, M: Sender + Send + 'static>(
    api: Api<S, M, Write>,
    Path(id): Path<String>,
    Body(b): Body<TransitionBody>,
) -> ApiResult {
    let to = DisputeState::parse(&b.to).ok_or_else(|| {
        ApiError::bad_request(format!(
            "unknown state '{}' (open, acknowledged, escalated, resolved, rejected)",
            b.to
        ))
    })?;
    let d = api.change(|s, t, actor, now| {
        changes::move_dispute(
            s,
            t,
            actor,
            &id,
            to,
            b.note.as_deref(),
            b.owner.as_deref(),
            now,
        )
    })?;
    reply(dispute_json(&api, &d)?)
}
