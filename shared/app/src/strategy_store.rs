//! The strategy store port: each tenant's collection strategy (its TOML), in
//! numbered versions, so the AR team can change it through the API and the
//! planner (`arflow plan --db`, `arflow run`, `/api/actions`) uses it.

use arflow_domain::strategy::{Diagnostic, Strategy};

use crate::store::StoreError;

/// A tenant's stored strategy: its TOML and version (1, 2, …).
pub trait StrategyStore {
    /// The latest stored strategy and its version; None when none was stored.
    fn strategy_source(&self, tenant: &str) -> Result<Option<(String, u64)>, StoreError>;

    /// Stores `source` as the next version, only if the stored version is
    /// still `expected_version` (None: only if no strategy is stored yet).
    /// The new version is the expected one plus one (1 for the first).
    /// Returns false, storing nothing, when the version has moved on.
    fn put_strategy(
        &mut self,
        tenant: &str,
        source: &str,
        expected_version: Option<u64>,
    ) -> Result<bool, StoreError>;
}

/// Why the stored strategy cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StoredStrategyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the stored strategy of tenant '{tenant}' (version {version}) does not load:\n{diagnostics}", diagnostics = list(.diagnostics))]
    Invalid {
        tenant: String,
        version: u64,
        diagnostics: Vec<Diagnostic>,
    },
}

fn list(d: &[Diagnostic]) -> String {
    d.iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The tenant's stored strategy, parsed, with its version; None when none is
/// stored (the caller falls back to its own default).
pub fn stored_strategy(
    store: &dyn StrategyStore,
    tenant: &str,
) -> Result<Option<(Strategy, u64)>, StoredStrategyError> {
    let Some((source, version)) = store.strategy_source(tenant)? else {
        return Ok(None);
    };
    parse_stored(tenant, &source, version).map(|s| Some((s, version)))
}

/// A stored strategy's TOML, parsed; diagnostics name the version.
pub fn parse_stored(
    tenant: &str,
    source: &str,
    version: u64,
) -> Result<Strategy, StoredStrategyError> {
    let file = format!("strategy v{version}");
    Strategy::from_toml(source, &file).map_err(|e| StoredStrategyError::Invalid {
        tenant: tenant.to_string(),
        version,
        diagnostics: e.diagnostics,
    })
}

/// The strategy store contract: behaviour every [`StrategyStore`] must show.
/// Safe to run more than once on the same store (it works from the versions
/// it finds); panics, saying what broke, on the first broken promise.
pub fn run_strategy_store_contract<S: StrategyStore>(store: &mut S) {
    let (a, b) = ("strategy-contract-a", "strategy-contract-b");
    let read = |s: &S, t: &str| s.strategy_source(t).expect("reading a strategy");
    let start = read(store, a).map(|(_, v)| v);
    let other = read(store, b);
    let made_up = Some(start.unwrap_or(0) + 5);
    assert!(
        !store.put_strategy(a, "x", made_up).unwrap(),
        "a version that was never stored is not current"
    );
    if start.is_some() {
        assert!(
            !store.put_strategy(a, "x", None).unwrap(),
            "'none stored yet' is false once one is"
        );
    }
    assert!(store.put_strategy(a, "first", start).unwrap());
    let v1 = start.unwrap_or(0) + 1;
    assert_eq!(
        read(store, a),
        Some(("first".into(), v1)),
        "the next version"
    );
    assert!(
        !store.put_strategy(a, "lost", start).unwrap(),
        "two writers expecting the same version: only the first stores"
    );
    let text = "[tenant]\nname = \"Zoë's \\\"quoted\\\" GmbH\" # ünïcode\n";
    assert!(store.put_strategy(a, text, Some(v1)).unwrap());
    assert_eq!(
        read(store, a),
        Some((text.to_string(), v1 + 1)),
        "the source round-trips exactly"
    );
    assert_eq!(read(store, b), other, "tenants do not see each other's");
}
