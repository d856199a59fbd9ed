//! The variables a message template sees ([`MessageContext`]), built from a
//! customer, the invoices a message is about, and tenant settings.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::fee::{CurrencyAmount, FeeError, FeePolicy, FeeSummary};
use crate::ledger::{Customer, Invoice};
use crate::money::{Currency, Money};

/// Everything a template can use. Every field is always present (optional
/// ones as null), so strict rendering only fails on real typos.
///
/// | variable | meaning |
/// | --- | --- |
/// | `customer.id`, `.name`, `.email` (first address or ""), `.emails` (all), `.phone` (or null), `.language` (or null), `.account_manager` (or null), `.type` ("strategic", "established", "new"), `.credit_limit` (`{currency, amount, amount_display}` or null) | the customer |
/// | `invoices` | the invoices this message is about, by due date then id; each has `invoice_id`, `invoice_date`, `due_date` (YYYY-MM-DD), `currency`, `amount`, `outstanding` (plain decimals, "1234.50"), `amount_display`, `outstanding_display` (grouped, "1,234.50"), `days_past_due` (negative before the due date), `paid_date` (or null), `disputed` |
/// | `invoice_count` | number of invoices |
/// | `oldest_days_past_due` | the largest `days_past_due` among them (0 when none) |
/// | `totals` | one entry per currency, by code: `currency`, `outstanding`, `outstanding_display`, `overdue`, `overdue_display`, `invoice_count`, `overdue_count` — amounts are never added across currencies |
/// | `as_of` | the run date (YYYY-MM-DD) |
/// | `tone` | the step's tone ("friendly", "neutral", "firm", "urgent") |
/// | `portal_url` | the self-service portal's base address |
/// | `portal_link` | this customer's page: `{portal_url}/customers/{customer id, percent-encoded}` |
/// | `company.name`, `.email`, `.phone`, `.address`, `.payment_instructions` | the sender ("" when not set) |
/// | `fee` | late-payment charges or null: `annual_rate` ("8.5", or null), `day_count`, `lines` (`invoice_id`, `currency`, `outstanding`, `outstanding_display`, `days_past_due`, `interest`, `interest_display`), `interest_totals`, `fixed_fee` (or null), `totals` (interest + fixed fee per currency); amounts as `{currency, amount, amount_display}` |
/// | `call_script` | for call tasks, else null: `phone` (or null), `assignee` |
/// | `role` | for internal notifications: the role addressed ("ar_manager"), else null |
/// | `rule`, `explanation` | the strategy rule that produced the action and why, or null |
/// | `mixed_stages` | true when a grouped reminder's invoices are at different stages; each invoice then has `stage` (its rule) and `stage_label` ("final notice", "firm follow-up", "new invoice") |
/// | `skipped_steps` | steps passed over for these invoices (missed), each named |
/// | `reminded_before` | true when every invoice reminded about had an earlier reminder ("we have written before" only then) |
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MessageContext {
    pub customer: CustomerView,
    pub invoices: Vec<InvoiceLine>,
    pub invoice_count: usize,
    pub oldest_days_past_due: i64,
    pub totals: Vec<CurrencyTotal>,
    pub as_of: String,
    pub tone: String,
    pub portal_url: String,
    pub portal_link: String,
    pub company: Company,
    pub fee: Option<FeeSummary>,
    pub call_script: Option<CallScript>,
    pub role: Option<String>,
    pub rule: Option<String>,
    pub explanation: Option<String>,
    /// Whether the invoices are at different stages (show `stage_label`).
    pub mixed_stages: bool,
    /// Steps passed over for these invoices (missed and not sent).
    pub skipped_steps: Vec<String>,
    /// Whether every invoice reminded about had an earlier reminder.
    pub reminded_before: bool,
}

/// A stage (a rule) as a reader sees it.
pub fn stage_label(rule: &str) -> String {
    use crate::strategy::sent_index::rule as r;
    match rule {
        r::FINAL_NOTICE => "final notice".into(),
        r::INVOICE_NOTIFICATION => "new invoice".into(),
        r::THANK_YOU => "paid, thank you".into(),
        _ => match rule.split_once(':') {
            Some(("reminder", name)) => name.to_string(),
            Some(("cadence", _)) => "overdue reminder".into(),
            _ => rule.to_string(),
        },
    }
}

/// Every variable path [`MessageContext`] provides, for linting templates.
/// List items (`invoices`, `totals`, `fee.lines`, …) are reached through a
/// loop variable, so only the list itself is named.
pub const VARIABLES: &[&str] = &[
    "customer",
    "customer.id",
    "customer.name",
    "customer.email",
    "customer.emails",
    "customer.phone",
    "customer.language",
    "customer.account_manager",
    "customer.type",
    "customer.credit_limit",
    "customer.credit_limit.currency",
    "customer.credit_limit.amount",
    "customer.credit_limit.amount_display",
    "invoices",
    "invoice_count",
    "mixed_stages",
    "skipped_steps",
    "reminded_before",
    "oldest_days_past_due",
    "totals",
    "as_of",
    "tone",
    "portal_url",
    "portal_link",
    "company",
    "company.name",
    "company.email",
    "company.phone",
    "company.address",
    "company.payment_instructions",
    "fee",
    "fee.annual_rate",
    "fee.day_count",
    "fee.lines",
    "fee.interest_totals",
    "fee.fixed_fee",
    "fee.fixed_fee.currency",
    "fee.fixed_fee.amount",
    "fee.fixed_fee.amount_display",
    "fee.totals",
    "call_script",
    "call_script.phone",
    "call_script.assignee",
    "role",
    "rule",
    "explanation",
];

/// The customer as templates see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CustomerView {
    pub id: String,
    pub name: String,
    /// The first address, or "" when the customer has none.
    pub email: String,
    pub emails: Vec<String>,
    pub phone: Option<String>,
    pub language: Option<String>,
    pub account_manager: Option<String>,
    /// "strategic", "established" or "new".
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The credit limit, or null when the customer has none.
    pub credit_limit: Option<CurrencyAmount>,
}

/// One invoice as templates see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InvoiceLine {
    pub invoice_id: String,
    pub invoice_date: String,
    pub due_date: String,
    pub currency: Currency,
    pub amount: String,
    pub amount_display: String,
    pub outstanding: String,
    pub outstanding_display: String,
    pub days_past_due: i64,
    pub paid_date: Option<String>,
    pub disputed: bool,
    /// In a grouped reminder, the step this invoice is at (a rule such as
    /// "final_notice"), else null.
    pub stage: Option<String>,
    /// That stage for a reader ("final notice", "new invoice"), or "".
    pub stage_label: String,
}

/// What is owed in one currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CurrencyTotal {
    pub currency: Currency,
    pub outstanding: String,
    pub outstanding_display: String,
    /// The part of `outstanding` that is past its due date.
    pub overdue: String,
    pub overdue_display: String,
    pub invoice_count: usize,
    /// How many of those invoices are past their due date.
    pub overdue_count: usize,
    #[serde(skip)]
    pub outstanding_minor: i64,
}

/// The sending company (the tenant), as shown in every message.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Company {
    pub name: String,
    pub email: String,
    pub phone: String,
    /// Postal address; may span lines.
    pub address: String,
    /// How to pay (bank details or a payment link), as notices print it; may be empty.
    pub payment_instructions: String,
}

/// Who should call whom, for call tasks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CallScript {
    pub phone: Option<String>,
    /// A role ("ar_team") or a named person.
    pub assignee: String,
}

impl MessageContext {
    /// The context for a message to `customer` about `invoices` on `as_of`.
    /// Amounts are what is outstanding on `as_of`; `fee` adds late-payment
    /// charges when the notice enables them. Tone starts as "neutral".
    pub fn new(
        customer: &Customer,
        invoices: &[&Invoice],
        as_of: NaiveDate,
        company: &Company,
        portal_url: &str,
        fee: Option<&FeePolicy>,
    ) -> Result<MessageContext, FeeError> {
        let mut sorted: Vec<&Invoice> = invoices.to_vec();
        sorted.sort_by(|a, b| (a.due_date, &a.invoice_id).cmp(&(b.due_date, &b.invoice_id)));

        // currency → (outstanding, overdue, invoices, overdue invoices)
        let mut per_currency: BTreeMap<Currency, (i64, i64, usize, usize)> = BTreeMap::new();
        let lines: Vec<InvoiceLine> = sorted
            .iter()
            .map(|inv| {
                let outstanding = inv.outstanding_on(as_of);
                let days = inv.days_past_due(as_of);
                let t = per_currency.entry(inv.currency).or_default();
                t.0 = t.0.saturating_add(outstanding);
                if days > 0 && outstanding != 0 {
                    t.1 = t.1.saturating_add(outstanding);
                    t.3 += 1;
                }
                t.2 += 1;
                let amount = inv.amount_money();
                let out = Money::new(outstanding, inv.currency);
                InvoiceLine {
                    invoice_id: inv.invoice_id.clone(),
                    invoice_date: inv.invoice_date.to_string(),
                    due_date: inv.due_date.to_string(),
                    currency: inv.currency,
                    amount: amount.to_decimal_string(),
                    amount_display: amount.to_grouped_string(),
                    outstanding: out.to_decimal_string(),
                    outstanding_display: out.to_grouped_string(),
                    days_past_due: days,
                    paid_date: inv.paid_date.map(|d| d.to_string()),
                    disputed: inv.disputed,
                    stage: None,
                    stage_label: String::new(),
                }
            })
            .collect();
        let totals = per_currency
            .into_iter()
            .map(|(currency, (outstanding, overdue, count, overdue_count))| {
                let o = CurrencyAmount::new(outstanding, currency);
                let od = CurrencyAmount::new(overdue, currency);
                CurrencyTotal {
                    currency,
                    outstanding: o.amount,
                    outstanding_display: o.amount_display,
                    overdue: od.amount,
                    overdue_display: od.amount_display,
                    invoice_count: count,
                    overdue_count,
                    outstanding_minor: outstanding,
                }
            })
            .collect();
        let fee = match fee {
            Some(policy) => policy.apply(&sorted, as_of)?,
            None => None,
        };
        let base = portal_url.trim_end_matches('/');
        Ok(MessageContext {
            customer: CustomerView {
                id: customer.customer_id.clone(),
                name: customer.name.clone(),
                email: customer.emails.first().cloned().unwrap_or_default(),
                emails: customer.emails.clone(),
                phone: customer.phone.clone(),
                language: customer.language.clone(),
                account_manager: customer.account_manager.clone(),
                kind: customer.kind.as_str(),
                credit_limit: customer
                    .credit_limit
                    .zip(customer.credit_currency)
                    .map(|(minor, currency)| CurrencyAmount::new(minor, currency)),
            },
            invoice_count: lines.len(),
            oldest_days_past_due: lines.iter().map(|l| l.days_past_due).max().unwrap_or(0),
            invoices: lines,
            totals,
            as_of: as_of.to_string(),
            tone: "neutral".to_string(),
            portal_url: base.to_string(),
            portal_link: format!("{base}/customers/{}", percent_encode(&customer.customer_id)),
            company: company.clone(),
            fee,
            call_script: None,
            role: None,
            rule: None,
            explanation: None,
            mixed_stages: false,
            skipped_steps: Vec::new(),
            reminded_before: false,
        })
    }

    /// Names each invoice's own stage (`stages`: invoice id → rule; an
    /// invoice not named is at `rule`), the steps skipped, and whether
    /// every invoice reminded about had an earlier reminder.
    pub fn with_stages(
        mut self,
        rule: &str,
        stages: &[(&str, &str)],
        skipped: &[String],
        reminded_before: bool,
    ) -> MessageContext {
        if !stages.is_empty() {
            for line in &mut self.invoices {
                let stage = stages
                    .iter()
                    .find(|(id, _)| *id == line.invoice_id)
                    .map_or(rule, |(_, s)| *s);
                line.stage_label = stage_label(stage);
                line.stage = Some(stage.to_string());
            }
            self.mixed_stages = self.invoices.windows(2).any(|w| w[0].stage != w[1].stage);
        }
        self.skipped_steps = skipped.to_vec();
        self.reminded_before = reminded_before;
        self
    }

    /// Sets the tone the strategy step asks for.
    pub fn with_tone(mut self, tone: &str) -> MessageContext {
        self.tone = tone.to_string();
        self
    }

    /// Names the strategy rule and the planner's explanation.
    pub fn with_reason(mut self, rule: &str, explanation: &str) -> MessageContext {
        self.rule = Some(rule.to_string());
        self.explanation = Some(explanation.to_string());
        self
    }

    /// Makes this the context of an internal notification to `role`.
    pub fn with_role(mut self, role: &str) -> MessageContext {
        self.role = Some(role.to_string());
        self
    }

    /// Makes this the context of a call task for `assignee`, calling the
    /// customer's phone number.
    pub fn with_call_script(mut self, assignee: &str) -> MessageContext {
        self.call_script = Some(CallScript {
            phone: self.customer.phone.clone(),
            assignee: assignee.to_string(),
        });
        self
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
