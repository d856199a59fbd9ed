//! The app's synchronous `Sender` port over SESv2 / SNS (`Outbound`): the
//! router's handlers send sign-in links through it. Bridges to the async
//! SDK the way `DynamoStore` does (`block_in_place` + `Handle::block_on`),
//! so it must be called from a multi-thread tokio runtime's thread or from
//! outside the runtime.

use arflow_app::dispatch::{EmailMessage, SendError, Sender, TextMessage};
use arflow_aws::outbound::{Outbound, SendFailure};
use tokio::runtime::Handle;

/// Sends e-mail through SES and text messages through SNS for one tenant
/// (the tenant tags each SES message).
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
    }
}

impl Sender for SesSender {
    fn send_email(&mut self, message: &EmailMessage) -> Result<(), SendError> {
        let id = self
            .block(self.outbound.send_email(&self.tenant, message))
            .map_err(send_error)?;
        tracing::info!(tenant = %self.tenant, ses_message_id = %id, "portal e-mail sent");
        Ok(())
    }

    fn send_text(&mut self, message: &TextMessage) -> Result<(), SendError> {
        self.block(self.outbound.send_sms(message))
            .map(|_| ())
            .map_err(send_error)
    }
}
