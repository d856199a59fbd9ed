//! `/api/tasks`: work for the AR team (calls with their script,
//! notifications, reviews), and completing one with an outcome.

use arflow_app::dispatch::Sender;
use arflow_app::portal::changes;
use arflow_app::store::Task;
use arflow_domain::strategy::ActionKind;
use axum::extract::Path;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Api, ApiResult, Body, Write, reply};
use crate::WebStore;

/// A task as the API shows it: a call task carries its call script (the
/// rendered script is the task's body).
pub fn task_json(t: &Task) -> Value {
    let mut v = json!(t);
    v["call_script"] = if t.kind == ActionKind::CallTask {
        json!(t.body)
    } else {
        Value::Null
    };
    v
}

/// Every task, ordered by (due_on, id).
pub async fn list<S: WebStore, M: Sender + Send + 'static>(api: Api<S, M>) -> ApiResult {
    reply(
        api.read(|s, t| s.tasks(t))?
            .iter()
            .map(task_json)
            .collect::<Vec<_>>(),
    )
}

#[derive(Deserialize)]
pub struct CompleteBody {
    outcome: String,
    /// What happened, in words ("will pay Friday").
    note: Option<String>,
}

/// Marks an open task done with a known outcome (422 for an unknown one,
/// 409 when it is done already).
pub async fn complete<S: WebStore, M: Sender + Send + 'static>(
    api: Api<S, M, Write>,
    Path(id): Path<String>,
    Body(b): Body<CompleteBody>,
) -> ApiResult {
    let task = api.change(|s, t, actor, now| {
        changes::complete_task(s, t, actor, &id, &b.outcome, b.note.as_deref(), now)
    })?;
    reply(task_json(&task))
}
