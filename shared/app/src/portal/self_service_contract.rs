//! The self-service store contract: behaviour every `SelfServiceStore` must
//! show (payment plans, dispute attachments, a tenant's contact
//! preferences), as a suite an adapter's tests run on one store. Each run
//! uses fresh tenants, so the store need not be empty, only unshared.
//!
//! ```ignore
//! #[test]
//! fn sqlite_store_keeps_the_self_service_store_contract() {
//!     let mut store = SqliteStore::open_in_memory().unwrap();
//!     arflow_app::portal::self_service_contract::run_self_service_store_contract(&mut store);
//! }
//! ```

use chrono::NaiveDate;

use super::{ContactPrefs, Instalment, PaymentPlan, PlanState, PortalStore, SelfServiceStore};

type Case<S> = (&'static str, fn(&mut S, &str));

/// Runs every case on `store`; panics, naming the case, on the first
/// failure.
pub fn run_self_service_store_contract<S: SelfServiceStore + PortalStore>(store: &mut S) {
    let cases: &[Case<S>] = &[
        (
            "plans round-trip in (requested_at, id) order",
            plans_round_trip_in_order,
        ),
        ("a plan id is new only once", plan_ids_are_unique),
        (
            "a plan updates only from the expected state",
            plan_updates_only_from_the_expected_state,
        ),
        (
            "an attachment round-trips its bytes and is replaced",
            attachment_round_trips_and_is_replaced,
        ),
        (
            "all contact preferences of a tenant are listed",
            all_contact_prefs_are_listed,
        ),
        ("tenants are isolated", tenants_are_isolated),
    ];
    let run = super::contract::unique_run();
    for (i, (name, case)) in cases.iter().enumerate() {
        let tenant = format!("ss{run}-{i}");
        super::contract::run_case("self-service store", name, || case(store, &tenant));
    }
}

fn plan(id: &str, requested_at: i64) -> PaymentPlan {
    let day = |d| NaiveDate::from_ymd_opt(2024, 3, d).unwrap_or_default();
    PaymentPlan {
        id: id.into(),
        customer_id: "C1".into(),
        invoice_ids: vec!["INV-1".into(), "INV <2> & \"ünï\"".into()],
        currency: "USD".into(),
        total: i64::MAX,
        instalments: vec![
            Instalment {
                due_date: day(1),
                amount: i64::MAX - 1,
            },
            Instalment {
                due_date: day(31),
                amount: 1,
            },
        ],
        state: PlanState::Requested,
        notes: vec!["requested: line one\nline two".into()],
        requested_at,
        updated_at: requested_at,
    }
}

fn plans_round_trip_in_order<S: SelfServiceStore + PortalStore>(s: &mut S, t: &str) {
    s.insert_plan(t, &plan("PP-b", 5)).unwrap();
    s.insert_plan(t, &plan("PP-a", 5)).unwrap();
    s.insert_plan(t, &plan("PP-0", 9)).unwrap();
    let got = s.plans(t).unwrap();
    let ids: Vec<&str> = got.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["PP-a", "PP-b", "PP-0"]);
    assert_eq!(got[0], plan("PP-a", 5), "every field survives");
}

fn plan_ids_are_unique<S: SelfServiceStore + PortalStore>(s: &mut S, t: &str) {
    s.insert_plan(t, &plan("PP-1", 1)).unwrap();
    assert!(s.insert_plan(t, &plan("PP-1", 2)).is_err());
    assert_eq!(s.plans(t).unwrap(), vec![plan("PP-1", 1)]);
}

fn plan_updates_only_from_the_expected_state<S: SelfServiceStore + PortalStore>(
    s: &mut S,
    t: &str,
) {
    s.insert_plan(t, &plan("PP-1", 1)).unwrap();
    let mut p = plan("PP-1", 1);
    p.transition(PlanState::Approved, Some("ok"), 2).unwrap();
    assert!(s.update_plan(t, &p, PlanState::Requested).unwrap());
    assert!(
        !s.update_plan(t, &p, PlanState::Requested).unwrap(),
        "lost race"
    );
    assert_eq!(s.plans(t).unwrap(), vec![p.clone()]);
    let mut ghost = plan("PP-none", 1);
    ghost.state = PlanState::Approved;
    assert!(!s.update_plan(t, &ghost, PlanState::Requested).unwrap());
    assert_eq!(s.plans(t).unwrap().len(), 1);
}

fn attachment_round_trips_and_is_replaced<S: SelfServiceStore + PortalStore>(s: &mut S, t: &str) {
    assert_eq!(s.attachment(t, "D-1").unwrap(), None);
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    s.put_attachment(t, "D-1", "note ü.pdf", "application/pdf", &bytes)
        .unwrap();
    let a = s.attachment(t, "D-1").unwrap().unwrap();
    assert_eq!(
        (
            a.dispute_id.as_str(),
            a.name.as_str(),
            a.content_type.as_str()
        ),
        ("D-1", "note ü.pdf", "application/pdf")
    );
    assert_eq!(a.bytes, bytes);
    s.put_attachment(t, "D-1", "b.txt", "text/plain", b"x")
        .unwrap();
    let a = s.attachment(t, "D-1").unwrap().unwrap();
    assert_eq!((a.name.as_str(), a.bytes.as_slice()), ("b.txt", &b"x"[..]));
}

fn all_contact_prefs_are_listed<S: SelfServiceStore + PortalStore>(s: &mut S, t: &str) {
    assert!(s.all_contact_prefs(t).unwrap().is_empty());
    let p = |channel: &str| ContactPrefs {
        channel: arflow_domain::ledger::Channel::parse(channel).expect("a channel"),
        language: Some("de".into()),
        sms_opt_out: true,
    };
    s.set_contact_prefs(t, "C2", &p("sms")).unwrap();
    s.set_contact_prefs(t, "C1", &p("email")).unwrap();
    s.set_contact_prefs(t, "C1", &p("sms")).unwrap();
    assert_eq!(
        s.all_contact_prefs(t).unwrap(),
        vec![("C1".to_string(), p("sms")), ("C2".to_string(), p("sms"))]
    );
}

fn tenants_are_isolated<S: SelfServiceStore + PortalStore>(s: &mut S, t: &str) {
    let other = format!("{t}-other");
    s.insert_plan(t, &plan("PP-1", 1)).unwrap();
    s.put_attachment(t, "D-1", "a.txt", "text/plain", b"a")
        .unwrap();
    assert!(s.plans(&other).unwrap().is_empty());
    assert_eq!(s.attachment(&other, "D-1").unwrap(), None);
    s.insert_plan(&other, &plan("PP-1", 1)).unwrap();
    let mut p = plan("PP-1", 1);
    p.transition(PlanState::Rejected, None, 2).unwrap();
    assert!(s.update_plan(&other, &p, PlanState::Requested).unwrap());
    assert_eq!(s.plans(t).unwrap()[0].state, PlanState::Requested);
}
