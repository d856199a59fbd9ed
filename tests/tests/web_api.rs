//! The AR team API, driven in-process: bearer keys and scopes, tenant
//! isolation, every dispute transition (valid and invalid, JSON errors),
//! tasks and the audit log; and one request over TCP to `arflow serve`.

mod web_support;

use arflow_app::portal::{Dispute, DisputeState, PortalStore, Scope};
use serde_json::Value;
use web_support::*;

fn json(r: &Reply) -> Value {
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.body))
}

fn open_dispute(app: &App, id: &str) {
    app.web
        .store
        .lock()
        .unwrap()
        .insert_dispute(
            TENANT,
            &Dispute {
                id: id.into(),
                customer_id: "A".into(),
                invoice_id: "INV-A1".into(),
                reason: "Wrong amount".into(),
                amount: 100,
                message: String::new(),
                state: DisputeState::Open,
                owner: None,
                notes: vec![],
                opened_at: 1,
                updated_at: 1,
            },
        )
        .unwrap();
}

#[tokio::test]
async fn api_needs_a_known_key_and_the_right_scope() {
    let app = app();
    let read = api_key(&app, TENANT, "reader", &[Scope::Read]);
    let r = api(&app.router, "GET", "/api/customers", "", "").await;
    assert_eq!(
        (r.status, json(&r)["error"].as_str().unwrap()),
        (401, "missing bearer API key")
    );
    assert_eq!(
        api(&app.router, "GET", "/api/customers", "arf_nope", "")
            .await
            .status,
        401
    );
    let r = api(&app.router, "GET", "/api/customers", &read, "").await;
    assert_eq!(r.status, 200);
    assert_eq!(json(&r).as_array().unwrap().len(), 2);
    open_dispute(&app, "D1");
    let r = api(
        &app.router,
        "POST",
        "/api/disputes/D1/transition",
        &read,
        r#"{"to":"acknowledged"}"#,
    )
    .await;
    assert_eq!(r.status, 403);
    assert!(json(&r)["error"].as_str().unwrap().contains("write"));
}

#[tokio::test]
async fn a_tenants_key_sees_only_that_tenants_data() {
    let app = app();
    open_dispute(&app, "D1");
    let other = api_key(&app, "other", "ops", &[Scope::Read, Scope::Write]);
    let customers = json(&api(&app.router, "GET", "/api/customers", &other, "").await);
    let ids: Vec<&str> = customers
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["customer_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["X"]);
    let inv = json(
        &api(
            &app.router,
            "GET",
            "/api/invoices?customer=A&as_of=2024-01-31",
            &other,
            "",
        )
        .await,
    );
    assert!(inv.as_array().unwrap().is_empty());
    assert!(
        json(&api(&app.router, "GET", "/api/disputes", &other, "").await)
            .as_array()
            .unwrap()
            .is_empty()
    );
    let r = api(
        &app.router,
        "POST",
        "/api/disputes/D1/transition",
        &other,
        r#"{"to":"acknowledged"}"#,
    )
    .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn every_dispute_transition_valid_and_invalid_answers_in_json() {
    let app = app();
    let key = api_key(&app, TENANT, "ops", &[Scope::Read, Scope::Write]);
    let go = |id: &'static str, to: &'static str| {
        let (router, key) = (app.router.clone(), key.clone());
        async move {
            api(
                &router,
                "POST",
                &format!("/api/disputes/{id}/transition"),
                &key,
                &format!(r#"{{"to":"{to}","note":"n","owner":"ana"}}"#),
            )
            .await
        }
    };
    open_dispute(&app, "D1");
    for (to, ok) in [
        ("escalated", false),
        ("resolved", false),
        ("acknowledged", true),
        ("acknowledged", false),
        ("open", false),
        ("escalated", true),
        ("acknowledged", false),
        ("resolved", true),
        ("rejected", false),
    ] {
        let r = go("D1", to).await;
        if ok {
            assert_eq!(r.status, 200, "{to}: {}", r.body);
            assert_eq!(json(&r)["state"], to);
        } else {
            assert_eq!(r.status, 409, "{to}: {}", r.body);
            assert!(
                json(&r)["error"]
                    .as_str()
                    .unwrap()
                    .contains("cannot become")
            );
        }
    }
    open_dispute(&app, "D2");
    assert_eq!(
        go("D2", "rejected").await.status,
        200,
        "open can be rejected"
    );
    open_dispute(&app, "D3");
    assert_eq!(go("D3", "acknowledged").await.status, 200);
    assert_eq!(
        go("D3", "rejected").await.status,
        200,
        "acknowledged can be rejected"
    );
    let r = go("D1", "bogus").await;
    assert_eq!(r.status, 400);
    assert!(
        json(&r)["error"]
            .as_str()
            .unwrap()
            .contains("unknown state")
    );
    assert_eq!(go("NOPE", "acknowledged").await.status, 404);
    let r = api(
        &app.router,
        "POST",
        "/api/disputes/D1/transition",
        &key,
        "{not json",
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(json(&r)["error"].is_string());

    let d = json(&api(&app.router, "GET", "/api/disputes", &key, "").await);
    assert_eq!(d[0]["owner"], "ana");
    assert_eq!(d[0]["notes"].as_array().unwrap().len(), 3);
    let audit = json(&api(&app.router, "GET", "/api/audit", &key, "").await);
    assert_eq!(audit[0]["actor"], "api_key:ops");
    assert_eq!(audit[0]["action"], "dispute.acknowledged");
}

#[tokio::test]
async fn aging_kpis_and_planned_actions_answer_for_a_day() {
    let app = app();
    let key = api_key(&app, TENANT, "reader", &[Scope::Read]);
    let aging = json(&api(&app.router, "GET", "/api/aging?as_of=2024-01-31", &key, "").await);
    assert_eq!(aging["currencies"][0]["currency"], "USD");
    assert_eq!(aging["currencies"][0]["total"]["amount"], "1950.00");
    let kpis = api(
        &app.router,
        "GET",
        "/api/kpis?as_of=2024-01-31&period_days=30",
        &key,
        "",
    )
    .await;
    assert_eq!(kpis.status, 200);
    let actions = json(
        &api(
            &app.router,
            "GET",
            "/api/actions?as_of=2024-01-31",
            &key,
            "",
        )
        .await,
    );
    assert!(!actions.as_array().unwrap().is_empty());
    let r = api(&app.router, "GET", "/api/kpis?period_days=0", &key, "").await;
    assert_eq!(r.status, 400);
    let r = api(&app.router, "GET", "/api/nothing", &key, "").await;
    assert_eq!(
        (r.status, json(&r)["error"].as_str().unwrap()),
        (404, "no such endpoint")
    );
    let r = api(
        &app.router,
        "POST",
        "/api/tasks/none/complete",
        &key,
        r#"{"outcome":"x"}"#,
    )
    .await;
    assert_eq!(r.status, 403, "read key cannot complete tasks");
}

#[test]
fn arflow_serve_answers_over_tcp_with_a_created_api_key() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("arflow.db");
    let mut store = arflow_local::SqliteStore::open(&db).unwrap();
    seed(&mut store);
    drop(store);
    let db_s = db.to_str().unwrap();
    let key = arflow_tests::run_ok(&[
        "serve",
        "--db",
        db_s,
        "--tenant",
        TENANT,
        "--create-api-key",
        "ops",
        "--scopes",
        "read,write",
    ]);
    let key = key.trim().to_string();
    assert!(key.starts_with("arf_"));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let mut child = arflow_tests::arflow()
        .args([
            "serve",
            "--db",
            db_s,
            "--tenant",
            TENANT,
            "--addr",
            &addr.to_string(),
        ])
        .arg("--outbox")
        .arg(dir.path().join("outbox"))
        // Secrets and keys must never reach the logs, whatever the level.
        .env("ARFLOW_WEB_SECRET", SECRET)
        .env("RUST_LOG", "trace")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let get = |key: &str| -> Option<String> {
        let mut s = std::net::TcpStream::connect(addr).ok()?;
        write!(s, "GET /api/aging?as_of=2024-01-31 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\nConnection: close\r\n\r\n").ok()?;
        let mut body = String::new();
        s.read_to_string(&mut body).ok()?;
        Some(body)
    };
    let mut body = String::new();
    for _ in 0..100 {
        if let Some(b) = get(&key) {
            body = b;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let wrong = get(WRONG_KEY).unwrap_or_default();
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(body.starts_with("HTTP/1.1 200"), "{body}");
    assert!(body.contains("\"1950.00\""), "{body}");
    assert!(wrong.starts_with("HTTP/1.1 401"), "{wrong}");
    let logs = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        logs.contains("arflow serve"),
        "the server said nothing: {logs}"
    );
    for secret in [key.as_str(), WRONG_KEY, SECRET] {
        assert!(!logs.contains(secret), "{secret} is in the logs: {logs}");
    }
}

const SECRET: &str = "s3cr3t-signing-key-that-must-not-be-logged";
const WRONG_KEY: &str = "arf_wrong_key_that_must_not_be_logged";
