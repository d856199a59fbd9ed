//! Synthetic ledgers: a deterministic, realistic stream of invoices and the
//! customers they belong to, for the demo, the tests and the benchmarks.
//!
//! The same parameters give the same rows on every machine, forever: the
//! generator has its own integer-only PRNG (SplitMix64) rather than a crate
//! whose output could change with a version bump. Each row is derived from
//! (seed, row number) alone, so rows stream without holding the ledger.
//!
//! Shape, for N invoices: N/20 customers (strategic, established, new) with
//! net 30/45/60 terms; issue dates over the year before `as_of`; ~70 % paid
//! (around the due date, with a long tail of late payers; never before the
//! issue date nor after `as_of`); a few part payments; ~2 % credit notes;
//! ~1.5 % disputed; a few written off and void; amounts with cents from 100
//! to a few above 1,000,000 for the big accounts (credit notes smaller).

use chrono::NaiveDate;

use crate::ledger::{Customer, Invoice};
use crate::money::Currency;

mod customer;
mod invoice;
pub mod record;
mod rng;

pub use customer::customer_id;
pub use invoice::invoice_id;

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynthParams {
    pub invoices: u64,
    /// Number of customers; `invoices / 20` (at least 1) when None.
    pub customers: Option<u64>,
    pub seed: u64,
    /// The day the ledger is exported: nothing is issued or paid after it.
    pub as_of: NaiveDate,
    /// Billing currencies; the first is the home currency (~70 % of
    /// customers when there are several). USD when empty.
    pub currencies: Vec<Currency>,
}

impl Default for SynthParams {
    fn default() -> Self {
        SynthParams {
            invoices: 1_000,
            customers: None,
            seed: 1,
            as_of: NaiveDate::from_ymd_opt(2024, 12, 31).expect("valid date"),
            currencies: vec![Currency::USD],
        }
    }
}

impl SynthParams {
    pub fn customer_count(&self) -> u64 {
        self.customers.unwrap_or(self.invoices / 20).max(1)
    }

    fn currencies(&self) -> &[Currency] {
        if self.currencies.is_empty() {
            &[Currency::USD]
        } else {
            &self.currencies
        }
    }
}

/// The customers the ledger bills, `C-00001` first (the biggest accounts
/// have the lowest numbers).
pub fn customers(params: &SynthParams) -> Vec<Customer> {
    (0..params.customer_count())
        .map(|n| customer::build(params, n).1)
        .collect()
}

/// The invoices, `INV-0000001` first, in issue-date order. Holds only the
/// customer profiles (small), never the rows.
pub fn generate(params: &SynthParams) -> impl Iterator<Item = Invoice> + use<> {
    let profiles: Vec<customer::Profile> = (0..params.customer_count())
        .map(|n| customer::build(params, n).0)
        .collect();
    let (seed, as_of, total) = (params.seed, params.as_of, params.invoices);
    (0..total).map(move |n| {
        let ctx = invoice::Ctx {
            seed,
            as_of,
            total,
            profiles: &profiles,
        };
        invoice::build(&ctx, n)
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::record::{customer_fields, invoice_fields};
    use super::*;
    use crate::columns::{
        CUSTOMER_COLUMNS, CUSTOMER_REQUIRED, ColumnMapping, HeaderIndex, LEDGER_COLUMNS,
        LEDGER_REQUIRED,
    };
    use crate::ledger::{CustomerType, InvoiceStatus};
    use crate::row::{ValueFormat, canonical_fields, parse_customer, parse_invoice};

    fn params(invoices: u64, seed: u64) -> SynthParams {
        SynthParams {
            invoices,
            seed,
            currencies: ["USD", "EUR", "GBP", "JPY", "KWD"]
                .iter()
                .map(|c| Currency::parse(c).unwrap())
                .collect(),
            ..SynthParams::default()
        }
    }

    #[test]
    fn same_seed_gives_the_same_rows_and_another_seed_does_not() {
        let a: Vec<_> = generate(&params(2_000, 7)).collect();
        let b: Vec<_> = generate(&params(2_000, 7)).collect();
        let c: Vec<_> = generate(&params(2_000, 8)).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(customers(&params(2_000, 7)), customers(&params(2_000, 7)));
    }

    #[test]
    fn every_generated_row_passes_validation_unchanged() {
        let p = params(20_000, 3);
        let idx = HeaderIndex::resolve(
            &LEDGER_COLUMNS,
            &LEDGER_COLUMNS,
            &LEDGER_REQUIRED,
            &ColumnMapping::default(),
        )
        .unwrap();
        for inv in generate(&p) {
            let text = invoice_fields(&inv);
            let rec: Vec<&str> = text.iter().map(String::as_str).collect();
            let back = parse_invoice(&canonical_fields(&idx, &rec), &idx, &ValueFormat::default())
                .unwrap_or_else(|e| panic!("{} rejected: {e}: {rec:?}", inv.invoice_id));
            assert_eq!(back, inv);
        }
        let idx = HeaderIndex::resolve(
            &CUSTOMER_COLUMNS,
            &CUSTOMER_COLUMNS,
            &CUSTOMER_REQUIRED,
            &ColumnMapping::default(),
        )
        .unwrap();
        for c in customers(&p) {
            let text = customer_fields(&c);
            let rec: Vec<&str> = text.iter().map(String::as_str).collect();
            let back = parse_customer(&canonical_fields(&idx, &rec), &idx, &ValueFormat::default())
                .unwrap_or_else(|e| panic!("{} rejected: {e}: {rec:?}", c.customer_id));
            assert_eq!(back, c);
        }
    }

    #[test]
    fn dates_stay_within_the_year_before_as_of() {
        let p = params(10_000, 11);
        for inv in generate(&p) {
            assert!(inv.invoice_date <= p.as_of, "{inv:?}");
            assert!(
                inv.invoice_date >= p.as_of - chrono::Duration::days(367),
                "{inv:?}"
            );
            assert!(inv.due_date >= inv.invoice_date, "{inv:?}");
            if let Some(d) = inv.paid_date {
                assert!(d >= inv.invoice_date && d <= p.as_of, "{inv:?}");
            }
        }
    }

    #[test]
    fn shares_look_like_a_real_ledger() {
        let p = params(50_000, 5);
        let all: Vec<Invoice> = generate(&p).collect();
        let share =
            |f: &dyn Fn(&Invoice) -> bool| all.iter().filter(|i| f(i)).count() * 1000 / all.len();
        let paid = share(&|i| i.status == InvoiceStatus::Paid);
        assert!((650..=750).contains(&paid), "paid {paid}‰");
        let credit = share(&|i| i.amount < 0);
        assert!((15..=25).contains(&credit), "credit notes {credit}‰");
        let disputed = share(&|i| i.disputed);
        assert!((10..=20).contains(&disputed), "disputed {disputed}‰");
        assert!(all.iter().any(|i| i.status == InvoiceStatus::WrittenOff));
        assert!(all.iter().any(|i| i.status == InvoiceStatus::Void));
        assert!(
            all.iter()
                .any(|i| i.paid_date.is_none() && i.paid_amount != 0),
            "part payments"
        );
        assert!(
            all.iter()
                .any(|i| i.amount >= 100_000_000 && i.currency == Currency::USD),
            "a USD invoice over 1,000,000"
        );
        let terms: std::collections::BTreeSet<i64> = all
            .iter()
            .filter(|i| i.amount > 0)
            .map(|i| (i.due_date - i.invoice_date).num_days())
            .collect();
        assert_eq!(terms.into_iter().collect::<Vec<_>>(), [30, 45, 60]);
        let open = all.iter().filter(|i| i.is_open_on(p.as_of)).count();
        assert!(open * 100 / all.len() >= 15, "open {open}");
    }

    #[test]
    fn customers_cover_every_type_and_the_invoices_use_only_them() {
        let p = params(20_000, 9);
        let cs = customers(&p);
        assert_eq!(cs.len(), 1_000);
        assert_eq!(cs[0].customer_id, "C-00001");
        let by_id: HashMap<&str, &Customer> =
            cs.iter().map(|c| (c.customer_id.as_str(), c)).collect();
        for kind in [
            CustomerType::Strategic,
            CustomerType::Established,
            CustomerType::New,
        ] {
            assert!(cs.iter().any(|c| c.kind == kind), "{kind:?}");
        }
        assert!(cs.iter().any(|c| c.white_glove));
        assert!(cs.iter().any(|c| !c.opted_out.is_empty()));
        assert!(cs.iter().all(|c| {
            c.emails
                .iter()
                .all(|e| e.ends_with("@example.com") || e.ends_with("@example.net"))
        }));
        let new_since = p.as_of - chrono::Duration::days(90);
        for inv in generate(&p) {
            let c = by_id.get(inv.customer_id.as_str()).expect("known customer");
            if c.kind == CustomerType::New {
                assert!(
                    inv.invoice_date > new_since - chrono::Duration::days(2),
                    "{inv:?}"
                );
            }
        }
    }

    #[test]
    fn ids_are_zero_padded_and_follow_the_row_number() {
        let first: Vec<_> = generate(&params(3, 1)).map(|i| i.invoice_id).collect();
        assert_eq!(first, ["INV-0000001", "INV-0000002", "INV-0000003"]);
        assert_eq!(customer_id(41), "C-00042");
    }
}
