//! A customer's own changes in the portal: filing a dispute (with an
//! optional attachment), promising or scheduling a payment, requesting a
//! payment plan, and their contact preferences.

use arflow_domain::ledger::Invoice;
use chrono::NaiveDate;

use super::{ChangeError, customer_actor, entry};
use crate::portal::{
    Change, ChangeStore, ContactPrefs, Dispute, DisputeState, Instalment, PaymentPlan, PlanRequest,
    PromiseToPay, SelfServiceStore, check_attachment,
};

/// Grace days after a promised date before the promise counts as broken.
pub const PROMISE_GRACE_DAYS: u32 = 3;
/// How far ahead a promised date may be, in days.
pub const PROMISE_MAX_DAYS: i64 = 90;

/// A file uploaded with a dispute, before it is checked.
#[derive(Clone, Copy, Debug)]
pub struct NewAttachment<'a> {
    /// Shown, never used as a path; the host cleans it.
    pub name: &'a str,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
}

/// A customer's dispute of one of their invoices.
#[derive(Clone, Copy, Debug)]
pub struct DisputeFiling<'a> {
    /// A new random id (the host draws it).
    pub id: &'a str,
    pub customer_id: &'a str,
    /// The customer's own invoice (the host checked whose it is).
    pub invoice: &'a Invoice,
    pub reason: &'a str,
    /// Minor units of the invoice's currency.
    pub amount: i64,
    pub message: &'a str,
    pub attachment: Option<NewAttachment<'a>>,
}

/// Files a dispute: a reason of 1–200 characters, a message up to 4,000, a
/// positive amount no larger than the invoice, an attachment of an accepted
/// type and size. The attachment is stored first, then the dispute with
/// its audit entry in one transaction (a failure there leaves at most an
/// attachment no dispute points to; nothing the customer sees as filed).
pub fn file_dispute<S: ChangeStore + SelfServiceStore + ?Sized>(
    store: &mut S,
    tenant: &str,
    f: DisputeFiling<'_>,
    now: i64,
) -> Result<Dispute, ChangeError> {
    let reason = f.reason.trim();
    let message = f.message.trim();
    if reason.is_empty() || reason.chars().count() > 200 || message.chars().count() > 4000 {
        return Err(ChangeError::Invalid(
            "Give a reason (up to 200 characters) and a message up to 4,000.".into(),
        ));
    }
    if f.amount <= 0 || f.amount > f.invoice.amount {
        return Err(ChangeError::Invalid(format!(
            "The disputed amount must be positive and at most the invoice's {}.",
            arflow_domain::money::Money::new(f.invoice.amount, f.invoice.currency)
                .to_grouped_string()
        )));
    }
    let attachment = match f.attachment {
        Some(a) => Some((a, check_attachment(a.content_type, a.bytes.len())?)),
        None => None,
    };
    let d = Dispute {
        id: f.id.to_string(),
        customer_id: f.customer_id.to_string(),
        invoice_id: f.invoice.invoice_id.clone(),
        reason: reason.to_string(),
        amount: f.amount,
        message: message.to_string(),
        state: DisputeState::Open,
        owner: None,
        notes: vec![],
        opened_at: now,
        updated_at: now,
    };
    if let Some((a, content_type)) = &attachment {
        store.put_attachment(tenant, &d.id, a.name, content_type, a.bytes)?;
    }
    let detail = format!(
        "invoice {} amount {}{}",
        d.invoice_id,
        d.amount,
        attachment
            .as_ref()
            .map(|(a, _)| format!(" attachment {} ({} bytes)", a.name, a.bytes.len()))
            .unwrap_or_default()
    );
    let audit = entry(
        now,
        &customer_actor(&d.customer_id),
        "dispute.open",
        format!("dispute:{}", d.id),
        detail,
    );
    if !store.commit(tenant, &Change::OpenDispute(d.clone()), &audit)? {
        return Err(ChangeError::Conflict(format!(
            "dispute '{}' exists already; file it again",
            d.id
        )));
    }
    Ok(d)
}

/// Records a promise to pay (a scheduled payment when it carries the
/// payment's reference): a positive amount, a date from `today` to
/// [`PROMISE_MAX_DAYS`] ahead.
pub fn record_promise<S: ChangeStore + ?Sized>(
    store: &mut S,
    tenant: &str,
    promise: &PromiseToPay,
    today: NaiveDate,
) -> Result<(), ChangeError> {
    if promise.amount <= 0 {
        return Err(ChangeError::Invalid(
            "The amount must be more than zero.".into(),
        ));
    }
    let d = promise.promised_date;
    if d < today || (d - today).num_days() > PROMISE_MAX_DAYS {
        return Err(ChangeError::Invalid(format!(
            "The date must be between today and {PROMISE_MAX_DAYS} days from now."
        )));
    }
    let (action, reference) = match &promise.reference {
        Some(r) => ("payment.schedule", format!(" reference {r}")),
        None => ("promise.create", String::new()),
    };
    let audit = entry(
        promise.created_at,
        &customer_actor(&promise.customer_id),
        action,
        format!("promise:{}", promise.id),
        format!(
            "invoice {} on {} amount {}{reference}",
            promise.invoice_id, promise.promised_date, promise.amount
        ),
    );
    if !store.commit(tenant, &Change::Promise(promise.clone()), &audit)? {
        return Err(ChangeError::Conflict(format!(
            "promise '{}' exists already",
            promise.id
        )));
    }
    Ok(())
}

/// Requests a payment plan over the customer's chosen invoices (the rules
/// are [`PaymentPlan::request`]'s; the customer's other plans are read
/// here so an invoice is never in two holding plans).
#[allow(clippy::too_many_arguments)]
pub fn request_plan<S: ChangeStore + SelfServiceStore + ?Sized>(
    store: &mut S,
    tenant: &str,
    id: &str,
    customer_id: &str,
    invoices: &[&Invoice],
    instalments: Vec<Instalment>,
    today: NaiveDate,
    now: i64,
) -> Result<PaymentPlan, ChangeError> {
    let mut existing = store.plans(tenant)?;
    existing.retain(|p| p.customer_id == customer_id);
    let plan = PaymentPlan::request(PlanRequest {
        id: id.to_string(),
        customer_id,
        invoices,
        instalments,
        existing: &existing,
        today,
        now,
    })?;
    let audit = entry(
        now,
        &customer_actor(customer_id),
        "payment_plan.request",
        format!("payment_plan:{}", plan.id),
        format!(
            "invoices {} in {} instalments total {}",
            plan.invoice_ids.join(","),
            plan.instalments.len(),
            plan.total
        ),
    );
    if !store.commit(tenant, &Change::RequestPlan(plan.clone()), &audit)? {
        return Err(ChangeError::Conflict(format!(
            "payment plan '{}' exists already; request it again",
            plan.id
        )));
    }
    Ok(plan)
}

/// Replaces a customer's contact preferences; a language is a tag of up to
/// 10 letters, digits and hyphens ("en", "de-CH").
pub fn set_contact_prefs<S: ChangeStore + ?Sized>(
    store: &mut S,
    tenant: &str,
    customer_id: &str,
    prefs: &ContactPrefs,
    now: i64,
) -> Result<(), ChangeError> {
    let bad_tag = |lang: &String| {
        lang.is_empty()
            || lang.len() > 10
            || !lang.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if prefs.language.as_ref().is_some_and(bad_tag) {
        return Err(ChangeError::Invalid(
            "Give a language tag such as en or de-CH.".into(),
        ));
    }
    let detail = serde_json::to_string(prefs).map_err(|e| {
        ChangeError::Invalid(format!("the preferences cannot be written down: {e}"))
    })?;
    let audit = entry(
        now,
        &customer_actor(customer_id),
        "preferences.update",
        format!("customer:{customer_id}"),
        detail,
    );
    let change = Change::ContactPrefs {
        customer_id: customer_id.to_string(),
        prefs: prefs.clone(),
    };
    if !store.commit(tenant, &change, &audit)? {
        return Err(ChangeError::Conflict(
            "the preferences were not saved; try again".into(),
        ));
    }
    Ok(())
}
