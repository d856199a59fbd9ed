//! What a day's plan depends on, read from the store at once.

use arflow_domain::ledger::{Customer, Invoice};
use arflow_domain::sent::SentRecord;
use chrono::NaiveDate;

use crate::portal::{Holds, PortalStore, SelfServiceStore};
use crate::store::{LedgerStore, StoreError};
use crate::strategy_store::StrategyStore;

/// Which customers a plan covers: the whole tenant, or one planning shard of
/// a fanned-out daily run (customers whose [`plan_shard_of`] is `index`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Tenant,
    Shard { index: u32, of: u32 },
}

impl Scope {
    /// Whether the customer is planned in this scope.
    pub fn covers(&self, customer_id: &str) -> bool {
        match *self {
            Scope::Tenant => true,
            Scope::Shard { index, of } => plan_shard_of(customer_id, of) == index,
        }
    }
}

/// The planning shard of a customer among `shards`: FNV-1a of the id, so it
/// is the same on every host and build (the DynamoDB key design depends on it).
pub fn plan_shard_of(customer_id: &str, shards: u32) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in customer_id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (h % u64::from(shards.max(1))) as u32
}

/// Everything [`crate::planning::plan_inputs`] needs for one day.
#[derive(Clone, Debug, Default)]
pub struct DayInputs {
    pub as_of: NaiveDate,
    /// Every invoice of the scope as it stood on `as_of`.
    pub invoices: Vec<Invoice>,
    pub customers: Vec<Customer>,
    /// Everything sent to the scope's customers so far.
    pub sent: Vec<SentRecord>,
    /// Disputes, promises, payment plans and contact preferences.
    pub holds: Holds,
    /// The stored strategy's TOML and version, when one is stored.
    pub strategy_source: Option<(String, u64)>,
}

/// A store the day can be planned from. The default reads one port after
/// the other; a store that can read them as one snapshot (SQLite: one read
/// transaction) or faster for a shard (DynamoDB: the by-customer index)
/// overrides [`PlanningStore::day_inputs`].
pub trait PlanningStore: LedgerStore + PortalStore + SelfServiceStore + StrategyStore {
    fn day_inputs(
        &self,
        tenant: &str,
        as_of: NaiveDate,
        scope: Scope,
    ) -> Result<DayInputs, StoreError> {
        read_day_inputs(self, tenant, as_of, scope)
    }
}

/// The inputs read port by port (the default of [`PlanningStore::day_inputs`]).
pub fn read_day_inputs<S: PlanningStore + ?Sized>(
    store: &S,
    tenant: &str,
    as_of: NaiveDate,
    scope: Scope,
) -> Result<DayInputs, StoreError> {
    let mut invoices = Vec::new();
    store.invoices_as_of(tenant, as_of, &mut |i| {
        if scope.covers(&i.customer_id) {
            invoices.push(i)
        }
    })?;
    let mut customers = store.customers(tenant)?;
    customers.retain(|c| scope.covers(&c.customer_id));
    let mut sent = store.sent_log(tenant)?;
    sent.retain(|r| scope.covers(&r.customer_id));
    Ok(DayInputs {
        as_of,
        invoices,
        customers,
        sent,
        holds: Holds::load(store, tenant)?,
        strategy_source: store.strategy_source(tenant)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_shards_are_pinned_fnv1a() {
        // The DynamoDB key design files invoices under these numbers.
        assert_eq!(
            plan_shard_of("", 64),
            (0xcbf2_9ce4_8422_2325u64 % 64) as u32
        );
        let mut seen = [0u32; 64];
        for i in 0..6_400 {
            seen[plan_shard_of(&format!("C-{i}"), 64) as usize] += 1;
        }
        assert!(seen.iter().all(|n| *n > 50), "{seen:?}");
        assert!(Scope::Tenant.covers("anyone"));
        let s = Scope::Shard {
            index: plan_shard_of("C-7", 64),
            of: 64,
        };
        assert!(s.covers("C-7"));
    }
}
