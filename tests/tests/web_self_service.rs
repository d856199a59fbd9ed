//! Customer self-service end to end: scheduled payments through the test
//! gateway, the dispute acknowledgement and AR notice sent at filing, broken
//! promises, contact preferences feeding the plan, and dispute attachments.
//! Payment plans are in web_payment_plans.rs.

mod web_support;

use arflow_app::portal::{PortalStore, Scope};
use arflow_app::store::{ChangeKind, InvoiceChange, LedgerStore};
use arflow_domain::ledger::Customer;
use arflow_local::SqliteStore;
use axum::body::Body;
use axum::http::{Request, header};
use web_support::planning::*;
use web_support::*;

#[tokio::test]
async fn scheduled_payment_is_recorded_with_its_reference_and_pauses_dunning() {
    let app = app();
    let (cookie, token) = sign_in(&app, "a%40example.com").await;
    let key = api_key(&app, TENANT, "ops", &[Scope::Read]);
    let page = get(&app.router, "/invoices/INV-A1", &cookie).await;
    assert!(page.body.contains("<label for=\"sdate\">Pay on</label>"));
    let r = post_form(
        &app.router,
        "/invoices/INV-A1/schedule-payment",
        &cookie,
        &format!("csrf={token}&date=2024-02-10&amount=1200.00"),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let promises = app.web.store.lock().unwrap().promises(TENANT).unwrap();
    assert_eq!(promises.len(), 1);
    let reference = promises[0].reference.clone().expect("a payment reference");
    assert!(reference.starts_with("TEST-"), "{reference}");
    assert!(r.body.contains(&reference));
    assert_eq!(promises[0].amount, 120_000);
    assert!(
        api_rules_for(&app, &key, "2024-01-31", "INV-A1")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn declined_payment_shows_a_clear_message_and_records_nothing() {
    let app = app();
    let (cookie, token) = sign_in(&app, "a%40example.com").await;
    let r = post_form(
        &app.router,
        "/invoices/INV-A1/schedule-payment",
        &cookie,
        &format!("csrf={token}&date=2024-02-10&amount=12.13"),
    )
    .await;
    assert_eq!(r.status, 402, "{}", r.body);
    assert!(
        r.body.contains("The payment could not be scheduled")
            && r.body.contains("declined")
            && r.body.contains("Nothing was charged"),
        "{}",
        r.body
    );
    let too_much = post_form(
        &app.router,
        "/invoices/INV-A1/schedule-payment",
        &cookie,
        &format!("csrf={token}&date=2024-02-10&amount=5000.00"),
    )
    .await;
    assert_eq!(too_much.status, 422);
    assert!(
        app.web
            .store
            .lock()
            .unwrap()
            .promises(TENANT)
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn dispute_filing_sends_the_ack_at_once_and_notifies_the_ar_team_and_the_plan_does_not_repeat_it()
 {
    let dir = tempfile::tempdir().unwrap();
    let (db, store) = file_store(dir.path());
    let app = app_with(store);
    let (cookie, token) = sign_in(&app, "a%40example.com").await;
    let r = post_form(
        &app.router,
        "/invoices/INV-A1/dispute",
        &cookie,
        &format!("csrf={token}&reason=Wrong+amount&amount=100.00&message=price"),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r.body.contains("acknowledgement"), "{}", r.body);
    let dispute = app.web.store.lock().unwrap().disputes(TENANT).unwrap()[0].clone();
    {
        let sent = app.web.sender.lock().unwrap();
        let ack = sent
            .0
            .iter()
            .find(|m| m.to == ["a@example.com"] && m.subject.contains("query"))
            .expect("the acknowledgement e-mail");
        assert_eq!(
            ack.subject,
            "We have received your query about invoice INV-A1"
        );
        let ar = sent
            .0
            .iter()
            .find(|m| m.to == ["receivables@example.com"])
            .expect("the AR team's e-mail");
        assert!(ar.subject.contains(&dispute.id), "{}", ar.subject);
        assert!(ar.text.contains("Reason: Wrong amount"));
    }
    {
        let store = app.web.store.lock().unwrap();
        let tasks = store.tasks(TENANT).unwrap();
        let task: Vec<_> = tasks
            .iter()
            .filter(|t| t.assignee == "ar_team" && t.title.contains(&dispute.id))
            .collect();
        assert_eq!(task.len(), 1, "{tasks:?}");
        let log = store.sent_log(TENANT).unwrap();
        let mut rules: Vec<&str> = log.iter().map(|r| r.rule.as_str()).collect();
        rules.sort_unstable();
        assert_eq!(rules, ["event:dispute_ack", "portal:dispute_filed"]);
        let audit: Vec<String> = store
            .audit_log(TENANT)
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(
            audit,
            ["dispute.open", "dispute.ack_sent", "dispute.ar_notified"]
        );
    }
    drop(app);
    for day in ["2024-01-31", "2024-02-01"] {
        let rules = rules_for(&plan_json(&db, day), "INV-A1");
        assert!(
            !rules.iter().any(|r| r == "event:dispute_ack"),
            "{day}: the planner does not acknowledge again: {rules:?}"
        );
        assert!(
            !rules.iter().any(|r| r.starts_with("reminder:")),
            "{rules:?}"
        );
    }
    // The dispute sequence goes on from the acknowledgement: escalation 10 days later.
    let later = rules_for(&plan_json(&db, "2024-02-12"), "INV-A1");
    assert!(
        later.iter().any(|r| r == "event:dispute_escalation"),
        "{later:?}"
    );
}

#[tokio::test]
async fn broken_promise_notifies_the_ar_team_once_and_dunning_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let (db, store) = file_store(dir.path());
    let app = app_with(store);
    let (cookie, token) = sign_in(&app, "a%40example.com").await;
    let r = post_form(
        &app.router,
        "/invoices/INV-A1/promise",
        &cookie,
        &format!("csrf={token}&date=2024-02-02&amount=1200.00"),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    drop(app);
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
    // Held through 2024-02-05 (promised date + 3 grace days).
    assert!(rules_for(&plan_json(&db, "2024-02-05"), "INV-A1").is_empty());
    // 2024-02-07: broken, and the firm follow-up (due + 7) is due again.
    let broken = rules_for(&plan_json(&db, "2024-02-07"), "INV-A1");
    assert_eq!(
        broken
            .iter()
            .filter(|r| *r == "event:broken_promise")
            .count(),
        1,
        "{broken:?}"
    );
    assert!(
        broken.iter().any(|r| r.starts_with("reminder:")),
        "dunning resumes: {broken:?}"
    );
    run("2024-02-07");
    let promise_tasks = || {
        SqliteStore::open(&db)
            .unwrap()
            .tasks(TENANT)
            .unwrap()
            .into_iter()
            .filter(|t| t.title.starts_with("[Promise broken]"))
            .collect::<Vec<_>>()
    };
    let tasks = promise_tasks();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].assignee, "ar_team");
    assert!(tasks[0].body.contains("INV-A1"), "{}", tasks[0].body);
    run("2024-02-08");
    let later = rules_for(&plan_json(&db, "2024-02-09"), "INV-A1");
    assert!(
        !later.iter().any(|r| r == "event:broken_promise"),
        "{later:?}"
    );
    assert_eq!(promise_tasks().len(), 1, "notified once");
}

/// Customer C with a phone and INV-C1 due 2024-01-31.
fn add_customer_with_phone(store: &mut SqliteStore) {
    let c = Customer {
        phone: Some("+15550100".into()),
        ..customer("C", "Charlie Co", "c@example.com")
    };
    store
        .apply_changes(
            TENANT,
            &[InvoiceChange {
                kind: ChangeKind::New,
                effective: None,
                invoice: invoice("INV-C1", "C", "2024-01-31", 30_000),
            }],
            &[c],
        )
        .unwrap();
}

#[tokio::test]
async fn contact_preferences_change_channel_sms_opt_out_and_language_in_plan_and_run() {
    let dir = tempfile::tempdir().unwrap();
    let (db, mut store) = file_store(dir.path());
    add_customer_with_phone(&mut store);
    let message = |actions: &[serde_json::Value]| {
        actions
            .iter()
            .find(|a| a["customer_id"] == "C" && a["invoice_ids"] == serde_json::json!(["INV-C1"]))
            .cloned()
            .expect("a message for INV-C1")
    };
    assert_eq!(message(&plan_json(&db, "2024-01-31"))["channel"], "email");

    let app = app_with(store);
    let (cookie, token) = sign_in(&app, "c%40example.com").await;
    let save = |form: String| {
        let router = app.router.clone();
        let cookie = cookie.clone();
        async move {
            post_form(&router, "/preferences", &cookie, &form)
                .await
                .status
        }
    };
    assert_eq!(
        save(format!("csrf={token}&channel=sms&language=de")).await,
        303
    );
    let sms = message(&plan_json(&db, "2024-01-31"));
    assert_eq!(
        (&sms["kind"], &sms["channel"]),
        (&"sms".into(), &"sms".into())
    );
    assert_eq!(sms["recipients"], serde_json::json!(["+15550100"]));

    assert_eq!(
        save(format!(
            "csrf={token}&channel=sms&language=de&sms_opt_out=on"
        ))
        .await,
        303
    );
    drop(app);
    let email = message(&plan_json(&db, "2024-01-31"));
    assert_eq!(email["channel"], "email", "SMS opt-out respected: {email}");
    assert_eq!(email["id"], sms["id"], "same action, other channel");

    let outbox = dir.path().join("outbox");
    arflow_tests::run_ok(&[
        "run",
        "--db",
        db.to_str().unwrap(),
        "--tenant",
        TENANT,
        "--as-of",
        "2024-01-31",
        "--outbox",
        outbox.to_str().unwrap(),
    ]);
    let mail: Vec<String> = walk(&outbox)
        .into_iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .filter(|m| m.contains("c@example.com"))
        .collect();
    assert_eq!(mail.len(), 1, "one e-mail to C");
    assert!(
        mail[0].contains("Sehr geehrte") || mail[0].contains("Rechnung"),
        "German as preferred: {}",
        &mail[0][..mail[0].len().min(600)]
    );
}

/// A multipart dispute form with one file part.
fn multipart(token: &str, file: Option<(&str, &str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "XyZ-boundary-7";
    let mut b = Vec::new();
    for (k, v) in [
        ("csrf", token),
        ("reason", "Damaged or faulty"),
        ("amount", "50.00"),
        ("message", "see photo"),
    ] {
        b.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, ct, bytes)) = file {
        b.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"attachment\"; filename=\"{name}\"\r\nContent-Type: {ct}\r\n\r\n"
            )
            .as_bytes(),
        );
        b.extend_from_slice(bytes);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), b)
}

async fn post_multipart(app: &App, cookie: &str, body: (String, Vec<u8>)) -> Reply {
    let req = Request::post("/invoices/INV-A1/dispute")
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, body.0)
        .body(Body::from(body.1))
        .unwrap();
    send(&app.router, req).await
}

#[tokio::test]
async fn dispute_attachment_is_stored_and_downloaded_by_the_ar_team_only() {
    let app = app();
    let (cookie, token) = sign_in(&app, "a%40example.com").await;
    let page = get(&app.router, "/invoices/INV-A1", &cookie).await;
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    assert!(page.body.contains("<label for=\"attachment\">"));
    let file = b"delivery note: 3 of 5 boxes wet\n";
    let r = post_multipart(
        &app,
        &cookie,
        multipart(&token, Some(("../../note.txt", "text/plain", file))),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = app.web.store.lock().unwrap().disputes(TENANT).unwrap()[0]
        .id
        .clone();
    let key = api_key(&app, TENANT, "ops", &[Scope::Read]);
    let url = format!("/api/disputes/{id}/attachment");
    let got = api(&app.router, "GET", &url, &key, "").await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body.as_bytes(), file);
    assert_eq!(got.headers[header::CONTENT_TYPE], "text/plain");
    assert_eq!(
        got.headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"note.txt\""
    );
    assert_eq!(api(&app.router, "GET", &url, "", "").await.status, 401);
    let other = api_key(&app, "other", "ops", &[Scope::Read]);
    assert_eq!(
        api(&app.router, "GET", &url, &other, "").await.status,
        404,
        "another tenant's key"
    );
    assert_eq!(
        get(&app.router, &url, &cookie).await.status,
        401,
        "a customer session is not an API key"
    );

    // A dispute without a file has no attachment.
    let r = post_multipart(&app, &cookie, multipart(&token, None)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let second = app.web.store.lock().unwrap().disputes(TENANT).unwrap();
    let second = second.iter().find(|d| d.id != id).unwrap().id.clone();
    let none = api(
        &app.router,
        "GET",
        &format!("/api/disputes/{second}/attachment"),
        &key,
        "",
    )
    .await;
    assert_eq!(none.status, 404);
    assert!(none.body.contains("has no attachment"), "{}", none.body);
}

#[tokio::test]
async fn too_large_and_wrong_type_attachments_are_refused_with_4xx_and_nothing_is_filed() {
    let app = app();
    let (cookie, token) = sign_in(&app, "a%40example.com").await;
    let big = vec![b'x'; 5 * 1024 * 1024 + 1];
    let r = post_multipart(
        &app,
        &cookie,
        multipart(&token, Some(("scan.pdf", "application/pdf", &big))),
    )
    .await;
    assert_eq!(r.status, 413, "{}", r.body);
    assert!(r.body.contains("larger than 5 MB"), "{}", r.body);
    let huge = vec![b'x'; 8 * 1024 * 1024];
    let r = post_multipart(
        &app,
        &cookie,
        multipart(&token, Some(("scan.pdf", "application/pdf", &huge))),
    )
    .await;
    assert_eq!(r.status, 413, "over the body limit too");
    let r = post_multipart(
        &app,
        &cookie,
        multipart(&token, Some(("x.zip", "application/zip", b"PK\x03\x04"))),
    )
    .await;
    assert_eq!(r.status, 415, "{}", r.body);
    assert!(
        r.body.contains("PDF, PNG, JPEG or plain text"),
        "{}",
        r.body
    );
    let r = post_multipart(
        &app,
        &cookie,
        multipart("wrong", Some(("a.txt", "text/plain", b"a"))),
    )
    .await;
    assert_eq!(r.status, 403, "CSRF checked on the multipart form too");
    assert!(
        app.web
            .store
            .lock()
            .unwrap()
            .disputes(TENANT)
            .unwrap()
            .is_empty()
    );
}
