//! Sending: SESv2 for e-mail, SNS for SMS and internal alerts. Each send is
//! classified as sent; transient (refused before it was taken: throttling,
//! unavailable, no connection; retried here with backoff, then left for SQS
//! redelivery); maybe sent (a 5xx, a timeout: the message may be out, so it
//! is never sent again: recorded as unconfirmed with a task); or permanent
//! (recorded, never retried by this delivery). The SES and SNS clients must
//! not retry on their own ([`Outbound::from_config`]): the SDK's standard
//! retries would resend after a 5xx.

use std::time::Duration;

use arflow_app::dispatch::{EmailMessage, TextMessage};
use aws_sdk_sesv2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sesv2::operation::send_email::SendEmailError;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message, MessageTag};

/// Attempts per send before a transient failure is handed back.
pub const SEND_ATTEMPTS: u32 = 3;

/// A send that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct SendFailure {
    pub detail: String,
    /// Refused before it was taken (throttling, unavailable, no
    /// connection): worth another try.
    pub transient: bool,
    /// May have been taken before the failure (5xx, timeout): never tried
    /// again (see `arflow_app::dispatch::SendError::maybe_sent`).
    pub maybe_sent: bool,
}

impl SendFailure {
    pub fn permanent(detail: impl Into<String>) -> SendFailure {
        SendFailure {
            detail: detail.into(),
            transient: false,
            maybe_sent: false,
        }
    }
}

/// SESv2 and SNS clients.
#[derive(Clone, Debug)]
pub struct Outbound {
    ses: aws_sdk_sesv2::Client,
    sns: aws_sdk_sns::Client,
    /// Topic for internal notifications (`ALERTS_TOPIC_ARN`); none = tasks only.
    alerts_topic: Option<String>,
    /// SES configuration set whose events feed bounces and complaints back.
    configuration_set: Option<String>,
}

impl Outbound {
    /// SES and SNS clients from `config` with the SDK's own retries off:
    /// they would resend after a 5xx or a timeout, when the message may be
    /// out already. [`Outbound::send_email`] retries what is safe to retry.
    pub fn from_config(
        config: &aws_config::SdkConfig,
        alerts_topic: Option<String>,
        configuration_set: Option<String>,
    ) -> Outbound {
        let no_retries = aws_config::retry::RetryConfig::disabled;
        Outbound::new(
            aws_sdk_sesv2::Client::from_conf(
                aws_sdk_sesv2::config::Builder::from(config)
                    .retry_config(no_retries())
                    .build(),
            ),
            aws_sdk_sns::Client::from_conf(
                aws_sdk_sns::config::Builder::from(config)
                    .retry_config(no_retries())
                    .build(),
            ),
            alerts_topic,
            configuration_set,
        )
    }

    pub fn new(
        ses: aws_sdk_sesv2::Client,
        sns: aws_sdk_sns::Client,
        alerts_topic: Option<String>,
        configuration_set: Option<String>,
    ) -> Outbound {
        Outbound {
            ses,
            sns,
            alerts_topic,
            configuration_set,
        }
    }

    /// Sends an e-mail, retrying transient failures; the SES message id.
    pub async fn send_email(&self, tenant: &str, m: &EmailMessage) -> Result<String, SendFailure> {
        if let Some(bad) = m.to.iter().find(|a| !plausible_address(a)) {
            return Err(SendFailure::permanent(format!(
                "'{bad}' is not an e-mail address"
            )));
        }
        let content = EmailContent::builder()
            .simple(
                Message::builder()
                    .subject(content(&m.subject)?)
                    .body(
                        Body::builder()
                            .text(content(&m.text)?)
                            .html(content(&m.html)?)
                            .build(),
                    )
                    .build(),
            )
            .build();
        let tags = [("tenant", tenant), ("action", m.action_id.as_str())]
            .into_iter()
            .map(|(k, v)| MessageTag::builder().name(k).value(tag_value(v)).build())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| SendFailure::permanent(e.to_string()))?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let out = self
                .ses
                .send_email()
                .from_email_address(&m.from)
                .destination(
                    Destination::builder()
                        .set_to_addresses(Some(m.to.clone()))
                        .build(),
                )
                .content(content.clone())
                .set_email_tags(Some(tags.clone()))
                .set_configuration_set_name(self.configuration_set.clone())
                .send()
                .await;
            match out {
                Ok(o) => return Ok(o.message_id.unwrap_or_default()),
                Err(e) => {
                    let failure = classify_ses(e);
                    if !failure.transient || attempt >= SEND_ATTEMPTS {
                        return Err(failure);
                    }
                    tokio::time::sleep(Duration::from_millis(100 << (2 * attempt))).await;
                }
            }
        }
    }

    /// Sends an SMS to each number; the last SNS message id.
    pub async fn send_sms(&self, m: &TextMessage) -> Result<String, SendFailure> {
        let mut id = String::new();
        for to in &m.to {
            let out = self
                .sns
                .publish()
                .phone_number(to)
                .message(&m.body)
                .send()
                .await;
            id = out.map_err(classify_sns)?.message_id.unwrap_or_default();
        }
        Ok(id)
    }

    /// Publishes an internal notification to the alerts topic, if one is
    /// configured; `None` when there is none.
    pub async fn alert(&self, subject: &str, body: &str) -> Result<Option<String>, SendFailure> {
        let Some(topic) = &self.alerts_topic else {
            return Ok(None);
        };
        let subject: String = subject
            .chars()
            .filter(|c| !c.is_control())
            .take(99)
            .collect();
        let out = self
            .sns
            .publish()
            .topic_arn(topic)
            .subject(subject)
            .message(body)
            .send()
            .await;
        Ok(out.map_err(classify_sns)?.message_id)
    }
}

fn content(text: &str) -> Result<Content, SendFailure> {
    Content::builder()
        .data(text)
        .charset("UTF-8")
        .build()
        .map_err(|e| SendFailure::permanent(e.to_string()))
}

/// SES tag values allow letters, digits, `_`, `-`, `.`, `@`.
fn tag_value(v: &str) -> String {
    v.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_-.@".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Shaped like an address (SES refuses worse ones for the whole message).
pub fn plausible_address(a: &str) -> bool {
    let addr = match (a.find('<'), a.rfind('>')) {
        (Some(o), Some(c)) if o < c => &a[o + 1..c],
        _ => a,
    };
    match addr.trim().split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !addr.trim().contains(char::is_whitespace)
        }
        None => false,
    }
}

fn classify_ses(e: SdkError<SendEmailError>) -> SendFailure {
    let refused = match &e {
        SdkError::ServiceError(s) => matches!(
            s.err(),
            SendEmailError::TooManyRequestsException(_)
                | SendEmailError::LimitExceededException(_)
                | SendEmailError::SendingPausedException(_)
        ),
        _ => false,
    };
    classify(e, refused)
}

fn classify_sns<E: ProvideErrorMetadata + std::error::Error + 'static>(
    e: SdkError<E, aws_sdk_sesv2::config::http::HttpResponse>,
) -> SendFailure {
    classify(e, false)
}

/// Sorts a failed send. Retried (`transient`): what the service refused
/// before taking the message (`refused`: the operation's throttling
/// errors; any `Throttl…` code; 503 `ServiceUnavailable`; no connection).
/// Never retried but recorded as maybe sent (`maybe_sent`): an internal
/// error (5xx), a timeout or an unreadable answer, after which the message
/// may have gone out. Everything else is permanent.
fn classify<E: ProvideErrorMetadata + std::error::Error + 'static>(
    e: SdkError<E, aws_sdk_sesv2::config::http::HttpResponse>,
    refused: bool,
) -> SendFailure {
    let (transient, maybe_sent) = match &e {
        SdkError::ServiceError(s) => {
            let code = s.err().code().unwrap_or_default();
            let status = s.raw().status().as_u16();
            if refused || code.contains("Throttl") || code == "ServiceUnavailable" || status == 503
            {
                (true, false)
            } else if status >= 500 || code.contains("Internal") {
                (false, true)
            } else {
                (false, false)
            }
        }
        SdkError::DispatchFailure(d) if d.is_timeout() => (false, true),
        // No connection, or the request could not be written: not taken.
        SdkError::DispatchFailure(_) => (true, false),
        SdkError::TimeoutError(_) | SdkError::ResponseError(_) => (false, true),
        _ => (false, false),
    };
    SendFailure {
        detail: aws_smithy_types::error::display::DisplayErrorContext(e).to_string(),
        transient,
        maybe_sent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_address_shaped_recipients_are_sent_to() {
        for ok in ["ap@acme.example", "Acme AP <ap@acme.example>"] {
            assert!(plausible_address(ok), "{ok}");
        }
        for bad in [
            "",
            "nobody",
            "a@b",
            "@acme.example",
            "a b@acme.example",
            "x@.example",
        ] {
            assert!(!plausible_address(bad), "{bad}");
        }
    }

    #[test]
    fn tag_values_are_made_safe() {
        assert_eq!(tag_value("acme eu/1"), "acme_eu_1");
    }
}
