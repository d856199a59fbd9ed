//! What filing a dispute sends at once: the strategy's acknowledgement to
//! the customer (as the action the planner would plan, same id) and the AR
//! team's notice — both recorded in the sent log so nothing goes out twice.

use std::collections::HashMap;

use arflow_app::dispatch::{EmailMessage, Prepared, Renderer, Sender};
use arflow_app::portal::{Dispute, Holds, hex};
use arflow_app::store::{Task, TaskStatus};
use arflow_domain::ledger::{Customer, Invoice};
use arflow_domain::sent::SentRecord;
use arflow_domain::strategy::action::{Target, action_id};
use arflow_domain::strategy::sent_index::rule;
use arflow_domain::strategy::{Action, ActionKind, Recipients, Role, Tone};
use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use crate::html::escape;
use crate::pages::{audit, money, today};
use crate::{Web, WebStore};

/// Rule of the AR team's notice that a customer filed a dispute.
pub const DISPUTE_FILED: &str = "portal:dispute_filed";

/// The customer, with its portal preferences applied.
pub(crate) fn customer_with_prefs<S: WebStore, M: Sender + Send + 'static>(
    st: &Web<S, M>,
    tenant: &str,
    customer_id: &str,
) -> Option<(HashMap<String, Customer>, Holds)> {
    let store = st.store();
    let c = store
        .customers(tenant)
        .ok()?
        .into_iter()
        .find(|c| c.customer_id == customer_id)?;
    let prefs = store.contact_prefs(tenant, customer_id).ok()?;
    let holds = Holds {
        prefs: prefs
            .map(|p| (customer_id.to_string(), p))
            .into_iter()
            .collect(),
        ..Holds::default()
    };
    let mut customers = HashMap::from([(customer_id.to_string(), c)]);
    holds.apply_prefs(&mut customers);
    Some((customers, holds))
}

/// Sends the strategy's dispute acknowledgement now, as the action the
/// planner would plan (same rule, channel, template and id), and records it
/// as sent today; true when it went out. Nothing is recorded when it cannot
/// be sent, so the next run sends it instead.
pub(crate) fn acknowledge<S: WebStore, M: Sender + Send + 'static>(
    st: &Web<S, M>,
    tenant: &str,
    d: &Dispute,
    invoice: &Invoice,
    customers: &HashMap<String, Customer>,
    holds: &Holds,
    now: i64,
) -> bool {
    let strategy = &st.config.strategy;
    let Some(seq) = strategy.events.dispute.as_ref().filter(|s| s.enabled) else {
        return false;
    };
    let Some(templates) = st.templates.as_ref() else {
        return false;
    };
    let Some(customer) = customers.get(&d.customer_id) else {
        return false;
    };
    if customer.white_glove || customer.opted_out.contains(&seq.channel) {
        return false;
    }
    let day = today(now);
    let sent_before = st
        .store()
        .sent_log(tenant)
        .map(|log| {
            log.iter()
                .any(|r| r.rule == rule::DISPUTE_ACK && r.invoice_ids.contains(&d.invoice_id))
        })
        .unwrap_or(true);
    if sent_before {
        return false;
    }
    let kind = ActionKind::message(seq.channel);
    let addresses = match seq.channel {
        arflow_domain::ledger::Channel::Email => customer.emails.clone(),
        _ => customer.phone.iter().cloned().collect(),
    };
    if addresses.is_empty() {
        return false;
    }
    let mut action = Action {
        id: action_id(
            kind,
            rule::DISPUTE_ACK,
            Target::Channel(seq.channel),
            &d.customer_id,
            &[d.invoice_id.as_str()],
            None,
        ),
        kind,
        customer_id: d.customer_id.clone(),
        invoice_ids: vec![d.invoice_id.clone()],
        rule: rule::DISPUTE_ACK.to_string(),
        channel: Some(seq.channel),
        recipients: Recipients::Addresses(addresses),
        template: Some(seq.ack_template.clone()),
        scheduled_for: rfc3339(now),
        due_on: day,
        explanation: format!(
            "{} was disputed in the customer portal (dispute {}); acknowledged at once",
            d.invoice_id, d.id
        ),
        tone: Tone::Friendly,
    };
    holds.route(std::slice::from_mut(&mut action), customers);
    let mut marked = invoice.clone();
    marked.disputed = true;
    let invoices = [marked];
    let renderer = Renderer::new(strategy, templates, &invoices, customers, day);
    let sent = match renderer.prepare(&action) {
        Ok(Prepared::Email(m)) => st
            .sender
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send_email(&m),
        Ok(Prepared::Text(m)) => st
            .sender
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send_text(&m),
        Ok(Prepared::Task(_)) => return false,
        Err(e) => {
            eprintln!("arflow-web: dispute acknowledgement not rendered: {e}");
            return false;
        }
    };
    if let Err(e) = sent {
        eprintln!("arflow-web: dispute acknowledgement not sent: {e}");
        return false;
    }
    let mut store = st.store();
    let _ = store.record_sent(tenant, &[SentRecord::from(&action)]);
    let _ = store.append_audit(
        tenant,
        &audit(
            "system",
            "dispute.ack_sent",
            format!("dispute:{}", d.id),
            format!("action {} by {}", action.id, action.kind.as_str()),
            now,
        ),
    );
    true
}

fn rfc3339(now: i64) -> String {
    chrono::DateTime::from_timestamp(now, 0)
        .unwrap_or_default()
        .to_rfc3339()
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

/// Tells the AR team about a new dispute: a task in their queue and, when
/// the strategy names the company's address, an e-mail to it; recorded in
/// the sent log and the audit log under one deterministic id.
pub(crate) fn notify_ar_team<S: WebStore, M: Sender + Send + 'static>(
    st: &Web<S, M>,
    tenant: &str,
    d: &Dispute,
    invoice: &Invoice,
    name: &str,
    attachment: Option<&str>,
    now: i64,
) {
    let id = filed_notice_id(tenant, &d.id);
    let day: NaiveDate = today(now);
    let title = format!(
        "Dispute {} filed by {} on invoice {}",
        d.id, name, d.invoice_id
    );
    let body = format!(
        "{name} ({customer}) disputed {amount} of invoice {invoice} in the customer portal.\n\
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
    let task = Task {
        id: id.clone(),
        customer_id: d.customer_id.clone(),
        invoice_ids: vec![d.invoice_id.clone()],
        kind: ActionKind::Notify.as_str().to_string(),
        assignee: Role::ArTeam.as_str().to_string(),
        title: title.clone(),
        body: body.clone(),
        due_on: day,
        status: TaskStatus::Open,
        outcome: None,
    };
    let mailed = match st.config.strategy.tenant.company.email.as_deref() {
        Some(to) if !to.trim().is_empty() => {
            let msg = EmailMessage {
                action_id: id.clone(),
                from: st.config.from.clone(),
                to: vec![to.trim().to_string()],
                subject: format!("[Dispute] {title}"),
                text: body.clone(),
                html: format!("<pre>{}</pre>", escape(&body)),
                date: chrono::DateTime::from_timestamp(now, 0)
                    .unwrap_or_default()
                    .fixed_offset(),
            };
            st.sender
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .send_email(&msg)
                .is_ok()
        }
        _ => false,
    };
    let record = SentRecord {
        action_id: id.clone(),
        customer_id: d.customer_id.clone(),
        invoice_ids: vec![d.invoice_id.clone()],
        rule: DISPUTE_FILED.to_string(),
        kind: ActionKind::Notify.as_str().to_string(),
        channel: None,
        sent_on: day,
    };
    let mut store = st.store();
    let _ = store.insert_tasks(tenant, &[task]);
    let _ = store.record_sent(tenant, &[record]);
    let _ = store.append_audit(
        tenant,
        &audit(
            "system",
            "dispute.ar_notified",
            format!("dispute:{}", d.id),
            format!("task {id}{}", if mailed { " and e-mail" } else { "" }),
            now,
        ),
    );
}
