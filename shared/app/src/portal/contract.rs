//! The portal store contract: behaviour every `PortalStore` must show, as a
//! suite an adapter's tests run on one store (each case uses its own
//! tenants, so the store need not be empty, only unshared).
//!
//! ```ignore
//! #[test]
//! fn sqlite_store_keeps_the_portal_store_contract() {
//!     let mut store = SqliteStore::open_in_memory().unwrap();
//!     arflow_app::portal::contract::run_portal_store_contract(&mut store);
//! }
//! ```

use chrono::NaiveDate;

use super::{
    ApiKey, AuditEntry, ContactPrefs, Dispute, DisputeState, PortalStore, PromiseToPay, Scope,
    Session, hash_secret,
};

type Case<S> = (&'static str, fn(&mut S, &str));

/// Runs every case on `store`; panics, naming the case, on the first broken
/// promise. Tenants are prefixed with a per-call nonce so the suite can run
/// twice on one store (a shared emulator table).
pub fn run_portal_store_contract<S: PortalStore>(store: &mut S) {
    let cases: &[Case<S>] = &[
        (
            "disputes round-trip in (opened_at, id) order",
            disputes_round_trip_in_order,
        ),
        ("a dispute id is new only once", dispute_ids_are_unique),
        (
            "a dispute updates only from the expected state",
            dispute_updates_only_from_the_expected_state,
        ),
        (
            "updating an unknown dispute changes nothing",
            updating_an_unknown_dispute_changes_nothing,
        ),
        (
            "promises round-trip in (created_at, id) order",
            promises_round_trip_in_order,
        ),
        (
            "a sign-in nonce is consumed once per tenant",
            a_nonce_is_consumed_once_per_tenant,
        ),
        (
            "sessions are found by hash and can be ended",
            sessions_are_found_by_hash_and_can_be_ended,
        ),
        (
            "API keys are found by hash; names are unique per tenant",
            api_keys_are_found_by_hash_and_names_are_unique,
        ),
        (
            "contact preferences are upserted",
            contact_prefs_are_upserted,
        ),
        (
            "the audit log reads back oldest first",
            audit_log_reads_back_oldest_first,
        ),
        ("tenants never see each other", tenants_are_isolated),
    ];
    let run = unique_run();
    for (i, (name, case)) in cases.iter().enumerate() {
        let tenant = format!("pc{run}-{i}");
        run_case("portal store", name, || case(store, &tenant));
    }
}

/// Runs one case of a suite; a panic is re-raised naming the suite and
/// the case.
pub(crate) fn run_case(suite: &str, name: &str, case: impl FnOnce()) {
    if let Err(e) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(case)) {
        let why = e
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        panic!("{suite} contract case '{name}' failed: {why}");
    }
}

/// A short id distinct per call (and per process run, via the clock).
pub(crate) fn unique_run() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{nanos:x}{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

fn dispute(id: &str, opened_at: i64) -> Dispute {
    Dispute {
        id: id.into(),
        customer_id: "C1".into(),
        invoice_id: "INV-1".into(),
        reason: "damaged <goods> & \"more\"".into(),
        amount: -i64::MAX,
        message: "box was wet\nline two — ünïcode".into(),
        state: DisputeState::Open,
        owner: None,
        notes: vec![],
        opened_at,
        updated_at: opened_at,
    }
}

fn promise(id: &str, created_at: i64) -> PromiseToPay {
    PromiseToPay {
        id: id.into(),
        customer_id: "C1".into(),
        invoice_id: "INV-1".into(),
        promised_date: NaiveDate::from_ymd_opt(2024, 3, 1).unwrap_or_default(),
        amount: i64::MAX,
        grace_days: 3,
        reference: Some("REF-1".into()),
        created_at,
    }
}

fn ids<T>(list: &[T], id: impl Fn(&T) -> &str) -> Vec<String> {
    list.iter().map(|x| id(x).to_string()).collect()
}

fn disputes_round_trip_in_order<S: PortalStore>(s: &mut S, t: &str) {
    let mut owned = dispute("D0", 20);
    owned.owner = Some("ana".into());
    owned.notes = vec!["acknowledged: on it".into()];
    owned.state = DisputeState::Acknowledged;
    for d in [dispute("D2", 10), owned.clone(), dispute("D1", 10)] {
        s.insert_dispute(t, &d).expect("insert dispute");
    }
    let all = s.disputes(t).expect("disputes");
    assert_eq!(ids(&all, |d| &d.id), ["D1", "D2", "D0"]);
    assert_eq!(all[2], owned, "every field round-trips");
}

fn dispute_ids_are_unique<S: PortalStore>(s: &mut S, t: &str) {
    s.insert_dispute(t, &dispute("D1", 1)).expect("insert");
    let mut other = dispute("D1", 2);
    other.reason = "second".into();
    assert!(
        s.insert_dispute(t, &other).is_err(),
        "a reused id is refused"
    );
    assert_eq!(s.disputes(t).expect("disputes"), vec![dispute("D1", 1)]);
}

fn dispute_updates_only_from_the_expected_state<S: PortalStore>(s: &mut S, t: &str) {
    s.insert_dispute(t, &dispute("D1", 1)).expect("insert");
    let mut d = dispute("D1", 1);
    d.transition(DisputeState::Acknowledged, Some("on it"), Some("ana"), 5)
        .expect("open → acknowledged");
    assert!(
        !s.update_dispute(t, &d, DisputeState::Escalated)
            .expect("update"),
        "wrong expected state"
    );
    assert_eq!(s.disputes(t).expect("disputes"), vec![dispute("D1", 1)]);
    assert!(s.update_dispute(t, &d, DisputeState::Open).expect("update"));
    assert!(
        !s.update_dispute(t, &d, DisputeState::Open).expect("update"),
        "the second of two racing updates loses"
    );
    assert_eq!(s.disputes(t).expect("disputes"), vec![d]);
}

fn updating_an_unknown_dispute_changes_nothing<S: PortalStore>(s: &mut S, t: &str) {
    let mut d = dispute("D9", 1);
    d.state = DisputeState::Acknowledged;
    assert!(!s.update_dispute(t, &d, DisputeState::Open).expect("update"));
    assert!(s.disputes(t).expect("disputes").is_empty());
}

fn promises_round_trip_in_order<S: PortalStore>(s: &mut S, t: &str) {
    let mut no_ref = promise("P0", 9);
    no_ref.reference = None;
    for p in [promise("P2", 5), no_ref.clone(), promise("P1", 5)] {
        s.insert_promise(t, &p).expect("insert promise");
    }
    let all = s.promises(t).expect("promises");
    assert_eq!(ids(&all, |p| &p.id), ["P1", "P2", "P0"]);
    assert_eq!(all[0], promise("P1", 5));
    assert_eq!(all[2], no_ref);
}

fn a_nonce_is_consumed_once_per_tenant<S: PortalStore>(s: &mut S, t: &str) {
    assert!(s.consume_token(t, "n1", 1).expect("consume"));
    assert!(!s.consume_token(t, "n1", 2).expect("consume"), "reused");
    assert!(s.consume_token(t, "n2", 2).expect("consume"));
    let other = format!("{t}-b");
    assert!(
        s.consume_token(&other, "n1", 3).expect("consume"),
        "nonces are per tenant"
    );
}

fn sessions_are_found_by_hash_and_can_be_ended<S: PortalStore>(s: &mut S, t: &str) {
    let sess = Session {
        id_hash: hash_secret(&format!("{t}-sid")),
        tenant: t.into(),
        customer_id: "C1".into(),
        csrf: "csrf-token".into(),
        expires_at: 99,
    };
    s.insert_session(&sess).expect("insert session");
    assert_eq!(
        s.session(&sess.id_hash).expect("session"),
        Some(sess.clone())
    );
    assert_eq!(
        s.session(&format!("{t}-sid")).expect("session"),
        None,
        "found by the hash, never by the secret"
    );
    s.delete_session(&sess.id_hash).expect("delete");
    assert_eq!(s.session(&sess.id_hash).expect("session"), None);
    s.delete_session(&sess.id_hash)
        .expect("ending an ended session is fine");
}

fn api_keys_are_found_by_hash_and_names_are_unique<S: PortalStore>(s: &mut S, t: &str) {
    let key = ApiKey {
        tenant: t.into(),
        name: "ops".into(),
        key_hash: hash_secret(&format!("{t}-secret")),
        scopes: vec![Scope::Read, Scope::Write],
        created_at: 1,
    };
    assert!(s.insert_api_key(&key).expect("insert key"));
    let mut same_name = key.clone();
    same_name.key_hash = hash_secret(&format!("{t}-other"));
    assert!(
        !s.insert_api_key(&same_name).expect("insert key"),
        "a name is used once per tenant"
    );
    assert_eq!(s.api_key(&same_name.key_hash).expect("lookup"), None);
    let mut same_hash = key.clone();
    same_hash.name = "ops2".into();
    assert!(
        !s.insert_api_key(&same_hash).expect("insert key"),
        "a key hash is stored once"
    );
    assert_eq!(s.api_key(&key.key_hash).expect("lookup"), Some(key.clone()));
    assert_eq!(s.api_key(&format!("{t}-secret")).expect("lookup"), None);
    let mut elsewhere = key.clone();
    elsewhere.tenant = format!("{t}-b");
    elsewhere.key_hash = hash_secret(&format!("{t}-b-secret"));
    elsewhere.scopes = vec![Scope::Read];
    assert!(
        s.insert_api_key(&elsewhere).expect("insert key"),
        "another tenant may use the name"
    );
    assert_eq!(
        s.api_key(&elsewhere.key_hash).expect("lookup"),
        Some(elsewhere)
    );
}

fn contact_prefs_are_upserted<S: PortalStore>(s: &mut S, t: &str) {
    assert_eq!(s.contact_prefs(t, "C1").expect("prefs"), None);
    let first = ContactPrefs {
        channel: arflow_domain::ledger::Channel::Email,
        language: None,
        sms_opt_out: false,
    };
    s.set_contact_prefs(t, "C1", &first).expect("set");
    let second = ContactPrefs {
        channel: arflow_domain::ledger::Channel::Sms,
        language: Some("de".into()),
        sms_opt_out: true,
    };
    s.set_contact_prefs(t, "C1", &second).expect("set");
    assert_eq!(s.contact_prefs(t, "C1").expect("prefs"), Some(second));
    assert_eq!(s.contact_prefs(t, "C2").expect("prefs"), None);
}

fn audit_log_reads_back_oldest_first<S: PortalStore>(s: &mut S, t: &str) {
    let entry = |at: i64, action: &str| AuditEntry {
        at,
        actor: "api_key:ops".into(),
        action: action.into(),
        target: "dispute:D1".into(),
        detail: "note: <b>&</b>".into(),
    };
    let entries = [
        entry(1, "dispute.open"),
        entry(2, "dispute.acknowledged"),
        entry(2, "dispute.escalated"),
        entry(2, "dispute.resolved"),
        entry(3, "task.complete"),
    ];
    for e in &entries {
        s.append_audit(t, e).expect("append");
    }
    assert_eq!(s.audit_log(t).expect("audit log"), entries);
}

fn tenants_are_isolated<S: PortalStore>(s: &mut S, t: &str) {
    let other = format!("{t}-b");
    s.insert_dispute(t, &dispute("D1", 1)).expect("insert");
    s.insert_dispute(&other, &dispute("D1", 2))
        .expect("the same id in another tenant");
    s.insert_promise(t, &promise("P1", 1)).expect("insert");
    let prefs = ContactPrefs {
        channel: arflow_domain::ledger::Channel::Sms,
        language: None,
        sms_opt_out: false,
    };
    s.set_contact_prefs(t, "C1", &prefs).expect("set");
    s.append_audit(
        t,
        &AuditEntry {
            at: 1,
            actor: "customer:C1".into(),
            action: "promise.create".into(),
            target: "promise:P1".into(),
            detail: String::new(),
        },
    )
    .expect("append");
    assert_eq!(
        s.disputes(&other).expect("disputes"),
        vec![dispute("D1", 2)]
    );
    assert!(s.promises(&other).expect("promises").is_empty());
    assert_eq!(s.contact_prefs(&other, "C1").expect("prefs"), None);
    assert!(s.audit_log(&other).expect("audit").is_empty());
    let mut d = dispute("D1", 2);
    d.transition(DisputeState::Rejected, None, None, 3)
        .expect("open → rejected");
    assert!(
        s.update_dispute(&other, &d, DisputeState::Open)
            .expect("update")
    );
    assert_eq!(
        s.disputes(t).expect("disputes"),
        vec![dispute("D1", 1)],
        "updating one tenant's dispute leaves the other's"
    );
}
