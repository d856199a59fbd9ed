//! Payment plans end to end: requested in the portal and worked through the
//! API (instalment reminders in `arflow plan --db`), rejected plans and
//! every invalid transition, isolation between customers, and a missed
//! instalment resuming dunning with one notice to the AR team.

mod web_support;

use arflow_app::portal::{PortalStore, Scope};
use arflow_app::store::{ChangeKind, InvoiceChange, LedgerStore};
use arflow_local::SqliteStore;
use web_support::planning::*;
use web_support::*;

const PLAN_FORM: &str =
    "invoice=INV-A1&count=2&date1=2024-02-15&amount1=500.00&date2=2024-03-15&amount2=700.00";

async fn request_plan(app: &App, cookie: &str, token: &str) -> String {
    let r = post_form(
        &app.router,
        "/payment-plans",
        cookie,
        &format!("csrf={token}&{PLAN_FORM}"),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let at = r.body.find("Payment plan PP-").expect("the plan's id") + "Payment plan ".len();
    r.body[at..].split_whitespace().next().unwrap().to_string()
}

#[tokio::test]
async fn plan_requested_in_the_portal_and_approved_via_the_api_gets_instalment_reminders() {
    let dir = tempfile::tempdir().unwrap();
    let (db, store) = file_store(dir.path());
    assert!(
        rules_for(&plan_json(&db, "2024-01-31"), "INV-A1")
            .iter()
            .any(|r| r.starts_with("reminder:")),
        "INV-A1 is due today"
    );
    let app = app_with(store);
    let (cookie, token) = sign_in(&app, "a%40example.com").await;
    let page = get(&app.router, "/payment-plans", &cookie).await;
    assert_eq!(page.status, 200);
    for label in [
        "<label for=\"count\">Number of instalments</label>",
        "<label for=\"date1\">Date</label>",
        "<label for=\"amount1\">Amount</label>",
        "name=\"invoice\" value=\"INV-A1\"",
    ] {
        assert!(page.body.contains(label), "{label}: {}", page.body);
    }

    let wrong = post_form(
        &app.router,
        "/payment-plans",
        &cookie,
        &format!(
            "csrf={token}&invoice=INV-A1&count=2&date1=2024-02-15&amount1=500.00&date2=2024-03-15&amount2=600.00"
        ),
    )
    .await;
    assert_eq!(wrong.status, 422);
    assert!(
        wrong
            .body
            .contains("The instalments add up to 1,100.00 USD but the outstanding is 1,200.00 USD"),
        "{}",
        wrong.body
    );
    let no_csrf = post_form(&app.router, "/payment-plans", &cookie, PLAN_FORM).await;
    assert_eq!(no_csrf.status, 403);

    let id = request_plan(&app, &cookie, &token).await;
    let key = api_key(&app, TENANT, "ops", &[Scope::Read, Scope::Write]);
    let list = api(&app.router, "GET", "/api/payment-plans", &key, "").await;
    let v: serde_json::Value = serde_json::from_str(&list.body).unwrap();
    assert_eq!(v[0]["id"], id.as_str());
    assert_eq!(v[0]["state"], "requested");
    assert_eq!(v[0]["currency"], "USD");
    assert_eq!(
        v[0]["total"], "1200.00",
        "a decimal string in the plan's currency"
    );
    let instalments: Vec<&str> = v[0]["instalments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["amount"].as_str().unwrap())
        .collect();
    assert_eq!(instalments, ["500.00", "700.00"], "as in PLAN_FORM");
    let r = api(
        &app.router,
        "POST",
        &format!("/api/payment-plans/{id}/approve"),
        &key,
        r#"{"note":"agreed by phone"}"#,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["state"], "approved");
    assert_eq!(
        v["total"], "1200.00",
        "the transition answers in the same shape"
    );
    assert_eq!(v["notes"][0], "approved: agreed by phone");
    drop(app);

    let held = rules_for(&plan_json(&db, "2024-01-31"), "INV-A1");
    assert!(held.is_empty(), "dunning paused: {held:?}");
    // 2024-02-12 (Monday) is three days before the first instalment.
    let actions = plan_json(&db, "2024-02-12");
    let reminder = actions
        .iter()
        .find(|a| a["rule"] == "event:instalment_reminder")
        .expect("an instalment reminder");
    assert_eq!(reminder["invoice_ids"], serde_json::json!(["INV-A1"]));
    assert_eq!(reminder["template"], "instalment_reminder");
    assert!(
        reminder["explanation"]
            .as_str()
            .unwrap()
            .contains("Instalment 1 of 2: 500.00 USD due on 2024-02-15"),
        "{reminder}"
    );
    let again = plan_json(&db, "2024-02-14");
    let same = again
        .iter()
        .find(|a| a["rule"] == "event:instalment_reminder")
        .unwrap();
    assert_eq!(same["id"], reminder["id"], "deterministic id");
    let second = plan_json(&db, "2024-03-12");
    let second = second
        .iter()
        .find(|a| a["rule"] == "event:instalment_reminder")
        .expect("a reminder before the second instalment");
    assert!(
        second["explanation"]
            .as_str()
            .unwrap()
            .contains("Instalment 2 of 2: 700.00 USD")
    );
}

#[tokio::test]
async fn rejected_plan_resumes_dunning_and_every_invalid_plan_transition_is_409() {
    let app = app();
    let (cookie, token) = sign_in(&app, "a%40example.com").await;
    let key = api_key(&app, TENANT, "ops", &[Scope::Read, Scope::Write]);
    let read_only = api_key(&app, TENANT, "viewer", &[Scope::Read]);
    let id = request_plan(&app, &cookie, &token).await;
    assert!(
        api_rules_for(&app, &key, "2024-01-31", "INV-A1")
            .await
            .is_empty(),
        "a requested plan pauses dunning"
    );
    let post = |id: String, verb: &'static str, key: String| {
        let router = app.router.clone();
        async move {
            api(
                &router,
                "POST",
                &format!("/api/payment-plans/{id}/{verb}"),
                &key,
                "",
            )
            .await
        }
    };
    assert_eq!(post(id.clone(), "approve", read_only).await.status, 403);
    for verb in ["complete", "default"] {
        let r = post(id.clone(), verb, key.clone()).await;
        assert_eq!(r.status, 409, "requested -> {verb}: {}", r.body);
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert!(
            v["error"].as_str().unwrap().contains("cannot become"),
            "{v}"
        );
    }
    let r = api(
        &app.router,
        "POST",
        &format!("/api/payment-plans/{id}/reject"),
        &key,
        r#"{"note":"too long"}"#,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    for verb in ["approve", "reject", "complete", "default"] {
        let r = post(id.clone(), verb, key.clone()).await;
        assert_eq!(r.status, 409, "rejected -> {verb}: {}", r.body);
    }
    assert!(
        api_rules_for(&app, &key, "2024-01-31", "INV-A1")
            .await
            .iter()
            .any(|r| r.starts_with("reminder:")),
        "dunning resumes after a rejection"
    );

    let id = request_plan(&app, &cookie, &token).await;
    assert_eq!(post(id.clone(), "approve", key.clone()).await.status, 200);
    for verb in ["approve", "reject"] {
        assert_eq!(post(id.clone(), verb, key.clone()).await.status, 409);
    }
    assert_eq!(post(id.clone(), "complete", key.clone()).await.status, 200);
    for verb in ["approve", "reject", "complete", "default"] {
        assert_eq!(post(id.clone(), verb, key.clone()).await.status, 409);
    }
    assert_eq!(post(id.clone(), "delete", key.clone()).await.status, 404);
    assert_eq!(
        post("PP-nope".into(), "approve", key.clone()).await.status,
        404
    );
    let bad = api(
        &app.router,
        "POST",
        &format!("/api/payment-plans/{id}/default"),
        &key,
        "{not json",
    )
    .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    let audit: Vec<String> = app
        .web
        .store
        .lock()
        .unwrap()
        .audit_log(TENANT)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(audit.contains(&"payment_plan.rejected".to_string()));
    assert!(audit.contains(&"payment_plan.completed".to_string()));
}

#[tokio::test]
async fn customer_can_never_read_or_plan_another_customers_plan_or_invoice() {
    let app = app();
    let (a_cookie, a_token) = sign_in(&app, "a%40example.com").await;
    let plan = request_plan(&app, &a_cookie, &a_token).await;
    let (b_cookie, b_token) = sign_in(&app, "b%40example.com").await;
    let page = get(&app.router, "/payment-plans", &b_cookie).await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains(&plan), "{}", page.body);
    assert!(!page.body.contains("INV-A1"), "{}", page.body);
    let r = post_form(
        &app.router,
        "/payment-plans",
        &b_cookie,
        &format!("csrf={b_token}&{PLAN_FORM}"),
    )
    .await;
    assert_eq!(r.status, 404, "B cannot plan A's invoice");
    let r = post_form(
        &app.router,
        "/invoices/INV-A1/schedule-payment",
        &b_cookie,
        &format!("csrf={b_token}&date=2024-02-10&amount=10.00"),
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(
        get(&app.router, "/api/payment-plans", &b_cookie)
            .await
            .status,
        401
    );
    let other = api_key(&app, "other", "ops", &[Scope::Read, Scope::Write]);
    let r = api(&app.router, "GET", "/api/payment-plans", &other, "").await;
    assert_eq!(r.body, "[]", "another tenant sees no plans");
    let r = api(
        &app.router,
        "POST",
        &format!("/api/payment-plans/{plan}/approve"),
        &other,
        "",
    )
    .await;
    assert_eq!(r.status, 404);
    assert!(
        get(&app.router, "/payment-plans", &a_cookie)
            .await
            .body
            .contains(&plan)
    );
}

#[tokio::test]
async fn missed_instalment_resumes_dunning_and_notifies_the_ar_team_once() {
    use arflow_app::portal::SelfServiceStore;

    let dir = tempfile::tempdir().unwrap();
    let (db, store) = file_store(dir.path());
    let app = app_with(store);
    let (cookie, token) = sign_in(&app, "a%40example.com").await;
    // 500.00 on 2024-02-15, 700.00 on 2024-03-15.
    let id = request_plan(&app, &cookie, &token).await;
    let key = api_key(&app, TENANT, "ops", &[Scope::Read, Scope::Write]);
    let r = api(
        &app.router,
        "POST",
        &format!("/api/payment-plans/{id}/approve"),
        &key,
        "{}",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    drop(app);

    // The next ledger: INV-A1 has received 499.99 of the 500.00 due.
    let mut paid = invoice("INV-A1", "A", "2024-01-31", 120_000);
    paid.paid_amount = 49_999;
    SqliteStore::open(&db)
        .unwrap()
        .apply_changes(
            TENANT,
            &[InvoiceChange {
                kind: ChangeKind::Changed,
                effective: None,
                invoice: paid,
            }],
            &[],
        )
        .unwrap();
    let outbox = dir.path().join("outbox");
    let run = |day: &str| {
        arflow_tests::run_ok(&[
            "run",
            "--db",
            db.to_str().unwrap(),
            "--tenant",
            TENANT,
            "--as-of",
            day,
            "--outbox",
            outbox.to_str().unwrap(),
        ])
    };
    // Held through 2024-02-18 (the instalment's date + 3 grace days).
    let held = rules_for(&plan_json(&db, "2024-02-16"), "INV-A1");
    assert!(held.is_empty(), "{held:?}");
    // 2024-02-19 is Washington's Birthday, a holiday in the default US
    // calendar: nothing is planned. 2024-02-20 (Tuesday): missed by one cent.
    assert!(plan_json(&db, "2024-02-19").is_empty());
    let actions = plan_json(&db, "2024-02-20");
    let notices: Vec<_> = actions
        .iter()
        .filter(|a| a["rule"] == "event:missed_instalment")
        .collect();
    assert_eq!(notices.len(), 1, "{actions:?}");
    assert_eq!(notices[0]["invoice_ids"], serde_json::json!(["INV-A1"]));
    assert_eq!(notices[0]["template"], "missed_instalment");
    assert!(
        notices[0]["explanation"]
            .as_str()
            .unwrap()
            .contains("500.00 USD due by then, 499.99 USD received"),
        "{}",
        notices[0]
    );
    run("2024-02-20");
    let missed_tasks = || {
        SqliteStore::open(&db)
            .unwrap()
            .tasks(TENANT)
            .unwrap()
            .into_iter()
            .filter(|t| t.title.starts_with("[Instalment missed]"))
            .collect::<Vec<_>>()
    };
    let tasks = missed_tasks();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].assignee, "ar_team");
    assert!(tasks[0].body.contains("INV-A1"), "{}", tasks[0].body);
    run("2024-02-21");
    let later = rules_for(&plan_json(&db, "2024-02-22"), "INV-A1");
    assert!(
        !later.iter().any(|r| r == "event:missed_instalment"),
        "{later:?}"
    );
    assert_eq!(missed_tasks().len(), 1, "notified once");
    // 2024-03-01: INV-A1 is 30 days past due; a plan on track would still
    // hold it, the missed one does not (and is not notified again).
    let resumed = rules_for(&plan_json(&db, "2024-03-01"), "INV-A1");
    assert!(
        resumed.iter().any(|r| r.starts_with("escalation:")),
        "dunning resumes: {resumed:?}"
    );
    assert!(
        !resumed.iter().any(|r| r == "event:missed_instalment"),
        "{resumed:?}"
    );
    let plans = SqliteStore::open(&db).unwrap().plans(TENANT).unwrap();
    assert_eq!(
        plans[0].state.as_str(),
        "approved",
        "planning leaves the plan's state to the AR team"
    );
}
