//! The AR team API's customer views, in-process: one customer with its
//! credit status, the customers over a credit threshold, and the
//! communication log merged by time — each with its 404/400 answers in JSON.

mod web_support;

use arflow_app::portal::{AuditEntry, Dispute, DisputeState, PortalStore, PromiseToPay, Scope};
use arflow_app::store::{LedgerStore, Task, TaskStatus};
use arflow_domain::ledger::Channel;
use arflow_domain::money::Currency;
use arflow_domain::sent::SentRecord;
use arflow_domain::strategy::ActionKind;
use arflow_local::SqliteStore;
use serde_json::Value;
use web_support::*;

fn json(r: &Reply) -> Value {
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.body))
}

/// The seeded store with credit limits: A may owe 1,000.00 USD (it owes
/// 1,250.00), B 1,000.00 (it owes 700.00).
fn app_with_limits() -> App {
    let mut store = SqliteStore::open_in_memory().unwrap();
    seed(&mut store);
    let mut a = customer("A", "Alpha", "a@example.com");
    let mut b = customer("B", "Bravo GmbH", "b@example.com");
    for c in [&mut a, &mut b] {
        c.credit_limit = Some(100_000);
        c.credit_currency = Some(Currency::USD);
    }
    store.apply_changes(TENANT, &[], &[a, b]).unwrap();
    app_with(store)
}

#[tokio::test]
async fn a_customer_shows_credit_used_and_the_hold_with_its_reason() {
    let app = app_with_limits();
    let key = api_key(&app, TENANT, "reader", &[Scope::Read]);
    let r = api(
        &app.router,
        "GET",
        "/api/customers/A?as_of=2024-01-31",
        &key,
        "",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let a = json(&r);
    assert_eq!(a["customer_id"], "A");
    let credit = &a["credit"];
    assert_eq!(credit["credit_limit"], "1000.00");
    assert_eq!(credit["outstanding"], "1250.00");
    assert_eq!(credit["used_pct"], "125.00");
    assert_eq!(credit["on_hold"], true);
    assert!(
        credit["hold_reasons"][0]
            .as_str()
            .unwrap()
            .contains("over the credit limit 1,000.00 USD"),
        "{credit}"
    );
    let b = json(
        &api(
            &app.router,
            "GET",
            "/api/customers/B?as_of=2024-01-31",
            &key,
            "",
        )
        .await,
    );
    assert_eq!(b["credit"]["used_pct"], "70.00");
    assert_eq!(b["credit"]["on_hold"], false);
    assert!(b["credit"]["hold_reasons"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn every_amount_is_a_decimal_string_beside_its_currency() {
    let app = app_with_limits();
    {
        let mut s = app.web.store.lock().unwrap();
        let mut jpy = customer("J", "Japan KK", "j@example.com");
        jpy.credit_limit = Some(20_500_000);
        jpy.credit_currency = Some(Currency::parse("JPY").unwrap());
        s.apply_changes(TENANT, &[], &[jpy]).unwrap();
        s.insert_dispute(
            TENANT,
            &Dispute {
                id: "D1".into(),
                customer_id: "A".into(),
                invoice_id: "INV-A1".into(),
                reason: "Wrong amount".into(),
                amount: 20_500,
                message: "We ordered 10".into(),
                state: DisputeState::Open,
                owner: None,
                notes: vec![],
                opened_at: NOON_JAN_31,
                updated_at: NOON_JAN_31,
            },
        )
        .unwrap();
    }
    let key = api_key(&app, TENANT, "reader", &[Scope::Read]);
    let customers = json(&api(&app.router, "GET", "/api/customers", &key, "").await);
    let limits: Vec<(&Value, &Value)> = customers
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (&c["credit_limit"], &c["credit_currency"]))
        .collect();
    assert_eq!(
        limits,
        [
            (&Value::from("1000.00"), &Value::from("USD")),
            (&Value::from("1000.00"), &Value::from("USD")),
            (&Value::from("20500000"), &Value::from("JPY")),
        ],
        "{customers:#}"
    );
    let a = json(
        &api(
            &app.router,
            "GET",
            "/api/customers/A?as_of=2024-01-31",
            &key,
            "",
        )
        .await,
    );
    assert_eq!(a["credit_limit"], "1000.00");
    assert_eq!(a["credit"]["credit_limit"], "1000.00");
    let disputes = json(&api(&app.router, "GET", "/api/disputes", &key, "").await);
    assert_eq!(disputes[0]["amount"], "205.00", "{disputes:#}");
    assert_eq!(disputes[0]["currency"], "USD");
}

#[tokio::test]
async fn a_customer_without_a_limit_has_no_share_used_and_unknown_ids_are_404() {
    let app = app();
    let key = api_key(&app, TENANT, "reader", &[Scope::Read]);
    let b = json(
        &api(
            &app.router,
            "GET",
            "/api/customers/B?as_of=2024-01-31",
            &key,
            "",
        )
        .await,
    );
    assert_eq!(b["credit"]["used_pct"], Value::Null);
    assert_eq!(b["credit"]["credit_limit"], Value::Null);
    assert_eq!(b["credit"]["outstanding"], "700.00");
    for path in [
        "/api/customers/NOPE",
        "/api/customers/X",
        "/api/customers/X/communications",
    ] {
        let r = api(&app.router, "GET", path, &key, "").await;
        assert_eq!(
            r.status, 404,
            "{path}: another tenant's id is not found either"
        );
        assert!(json(&r)["error"].as_str().unwrap().contains("no customer"));
    }
    let r = api(
        &app.router,
        "GET",
        "/api/customers/A?as_of=yesterday",
        &key,
        "",
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(json(&r)["error"].is_string());
}

#[tokio::test]
async fn credit_lists_customers_over_a_threshold_most_used_first() {
    let app = app_with_limits();
    let key = api_key(&app, TENANT, "reader", &[Scope::Read]);
    let ids = |v: &Value| -> Vec<String> {
        v["customers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["customer_id"].as_str().unwrap().to_string())
            .collect()
    };
    let over = json(&api(&app.router, "GET", "/api/credit?as_of=2024-01-31", &key, "").await);
    assert_eq!(ids(&over), ["A"], "default threshold: at or over the limit");
    assert_eq!(over["customers"][0]["used_pct"], "125.00");
    let r = api(
        &app.router,
        "GET",
        "/api/credit?as_of=2024-01-31&min_used_pct=69.5",
        &key,
        "",
    )
    .await;
    assert_eq!(ids(&json(&r)), ["A", "B"]);
    let r = api(
        &app.router,
        "GET",
        "/api/credit?as_of=2024-01-31&min_used_pct=70.01",
        &key,
        "",
    )
    .await;
    assert_eq!(ids(&json(&r)), ["A"]);
    let r = api(
        &app.router,
        "GET",
        "/api/credit?min_used_pct=lots",
        &key,
        "",
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(json(&r)["error"].as_str().unwrap().contains("min_used_pct"));
}

#[tokio::test]
async fn the_communication_log_merges_sent_calls_disputes_promises_and_portal_actions_by_time() {
    let app = app();
    let key = api_key(&app, TENANT, "reader", &[Scope::Read]);
    {
        let mut s = app.web.store.lock().unwrap();
        let sent = |id: &str, customer: &str, channel: Option<Channel>, on: &str| SentRecord {
            action_id: id.into(),
            customer_id: customer.into(),
            invoice_ids: vec!["INV-A1".into()],
            rule: "reminder:due_today".into(),
            kind: if channel.is_some() {
                ActionKind::Email
            } else {
                ActionKind::Notify
            },
            channel,
            sent_on: on.parse().unwrap(),
            stages: Vec::new(),
        };
        s.record_sent(
            TENANT,
            &[
                sent("s1", "A", Some(Channel::Email), "2024-01-31"),
                sent("s0", "A", Some(Channel::Sms), "2024-01-20"),
                sent("n1", "A", None, "2024-01-25"),
                sent("b1", "B", Some(Channel::Email), "2024-01-21"),
            ],
        )
        .unwrap();
        s.insert_dispute(
            TENANT,
            &Dispute {
                id: "D1".into(),
                customer_id: "A".into(),
                invoice_id: "INV-A1".into(),
                reason: "Wrong amount".into(),
                amount: 100,
                message: "We ordered 10".into(),
                state: DisputeState::Open,
                owner: None,
                notes: vec![],
                opened_at: NOON_JAN_31 - 86_400 * 3,
                updated_at: NOON_JAN_31 - 86_400 * 3,
            },
        )
        .unwrap();
        s.insert_promise(
            TENANT,
            &PromiseToPay {
                id: "P1".into(),
                customer_id: "A".into(),
                invoice_id: "INV-A1".into(),
                promised_date: "2024-02-10".parse().unwrap(),
                amount: 120_000,
                grace_days: 3,
                reference: None,
                created_at: NOON_JAN_31 + 60,
            },
        )
        .unwrap();
        for (at, actor, action) in [
            (NOON_JAN_31 - 86_400 * 3, "customer:A", "dispute.open"),
            (NOON_JAN_31 + 120, "customer:A", "preferences.update"),
            (NOON_JAN_31 + 130, "customer:B", "preferences.update"),
            (NOON_JAN_31 + 140, "api_key:ops", "dispute.acknowledged"),
        ] {
            s.append_audit(
                TENANT,
                &AuditEntry {
                    at,
                    actor: actor.into(),
                    action: action.into(),
                    target: "customer:A".into(),
                    detail: String::new(),
                },
            )
            .unwrap();
        }
        s.insert_tasks(
            TENANT,
            &[Task {
                id: "T1".into(),
                customer_id: "A".into(),
                invoice_ids: vec!["INV-A1".into()],
                kind: ActionKind::CallTask,
                assignee: "ar_clerk".into(),
                title: "Call Alpha".into(),
                body: "Ask about INV-A1".into(),
                due_on: "2024-01-29".parse().unwrap(),
                status: TaskStatus::Open,
                outcome: None,
            }],
        )
        .unwrap();
        s.complete_task(TENANT, "T1", "no_answer").unwrap();
    }
    let r = api(
        &app.router,
        "GET",
        "/api/customers/A/communications",
        &key,
        "",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let log = json(&r);
    let seen: Vec<(&str, &str, &str)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["on"].as_str().unwrap(),
                e["source"].as_str().unwrap(),
                e["direction"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("2024-01-20", "sent_log", "sent"),
            ("2024-01-28", "dispute", "received"),
            ("2024-01-29", "call", "sent"),
            ("2024-01-31", "sent_log", "sent"),
            ("2024-01-31", "promise", "received"),
            ("2024-01-31", "portal", "received"),
        ],
        "{log:#}"
    );
    assert_eq!(log[1]["detail"]["message"], "We ordered 10");
    assert_eq!(log[1]["detail"]["amount"], "1.00", "a decimal string");
    assert_eq!(log[1]["detail"]["currency"], "USD");
    assert_eq!(log[4]["detail"]["amount"], "1200.00");
    assert_eq!(log[4]["detail"]["currency"], "USD");
    assert!(log[2]["summary"].as_str().unwrap().contains("no_answer"));
    assert_eq!(log[5]["detail"]["action"], "preferences.update");
}
