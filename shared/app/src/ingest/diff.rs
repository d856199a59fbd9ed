//! The diff of a ledger file against the store's current invoices: which
//! invoices are new, changed, unchanged, or (in a snapshot) closed. Each
//! change is handed back as it is found, so the caller can write changes in
//! bounded batches instead of holding them all.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, DefaultHasher, Hash, Hasher};

use arflow_domain::ledger::{Invoice, InvoiceStatus};
use chrono::NaiveDate;

use super::IngestSummary;
use super::events::EventKind;
use crate::store::{ChangeKind, InvoiceChange};

/// A change found by the diff and the event it means for the strategy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub change: InvoiceChange,
    pub event: Option<EventKind>,
}

/// What the diff remembers of a stored invoice: enough to tell whether the
/// file changed it, without holding every stored invoice in memory (32 bytes
/// an invoice with its key).
#[derive(Clone, Copy, Debug)]
struct Prior {
    fingerprint: u64,
    paid_date: Option<NaiveDate>,
    open: bool,
    disputed: bool,
    seen: bool,
}

/// The diff of a ledger against the store's current invoices.
///
/// Feed it every stored invoice (`stored`), then every invoice of the file
/// (`incoming`); in snapshot mode, feed the stored invoices once more to
/// `close_if_missing` when `missing_open` is not zero. Invoice ids in the
/// file must be unique (the reader rejects duplicates). Memory: 32 bytes a
/// stored invoice; changes are handed back, not kept.
pub struct LedgerDiff {
    as_of: NaiveDate,
    prior: HashMap<IdKey, Prior, BuildHasherDefault<IdHasher>>,
    summary: IngestSummary,
}

impl LedgerDiff {
    pub fn new(as_of: NaiveDate) -> LedgerDiff {
        LedgerDiff {
            as_of,
            prior: HashMap::default(),
            summary: IngestSummary::default(),
        }
    }

    /// Remembers an invoice as the store holds it now.
    pub fn stored(&mut self, inv: &Invoice) {
        let prior = Prior {
            fingerprint: fingerprint(inv),
            paid_date: inv.paid_date,
            open: inv.is_open_on(self.as_of),
            disputed: inv.disputed,
            seen: false,
        };
        self.prior.insert(id_hash(&inv.invoice_id), prior);
    }

    /// Compares an invoice of the file with the stored one; the change, if
    /// it is one.
    ///
    /// A change takes effect on the as-of date, except that a settlement
    /// date not known before (and not after the as-of date) takes effect on
    /// that date, so past-date reads see the invoice paid when it was paid.
    pub fn incoming(&mut self, inv: Invoice) -> Option<Found> {
        let Some(prior) = self.prior.get_mut(&id_hash(&inv.invoice_id)) else {
            self.summary.new += 1;
            return Some(Found {
                change: InvoiceChange {
                    kind: ChangeKind::New,
                    effective: None,
                    invoice: inv,
                },
                event: Some(EventKind::InvoiceCreated),
            });
        };
        prior.seen = true;
        if prior.fingerprint == fingerprint(&inv) {
            self.summary.unchanged += 1;
            return None;
        }
        let newly_paid = match inv.paid_date {
            Some(paid) if paid <= self.as_of && prior.paid_date != Some(paid) => Some(paid),
            _ => None,
        };
        let event = if newly_paid.is_some() {
            Some(EventKind::InvoicePaid)
        } else if inv.disputed && !prior.disputed {
            Some(EventKind::InvoiceDisputed)
        } else {
            None
        };
        self.summary.changed += 1;
        Some(Found {
            change: InvoiceChange {
                kind: ChangeKind::Changed,
                effective: Some(newly_paid.unwrap_or(self.as_of)),
                invoice: inv,
            },
            event,
        })
    }

    /// How many invoices open in the store on the as-of date the file did
    /// not list (the ones a snapshot closes).
    pub fn missing_open(&self) -> usize {
        self.prior.values().filter(|p| p.open && !p.seen).count()
    }

    /// Closes a stored invoice the file did not list, if it was open: it is
    /// recorded as paid in full on the as-of date.
    pub fn close_if_missing(&mut self, stored: &Invoice) -> Option<Found> {
        let prior = self.prior.get_mut(&id_hash(&stored.invoice_id))?;
        if prior.seen || !prior.open {
            return None;
        }
        prior.seen = true;
        let mut closed = stored.clone();
        closed.paid_date = Some(self.as_of);
        closed.paid_amount = closed.amount;
        if closed.status == InvoiceStatus::Open {
            closed.status = InvoiceStatus::Paid;
        }
        self.summary.closed += 1;
        Some(Found {
            change: InvoiceChange {
                kind: ChangeKind::Closed,
                effective: Some(self.as_of),
                invoice: closed,
            },
            event: Some(EventKind::InvoicePaid),
        })
    }

    /// The counts so far.
    pub fn summary(&self) -> IngestSummary {
        self.summary
    }
}

/// A hash of every field: equal fingerprints mean an unchanged invoice (a
/// change is missed only if its 64-bit hash collides, odds 2^-64 a change).
fn fingerprint(inv: &Invoice) -> u64 {
    // Destructured without `..` so that a new field cannot be forgotten here.
    let Invoice {
        invoice_id,
        customer_id,
        invoice_date,
        due_date,
        amount,
        currency,
        paid_amount,
        paid_date,
        disputed,
        status,
    } = inv;
    let mut h = DefaultHasher::new();
    (
        invoice_id,
        customer_id,
        invoice_date,
        due_date,
        amount,
        currency,
        paid_amount,
        paid_date,
        disputed,
        status,
    )
        .hash(&mut h);
    h.finish()
}

/// 128 bits of hash of an invoice id, standing in for the id: two ids
/// colliding among millions is not a practical concern, and it keeps the
/// diff's memory at 16 bytes a key.
#[derive(Clone, Copy, PartialEq, Eq)]
struct IdKey(u64, u64);

impl Hash for IdKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.0);
    }
}

fn id_hash(id: &str) -> IdKey {
    let mut a = DefaultHasher::new();
    id.hash(&mut a);
    let mut b = DefaultHasher::new();
    0x9e37_79b9_7f4a_7c15u64.hash(&mut b);
    id.hash(&mut b);
    IdKey(a.finish(), b.finish())
}

/// A hasher for keys that are already hashes.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes.iter().take(8) {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arflow_domain::money::Currency;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn inv(id: &str, amount: i64) -> Invoice {
        Invoice {
            invoice_id: id.into(),
            customer_id: "C1".into(),
            invoice_date: d("2024-01-01"),
            due_date: d("2024-01-31"),
            amount,
            currency: Currency::USD,
            paid_amount: 0,
            paid_date: None,
            disputed: false,
            status: InvoiceStatus::Open,
        }
    }

    /// Runs a diff; the changes found and the counts.
    fn diff(
        as_of: &str,
        stored: &[Invoice],
        file: &[Invoice],
        snapshot: bool,
    ) -> (Vec<Found>, IngestSummary) {
        let mut diff = LedgerDiff::new(d(as_of));
        for i in stored {
            diff.stored(i);
        }
        let mut found: Vec<Found> = file
            .iter()
            .filter_map(|i| diff.incoming(i.clone()))
            .collect();
        if snapshot {
            found.extend(stored.iter().filter_map(|i| diff.close_if_missing(i)));
        }
        (found, diff.summary())
    }

    #[test]
    fn the_diff_holds_32_bytes_a_stored_invoice() {
        assert!(std::mem::size_of::<(IdKey, Prior)>() <= 32);
    }

    #[test]
    fn first_sight_of_an_invoice_is_new_since_ever() {
        let (found, s) = diff("2024-02-01", &[], &[inv("A", 100)], true);
        assert_eq!(s.new, 1);
        assert_eq!(found[0].change.kind, ChangeKind::New);
        assert_eq!(found[0].change.effective, None);
        assert_eq!(found[0].event, Some(EventKind::InvoiceCreated));
    }

    #[test]
    fn an_identical_file_yields_no_changes() {
        let stored = [inv("A", 100), inv("B", 200)];
        let (found, s) = diff("2024-02-01", &stored, &stored, true);
        assert!(found.is_empty());
        assert_eq!((s.new, s.changed, s.closed, s.unchanged), (0, 0, 0, 2));
    }

    #[test]
    fn any_field_change_is_a_change_effective_on_the_as_of_date() {
        let mut disputed = inv("A", 100);
        disputed.disputed = true;
        let (found, s) = diff("2024-02-01", &[inv("A", 100)], &[disputed.clone()], true);
        assert_eq!(s.changed, 1);
        assert_eq!(found[0].change.effective, Some(d("2024-02-01")));
        assert_eq!(found[0].change.invoice, disputed);
        assert_eq!(found[0].event, Some(EventKind::InvoiceDisputed));
    }

    #[test]
    fn a_settlement_takes_effect_on_its_paid_date_and_is_a_paid_event() {
        let mut paid = inv("A", 100);
        paid.paid_date = Some(d("2024-01-20"));
        paid.paid_amount = 100;
        let (found, _) = diff("2024-02-01", &[inv("A", 100)], &[paid.clone()], true);
        assert_eq!(found[0].change.effective, Some(d("2024-01-20")));
        assert_eq!(found[0].event, Some(EventKind::InvoicePaid));

        // A later edit of an invoice already known as paid is no new payment.
        let mut edited = paid.clone();
        edited.amount = 90;
        edited.paid_amount = 90;
        let (found, _) = diff("2024-02-02", &[paid], &[edited], true);
        assert_eq!(found[0].event, None);
    }

    #[test]
    fn a_settlement_dated_after_the_as_of_date_takes_effect_on_the_as_of_date() {
        let mut paid = inv("A", 100);
        paid.paid_date = Some(d("2024-03-01"));
        paid.paid_amount = 100;
        let (found, _) = diff("2024-02-01", &[inv("A", 100)], &[paid], true);
        assert_eq!(found[0].change.effective, Some(d("2024-02-01")));
        assert_eq!(found[0].event, None, "not paid yet on the as-of date");
    }

    #[test]
    fn snapshot_closes_open_invoices_missing_from_the_file() {
        let mut already_paid = inv("P", 50);
        already_paid.paid_date = Some(d("2024-01-10"));
        let mut future = inv("F", 70);
        future.invoice_date = d("2024-03-01");
        future.due_date = d("2024-03-31");
        let stored = [inv("A", 100), inv("B", 200), already_paid, future];
        let (found, _) = diff("2024-02-01", &stored, &[inv("A", 100)], false);
        assert!(found.is_empty());
        let mut diff = LedgerDiff::new(d("2024-02-01"));
        for i in &stored {
            diff.stored(i);
        }
        assert!(diff.incoming(inv("A", 100)).is_none());
        assert_eq!(diff.missing_open(), 1);
        let closed: Vec<Found> = stored
            .iter()
            .filter_map(|i| diff.close_if_missing(i))
            .collect();
        let s = diff.summary();
        assert_eq!((s.unchanged, s.closed), (1, 1));
        let closed = &closed[0];
        assert_eq!(closed.event, Some(EventKind::InvoicePaid));
        let closed = &closed.change;
        assert_eq!(closed.kind, ChangeKind::Closed);
        assert_eq!(closed.effective, Some(d("2024-02-01")));
        assert_eq!(closed.invoice.invoice_id, "B");
        assert_eq!(closed.invoice.paid_date, Some(d("2024-02-01")));
        assert_eq!(closed.invoice.paid_amount, 200);
        assert_eq!(closed.invoice.status, InvoiceStatus::Paid);
        assert!(!closed.invoice.is_open_on(d("2024-02-01")));
    }

    #[test]
    fn delta_leaves_missing_invoices_alone() {
        let stored = [inv("A", 100), inv("B", 200)];
        let (found, s) = diff("2024-02-01", &stored, &[inv("C", 1)], false);
        assert_eq!((s.new, s.closed), (1, 0));
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn closing_twice_records_one_change() {
        let stored = [inv("B", 200)];
        let mut diff = LedgerDiff::new(d("2024-02-01"));
        diff.stored(&stored[0]);
        assert!(diff.close_if_missing(&stored[0]).is_some());
        assert!(diff.close_if_missing(&stored[0]).is_none());
        assert_eq!(diff.summary().closed, 1);
    }
}
