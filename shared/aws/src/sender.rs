//! The app's synchronous, channel-typed `Sender` port over SESv2 / SNS
//! (`Outbound`): e-mail through SES, SMS through SNS, internal alerts to
//! the alerts topic. WhatsApp has no provider here yet, so the delivery
//! use case files it as a task for the AR team. Bridges to the async SDK
//! the way `DynamoStore` does (`block_in_place` + `Handle::block_on`):
//! call it from a multi-thread tokio runtime's thread or from outside one.

use arflow_app::dispatch::{EmailMessage, SendError, Sender, TextMessage};
use arflow_app::store::Task;
use arflow_domain::ledger::Channel;
use tokio::runtime::Handle;

use crate::outbound::{Outbound, SendFailure};

/// Sends for one tenant (the tenant tags each SES message).
#[derive(Clone)]
pub struct SesSender {
    outbound: Outbound,
    tenant: String,
    handle: Handle,
}

impl SesSender {
    pub fn new(outbound: Outbound, tenant: impl Into<String>, handle: Handle) -> SesSender {
        SesSender {
            outbound,
            tenant: tenant.into(),
            handle,
        }
    }

    fn block<F: std::future::Future>(&self, f: F) -> F::Output {
        tokio::task::block_in_place(|| self.handle.block_on(f))
    }
}

fn send_error(f: SendFailure) -> SendError {
    SendError {
        detail: f.detail,
        transient: f.transient,
        maybe_sent: f.maybe_sent,
    }
}

impl Sender for SesSender {
    fn supports(&self, channel: Channel) -> bool {
        matches!(channel, Channel::Email | Channel::Sms)
    }

    fn send_email(&mut self, message: &EmailMessage) -> Result<String, SendError> {
        let id = self
            .block(self.outbound.send_email(&self.tenant, message))
            .map_err(send_error)?;
        tracing::info!(tenant = %self.tenant, action_id = %message.action_id, ses_message_id = %id, "e-mail sent");
        Ok(id)
    }

    fn send_text(&mut self, message: &TextMessage) -> Result<String, SendError> {
        self.block(self.outbound.send_sms(message))
            .map_err(send_error)
    }

    fn alert(&mut self, task: &Task) -> Result<Option<String>, SendError> {
        self.block(self.outbound.alert(&task.title, &task.body))
            .map_err(send_error)
    }
}
