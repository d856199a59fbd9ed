//! `/api/customers/{id}/communications`: the communication log of one
//! customer — every message sent (the delivery port's communication log,
//! with recipients, subject and provider id; sends recorded before that
//! log existed come from the sent log), every call made (completed
//! call tasks) and everything received (disputes with their notes, promises
//! to pay, other portal actions from the audit log) — merged by time.

use std::collections::HashSet;

use arflow_app::dispatch::Sender;
use arflow_domain::strategy::action::{ActionKind, channel_str};
use axum::extract::Path;
use chrono::NaiveDate;
use serde_json::{Value, json};

use super::customers::find;
use super::money::{disputes_json, promises_json};
use super::{Api, ApiResult, reply};
use crate::WebStore;
use crate::pages::today;

/// Portal actions already listed as the dispute or promise they created.
const SHOWN_AS_RECORDS: &[&str] = &["dispute.open", "promise.create"];

struct Entry {
    on: NaiveDate,
    /// Seconds since the Unix epoch, when the source has a time.
    at: Option<i64>,
    direction: &'static str,
    source: &'static str,
    summary: String,
    detail: Value,
}

pub async fn list<S: WebStore, M: Sender + Send + 'static>(
    api: Api<S, M>,
    Path(id): Path<String>,
) -> ApiResult {
    find(&api, &id)?;
    let (messages, sent, tasks, disputes, promises, audit) = api.read(|s, t| {
        Ok((
            s.communications(t, &id)?,
            s.sent_log(t)?,
            s.tasks(t)?,
            s.disputes(t)?,
            s.promises(t)?,
            s.audit_log(t)?,
        ))
    })?;
    let mut log = Vec::new();
    let logged: HashSet<String> = messages.iter().map(|m| m.action_id.clone()).collect();
    for m in messages {
        log.push(Entry {
            on: m.sent_on,
            at: None,
            direction: "sent",
            source: "message",
            summary: format!(
                "{} to {} about {}",
                channel_str(m.channel),
                m.to.join(", "),
                named(&m.invoice_ids)
            ),
            detail: json!(m),
        });
    }
    for r in sent
        .into_iter()
        .filter(|r| r.customer_id == id && !logged.contains(&r.action_id))
    {
        let Some(channel) = r.channel else {
            continue;
        };
        log.push(Entry {
            on: r.sent_on,
            at: None,
            direction: "sent",
            source: "sent_log",
            summary: format!(
                "{} ({}) about {}",
                channel.as_str(),
                r.rule,
                named(&r.invoice_ids)
            ),
            detail: json!(r),
        });
    }
    for t in tasks
        .into_iter()
        .filter(|t| t.customer_id == id && t.kind == ActionKind::CallTask && t.outcome.is_some())
    {
        log.push(Entry {
            on: t.due_on,
            at: None,
            direction: "sent",
            source: "call",
            summary: format!("call: {}", t.outcome.as_deref().unwrap_or_default()),
            detail: json!(t),
        });
    }
    let disputes: Vec<_> = disputes
        .into_iter()
        .filter(|d| d.customer_id == id)
        .collect();
    for (d, detail) in disputes.iter().zip(disputes_json(&api, &disputes)?) {
        log.push(Entry {
            on: today(d.opened_at),
            at: Some(d.opened_at),
            direction: "received",
            source: "dispute",
            summary: format!(
                "dispute of {} ({}): {}",
                d.invoice_id,
                d.state.as_str(),
                d.reason
            ),
            detail,
        });
    }
    let promises: Vec<_> = promises
        .into_iter()
        .filter(|p| p.customer_id == id)
        .collect();
    for (p, detail) in promises.iter().zip(promises_json(&api, &promises)?) {
        log.push(Entry {
            on: today(p.created_at),
            at: Some(p.created_at),
            direction: "received",
            source: "promise",
            summary: format!("promise to pay {} by {}", p.invoice_id, p.promised_date),
            detail,
        });
    }
    let actor = format!("customer:{id}");
    for a in audit
        .into_iter()
        .filter(|a| a.actor == actor && !SHOWN_AS_RECORDS.contains(&a.action.as_str()))
    {
        log.push(Entry {
            on: today(a.at),
            at: Some(a.at),
            direction: "received",
            source: "portal",
            summary: format!("{} {}", a.action, a.target),
            detail: json!(a),
        });
    }
    // A day's sends have no time: they sort before what came in that day.
    log.sort_by_key(|e| (e.on, e.at.unwrap_or(i64::MIN)));
    reply(
        log.into_iter()
            .map(|e| {
                json!({
                    "on": e.on, "at": e.at, "direction": e.direction,
                    "source": e.source, "summary": e.summary, "detail": e.detail,
                })
            })
            .collect::<Vec<_>>(),
    )
}

fn named(ids: &[String]) -> String {
    if ids.is_empty() {
        "the account".into()
    } else {
        ids.join(", ")
    }
}
