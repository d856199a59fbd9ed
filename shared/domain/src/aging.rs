//! Point-in-time aging of a ledger: buckets by days past due, per currency.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashMap, hash_map};

use chrono::NaiveDate;
use serde::Serialize;

use crate::ledger::Invoice;
use crate::money::Currency;

/// Aging buckets given by their upper bounds in days past due.
///
/// `[0, 30, 60, 90]` (the default) gives current (≤ 0), 1-30, 31-60, 61-90
/// and 91+.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Buckets {
    bounds: Vec<i64>,
    labels: Vec<String>,
}

impl Default for Buckets {
    fn default() -> Self {
        Buckets::from_bounds(&[30, 60, 90]).expect("default buckets are valid")
    }
}

impl Buckets {
    /// Buckets from the past-due bounds (`30,60,90` → current, 1-30, 31-60,
    /// 61-90, 91+). Bounds must be positive and increasing.
    pub fn from_bounds(bounds: &[i64]) -> Result<Buckets, String> {
        if bounds.is_empty() {
            return Err("give at least one bound, e.g. 30,60,90".into());
        }
        if bounds[0] <= 0 || bounds.windows(2).any(|w| w[0] >= w[1]) {
            return Err(format!(
                "bucket bounds must be positive and increasing, got {}",
                bounds
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(",")
            ));
        }
        let mut all = vec![0];
        all.extend_from_slice(bounds);
        let mut labels = vec!["current".to_string()];
        for w in all.windows(2) {
            labels.push(format!("{}-{}", w[0] + 1, w[1]));
        }
        labels.push(format!("{}+", all[all.len() - 1] + 1));
        Ok(Buckets {
            bounds: all,
            labels,
        })
    }

    /// Parses `30,60,90`.
    pub fn parse(s: &str) -> Result<Buckets, String> {
        let bounds = s
            .split(',')
            .map(|p| {
                p.trim()
                    .parse::<i64>()
                    .map_err(|_| format!("'{p}' is not a whole number of days"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Buckets::from_bounds(&bounds)
    }

    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Index of the bucket for `days_past_due`.
    pub fn index(&self, days_past_due: i64) -> usize {
        self.bounds.partition_point(|b| *b < days_past_due)
    }
}

/// Totals of one bucket (or of all of them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub invoices: u64,
    /// Minor units.
    pub amount: i64,
}

impl Tally {
    fn add(&mut self, amount: i64) {
        self.invoices += 1;
        self.amount += amount;
    }
}

/// Aging of one currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrencyAging {
    pub currency: Currency,
    pub buckets: Vec<Tally>,
    pub total: Tally,
}

/// One customer's open balance in one currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomerAging {
    pub customer_id: String,
    pub currency: Currency,
    pub buckets: Vec<Tally>,
    pub total: Tally,
    /// Days past due of the customer's oldest open invoice (credit notes
    /// excluded); None when only credit notes are open.
    pub oldest_days_past_due: Option<i64>,
}

/// The aging report as of one date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgingReport {
    pub as_of: NaiveDate,
    pub labels: Vec<String>,
    /// Sorted by currency code.
    pub currencies: Vec<CurrencyAging>,
    /// Present when asked for: sorted by currency, then outstanding (largest
    /// first), then customer id.
    pub customers: Option<Vec<CustomerAging>>,
}

/// Streaming aging: feed every ledger item, then `finish`.
pub struct Aging {
    as_of: NaiveDate,
    buckets: Buckets,
    currencies: BTreeMap<Currency, CurrencyAging>,
    customers: Option<HashMap<(String, Currency), CustomerAging>>,
}

impl Aging {
    pub fn new(as_of: NaiveDate, buckets: Buckets, by_customer: bool) -> Aging {
        Aging {
            as_of,
            buckets,
            currencies: BTreeMap::new(),
            customers: by_customer.then(HashMap::new),
        }
    }

    /// Counts `invoice` if it is open on the as-of date.
    pub fn add(&mut self, invoice: &Invoice) {
        if !invoice.is_open_on(self.as_of) {
            return;
        }
        let outstanding = invoice.outstanding_on(self.as_of);
        let dpd = invoice.days_past_due(self.as_of);
        let b = self.buckets.index(dpd);
        let n = self.buckets.labels.len();
        let cur = self
            .currencies
            .entry(invoice.currency)
            .or_insert_with(|| CurrencyAging {
                currency: invoice.currency,
                buckets: vec![Tally::default(); n],
                total: Tally::default(),
            });
        cur.buckets[b].add(outstanding);
        cur.total.add(outstanding);
        if let Some(customers) = &mut self.customers {
            let key = (invoice.customer_id.clone(), invoice.currency);
            let c = customers.entry(key).or_insert_with(|| CustomerAging {
                customer_id: invoice.customer_id.clone(),
                currency: invoice.currency,
                buckets: vec![Tally::default(); n],
                total: Tally::default(),
                oldest_days_past_due: None,
            });
            c.buckets[b].add(outstanding);
            c.total.add(outstanding);
            if !invoice.is_credit_note() {
                c.oldest_days_past_due = Some(c.oldest_days_past_due.map_or(dpd, |o| o.max(dpd)));
            }
        }
    }

    /// Adds in another aging of the same date and buckets, fed with other
    /// items: feeding items to several `Aging`s and merging them gives the
    /// report feeding them all to one would (sums and maxima do not depend
    /// on order), so workers can age parts of a ledger apart.
    pub fn merge(&mut self, other: Aging) {
        for (currency, theirs) in other.currencies {
            match self.currencies.entry(currency) {
                Entry::Vacant(v) => {
                    v.insert(theirs);
                }
                Entry::Occupied(mut o) => {
                    let ours = o.get_mut();
                    add_tallies(
                        &mut ours.buckets,
                        &mut ours.total,
                        &theirs.buckets,
                        theirs.total,
                    );
                }
            }
        }
        let (Some(ours), Some(theirs)) = (&mut self.customers, other.customers) else {
            return;
        };
        for (key, c) in theirs {
            match ours.entry(key) {
                hash_map::Entry::Vacant(v) => {
                    v.insert(c);
                }
                hash_map::Entry::Occupied(mut o) => {
                    let mine = o.get_mut();
                    add_tallies(&mut mine.buckets, &mut mine.total, &c.buckets, c.total);
                    mine.oldest_days_past_due =
                        match (mine.oldest_days_past_due, c.oldest_days_past_due) {
                            (Some(a), Some(b)) => Some(a.max(b)),
                            (a, b) => a.or(b),
                        };
                }
            }
        }
    }

    pub fn finish(self) -> AgingReport {
        let customers = self.customers.map(|m| {
            let mut v: Vec<CustomerAging> = m.into_values().collect();
            v.sort_by(|a, b| {
                a.currency
                    .cmp(&b.currency)
                    .then(b.total.amount.cmp(&a.total.amount))
                    .then_with(|| a.customer_id.cmp(&b.customer_id))
            });
            v
        });
        AgingReport {
            as_of: self.as_of,
            labels: self.buckets.labels,
            currencies: self.currencies.into_values().collect(),
            customers,
        }
    }
}

fn add_tallies(buckets: &mut [Tally], total: &mut Tally, more: &[Tally], more_total: Tally) {
    for (b, m) in buckets.iter_mut().zip(more) {
        b.invoices += m.invoices;
        b.amount += m.amount;
    }
    total.invoices += more_total.invoices;
    total.amount += more_total.amount;
}

/// Ages a whole ledger in one call.
pub fn age<'a>(
    invoices: impl IntoIterator<Item = &'a Invoice>,
    as_of: NaiveDate,
    buckets: Buckets,
    by_customer: bool,
) -> AgingReport {
    let mut aging = Aging::new(as_of, buckets, by_customer);
    for i in invoices {
        aging.add(i);
    }
    aging.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_buckets_put_90_and_91_apart() {
        let b = Buckets::default();
        assert_eq!(b.labels(), ["current", "1-30", "31-60", "61-90", "91+"]);
        assert_eq!(b.index(-5), 0);
        assert_eq!(b.index(0), 0);
        assert_eq!(b.index(1), 1);
        assert_eq!(b.index(30), 1);
        assert_eq!(b.index(31), 2);
        assert_eq!(b.index(90), 3);
        assert_eq!(b.index(91), 4);
    }

    #[test]
    fn custom_buckets_extend_the_labels() {
        let b = Buckets::parse("30,60,90,120").unwrap();
        assert_eq!(
            b.labels(),
            ["current", "1-30", "31-60", "61-90", "91-120", "121+"]
        );
        assert_eq!(b.index(121), 5);
        assert!(Buckets::parse("60,30").is_err());
        assert!(Buckets::parse("0,30").is_err());
        assert!(Buckets::parse("x").is_err());
    }

    fn invoice(id: &str, customer: &str, due: &str, amount: i64, currency: Currency) -> Invoice {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        Invoice {
            invoice_id: id.into(),
            customer_id: customer.into(),
            invoice_date: d("2024-01-01"),
            due_date: d(due),
            amount,
            currency,
            paid_amount: 0,
            paid_date: None,
            disputed: false,
            status: crate::ledger::InvoiceStatus::Open,
        }
    }

    #[test]
    fn merging_partial_agings_equals_aging_everything_at_once() {
        let as_of: NaiveDate = "2024-06-30".parse().unwrap();
        let items = [
            invoice("1", "A", "2024-06-30", 100, Currency::USD),
            invoice("2", "A", "2024-03-01", -40, Currency::USD),
            invoice("3", "B", "2024-05-15", 7, Currency::EUR),
            invoice("4", "A", "2024-02-01", 5, Currency::USD),
            invoice("5", "C", "2024-04-01", 9, Currency::EUR),
        ];
        for by_customer in [false, true] {
            let whole = age(&items, as_of, Buckets::default(), by_customer);
            for split in 0..=items.len() {
                let mut left = Aging::new(as_of, Buckets::default(), by_customer);
                let mut right = Aging::new(as_of, Buckets::default(), by_customer);
                items[..split].iter().for_each(|i| left.add(i));
                items[split..].iter().for_each(|i| right.add(i));
                right.merge(left);
                assert_eq!(right.finish(), whole, "split at {split}");
            }
        }
    }
}
