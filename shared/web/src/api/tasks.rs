//! `/api/tasks`: work for the AR team (calls with their script,
//! notifications, reviews), and completing one with an outcome.

use arflow_app::dispatch::Sender;
use arflow_app::store::{Task, TaskStatus};
use axum::extract::Path;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Api, ApiError, ApiResult, Body, Write, reply};
use crate::WebStore;

/// What can come of a task. Calls end in one of the first seven; any task
/// may simply be `done` or found `not_needed`.
pub const OUTCOMES: &[&str] = &[
    "reached",
    "promised_to_pay",
    "paid",
    "disputed",
    "callback_requested",
    "left_voicemail",
    "no_answer",
    "wrong_number",
    "done",
    "not_needed",
];

/// A task as the API shows it: a call task carries its call script (the
/// rendered script is the task's body).
pub fn task_json(t: &Task) -> Value {
    let mut v = json!(t);
    v["call_script"] = if t.kind == "call_task" {
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
    let code = b.outcome.trim();
    if !OUTCOMES.contains(&code) {
        return Err(ApiError::unprocessable(format!(
            "unknown outcome '{code}' (one of: {})",
            OUTCOMES.join(", ")
        )));
    }
    let outcome = match b.note.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(note) => format!("{code}: {note}"),
        None => code.to_string(),
    };
    let entry = api.audit("task.complete", format!("task:{id}"), outcome.clone());
    let task = api.write(|s, t| {
        let Some(mut task) = s.tasks(t)?.into_iter().find(|x| x.id == id) else {
            return Ok(Err(ApiError::not_found(format!("no task '{id}'"))));
        };
        if task.status == TaskStatus::Done {
            return Ok(Err(ApiError::conflict(format!(
                "task '{id}' is done already (outcome: {})",
                task.outcome.as_deref().unwrap_or("none")
            ))));
        }
        if !s.complete_task(t, &id, &outcome)? {
            return Ok(Err(ApiError::not_found(format!("no task '{id}'"))));
        }
        s.append_audit(t, &entry)?;
        task.status = TaskStatus::Done;
        task.outcome = Some(outcome.clone());
        Ok(Ok(task))
    })??;
    reply(task_json(&task))
}
