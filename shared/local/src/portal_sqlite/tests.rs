use arflow_app::portal::{
    ApiKey, AuditEntry, ContactPrefs, Dispute, DisputeState, PortalStore, PromiseToPay, Scope,
    Session, hash_secret,
};

use crate::SqliteStore;

fn dispute(id: &str) -> Dispute {
    Dispute {
        id: id.into(),
        customer_id: "C1".into(),
        invoice_id: "INV-1".into(),
        reason: "damaged".into(),
        amount: 500,
        message: "box was wet".into(),
        state: DisputeState::Open,
        owner: None,
        notes: vec![],
        opened_at: 10,
        updated_at: 10,
    }
}

#[test]
fn dispute_update_is_conditional_on_the_state_it_was_read_in() {
    let mut s = SqliteStore::open_in_memory().unwrap();
    s.insert_dispute("t", &dispute("D1")).unwrap();
    assert!(
        s.insert_dispute("t", &dispute("D1")).is_err(),
        "ids are unique"
    );
    let mut d = s.disputes("t").unwrap().remove(0);
    d.transition(DisputeState::Acknowledged, Some("on it"), Some("ana"), 11)
        .unwrap();
    assert!(s.update_dispute("t", &d, DisputeState::Open).unwrap());
    assert!(
        !s.update_dispute("t", &d, DisputeState::Open).unwrap(),
        "lost race"
    );
    assert_eq!(s.disputes("t").unwrap(), vec![d]);
    assert!(s.disputes("other").unwrap().is_empty(), "tenants are apart");
}

#[test]
fn magic_link_nonce_is_consumed_once_per_tenant() {
    let mut s = SqliteStore::open_in_memory().unwrap();
    assert!(s.consume_token("t", "n1", 1).unwrap());
    assert!(!s.consume_token("t", "n1", 2).unwrap());
    assert!(s.consume_token("u", "n1", 2).unwrap());
}

#[test]
fn promises_sessions_prefs_and_audit_round_trip() {
    let mut s = SqliteStore::open_in_memory().unwrap();
    let p = PromiseToPay {
        id: "P1".into(),
        customer_id: "C1".into(),
        invoice_id: "INV-1".into(),
        promised_date: "2024-03-01".parse().unwrap(),
        amount: 100,
        grace_days: 3,
        reference: Some("REF".into()),
        created_at: 5,
    };
    s.insert_promise("t", &p).unwrap();
    assert_eq!(s.promises("t").unwrap(), vec![p]);

    let sess = Session {
        id_hash: hash_secret("sid"),
        tenant: "t".into(),
        customer_id: "C1".into(),
        csrf: "x".into(),
        expires_at: 99,
    };
    s.insert_session(&sess).unwrap();
    assert_eq!(s.session(&sess.id_hash).unwrap(), Some(sess.clone()));
    s.delete_session(&sess.id_hash).unwrap();
    assert_eq!(s.session(&sess.id_hash).unwrap(), None);

    let prefs = ContactPrefs {
        channel: arflow_domain::ledger::Channel::Sms,
        language: Some("de".into()),
        sms_opt_out: false,
    };
    assert_eq!(s.contact_prefs("t", "C1").unwrap(), None);
    s.set_contact_prefs("t", "C1", &prefs).unwrap();
    s.set_contact_prefs("t", "C1", &prefs).unwrap();
    assert_eq!(s.contact_prefs("t", "C1").unwrap(), Some(prefs));

    let e = AuditEntry {
        at: 1,
        actor: "customer:C1".into(),
        action: "dispute.open".into(),
        target: "dispute:D1".into(),
        detail: String::new(),
    };
    s.append_audit("t", &e).unwrap();
    assert_eq!(s.audit_log("t").unwrap(), vec![e]);
    assert!(s.audit_log("u").unwrap().is_empty());
}

#[test]
fn api_key_is_found_by_hash_only_and_names_are_unique_per_tenant() {
    let mut s = SqliteStore::open_in_memory().unwrap();
    let key = ApiKey {
        tenant: "t".into(),
        name: "ops".into(),
        key_hash: hash_secret("secret-key"),
        scopes: vec![Scope::Read],
        created_at: 1,
    };
    assert!(s.insert_api_key(&key).unwrap());
    let mut again = key.clone();
    again.key_hash = hash_secret("other");
    assert!(!s.insert_api_key(&again).unwrap());
    assert_eq!(s.api_key(&hash_secret("secret-key")).unwrap(), Some(key));
    assert_eq!(s.api_key("secret-key").unwrap(), None);
}

#[test]
fn sqlite_store_keeps_the_portal_store_contract() {
    let mut s = SqliteStore::open_in_memory().unwrap();
    arflow_app::portal::contract::run_portal_store_contract(&mut s);
    // Twice on one store: the suite picks fresh tenants each run.
    arflow_app::portal::contract::run_portal_store_contract(&mut s);
}
