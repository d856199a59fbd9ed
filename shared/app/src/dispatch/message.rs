//! What leaves arflow: e-mails and text messages, and the port that sends them.

use chrono::{DateTime, FixedOffset};

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
    /// "sms" or "whatsapp".
    pub channel: String,
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
    /// Throttling, a timeout, a 5xx: worth a retry.
    pub transient: bool,
}

/// The mailer / notifier port: a local outbox, SES and SNS stand behind it.
/// Sending the same action id twice must not deliver twice.
pub trait Sender {
    fn send_email(&mut self, message: &EmailMessage) -> Result<(), SendError>;
    fn send_text(&mut self, message: &TextMessage) -> Result<(), SendError>;
}
