//! The one fallback: a message that cannot go out as planned becomes a task
//! for the AR team — never a message on another channel.

use arflow_domain::ledger::Channel;
use arflow_domain::strategy::Action;
use arflow_domain::strategy::action::{ActionKind, channel_str};

use crate::store::{Task, TaskStatus};

fn ar_team_task(a: &Action, id: String, title: String, body: String) -> Task {
    Task {
        id,
        customer_id: a.customer_id.clone(),
        invoice_ids: a.invoice_ids.clone(),
        kind: ActionKind::Task,
        assignee: "ar_team".to_string(),
        title,
        body,
        due_on: a.due_on,
        status: TaskStatus::Open,
        outcome: None,
    }
}

fn what(a: &Action) -> &str {
    a.template.as_deref().unwrap_or(a.kind.as_str())
}

/// No provider is configured for the channel: the AR team sends it by hand.
/// Same id as the action.
pub fn unsupported_channel_task(a: &Action, channel: Channel, to: &[String], body: &str) -> Task {
    ar_team_task(
        a,
        a.id.clone(),
        format!(
            "Send a {} message to {} ({}): no {} provider is configured",
            channel_str(channel),
            to.join(", "),
            a.customer_id,
            channel_str(channel)
        ),
        format!(
            "'{}' is due by {} but this installation has no provider for that channel.\n\
             Why it was due: {}\nSend it by hand:\n\n{body}\n",
            what(a),
            channel_str(channel),
            a.explanation
        ),
    )
}

/// Every address of an e-mail is on the suppression list.
pub fn suppressed_task(a: &Action, addresses: &[String]) -> Task {
    ar_team_task(
        a,
        format!("{}:suppressed", a.id),
        format!(
            "Fix the e-mail contact of customer {}: {} suppressed",
            a.customer_id,
            addresses.join(", ")
        ),
        format!(
            "'{}' was not sent: every address bounced or complained before ({}).\nWhy it was due: {}\nFind a working contact and send it by hand.\n",
            what(a),
            addresses.join(", "),
            a.explanation
        ),
    )
}

/// An earlier delivery stopped between the send and its record and the
/// provider cannot say whether the message went out: it is not sent again.
pub fn unconfirmed_task(a: &Action) -> Task {
    ar_team_task(
        a,
        format!("{}:unconfirmed", a.id),
        format!(
            "Check whether '{}' reached customer {}",
            what(a),
            a.customer_id
        ),
        format!(
            "A delivery of action {} stopped after handing the message to the provider and before recording it.\n\
             It was not sent again, so that the customer is never contacted twice.\n\
             Check the provider's log (or ask the customer) and send it by hand if it did not arrive.\nWhy it was due: {}\n",
            a.id, a.explanation
        ),
    )
}
