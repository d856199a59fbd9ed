//! `/api/disputes`: the tenant's disputes and their life cycle.

use arflow_app::dispatch::Sender;
use arflow_app::portal::DisputeState;
use axum::extract::Path;
use serde::Deserialize;

use super::{Api, ApiError, ApiResult, Body, Write, reply};
use crate::WebStore;

/// Every dispute, ordered by (opened_at, id).
pub async fn list<S: WebStore, M: Sender + Send + 'static>(api: Api<S, M>) -> ApiResult {
    reply(api.read(|s, t| s.disputes(t))?)
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
    let mut d = api
        .read(|s, t| s.disputes(t))?
        .into_iter()
        .find(|d| d.id == id)
        .ok_or_else(|| ApiError::not_found(format!("no dispute '{id}'")))?;
    let from = d.state;
    d.transition(to, b.note.as_deref(), b.owner.as_deref(), api.now())
        .map_err(|e| ApiError::conflict(e.to_string()))?;
    let entry = api.audit(
        &format!("dispute.{}", to.as_str()),
        format!("dispute:{id}"),
        format!("{} -> {}", from.as_str(), to.as_str()),
    );
    let updated = api.write(|s, t| {
        let ok = s.update_dispute(t, &d, from)?;
        if ok {
            s.append_audit(t, &entry)?;
        }
        Ok(ok)
    })?;
    if !updated {
        return Err(ApiError::conflict(format!(
            "dispute '{id}' changed meanwhile; read it again"
        )));
    }
    reply(d)
}
