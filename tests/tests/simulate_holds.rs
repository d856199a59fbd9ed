//! `arflow simulate --db` replays the portal's holds day by day, as the
//! daily run would have applied them: a dispute filed mid-way stops the
//! dunning of its invoice from the day it was filed, a promise to pay holds
//! its invoice until the promised date plus the grace days (then dunning
//! resumes with a broken-promise notice), and the other customers are
//! dunned as before.

use std::path::Path;

use arflow_app::portal::{Dispute, DisputeState, PortalStore, PromiseToPay};
use arflow_app::store::{ChangeKind, InvoiceChange, LedgerStore};
use arflow_domain::ledger::{Customer, Invoice, InvoiceStatus};
use arflow_domain::money::Currency;
use arflow_local::SqliteStore;
use arflow_tests::run_ok;
use chrono::NaiveDate;
use serde_json::Value;

/// 2024-02-05 12:00 UTC: the dispute is filed and the promise made.
const FEB_5_NOON: i64 = 1_707_134_400;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn invoice(id: &str, customer: &str) -> Invoice {
    Invoice {
        invoice_id: id.into(),
        customer_id: customer.into(),
        invoice_date: d("2024-01-01"),
        due_date: d("2024-01-31"),
        amount: 250_000,
        currency: Currency::USD,
        paid_amount: 0,
        paid_date: None,
        disputed: false,
        status: InvoiceStatus::Open,
    }
}

fn customer(id: &str) -> Customer {
    Customer {
        customer_id: id.into(),
        name: format!("{id} Corp"),
        emails: vec![format!("ap@{}.example", id.to_ascii_lowercase())],
        ..Customer::default()
    }
}

/// Three customers with one overdue invoice each; with `holds`, customer
/// D disputes INV-D and customer P promises to pay INV-P by 2024-02-20
/// (3 grace days), both on 2024-02-05.
fn store(path: &Path, holds: bool) {
    let mut s = SqliteStore::open(path).unwrap();
    let new = |i| InvoiceChange {
        kind: ChangeKind::New,
        effective: None,
        invoice: i,
    };
    s.apply_changes(
        "acme",
        &[
            new(invoice("INV-D", "D")),
            new(invoice("INV-P", "P")),
            new(invoice("INV-C", "C")),
        ],
        &[customer("D"), customer("P"), customer("C")],
    )
    .unwrap();
    if !holds {
        return;
    }
    s.insert_dispute(
        "acme",
        &Dispute {
            id: "D-1".into(),
            customer_id: "D".into(),
            invoice_id: "INV-D".into(),
            reason: "Wrong amount".into(),
            amount: 250_000,
            message: String::new(),
            state: DisputeState::Open,
            owner: None,
            notes: vec![],
            opened_at: FEB_5_NOON,
            updated_at: FEB_5_NOON,
        },
    )
    .unwrap();
    s.insert_promise(
        "acme",
        &PromiseToPay {
            id: "P-1".into(),
            customer_id: "P".into(),
            invoice_id: "INV-P".into(),
            promised_date: d("2024-02-20"),
            amount: 250_000,
            grace_days: 3,
            reference: None,
            created_at: FEB_5_NOON,
        },
    )
    .unwrap();
}

/// (day, rule) of every action naming `invoice` in a simulation.
fn rules(sim: &Value, invoice: &str) -> Vec<(NaiveDate, String)> {
    let mut out = Vec::new();
    for day in sim["days"].as_array().unwrap() {
        let date = d(day["date"].as_str().unwrap());
        for a in day["actions"].as_array().unwrap() {
            if a["invoice_ids"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i == invoice)
            {
                out.push((date, a["rule"].as_str().unwrap().to_string()));
            }
        }
    }
    out
}

fn is_dunning(rule: &str) -> bool {
    rule.starts_with("reminder:")
        || rule.starts_with("cadence:")
        || rule.starts_with("escalation:")
        || rule == "final_notice"
}

fn dunning_between(r: &[(NaiveDate, String)], from: &str, to: &str) -> Vec<(NaiveDate, String)> {
    r.iter()
        .filter(|(day, rule)| *day >= d(from) && *day <= d(to) && is_dunning(rule))
        .cloned()
        .collect()
}

fn simulate(db: &Path) -> Value {
    let out = run_ok(&[
        "simulate",
        "--db",
        db.to_str().unwrap(),
        "--tenant",
        "acme",
        "--from",
        "2024-02-01",
        "--to",
        "2024-04-30",
        "--format",
        "json",
    ]);
    serde_json::from_str(&out).unwrap()
}

#[test]
fn simulate_db_replays_disputes_and_promises_day_by_day() {
    let dir = tempfile::tempdir().unwrap();
    let (held, free) = (dir.path().join("held.db"), dir.path().join("free.db"));
    store(&held, true);
    store(&free, false);
    let (held, free) = (simulate(&held), simulate(&free));

    // Without the portal's state every invoice is dunned through the range:
    // the windows checked below do have dunning to hold back.
    for inv in ["INV-D", "INV-P", "INV-C"] {
        let r = rules(&free, inv);
        assert!(
            !dunning_between(&r, "2024-02-05", "2024-02-23").is_empty(),
            "{inv}: {r:?}"
        );
        assert!(
            !dunning_between(&r, "2024-02-24", "2024-04-30").is_empty(),
            "{inv}: {r:?}"
        );
    }

    let disputed = rules(&held, "INV-D");
    assert_eq!(
        dunning_between(&disputed, "2024-02-05", "2024-04-30"),
        vec![],
        "no dunning of the disputed invoice once the dispute is filed: {disputed:?}"
    );
    assert!(
        disputed
            .iter()
            .any(|(day, r)| r == "event:dispute_ack" && *day >= d("2024-02-05")),
        "the dispute sequence instead: {disputed:?}"
    );
    assert_eq!(
        dunning_between(&disputed, "2024-02-01", "2024-02-04"),
        dunning_between(&rules(&free, "INV-D"), "2024-02-01", "2024-02-04"),
        "before the dispute was filed the invoice was dunned as usual"
    );

    let promised = rules(&held, "INV-P");
    assert_eq!(
        dunning_between(&promised, "2024-02-05", "2024-02-23"),
        vec![],
        "no dunning while the promise holds (to the 20th plus 3 grace days): {promised:?}"
    );
    assert!(
        !dunning_between(&promised, "2024-02-24", "2024-04-30").is_empty(),
        "dunning resumes once the promise is broken: {promised:?}"
    );
    assert!(
        promised
            .iter()
            .any(|(day, r)| r == "event:broken_promise" && *day == d("2024-02-26")),
        "the AR team hears of the broken promise on the first business day after the grace (the 24th is a Saturday): {promised:?}"
    );

    assert_eq!(
        rules(&held, "INV-C"),
        rules(&free, "INV-C"),
        "the customer without holds is planned as before"
    );
}
