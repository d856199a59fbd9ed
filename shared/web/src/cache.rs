//! Cache of the aging and KPI reports, keyed by (tenant, as-of date, the
//! report's parameters, the store's ledger version): a new ingest moves the
//! version, so the next request computes a fresh report. Stores that cannot
//! tell their version cheaply get no caching.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use arflow_app::dispatch::Sender;
use arflow_app::store::StoreError;
use arflow_domain::aging::{Aging, AgingReport, Buckets};
use arflow_domain::kpis::{KpiReport, Kpis};
use chrono::NaiveDate;

use crate::{Web, WebStore};

/// More entries than this and the cache starts over (a handful of tenants
/// times a few dates and parameters is the expected working set).
const MAX_ENTRIES: usize = 256;

type Slot<V> = Arc<Mutex<Option<Arc<V>>>>;

/// A map from key to a computed value; one computation per key at a time
/// (concurrent misses on one key wait for the first instead of repeating it).
pub struct Cache<K, V> {
    slots: Mutex<HashMap<(K, u64), Slot<V>>>,
}

impl<K: Hash + Eq + Clone, V> Default for Cache<K, V> {
    fn default() -> Self {
        Cache {
            slots: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Hash + Eq + Clone, V> Cache<K, V> {
    /// The value for `key` at ledger `version`, computed by `compute` on a
    /// miss; with no version the value is computed and not kept.
    /// `same_tenant` tells which keys a new version makes stale.
    pub fn get_or_compute<E>(
        &self,
        key: &K,
        version: Option<u64>,
        same_tenant: impl Fn(&K) -> bool,
        compute: impl FnOnce() -> Result<V, E>,
    ) -> Result<Arc<V>, E> {
        let Some(version) = version else {
            return compute().map(Arc::new);
        };
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(s) = slots.get(&(key.clone(), version)) {
                s.clone()
            } else {
                slots.retain(|(k, v), _| *v == version || !same_tenant(k));
                if slots.len() >= MAX_ENTRIES {
                    slots.clear();
                }
                slots
                    .entry((key.clone(), version))
                    .or_insert_with(|| Arc::new(Mutex::new(None)))
                    .clone()
            }
        };
        let mut filled = slot.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(v) = filled.as_ref() {
            return Ok(v.clone());
        }
        let v = Arc::new(compute()?);
        *filled = Some(v.clone());
        Ok(v)
    }

    /// How many values are kept.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.slots.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

/// The report caches of one router.
#[derive(Default)]
pub struct Reports {
    /// (tenant, as of, by customer).
    aging: Cache<(String, NaiveDate, bool), AgingReport>,
    /// (tenant, as of, period days).
    kpis: Cache<(String, NaiveDate, i64), KpiReport>,
}

/// The tenant's aging as of `day` (default buckets), from the cache when the
/// ledger has not changed since it was computed.
pub fn aging<S: WebStore, M: Sender + Send + 'static>(
    st: &Web<S, M>,
    tenant: &str,
    day: NaiveDate,
    by_customer: bool,
) -> Result<Arc<AgingReport>, StoreError> {
    let version = st.store().ledger_version(tenant)?;
    st.reports.aging.get_or_compute(
        &(tenant.to_string(), day, by_customer),
        version,
        |k| k.0 == tenant,
        || {
            let mut a = Aging::new(day, Buckets::default(), by_customer);
            st.store().invoices_as_of(tenant, day, &mut |i| a.add(&i))?;
            Ok(a.finish())
        },
    )
}

/// The tenant's KPIs over the `period_days` up to `day`, cached like [`aging`].
pub fn kpis<S: WebStore, M: Sender + Send + 'static>(
    st: &Web<S, M>,
    tenant: &str,
    day: NaiveDate,
    period_days: i64,
) -> Result<Arc<KpiReport>, StoreError> {
    let version = st.store().ledger_version(tenant)?;
    st.reports.kpis.get_or_compute(
        &(tenant.to_string(), day, period_days),
        version,
        |k| k.0 == tenant,
        || {
            let mut k = Kpis::new(day, period_days, false);
            st.store().invoices_as_of(tenant, day, &mut |i| k.add(&i))?;
            Ok(k.finish())
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use arflow_app::dispatch::{EmailMessage, SendError, TextMessage};
    use arflow_app::store::{ChangeKind, InvoiceChange, LedgerStore};
    use arflow_domain::ledger::{Invoice, InvoiceStatus};
    use arflow_domain::money::Currency;
    use arflow_local::SqliteStore;

    struct Nobody;
    impl Sender for Nobody {
        fn supports(&self, _: arflow_domain::ledger::Channel) -> bool {
            false
        }
        fn send_email(&mut self, _: &EmailMessage) -> Result<String, SendError> {
            Ok(String::new())
        }
        fn send_text(&mut self, _: &TextMessage) -> Result<String, SendError> {
            Ok(String::new())
        }
    }

    fn new_invoice(id: &str, amount: i64) -> InvoiceChange {
        InvoiceChange {
            kind: ChangeKind::New,
            effective: None,
            invoice: Invoice {
                invoice_id: id.into(),
                customer_id: "C1".into(),
                invoice_date: "2024-01-01".parse().unwrap(),
                due_date: "2024-01-31".parse().unwrap(),
                amount,
                currency: Currency::USD,
                paid_amount: 0,
                paid_date: None,
                disputed: false,
                status: InvoiceStatus::Open,
            },
        }
    }

    fn web() -> Web<SqliteStore, Nobody> {
        let config = crate::Config {
            tenant: "t".into(),
            secret: vec![7; 32],
            base_url: "http://x".into(),
            from: "ar@x".into(),
            strategy: arflow_domain::strategy::default_strategy().unwrap(),
            identity: None,
            link_ttl: 900,
            session_ttl: 3600,
            clock: Arc::new(|| 0),
        };
        Web::new(SqliteStore::open_in_memory().unwrap(), Nobody, config)
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn same_ledger_version_serves_the_cached_report() {
        let st = web();
        st.store()
            .apply_changes("t", &[new_invoice("A", 100)], &[])
            .unwrap();
        let a = aging(&st, "t", day("2024-02-15"), false).unwrap();
        let b = aging(&st, "t", day("2024-02-15"), false).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        let other_day = aging(&st, "t", day("2024-02-16"), false).unwrap();
        assert!(!Arc::ptr_eq(&a, &other_day));
    }

    #[test]
    fn an_ingest_moves_the_version_and_the_next_report_is_fresh() {
        let st = web();
        st.store()
            .apply_changes("t", &[new_invoice("A", 100)], &[])
            .unwrap();
        let before = aging(&st, "t", day("2024-02-15"), false).unwrap();
        let kb = kpis(&st, "t", day("2024-02-15"), 90).unwrap();
        assert_eq!(before.currencies[0].total.amount, 100);
        st.store()
            .apply_changes("t", &[new_invoice("B", 250)], &[])
            .unwrap();
        let after = aging(&st, "t", day("2024-02-15"), false).unwrap();
        assert_eq!(after.currencies[0].total.amount, 350);
        let ka = kpis(&st, "t", day("2024-02-15"), 90).unwrap();
        assert_eq!(
            (
                kb.currencies[0].sums.open_end,
                ka.currencies[0].sums.open_end
            ),
            (100, 350)
        );
        assert_eq!(st.reports.aging.len(), 1, "the stale entry is dropped");
    }

    #[test]
    fn another_tenants_ingest_keeps_this_tenants_report() {
        let st = web();
        st.store()
            .apply_changes("t", &[new_invoice("A", 100)], &[])
            .unwrap();
        let a = aging(&st, "t", day("2024-02-15"), false).unwrap();
        st.store()
            .apply_changes("u", &[new_invoice("A", 1)], &[])
            .unwrap();
        let b = aging(&st, "t", day("2024-02-15"), false).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
    }

    #[test]
    fn without_a_version_nothing_is_kept() {
        let cache: Cache<u8, u8> = Cache::default();
        let mut calls = 0;
        for _ in 0..2 {
            let v = cache
                .get_or_compute(
                    &1,
                    None,
                    |_| true,
                    || {
                        calls += 1;
                        Ok::<_, ()>(5)
                    },
                )
                .unwrap();
            assert_eq!(*v, 5);
        }
        assert_eq!((calls, cache.len()), (2, 0));
    }

    #[test]
    fn a_failed_computation_is_not_kept() {
        let cache: Cache<u8, u8> = Cache::default();
        assert!(
            cache
                .get_or_compute(&1, Some(1), |_| true, || Err::<u8, _>("down"))
                .is_err()
        );
        let v = cache
            .get_or_compute(&1, Some(1), |_| true, || Ok::<_, &str>(9))
            .unwrap();
        assert_eq!(*v, 9);
    }
}
