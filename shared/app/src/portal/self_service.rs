//! Customer self-service beyond disputes and promises: payment plans (the
//! request, its validation and its life cycle requested → approved |
//! rejected, approved → completed | defaulted) and dispute attachments, with
//! their store port [`SelfServiceStore`].

use arflow_domain::ledger::Invoice;
use arflow_domain::money::Money;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::ContactPrefs;
use crate::store::StoreError;

/// Most instalments a plan may have.
pub const MAX_INSTALMENTS: usize = 12;
/// How far ahead the last instalment may fall, in days.
pub const MAX_PLAN_DAYS: i64 = 365;
/// Largest dispute attachment, in bytes (5 MiB).
pub const MAX_ATTACHMENT_BYTES: usize = 5 * 1024 * 1024;
/// The content types a dispute attachment may have.
pub const ATTACHMENT_TYPES: &[&str] = &["application/pdf", "image/png", "image/jpeg", "text/plain"];

/// Where a payment plan stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanState {
    Requested,
    Approved,
    Rejected,
    Completed,
    Defaulted,
}

impl PlanState {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Completed => "completed",
            Self::Defaulted => "defaulted",
        }
    }

    /// The state an API verb ("approve", "reject", "complete", "default")
    /// moves a plan to.
    pub fn for_verb(verb: &str) -> Option<PlanState> {
        Some(match verb {
            "approve" => Self::Approved,
            "reject" => Self::Rejected,
            "complete" => Self::Completed,
            "default" => Self::Defaulted,
            _ => return None,
        })
    }

    /// The states this one may move to; rejected, completed and defaulted
    /// are final.
    pub fn next(&self) -> &'static [PlanState] {
        match self {
            Self::Requested => &[Self::Approved, Self::Rejected],
            Self::Approved => &[Self::Completed, Self::Defaulted],
            Self::Rejected | Self::Completed | Self::Defaulted => &[],
        }
    }

    /// Requested or approved: dunning on the plan's invoices pauses.
    pub fn is_holding(&self) -> bool {
        matches!(self, Self::Requested | Self::Approved)
    }
}

/// One instalment: an amount due on a date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instalment {
    pub due_date: NaiveDate,
    /// Minor units of the plan's currency.
    pub amount: i64,
}

/// A customer's request to pay one or more open invoices in instalments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentPlan {
    pub id: String,
    pub customer_id: String,
    /// Sorted, unique.
    pub invoice_ids: Vec<String>,
    /// ISO 4217 code of every invoice and instalment.
    pub currency: String,
    /// The outstanding the instalments add up to, in minor units.
    pub total: i64,
    /// By due date, strictly increasing.
    pub instalments: Vec<Instalment>,
    pub state: PlanState,
    /// "state: note", in the order added.
    pub notes: Vec<String>,
    /// Seconds since the Unix epoch.
    pub requested_at: i64,
    pub updated_at: i64,
}

/// Why a plan request was refused; the message is shown to the customer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("choose at least one open invoice")]
    NoInvoices,
    #[error("invoice {0} is not open")]
    NotOpen(String),
    #[error(
        "the invoices are in different currencies ({0} and {1}); request one plan per currency"
    )]
    MixedCurrencies(String, String),
    #[error("invoice {0} is already under a payment plan")]
    AlreadyPlanned(String),
    #[error("give between 2 and {MAX_INSTALMENTS} instalments (got {0})")]
    InstalmentCount(usize),
    #[error("instalment {0}: the amount must be positive")]
    NotPositive(usize),
    #[error("instalment {0}: the date must be between {1} and {2}")]
    DateOutOfRange(usize, NaiveDate, NaiveDate),
    #[error("instalment {0}: the dates must be in order, each after the one before")]
    DatesNotIncreasing(usize),
    #[error(
        "the instalments add up to {sum} but the outstanding is {outstanding}; they must match exactly"
    )]
    SumMismatch { sum: String, outstanding: String },
}

/// A plan state change the life cycle does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("payment plan '{id}' is {from}; it cannot become {to} (allowed: {allowed})", from = from.as_str(), to = to.as_str())]
pub struct PlanTransitionError {
    pub id: String,
    pub from: PlanState,
    pub to: PlanState,
    pub allowed: String,
}

/// What the customer asked for, before it is checked.
pub struct PlanRequest<'a> {
    pub id: String,
    pub customer_id: &'a str,
    /// The customer's own invoices chosen for the plan.
    pub invoices: &'a [&'a Invoice],
    pub instalments: Vec<Instalment>,
    /// The customer's existing plans (an invoice may be in one holding plan).
    pub existing: &'a [PaymentPlan],
    pub today: NaiveDate,
    pub now: i64,
}

impl PaymentPlan {
    /// Checks a request and makes the plan (state requested): open invoices
    /// of one currency not already under a holding plan, 2 to 12 instalments
    /// with positive amounts, dates from today to a year out, strictly
    /// increasing, adding up exactly to the outstanding on `today`.
    pub fn request(r: PlanRequest<'_>) -> Result<PaymentPlan, PlanError> {
        let mut invoices: Vec<&Invoice> = r.invoices.to_vec();
        invoices.sort_by(|a, b| a.invoice_id.cmp(&b.invoice_id));
        invoices.dedup_by(|a, b| a.invoice_id == b.invoice_id);
        let first = *invoices.first().ok_or(PlanError::NoInvoices)?;
        let mut total = 0i64;
        for i in &invoices {
            if !i.is_open_on(r.today) || i.outstanding_on(r.today) <= 0 {
                return Err(PlanError::NotOpen(i.invoice_id.clone()));
            }
            if i.currency != first.currency {
                return Err(PlanError::MixedCurrencies(
                    first.currency.code().to_string(),
                    i.currency.code().to_string(),
                ));
            }
            let planned = r.existing.iter().any(|p| {
                p.state.is_holding()
                    && p.customer_id == r.customer_id
                    && p.invoice_ids.contains(&i.invoice_id)
            });
            if planned {
                return Err(PlanError::AlreadyPlanned(i.invoice_id.clone()));
            }
            total += i.outstanding_on(r.today);
        }
        let n = r.instalments.len();
        if !(2..=MAX_INSTALMENTS).contains(&n) {
            return Err(PlanError::InstalmentCount(n));
        }
        let last_day = r.today + chrono::Duration::days(MAX_PLAN_DAYS);
        let mut sum = 0i64;
        for (k, inst) in r.instalments.iter().enumerate() {
            if inst.amount <= 0 {
                return Err(PlanError::NotPositive(k + 1));
            }
            if inst.due_date < r.today || inst.due_date > last_day {
                return Err(PlanError::DateOutOfRange(k + 1, r.today, last_day));
            }
            if k > 0 && inst.due_date <= r.instalments[k - 1].due_date {
                return Err(PlanError::DatesNotIncreasing(k + 1));
            }
            sum = sum.saturating_add(inst.amount);
        }
        if sum != total {
            let show = |m| {
                format!(
                    "{} {}",
                    Money::new(m, first.currency).to_grouped_string(),
                    first.currency.code()
                )
            };
            return Err(PlanError::SumMismatch {
                sum: show(sum),
                outstanding: show(total),
            });
        }
        let ids: Vec<String> = invoices.iter().map(|i| i.invoice_id.clone()).collect();
        Ok(PaymentPlan {
            id: r.id,
            customer_id: r.customer_id.to_string(),
            invoice_ids: ids,
            currency: first.currency.code().to_string(),
            total,
            instalments: r.instalments,
            state: PlanState::Requested,
            notes: Vec::new(),
            requested_at: r.now,
            updated_at: r.now,
        })
    }

    /// Moves the plan to `to` with an optional note; an invalid transition
    /// changes nothing.
    pub fn transition(
        &mut self,
        to: PlanState,
        note: Option<&str>,
        now: i64,
    ) -> Result<(), PlanTransitionError> {
        if !self.state.next().contains(&to) {
            return Err(PlanTransitionError {
                id: self.id.clone(),
                from: self.state,
                to,
                allowed: match self.state.next() {
                    [] => "none, it is closed".to_string(),
                    list => list
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                },
            });
        }
        self.state = to;
        if let Some(n) = note.map(str::trim).filter(|n| !n.is_empty()) {
            self.notes.push(format!("{}: {n}", to.as_str()));
        }
        self.updated_at = now;
        Ok(())
    }
}

/// A file a customer attached to a dispute.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub dispute_id: String,
    /// The file name as uploaded (shown, never used as a path).
    pub name: String,
    /// One of [`ATTACHMENT_TYPES`].
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Why an attachment was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttachmentError {
    #[error("the file is larger than 5 MB")]
    TooLarge,
    #[error("files of type '{0}' are not accepted; attach a PDF, PNG, JPEG or plain text file")]
    WrongType(String),
}

/// Checks an upload's size and content type (parameters such as
/// `; charset=utf-8` are ignored); returns the bare content type.
pub fn check_attachment(content_type: &str, len: usize) -> Result<String, AttachmentError> {
    if len > MAX_ATTACHMENT_BYTES {
        return Err(AttachmentError::TooLarge);
    }
    let bare = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if !ATTACHMENT_TYPES.contains(&bare.as_str()) {
        return Err(AttachmentError::WrongType(bare));
    }
    Ok(bare)
}

/// The self-service store port: payment plans, dispute attachments and the
/// contact preferences of a whole tenant (for planning). Kept apart from
/// [`super::PortalStore`] so its adapters can grow one step at a time.
pub trait SelfServiceStore {
    /// Adds a plan; its id must be new.
    fn insert_plan(&mut self, tenant: &str, plan: &PaymentPlan) -> Result<(), StoreError>;

    /// Every plan, ordered by (requested_at, id).
    fn plans(&self, tenant: &str) -> Result<Vec<PaymentPlan>, StoreError>;

    /// Replaces a plan only if it is still in state `expected`; false
    /// otherwise (someone else moved it first, or no such plan).
    fn update_plan(
        &mut self,
        tenant: &str,
        plan: &PaymentPlan,
        expected: PlanState,
    ) -> Result<bool, StoreError>;

    /// Stores the attachment of a dispute, replacing an earlier one.
    fn put_attachment(
        &mut self,
        tenant: &str,
        dispute_id: &str,
        name: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<(), StoreError>;

    fn attachment(&self, tenant: &str, dispute_id: &str) -> Result<Option<Attachment>, StoreError>;

    /// Every customer's contact preferences, by customer id.
    fn all_contact_prefs(&self, tenant: &str) -> Result<Vec<(String, ContactPrefs)>, StoreError>;
}

#[cfg(test)]
mod tests;
