//! Promises to pay, and the holds portal activity puts on dunning: an active
//! dispute marks its invoice disputed for the planner (no dunning, the
//! dispute sequence instead); a promise to pay keeps its invoice out of the
//! plan until the promised date plus the grace days; a requested or approved
//! payment plan keeps its invoices out while it lasts.

use std::collections::{HashMap, HashSet};

use arflow_domain::ledger::Invoice;
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{ContactPrefs, Dispute, PaymentPlan, PortalStore, SelfServiceStore};

mod plan;

pub use plan::HeldDay;

/// A customer's promise to pay an invoice by a date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromiseToPay {
    pub id: String,
    pub customer_id: String,
    pub invoice_id: String,
    pub promised_date: NaiveDate,
    /// Promised amount in minor units of the invoice's currency.
    pub amount: i64,
    /// Days after `promised_date` before the promise counts as broken.
    pub grace_days: u32,
    /// A payment reference (a scheduled payment), when there is one.
    pub reference: Option<String>,
    /// Seconds since the Unix epoch.
    pub created_at: i64,
}

impl PromiseToPay {
    /// The last day reminders stay paused.
    pub fn hold_until(&self) -> NaiveDate {
        self.promised_date
            .checked_add_days(Days::new(u64::from(self.grace_days)))
            .unwrap_or(NaiveDate::MAX)
    }

    /// Whether the promise still pauses reminders on `as_of`.
    pub fn is_holding(&self, as_of: NaiveDate) -> bool {
        as_of <= self.hold_until()
    }

    /// Broken on `as_of`: the grace period is over and the invoice is still
    /// open (a paid invoice kept the promise).
    pub fn is_broken(&self, invoice: &Invoice, as_of: NaiveDate) -> bool {
        !self.is_holding(as_of) && invoice.is_open_on(as_of)
    }
}

/// The portal's state of one tenant as the planner's holds: disputes,
/// promises to pay, payment plans and contact preferences (see
/// `holds/plan.rs` for how they change the plan).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Holds {
    pub disputes: Vec<Dispute>,
    pub promises: Vec<PromiseToPay>,
    pub plans: Vec<PaymentPlan>,
    /// Contact preferences by customer id.
    pub prefs: Vec<(String, ContactPrefs)>,
}

impl Holds {
    /// Reads a tenant's disputes, promises, payment plans and preferences.
    pub fn load<S: PortalStore + SelfServiceStore + ?Sized>(
        store: &S,
        tenant: &str,
    ) -> Result<Holds, crate::store::StoreError> {
        Ok(Holds {
            disputes: store.disputes(tenant)?,
            promises: store.promises(tenant)?,
            plans: store.plans(tenant)?,
            prefs: store.all_contact_prefs(tenant)?,
        })
    }

    /// [`apply_holds`] with these disputes and promises, and the open
    /// invoices of a requested or approved payment plan left out too.
    pub fn apply(&self, invoices: Vec<Invoice>, as_of: NaiveDate) -> Vec<Invoice> {
        let mut out = apply_holds(invoices, &self.disputes, &self.promises, as_of);
        let planned = self.planned();
        if !planned.is_empty() {
            out.retain(|i| {
                !(i.is_open_on(as_of)
                    && planned.contains(&(i.customer_id.as_str(), i.invoice_id.as_str())))
            });
        }
        out
    }

    /// These holds as they stood on `day`, for a backtest: what was filed
    /// after it is left out, and a dispute or plan closed after it still
    /// holds (as it did then). Times are read as UTC days.
    pub fn on(&self, day: NaiveDate) -> Holds {
        let filed = |at: i64| utc_day(at) <= day;
        let still = |active: bool, updated: i64| active || utc_day(updated) > day;
        Holds {
            disputes: (self.disputes.iter())
                .filter(|d| filed(d.opened_at) && still(d.state.is_active(), d.updated_at))
                .map(|d| {
                    let mut d = d.clone();
                    if !d.state.is_active() {
                        d.state = super::DisputeState::Open;
                    }
                    d
                })
                .collect(),
            promises: (self.promises.iter())
                .filter(|p| filed(p.created_at))
                .cloned()
                .collect(),
            plans: (self.plans.iter())
                .filter(|p| filed(p.requested_at) && still(p.state.is_holding(), p.updated_at))
                .map(|p| {
                    let mut p = p.clone();
                    if !p.state.is_holding() {
                        p.state = super::PlanState::Requested;
                    }
                    p
                })
                .collect(),
            prefs: self.prefs.clone(),
        }
    }

    /// (customer, invoice) of every requested or approved plan.
    fn planned(&self) -> HashSet<(&str, &str)> {
        self.plans
            .iter()
            .filter(|p| p.state.is_holding())
            .flat_map(|p| {
                p.invoice_ids
                    .iter()
                    .map(move |i| (p.customer_id.as_str(), i.as_str()))
            })
            .collect()
    }
}

/// The UTC day of a time in seconds since the Unix epoch.
fn utc_day(at: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp(at, 0)
        .unwrap_or_default()
        .date_naive()
}

/// The promises broken on `as_of` (their invoices resume dunning; the AR
/// team is told). Promises for invoices not in `invoices` are skipped.
pub fn broken_promises<'a>(
    invoices: &[Invoice],
    promises: &'a [PromiseToPay],
    as_of: NaiveDate,
) -> Vec<&'a PromiseToPay> {
    let by_id: HashMap<&str, &Invoice> = invoices
        .iter()
        .map(|i| (i.invoice_id.as_str(), i))
        .collect();
    promises
        .iter()
        .filter(|p| {
            by_id
                .get(p.invoice_id.as_str())
                .is_some_and(|i| p.customer_id == i.customer_id && p.is_broken(i, as_of))
        })
        .collect()
}

/// The ledger as the planner should see it on `as_of`: invoices with an
/// active dispute are marked disputed, open invoices under a holding promise
/// to pay are left out. A dispute or promise only counts for the customer
/// that owns the invoice.
pub fn apply_holds(
    mut invoices: Vec<Invoice>,
    disputes: &[Dispute],
    promises: &[PromiseToPay],
    as_of: NaiveDate,
) -> Vec<Invoice> {
    let disputed: HashSet<(&str, &str)> = disputes
        .iter()
        .filter(|d| d.state.is_active())
        .map(|d| (d.customer_id.as_str(), d.invoice_id.as_str()))
        .collect();
    let promised: HashSet<(&str, &str)> = promises
        .iter()
        .filter(|p| p.is_holding(as_of))
        .map(|p| (p.customer_id.as_str(), p.invoice_id.as_str()))
        .collect();
    if disputed.is_empty() && promised.is_empty() {
        return invoices;
    }
    invoices.retain(|i| {
        !(i.is_open_on(as_of)
            && promised.contains(&(i.customer_id.as_str(), i.invoice_id.as_str())))
    });
    for i in &mut invoices {
        if disputed.contains(&(i.customer_id.as_str(), i.invoice_id.as_str())) {
            i.disputed = true;
        }
    }
    invoices
}

#[cfg(test)]
mod tests {
    use arflow_domain::ledger::InvoiceStatus;
    use arflow_domain::money::Currency;

    use super::*;
    use crate::portal::DisputeState;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn invoice(id: &str, customer: &str) -> Invoice {
        Invoice {
            invoice_id: id.into(),
            customer_id: customer.into(),
            invoice_date: d("2024-01-01"),
            due_date: d("2024-01-31"),
            amount: 10_000,
            currency: Currency::USD,
            paid_amount: 0,
            paid_date: None,
            disputed: false,
            status: InvoiceStatus::Open,
        }
    }

    fn promise(invoice: &str, date: &str, grace: u32) -> PromiseToPay {
        PromiseToPay {
            id: "P1".into(),
            customer_id: "C1".into(),
            invoice_id: invoice.into(),
            promised_date: d(date),
            amount: 10_000,
            grace_days: grace,
            reference: None,
            created_at: 0,
        }
    }

    fn dispute(invoice: &str, customer: &str, state: DisputeState) -> Dispute {
        Dispute {
            id: "D1".into(),
            customer_id: customer.into(),
            invoice_id: invoice.into(),
            reason: "r".into(),
            amount: 1,
            message: String::new(),
            state,
            owner: None,
            notes: vec![],
            opened_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn promise_holds_through_the_grace_days_and_breaks_the_day_after() {
        let p = promise("INV-1", "2024-02-10", 3);
        let inv = invoice("INV-1", "C1");
        assert!(p.is_holding(d("2024-02-13")));
        assert!(!p.is_broken(&inv, d("2024-02-13")));
        assert!(p.is_broken(&inv, d("2024-02-14")));
        let mut paid = inv.clone();
        paid.paid_date = Some(d("2024-02-12"));
        paid.paid_amount = paid.amount;
        assert!(
            !p.is_broken(&paid, d("2024-02-20")),
            "paid keeps the promise"
        );
        let list = [p];
        assert_eq!(broken_promises(&[inv], &list, d("2024-02-14")).len(), 1);
    }

    #[test]
    fn active_dispute_marks_its_invoice_disputed_and_a_closed_one_does_not() {
        let ledger = vec![invoice("INV-1", "C1"), invoice("INV-2", "C1")];
        let out = apply_holds(
            ledger.clone(),
            &[
                dispute("INV-1", "C1", DisputeState::Escalated),
                dispute("INV-2", "C1", DisputeState::Resolved),
            ],
            &[],
            d("2024-02-01"),
        );
        assert!(out[0].disputed);
        assert!(!out[1].disputed);
    }

    #[test]
    fn dispute_filed_under_another_customer_does_not_touch_the_invoice() {
        let out = apply_holds(
            vec![invoice("INV-1", "C1")],
            &[dispute("INV-1", "C2", DisputeState::Open)],
            &[],
            d("2024-02-01"),
        );
        assert!(!out[0].disputed);
    }

    #[test]
    fn holding_promise_leaves_the_open_invoice_out_until_date_plus_grace() {
        let ledger = vec![invoice("INV-1", "C1"), invoice("INV-2", "C1")];
        let promises = [promise("INV-1", "2024-02-10", 2)];
        let held = apply_holds(ledger.clone(), &[], &promises, d("2024-02-12"));
        assert_eq!(held.len(), 1);
        assert_eq!(held[0].invoice_id, "INV-2");
        let resumed = apply_holds(ledger, &[], &promises, d("2024-02-13"));
        assert_eq!(resumed.len(), 2);
    }
}
