//! Turning a planned action into what is handed over: a rendered e-mail or
//! text message for the customer, or a task for a person.

use std::borrow::Cow;
use std::collections::HashMap;

use arflow_domain::ledger::{Channel, Customer, Invoice};
use arflow_domain::strategy::model::Company as StrategyCompany;
use arflow_domain::strategy::{Action, ActionKind, Recipients, Strategy};
use arflow_domain::template::{
    Company, FeeError, MessageContext, RenderedMessage, TemplateError, TemplateSet,
};
use chrono::{DateTime, NaiveDate};

use super::message::{EmailMessage, TextMessage};
use crate::store::{Task, TaskStatus};

/// An action ready to hand over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Prepared {
    Email(EmailMessage),
    Text(TextMessage),
    Task(Task),
}

/// Why an action could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error(transparent)]
    Fee(#[from] FeeError),
    #[error("scheduled_for '{0}' is not RFC 3339")]
    BadSchedule(String),
    #[error("a message to the customer needs a template")]
    NoTemplate,
    #[error("set [tenant.company] email in the strategy: it is the sender of every e-mail")]
    NoSender,
}

/// Renders actions with one strategy, template set and ledger state.
pub struct Renderer<'a> {
    strategy: &'a Strategy,
    /// The templates with the strategy's language as their default.
    templates: Cow<'a, TemplateSet>,
    company: Company,
    invoices: HashMap<&'a str, &'a Invoice>,
    all: &'a [Invoice],
    /// Each customer's invoices open on `as_of`, for actions about the
    /// whole account (credit hold, release, review); built the first time
    /// one is rendered.
    open_by_customer: std::sync::OnceLock<HashMap<&'a str, Vec<&'a Invoice>>>,
    customers: &'a HashMap<String, Customer>,
    as_of: NaiveDate,
}

impl<'a> Renderer<'a> {
    pub fn new(
        strategy: &'a Strategy,
        templates: &'a TemplateSet,
        invoices: &'a [Invoice],
        customers: &'a HashMap<String, Customer>,
        as_of: NaiveDate,
    ) -> Renderer<'a> {
        let language = strategy.tenant.language.trim();
        let templates = if templates.default_language() == language {
            Cow::Borrowed(templates)
        } else {
            Cow::Owned(templates.clone().with_default_language(language))
        };
        Renderer {
            strategy,
            templates,
            company: company(&strategy.tenant.company),
            invoices: invoices
                .iter()
                .map(|i| (i.invoice_id.as_str(), i))
                .collect(),
            all: invoices,
            open_by_customer: std::sync::OnceLock::new(),
            customers,
            as_of,
        }
    }

    /// Renders one action into an e-mail, a text message or a task.
    pub fn prepare(&self, a: &Action) -> Result<Prepared, PrepareError> {
        let fallback = Customer {
            customer_id: a.customer_id.clone(),
            name: a.customer_id.clone(),
            ..Customer::default()
        };
        let customer = self.customers.get(&a.customer_id).unwrap_or(&fallback);
        let mut ctx = self.context(a, customer)?;
        let date = DateTime::parse_from_rfc3339(&a.scheduled_for)
            .map_err(|_| PrepareError::BadSchedule(a.scheduled_for.clone()))?;
        match &a.recipients {
            Recipients::Role(role) => {
                ctx = ctx.with_role(role.as_str());
                if a.kind == ActionKind::CallTask {
                    ctx = ctx.with_call_script(role.as_str());
                }
                let language = self.templates.default_language().to_string();
                let (title, body) = match &a.template {
                    Some(t) => {
                        let m = self.templates.render(t, &language, &ctx)?;
                        (m.subject, m.text)
                    }
                    None => (a.explanation.clone(), format!("{}\n", a.explanation)),
                };
                Ok(Prepared::Task(Task {
                    id: a.id.clone(),
                    customer_id: a.customer_id.clone(),
                    invoice_ids: a.invoice_ids.clone(),
                    kind: a.kind,
                    assignee: role.as_str().to_string(),
                    title,
                    body,
                    due_on: a.due_on,
                    status: TaskStatus::Open,
                    outcome: None,
                }))
            }
            Recipients::Addresses(to) if to.is_empty() => {
                Ok(Prepared::Task(no_address_task(a, customer)))
            }
            Recipients::Addresses(to) => {
                let message = self.render_for_customer(a, customer, &ctx)?;
                Ok(match a.channel {
                    Some(ch @ (Channel::Sms | Channel::Whatsapp)) => Prepared::Text(TextMessage {
                        action_id: a.id.clone(),
                        channel: ch,
                        to: to.clone(),
                        body: message.text,
                        date,
                    }),
                    _ => Prepared::Email(self.email(a, to, message, date)?),
                })
            }
        }
    }

    fn open_by_customer(&self) -> &HashMap<&'a str, Vec<&'a Invoice>> {
        self.open_by_customer.get_or_init(|| {
            let mut by: HashMap<&'a str, Vec<&'a Invoice>> = HashMap::new();
            for i in self.all {
                if i.is_open_on(self.as_of) && i.outstanding_on(self.as_of) > 0 {
                    by.entry(i.customer_id.as_str()).or_default().push(i);
                }
            }
            by
        })
    }

    fn context(&self, a: &Action, customer: &Customer) -> Result<MessageContext, PrepareError> {
        // An action about the whole account lists its open invoices.
        let invoices: Vec<&Invoice> = if a.invoice_ids.is_empty() {
            (self.open_by_customer().get(a.customer_id.as_str()))
                .cloned()
                .unwrap_or_default()
        } else {
            a.invoice_ids
                .iter()
                .filter_map(|id| self.invoices.get(id.as_str()).copied())
                .collect()
        };
        let stages: Vec<(&str, &str)> = a
            .invoice_ids
            .iter()
            .map(String::as_str)
            .zip(a.stages.iter().map(String::as_str))
            .collect();
        let tenant = &self.strategy.tenant;
        let portal = tenant.portal_url.as_deref().unwrap_or("");
        // Validated when the strategy was loaded; an invalid policy shows no fee.
        let fee = match (&tenant.fees, &a.template) {
            (Some(f), Some(t)) if f.applies_to(t) => f.policy(tenant.currency).ok(),
            _ => None,
        };
        Ok(MessageContext::new(
            customer,
            &invoices,
            self.as_of,
            &self.company,
            portal,
            fee.as_ref(),
        )?
        .with_tone(a.tone.as_str())
        .with_reason(&a.rule, &a.explanation)
        .with_stages(&a.rule, &stages, &a.skipped_steps, a.reminded_before))
    }

    fn render_for_customer(
        &self,
        a: &Action,
        customer: &Customer,
        ctx: &MessageContext,
    ) -> Result<RenderedMessage, PrepareError> {
        let template = a.template.as_ref().ok_or(PrepareError::NoTemplate)?;
        let language = customer
            .language
            .as_deref()
            .unwrap_or(self.templates.default_language());
        Ok(self.templates.render(template, language, ctx)?)
    }

    fn email(
        &self,
        a: &Action,
        to: &[String],
        m: RenderedMessage,
        date: DateTime<chrono::FixedOffset>,
    ) -> Result<EmailMessage, PrepareError> {
        if self.company.email.is_empty() {
            return Err(PrepareError::NoSender);
        }
        let from = if self.company.name.is_empty() {
            self.company.email.clone()
        } else {
            format!("{} <{}>", self.company.name, self.company.email)
        };
        Ok(EmailMessage {
            action_id: a.id.clone(),
            from,
            to: to.to_vec(),
            subject: m.subject,
            text: m.text,
            html: m.html,
            date,
        })
    }
}

/// The strategy's company details as templates see them.
fn company(c: &StrategyCompany) -> Company {
    Company {
        name: c.name.clone(),
        email: c.email.clone().unwrap_or_default(),
        phone: c.phone.clone().unwrap_or_default(),
        address: c.address.clone().unwrap_or_default(),
        payment_instructions: c.payment_instructions.clone().unwrap_or_default(),
    }
}

/// A message that cannot go out for lack of an address becomes work for the
/// AR team, under the action's own id.
fn no_address_task(a: &Action, customer: &Customer) -> Task {
    let what = a.template.as_deref().unwrap_or(a.kind.as_str());
    Task {
        id: a.id.clone(),
        customer_id: a.customer_id.clone(),
        invoice_ids: a.invoice_ids.clone(),
        kind: ActionKind::Task,
        assignee: "ar_team".to_string(),
        title: format!(
            "No address on file for {} ({}): '{what}' not sent",
            customer.name, a.customer_id
        ),
        body: format!(
            "The strategy wanted to send '{what}' but the customer has no address for this channel.\n\
             Why it was due: {}\nAdd the address and send it by hand.\n",
            a.explanation
        ),
        due_on: a.due_on,
        status: TaskStatus::Open,
        outcome: None,
    }
}
