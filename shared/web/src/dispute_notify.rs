//! Wiring for what filing a dispute sends at once (the use cases are
//! `arflow_app::portal::{acknowledge_dispute, notify_dispute_filed}`): the
//! router's sender, with the AR team's alerts e-mailed to the company
//! address the strategy names.

use arflow_app::delivery::Delivered;
use arflow_app::dispatch::{EmailMessage, SendError, Sender, TextMessage};
use arflow_app::portal::{Dispute, acknowledge_dispute, notify_dispute_filed};
use arflow_app::store::Task;
use arflow_domain::ledger::{Channel, Invoice};

use crate::html::escape;
use crate::pages::{audit, today};
use crate::{Web, WebStore};

/// A sender whose alerts to the AR team are e-mails to `to` (the web
/// host has no alerts topic).
struct AlertByMail<'a> {
    inner: &'a mut dyn Sender,
    from: String,
    to: Option<String>,
    now: i64,
}

impl Sender for AlertByMail<'_> {
    fn supports(&self, channel: Channel) -> bool {
        self.inner.supports(channel)
    }

    fn send_email(&mut self, m: &EmailMessage) -> Result<String, SendError> {
        self.inner.send_email(m)
    }

    fn send_text(&mut self, m: &TextMessage) -> Result<String, SendError> {
        self.inner.send_text(m)
    }

    fn alert(&mut self, task: &Task) -> Result<Option<String>, SendError> {
        let Some(to) = &self.to else {
            return Ok(None);
        };
        let m = EmailMessage {
            action_id: format!("{}:alert", task.id),
            from: self.from.clone(),
            to: vec![to.clone()],
            subject: task.title.clone(),
            text: task.body.clone(),
            html: format!("<pre>{}</pre>", escape(&task.body)),
            date: chrono::DateTime::from_timestamp(self.now, 0)
                .unwrap_or_default()
                .fixed_offset(),
        };
        self.inner.send_email(&m).map(Some)
    }

    fn was_delivered(&self, action_id: &str) -> Option<bool> {
        self.inner.was_delivered(action_id)
    }
}

/// Sends the acknowledgement and the AR notice of a dispute just filed and
/// audits each; true when the acknowledgement went out. A failure is
/// logged and left to the next run (the dispute itself is filed).
pub(crate) fn send_filing_messages<S: WebStore, M: Sender + Send + 'static>(
    st: &Web<S, M>,
    tenant: &str,
    d: &Dispute,
    invoice: &Invoice,
    customer_name: &str,
    attachment: Option<&str>,
    now: i64,
) -> bool {
    let defaults = st.config.strategy_defaults();
    let mut store = st.store();
    let mut guard = st.sender.lock().unwrap_or_else(|p| p.into_inner());
    let mut sender = AlertByMail {
        inner: &mut *guard,
        from: st.config.from.clone(),
        to: (st.config.strategy.tenant.company.email.clone())
            .map(|e| e.trim().to_string())
            .filter(|e| !e.is_empty()),
        now,
    };
    let target = format!("dispute:{}", d.id);
    let acked = match st.templates.as_ref() {
        None => false,
        Some(templates) => match acknowledge_dispute(
            &mut *store,
            &mut sender,
            tenant,
            d,
            &defaults,
            templates,
            today(now),
            now,
        ) {
            Ok(Some(Delivered::Sent { channel, .. })) => {
                let entry = audit(
                    "system",
                    "dispute.ack_sent",
                    target.clone(),
                    format!(
                        "by {}",
                        arflow_domain::strategy::action::channel_str(channel)
                    ),
                    now,
                );
                if let Err(e) = store.append_audit(tenant, &entry) {
                    tracing::error!(tenant, dispute = %d.id, "audit of the acknowledgement not written: {e}");
                }
                true
            }
            Ok(Some(Delivered::Task)) => {
                // No provider for the strategy's channel: the AR team sends it.
                let entry = audit(
                    "system",
                    "dispute.ack_task",
                    target.clone(),
                    "no provider for the channel: a task for the AR team".into(),
                    now,
                );
                if let Err(e) = store.append_audit(tenant, &entry) {
                    tracing::error!(tenant, dispute = %d.id, "audit of the acknowledgement task not written: {e}");
                }
                false
            }
            Ok(other) => {
                tracing::info!(tenant, dispute = %d.id, ?other, "acknowledgement left to the next run");
                false
            }
            Err(e) => {
                tracing::warn!(tenant, dispute = %d.id, "acknowledgement not sent now: {e}");
                false
            }
        },
    };
    match notify_dispute_filed(
        &mut *store,
        &mut sender,
        tenant,
        d,
        invoice,
        customer_name,
        attachment,
        now,
    ) {
        Ok(done) => {
            let entry = audit(
                "system",
                "dispute.ar_notified",
                target,
                format!("{done:?}"),
                now,
            );
            if let Err(e) = store.append_audit(tenant, &entry) {
                tracing::error!(tenant, dispute = %d.id, "audit of the AR notice not written: {e}");
            }
        }
        Err(e) => tracing::error!(tenant, dispute = %d.id, "AR team not notified: {e}"),
    }
    acked
}
