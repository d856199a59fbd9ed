//! What leaves arflow: e-mails and text messages, and the port that sends them.

use arflow_domain::ledger::Channel;
use chrono::{DateTime, FixedOffset};

use crate::store::Task;

/// One e-mail to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailMessage {
    /// The planner's deterministic action id; names the file and the Message-ID.
    pub action_id: String,
    /// `ar@acme.example` or `Acme AR <ar@acme.example>`.
    pub from: String,
    /// Recipients, each as `from` is written.
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The Date header (the action's scheduled time, never the clock).
    pub date: DateTime<FixedOffset>,
}

/// A short text message (SMS, WhatsApp).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextMessage {
    pub action_id: String,
    /// `Sms` or `Whatsapp`.
    pub channel: Channel,
    /// Phone numbers.
    pub to: Vec<String>,
    pub body: String,
    pub date: DateTime<FixedOffset>,
}

/// A send that failed, and whether trying again later may help.
#[derive(Debug, thiserror::Error)]
#[error("{detail}")]
pub struct SendError {
    pub detail: String,
    /// The provider refused it before taking it (throttling, a service
    /// that is unavailable, no connection): worth a retry.
    pub transient: bool,
    /// The provider may have taken the message before the failure (an
    /// internal error, a timeout or an unreadable answer after the request
    /// went out). Never sent again: recorded as unconfirmed, with a task
    /// for a person to check.
    pub maybe_sent: bool,
}

/// The mailer / notifier port: a local outbox, SES and SNS stand behind it.
///
/// A channel the sender does not support is never sent on another one: the
/// delivery use case turns it into a task for the AR team
/// (`crate::delivery`).
pub trait Sender {
    /// Whether this sender has a provider for `channel`.
    fn supports(&self, channel: Channel) -> bool;

    /// Sends an e-mail; the provider's message id.
    fn send_email(&mut self, message: &EmailMessage) -> Result<String, SendError>;

    /// Sends a text message on `message.channel` (only called for a
    /// supported channel); the provider's message id.
    fn send_text(&mut self, message: &TextMessage) -> Result<String, SendError>;

    /// Tells the AR team about a new notification task on an internal
    /// channel (an alerts topic); `None` when the sender has none (the task
    /// itself is the notice).
    fn alert(&mut self, _task: &Task) -> Result<Option<String>, SendError> {
        Ok(None)
    }

    /// Whether a message for this action id was handed over before: asked
    /// when an earlier attempt stopped between the send and its record.
    /// `None` when the provider cannot tell (SES).
    fn was_delivered(&self, _action_id: &str) -> Option<bool> {
        None
    }
}
