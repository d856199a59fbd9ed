//! What filing a dispute sends at once, through the one delivery use case:
//! the strategy's acknowledgement to the customer — exactly the action the
//! planner plans for the customer today (same id, rules, channel and
//! address; nothing when the planner would not send it today) — and the AR
//! team's notice (a task, and an alert where the host has one).

use arflow_domain::ledger::Invoice;
use arflow_domain::money::{Currency, Money};
use arflow_domain::strategy::sent_index::rule;
use arflow_domain::strategy::{Action, ActionKind, Recipients, Role, Tone};
use arflow_domain::template::TemplateSet;
use chrono::{DateTime, NaiveDate};
use sha2::{Digest, Sha256};

use super::{Dispute, Holds, hex};
use crate::delivery::{Attempt, DeliverError, Delivered, deliver};
use crate::dispatch::{PrepareError, Prepared, Renderer, RunStore, Sender};
use crate::planning::{DayInputs, PlanError, StrategyDefaults, plan_inputs};
use crate::store::{Task, TaskStatus};

/// Rule of the AR team's notice that a customer filed a dispute.
pub const DISPUTE_FILED: &str = "portal:dispute_filed";

/// Why a message of a filing could not be delivered (the dispute itself
/// is filed; the next run sends the acknowledgement).
#[derive(Debug, thiserror::Error)]
pub enum FilingError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    Prepare(#[from] PrepareError),
    #[error(transparent)]
    Deliver(#[from] DeliverError),
}

/// Sends the dispute acknowledgement now when the planner plans it for
/// `day` (the stored dispute marks the invoice disputed); `None` when it
/// does not (no sequence, white glove, opted out, not a business day, …:
/// the next run decides).
#[allow(clippy::too_many_arguments)]
pub fn acknowledge_dispute<S: RunStore + ?Sized>(
    store: &mut S,
    sender: &mut dyn Sender,
    tenant: &str,
    dispute: &Dispute,
    defaults: &StrategyDefaults,
    templates: &TemplateSet,
    day: NaiveDate,
    now: i64,
) -> Result<Option<Delivered>, FilingError> {
    let customer_id = dispute.customer_id.as_str();
    let mut invoices = Vec::new();
    store.customer_invoices(tenant, customer_id, &mut |i| invoices.push(i))?;
    let mut customers = store.customers(tenant)?;
    customers.retain(|c| c.customer_id == customer_id);
    let mut sent = store.sent_log(tenant)?;
    sent.retain(|r| r.customer_id == customer_id);
    let inputs = DayInputs {
        as_of: day,
        invoices,
        customers,
        sent,
        holds: Holds::load(store, tenant)?,
        strategy_source: store.strategy_source(tenant)?,
    };
    let planned = plan_inputs(inputs, tenant, defaults)?;
    let Some(action) = planned
        .actions
        .iter()
        .find(|a| a.rule == rule::DISPUTE_ACK && a.invoice_ids == [dispute.invoice_id.as_str()])
    else {
        return Ok(None);
    };
    let renderer = Renderer::new(
        &planned.strategy,
        templates,
        &planned.invoices,
        &planned.customers,
        day,
    );
    let prepared = renderer.prepare(action)?;
    if matches!(prepared, Prepared::Task(_)) {
        return Ok(None);
    }
    let attempt = Attempt {
        now,
        retry_failed: false,
    };
    Ok(Some(deliver(
        store, sender, tenant, action, prepared, attempt,
    )?))
}

/// The id of the AR team's notice of dispute `dispute_id`: a hash of the
/// tenant and the dispute, so retrying never notifies twice.
pub fn filed_notice_id(tenant: &str, dispute_id: &str) -> String {
    let mut h = Sha256::new();
    for part in [DISPUTE_FILED, tenant, dispute_id] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex(&h.finalize()[..16])
}

/// Tells the AR team about a new dispute: a task in their queue (and the
/// host's alert), under one deterministic id.
#[allow(clippy::too_many_arguments)]
pub fn notify_dispute_filed<S: RunStore + ?Sized>(
    store: &mut S,
    sender: &mut dyn Sender,
    tenant: &str,
    dispute: &Dispute,
    invoice: &Invoice,
    customer_name: &str,
    attachment: Option<&str>,
    now: i64,
) -> Result<Delivered, DeliverError> {
    let d = dispute;
    let id = filed_notice_id(tenant, &d.id);
    let day = day_of(now);
    let title = format!(
        "[Dispute] {} filed by {customer_name} on invoice {}",
        d.id, d.invoice_id
    );
    let body = format!(
        "{customer_name} ({customer}) disputed {amount} of invoice {invoice} in the customer portal.\n\
         Reason: {reason}\nMessage: {message}\nAttachment: {attachment}\n\
         Reminders for the invoice are paused while the dispute is open. Work it with\n\
         POST /api/disputes/{id}/transition.\n",
        customer = d.customer_id,
        amount = money(d.amount, invoice.currency),
        invoice = d.invoice_id,
        reason = d.reason,
        message = if d.message.is_empty() {
            "(none)"
        } else {
            &d.message
        },
        attachment = attachment.unwrap_or("(none)"),
        id = d.id,
    );
    let action = Action {
        id: id.clone(),
        kind: ActionKind::Notify,
        customer_id: d.customer_id.clone(),
        invoice_ids: vec![d.invoice_id.clone()],
        rule: DISPUTE_FILED.to_string(),
        channel: None,
        recipients: Recipients::Role(Role::ArTeam),
        template: None,
        scheduled_for: DateTime::from_timestamp(now, 0)
            .unwrap_or_default()
            .to_rfc3339(),
        due_on: day,
        explanation: format!("{} was disputed in the customer portal", d.invoice_id),
        tone: Tone::Friendly,
        stages: Vec::new(),
        skipped_steps: Vec::new(),
        reminded_before: false,
    };
    let task = Task {
        id,
        customer_id: d.customer_id.clone(),
        invoice_ids: vec![d.invoice_id.clone()],
        kind: ActionKind::Notify,
        assignee: Role::ArTeam.as_str().to_string(),
        title,
        body,
        due_on: day,
        status: TaskStatus::Open,
        outcome: None,
    };
    let attempt = Attempt {
        now,
        retry_failed: false,
    };
    deliver(
        store,
        sender,
        tenant,
        &action,
        Prepared::Task(task),
        attempt,
    )
}

fn day_of(now: i64) -> NaiveDate {
    DateTime::from_timestamp(now, 0)
        .unwrap_or_default()
        .date_naive()
}

fn money(minor: i64, c: Currency) -> String {
    format!("{} {}", Money::new(minor, c).to_grouped_string(), c.code())
}
