//! Where one customer stands on the planning day: open items, outstanding per
//! currency, oldest days past due, first invoice date.

use chrono::NaiveDate;

use crate::ledger::Invoice;
use crate::money::Currency;

/// One customer's position on a day (reused from customer to customer).
#[derive(Clone, Debug)]
pub struct Summary {
    pub tenant_currency: Currency,
    /// Outstanding per currency (credit notes included), minor units.
    pub outstanding: Vec<(Currency, i64)>,
    /// Days past due of the oldest open, undisputed invoice (not credit note).
    pub oldest_dpd: Option<i64>,
    /// Its due date.
    pub oldest_due: Option<NaiveDate>,
    /// The customer's first invoice date, among items issued by the day.
    pub first_invoice: Option<NaiveDate>,
    /// Indices of the items open on the day.
    pub open: Vec<u32>,
}

impl Summary {
    pub fn new(tenant_currency: Currency) -> Summary {
        Summary {
            tenant_currency,
            outstanding: Vec::new(),
            oldest_dpd: None,
            oldest_due: None,
            first_invoice: None,
            open: Vec::new(),
        }
    }

    /// Recomputes for the customer's `items` (indices into `invoices`) on `as_of`.
    pub fn compute(&mut self, invoices: &[Invoice], items: &[u32], as_of: NaiveDate) {
        self.outstanding.clear();
        self.open.clear();
        self.oldest_dpd = None;
        self.oldest_due = None;
        self.first_invoice = None;
        for &i in items {
            let inv = &invoices[i as usize];
            if inv.invoice_date > as_of {
                continue;
            }
            if self.first_invoice.is_none_or(|f| inv.invoice_date < f) {
                self.first_invoice = Some(inv.invoice_date);
            }
            if !inv.is_open_on(as_of) {
                continue;
            }
            self.open.push(i);
            let out = inv.outstanding_on(as_of);
            match self
                .outstanding
                .iter_mut()
                .find(|(c, _)| *c == inv.currency)
            {
                Some((_, total)) => *total = total.saturating_add(out),
                None => self.outstanding.push((inv.currency, out)),
            }
            if inv.amount > 0 && !inv.disputed && self.oldest_due.is_none_or(|d| inv.due_date < d) {
                self.oldest_due = Some(inv.due_date);
                self.oldest_dpd = Some(inv.days_past_due(as_of));
            }
        }
    }

    pub fn outstanding_in(&self, c: Currency) -> i64 {
        self.outstanding
            .iter()
            .find(|(cur, _)| *cur == c)
            .map_or(0, |(_, v)| *v)
    }

    /// Whether anything is owed or credited (a statement has something to list).
    pub fn has_open_balance(&self) -> bool {
        !self.open.is_empty()
    }
}
