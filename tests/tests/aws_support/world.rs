//! A tenant on the emulator with everything daily and dispatch need: a
//! table holding a ledger, an SES identity, a queue, and both functions;
//! plus helpers to run the day, drain the queue into an SQS Lambda event
//! and read what SES accepted.

use arflow_app::store::{ChangeKind, InvoiceChange, LedgerStore};
use arflow_aws::daily::{DailyEvent, DailyOutcome};
use arflow_aws::outbound::Outbound;
use arflow_aws::queue::Queue;
use arflow_aws::tenant::TenantConfig;
use arflow_aws::wire::QueueMessage;
use arflow_domain::ledger::{Customer, Invoice, InvoiceStatus};
use arflow_domain::money::Currency;
use arflow_domain::strategy::ActionKind;
use arflow_fn_daily::DailyFunction;
use arflow_fn_dispatch::DispatchFunction;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};

use super::{Aws, SentMail, event, sent_mail, unique};

pub struct World {
    pub aws: Aws,
    pub domain: String,
    pub queue_url: String,
    pub sqs: aws_sdk_sqs::Client,
    pub daily: DailyFunction,
    pub dispatch: DispatchFunction,
}

/// How a world differs from the plain one.
#[derive(Default)]
pub struct Setup {
    /// SES through this endpoint (a fault-injecting proxy) instead of the
    /// emulator, with the SDK's own retries off so that every attempt the
    /// handler makes is one request.
    pub ses_endpoint: Option<String>,
    /// Plan the daily run as shard jobs on the queue.
    pub fan_out: bool,
    /// The strategy TOML in the tenant's config (the default when none).
    pub strategy: Option<String>,
}

pub fn invoice(id: &str, customer: &str, issued: &str, due: &str, amount: i64) -> Invoice {
    Invoice {
        invoice_id: id.into(),
        customer_id: customer.into(),
        invoice_date: issued.parse().expect("date"),
        due_date: due.parse().expect("date"),
        amount,
        currency: Currency::USD,
        paid_amount: 0,
        paid_date: None,
        disputed: false,
        status: InvoiceStatus::Open,
    }
}

pub fn customer(id: &str, email: &str) -> Customer {
    Customer {
        customer_id: id.into(),
        name: format!("{id} Corp"),
        emails: vec![email.into()],
        ..Customer::default()
    }
}

pub async fn world(customers: &[Customer], invoices: &[Invoice]) -> World {
    world_with(customers, invoices, Setup::default()).await
}

pub async fn world_with(customers: &[Customer], invoices: &[Invoice], setup: Setup) -> World {
    let aws = Aws::fresh("dispatch").await;
    let domain = format!("{}.example", unique("acme").to_ascii_lowercase());
    let ses = aws_sdk_sesv2::Client::new(&aws.config);
    ses.create_email_identity()
        .email_identity(&domain)
        .send()
        .await
        .expect("SES identity");
    let ses = match &setup.ses_endpoint {
        Some(url) => aws_sdk_sesv2::Client::from_conf(
            aws_sdk_sesv2::config::Builder::from(&aws.config)
                .endpoint_url(url)
                .retry_config(aws_config::retry::RetryConfig::disabled())
                .build(),
        ),
        None => ses,
    };
    let sqs = aws_sdk_sqs::Client::new(&aws.config);
    let queue_url = sqs
        .create_queue()
        .queue_name(unique("dispatch"))
        .send()
        .await
        .expect("queue")
        .queue_url
        .expect("queue url");
    let mut config = TenantConfig::new(
        "acme",
        &format!("Acme AR <ar@{domain}>"),
        "America/New_York",
        9,
    );
    config.fan_out = setup.fan_out;
    config.strategy = setup.strategy.clone();
    let mut store = aws.store();
    store
        .put_tenant_config(&config)
        .await
        .expect("tenant config");
    let changes: Vec<InvoiceChange> = invoices
        .iter()
        .map(|i| InvoiceChange {
            kind: ChangeKind::New,
            effective: None,
            invoice: i.clone(),
        })
        .collect();
    store
        .apply_changes("acme", &changes, customers)
        .expect("ledger");
    let queue = Queue::new(sqs.clone(), queue_url.clone());
    let outbound = Outbound::new(ses, aws_sdk_sns::Client::new(&aws.config), None, None);
    World {
        daily: DailyFunction::new(aws.store(), queue.clone()),
        dispatch: DispatchFunction::new(aws.store(), outbound, queue).expect("dispatch function"),
        aws,
        domain,
        queue_url,
        sqs,
    }
}

impl World {
    pub async fn run_daily(&self, execution_id: &str, as_of: Option<&str>) -> DailyOutcome {
        let mut v = event("scheduler.json");
        v["execution_id"] = execution_id.into();
        if let Some(d) = as_of {
            v["as_of"] = d.into();
        }
        let e: DailyEvent = serde_json::from_value(v).expect("scheduler event");
        self.daily.handle(e).await.expect("daily")
    }

    /// Every message on the queue, as an SQS Lambda event (bodies in order).
    pub async fn drain(&self) -> SqsEvent {
        let mut records = Vec::new();
        loop {
            let out = self
                .sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(10)
                .visibility_timeout(300)
                .send()
                .await
                .expect("receive");
            let messages = out.messages.unwrap_or_default();
            if messages.is_empty() {
                break;
            }
            for m in messages {
                records.push((m.message_id.unwrap_or_default(), m.body.unwrap_or_default()));
            }
        }
        sqs_event(&records)
    }

    pub fn mail(&self) -> Vec<SentMail> {
        sent_mail(&self.domain)
    }
}

/// `events/sqs_batch.json` with its record repeated for each (id, body).
pub fn sqs_event(records: &[(String, String)]) -> SqsEvent {
    let mut v = event("sqs_batch.json");
    let template = v["Records"][0].clone();
    v["Records"] = records
        .iter()
        .map(|(id, body)| {
            let mut r = template.clone();
            r["messageId"] = id.as_str().into();
            r["body"] = body.as_str().into();
            r
        })
        .collect();
    serde_json::from_value(v).expect("SQS event")
}

/// The same event as SQS delivers it the `count`th time.
pub fn redelivered(e: &SqsEvent, count: u32) -> SqsEvent {
    let mut again = e.clone();
    for r in &mut again.records {
        r.attributes
            .insert("ApproximateReceiveCount".into(), count.to_string());
    }
    again
}

pub fn failures(r: &SqsBatchResponse) -> Vec<String> {
    let mut ids: Vec<String> = r
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    ids.sort();
    ids
}

/// (message id, recipients, invoice ids) of every e-mail action in the event.
pub fn email_actions(e: &SqsEvent) -> Vec<(String, Vec<String>, Vec<String>)> {
    let mut out = Vec::new();
    for r in &e.records {
        let msg: QueueMessage =
            serde_json::from_str(r.body.as_deref().unwrap_or("")).expect("queue message");
        if let QueueMessage::Action { action, .. } = msg
            && action.kind == ActionKind::Email
        {
            out.push((
                r.message_id.clone().unwrap_or_default(),
                action.recipients.unwrap_or_default(),
                action.invoice_ids,
            ));
        }
    }
    out
}
