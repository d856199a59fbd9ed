//! The AR team's changes through the API: moving a dispute or a payment
//! plan along its life cycle, completing a task with an outcome, and
//! storing a new strategy version. `actor` names who ("api_key:ops").

use super::{ChangeError, entry};
use crate::portal::{
    Change, ChangeStore, Dispute, DisputeState, PaymentPlan, PlanState, PortalStore,
    SelfServiceStore,
};
use crate::store::{LedgerStore, Task, TaskStatus};
use crate::strategy_store::StrategyStore;

/// What can come of a task. Calls end in one of the first eight; any task
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

/// Moves dispute `id` to `to`, adding `note` and taking `owner` when given.
#[allow(clippy::too_many_arguments)]
pub fn move_dispute<S: ChangeStore + PortalStore + ?Sized>(
    store: &mut S,
    tenant: &str,
    actor: &str,
    id: &str,
    to: DisputeState,
    note: Option<&str>,
    owner: Option<&str>,
    now: i64,
) -> Result<Dispute, ChangeError> {
    let mut d = store
        .disputes(tenant)?
        .into_iter()
        .find(|d| d.id == id)
        .ok_or_else(|| ChangeError::NotFound(format!("no dispute '{id}'")))?;
    let from = d.state;
    d.transition(to, note, owner, now)
        .map_err(|e| ChangeError::Conflict(e.to_string()))?;
    let audit = entry(
        now,
        actor,
        &format!("dispute.{}", to.as_str()),
        format!("dispute:{id}"),
        format!("{} -> {}", from.as_str(), to.as_str()),
    );
    let change = Change::MoveDispute {
        dispute: d.clone(),
        from,
    };
    if !store.commit(tenant, &change, &audit)? {
        return Err(ChangeError::Conflict(format!(
            "dispute '{id}' changed meanwhile; read it again"
        )));
    }
    Ok(d)
}

/// Moves payment plan `id` to `to` with an optional note.
#[allow(clippy::too_many_arguments)]
pub fn move_plan<S: ChangeStore + SelfServiceStore + ?Sized>(
    store: &mut S,
    tenant: &str,
    actor: &str,
    id: &str,
    to: PlanState,
    note: Option<&str>,
    now: i64,
) -> Result<PaymentPlan, ChangeError> {
    let mut plan = store
        .plans(tenant)?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(|| ChangeError::NotFound(format!("no payment plan '{id}'")))?;
    let from = plan.state;
    plan.transition(to, note, now)
        .map_err(|e| ChangeError::Conflict(e.to_string()))?;
    let audit = entry(
        now,
        actor,
        &format!("payment_plan.{}", to.as_str()),
        format!("payment_plan:{id}"),
        format!("{} -> {}", from.as_str(), to.as_str()),
    );
    let change = Change::MovePlan {
        plan: plan.clone(),
        from,
    };
    if !store.commit(tenant, &change, &audit)? {
        return Err(ChangeError::Conflict(format!(
            "payment plan '{id}' changed meanwhile; read it again"
        )));
    }
    Ok(plan)
}

/// Marks open task `id` done with one of [`OUTCOMES`] and an optional note
/// in words ("will pay Friday"); stored as "outcome: note".
pub fn complete_task<S: ChangeStore + LedgerStore + ?Sized>(
    store: &mut S,
    tenant: &str,
    actor: &str,
    id: &str,
    outcome: &str,
    note: Option<&str>,
    now: i64,
) -> Result<Task, ChangeError> {
    let code = outcome.trim();
    if !OUTCOMES.contains(&code) {
        return Err(ChangeError::Invalid(format!(
            "unknown outcome '{code}' (one of: {})",
            OUTCOMES.join(", ")
        )));
    }
    let outcome = match note.map(str::trim).filter(|n| !n.is_empty()) {
        Some(note) => format!("{code}: {note}"),
        None => code.to_string(),
    };
    let find = |s: &S| -> Result<Task, ChangeError> {
        s.tasks(tenant)?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or_else(|| ChangeError::NotFound(format!("no task '{id}'")))
    };
    let done_already = |t: &Task| {
        ChangeError::Conflict(format!(
            "task '{id}' is done already (outcome: {})",
            t.outcome.as_deref().unwrap_or("none")
        ))
    };
    let mut task = find(store)?;
    if task.status == TaskStatus::Done {
        return Err(done_already(&task));
    }
    let audit = entry(
        now,
        actor,
        "task.complete",
        format!("task:{id}"),
        outcome.clone(),
    );
    let change = Change::CompleteTask {
        id: id.to_string(),
        outcome: outcome.clone(),
    };
    if !store.commit(tenant, &change, &audit)? {
        // Someone completed (or removed) it between the read and the write.
        return Err(done_already(&find(store)?));
    }
    task.status = TaskStatus::Done;
    task.outcome = Some(outcome);
    Ok(task)
}

/// Stores `source` (linted by the caller) as the next strategy version.
/// `if_match` is the version the caller read: `Some(0)` when it read none,
/// `None` to take whatever is stored now. Returns the new version.
pub fn put_strategy<S: ChangeStore + StrategyStore + ?Sized>(
    store: &mut S,
    tenant: &str,
    actor: &str,
    source: &str,
    if_match: Option<u64>,
    now: i64,
) -> Result<u64, ChangeError> {
    let current = store.strategy_source(tenant)?.map(|(_, v)| v);
    let expected = match if_match {
        Some(0) => None,
        Some(v) => Some(v),
        None => current,
    };
    if expected != current {
        return Err(ChangeError::Conflict(format!(
            "the stored strategy is version {}, not {}; read it again",
            current.unwrap_or(0),
            expected.unwrap_or(0)
        )));
    }
    let version = expected.unwrap_or(0) + 1;
    let audit = entry(
        now,
        actor,
        "strategy.put",
        "strategy".into(),
        format!("version {version}"),
    );
    let change = Change::Strategy {
        source: source.to_string(),
        expected,
    };
    if !store.commit(tenant, &change, &audit)? {
        return Err(ChangeError::Conflict(
            "another strategy version was stored meanwhile; read it again".into(),
        ));
    }
    Ok(version)
}
