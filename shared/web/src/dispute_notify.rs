//! Wiring for what filing a dispute sends at once (the use cases are
//! `arflow_app::portal::{acknowledge_dispute, notify_dispute_filed}`): the
//! router's sender, with the AR team's alerts e-mailed to the company
//! address the strategy names.

use arflow_app::dispatch::{EmailMessage, SendError, Sender, TextMessage};
use arflow_app::portal::{Dispute, Filed, announce_filing};
use arflow_app::store::Task;
use arflow_domain::ledger::{Channel, Invoice};

use crate::html::escape;
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

/// Sends the acknowledgement and the AR notice of a dispute just filed
/// (`announce_filing`); true when the acknowledgement went out.
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
    announce_filing(
        &mut *store,
        &mut sender,
        Filed {
            tenant,
            dispute: d,
            invoice,
            customer_name,
            attachment,
        },
        &defaults,
        (*st.templates).as_ref(),
        now,
    )
}
