//! SES bounce and complaint notifications (SNS, delivered through SQS):
//! the addresses go on the tenant's suppression list, and the AR team gets a
//! task to fix the contact. Suppressed addresses are never e-mailed again.

use arflow_app::delivery::DeliveryStore;
use arflow_app::store::{LedgerStore, StoreError, Task, TaskStatus};
use arflow_domain::strategy::ActionKind;
use chrono::NaiveDate;
use serde_json::Value;

use crate::DynamoStore;

/// The parts of an SES notification that matter here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    /// "Bounce" or "Complaint".
    pub kind: String,
    /// The SES message id of the mail it is about.
    pub message_id: String,
    /// Addresses to suppress (permanent bounces and complaints only).
    pub addresses: Vec<String>,
    /// `mail.tags.tenant`, when the send carried it.
    pub tenant_tag: Option<String>,
    pub detail: String,
}

/// Reads an SNS envelope (`{"Type":"Notification","Message":"…"}`) holding
/// an SES notification; `None` for anything else.
pub fn parse(body: &str) -> Option<Notification> {
    let envelope: Value = serde_json::from_str(body).ok()?;
    if envelope.get("Type")?.as_str()? != "Notification" {
        return None;
    }
    let ses: Value = serde_json::from_str(envelope.get("Message")?.as_str()?).ok()?;
    let kind = ses
        .get("notificationType")
        .or_else(|| ses.get("eventType"))?
        .as_str()?
        .to_string();
    let mail = ses.get("mail")?;
    let message_id = mail.get("messageId")?.as_str()?.to_string();
    let tenant_tag = mail
        .pointer("/tags/tenant/0")
        .and_then(Value::as_str)
        .map(str::to_string);
    let list = |path: &str| -> Vec<String> {
        ses.pointer(path)
            .and_then(Value::as_array)
            .map(|v| {
                v.iter()
                    .filter_map(|r| r.get("emailAddress")?.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (addresses, detail) = match kind.as_str() {
        "Bounce" => {
            let bounce_type = ses
                .pointer("/bounce/bounceType")
                .and_then(Value::as_str)
                .unwrap_or("");
            let sub = ses
                .pointer("/bounce/bounceSubType")
                .and_then(Value::as_str)
                .unwrap_or("");
            // Transient bounces (mailbox full, …) are not suppressed.
            let addresses = if bounce_type == "Permanent" {
                list("/bounce/bouncedRecipients")
            } else {
                Vec::new()
            };
            (addresses, format!("{bounce_type} bounce ({sub})"))
        }
        "Complaint" => (
            list("/complaint/complainedRecipients"),
            "complaint".to_string(),
        ),
        _ => (Vec::new(), kind.clone()),
    };
    Some(Notification {
        kind,
        message_id,
        addresses,
        tenant_tag,
        detail,
    })
}

/// Suppresses the notification's addresses and files one task per newly
/// suppressed address; returns how many addresses were new.
pub async fn apply(
    store: &DynamoStore,
    n: &Notification,
    today: NaiveDate,
) -> Result<usize, StoreError> {
    if n.addresses.is_empty() {
        return Ok(0);
    }
    let origin = store.message_origin(&n.message_id).await?;
    let (tenant, customer_id) = match (&origin, &n.tenant_tag) {
        (Some(o), _) => (o.tenant.clone(), o.customer_id.clone()),
        (None, Some(t)) => (t.clone(), String::new()),
        (None, None) => {
            tracing::warn!(message_id = %n.message_id, "bounce for a message arflow did not send; ignored");
            return Ok(0);
        }
    };
    let mut new = 0;
    let mut writer = store.clone();
    for address in &n.addresses {
        if !writer.suppress(&tenant, address, &n.detail)? {
            continue;
        }
        new += 1;
        let task = Task {
            id: format!("suppressed:{}", address.to_ascii_lowercase()),
            customer_id: customer_id.clone(),
            invoice_ids: Vec::new(),
            kind: ActionKind::Task,
            assignee: "ar_team".into(),
            title: format!("Fix the e-mail contact {address} of customer {customer_id}"),
            body: format!(
                "SES reported a {} for {address} (message {}). arflow will not e-mail this address again.\nFind a working contact and update the customers file.\n",
                n.detail, n.message_id
            ),
            due_on: today,
            status: TaskStatus::Open,
            outcome: None,
        };
        writer.insert_tasks(&tenant, &[task])?;
    }
    Ok(new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(ses: Value) -> String {
        serde_json::json!({"Type": "Notification", "MessageId": "sns-1", "Message": ses.to_string()}).to_string()
    }

    #[test]
    fn a_permanent_bounce_names_its_addresses() {
        let body = envelope(serde_json::json!({
            "notificationType": "Bounce",
            "bounce": {"bounceType": "Permanent", "bounceSubType": "General",
                       "bouncedRecipients": [{"emailAddress": "gone@x.example"}]},
            "mail": {"messageId": "m-1", "tags": {"tenant": ["acme"]}}
        }));
        let n = parse(&body).unwrap();
        assert_eq!(n.addresses, ["gone@x.example"]);
        assert_eq!(
            (n.message_id.as_str(), n.tenant_tag.as_deref()),
            ("m-1", Some("acme"))
        );
    }

    #[test]
    fn transient_bounces_and_other_bodies_suppress_nothing() {
        let body = envelope(serde_json::json!({
            "notificationType": "Bounce",
            "bounce": {"bounceType": "Transient", "bouncedRecipients": [{"emailAddress": "full@x.example"}]},
            "mail": {"messageId": "m-2"}
        }));
        assert!(parse(&body).unwrap().addresses.is_empty());
        assert_eq!(parse(r#"{"type":"action"}"#), None);
    }
}
