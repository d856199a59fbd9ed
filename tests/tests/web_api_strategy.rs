//! The AR team API's strategies and tasks, in-process: get / validate / put
//! a strategy (lint errors with lines, 422, versions and 409s, audit), the
//! stored strategy planning `/api/actions` and `arflow plan --db` / `run`;
//! call tasks with their script and completing them with a valid outcome.

mod web_support;

use arflow_app::portal::Scope;
use arflow_app::store::{LedgerStore, Task, TaskStatus};
use arflow_app::strategy_store::StrategyStore;
use arflow_domain::strategy::{ActionKind, DEFAULT_STRATEGY};
use axum::body::Body;
use axum::http::{Request, header};
use serde_json::Value;
use web_support::*;

fn json(r: &Reply) -> Value {
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.body))
}

/// The default strategy with 2024-01-31 a holiday: nothing is planned that day.
fn holiday_strategy() -> String {
    let from = "holidays = [\"US\"]";
    assert!(
        DEFAULT_STRATEGY.contains(from),
        "the default strategy changed"
    );
    DEFAULT_STRATEGY.replace(from, "holidays = [\"US\", \"2024-01-31\"]")
}

/// The default strategy with a type error, and the line it is on.
fn broken_strategy() -> (String, u64) {
    let text = DEFAULT_STRATEGY.replace("send_hour = 9", "send_hour = \"nine\"");
    let line = text.lines().position(|l| l.contains("\"nine\"")).unwrap() + 1;
    (text, line as u64)
}

async fn put(app: &App, key: &str, if_match: Option<&str>, query: &str, body: &str) -> Reply {
    let mut b = Request::builder()
        .method("PUT")
        .uri(format!("/api/strategy{query}"))
        .header(header::AUTHORIZATION, format!("Bearer {key}"))
        .header(header::CONTENT_TYPE, "application/toml");
    if let Some(v) = if_match {
        b = b.header(header::IF_MATCH, v);
    }
    send(&app.router, b.body(Body::from(body.to_string())).unwrap()).await
}

#[tokio::test]
async fn validate_reports_lint_errors_with_their_lines() {
    let app = app();
    let key = api_key(&app, TENANT, "reader", &[Scope::Read]);
    let ok = json(
        &api(
            &app.router,
            "POST",
            "/api/strategy/validate",
            &key,
            DEFAULT_STRATEGY,
        )
        .await,
    );
    assert_eq!(ok["valid"], true, "{ok}");
    assert!(ok["errors"].as_array().unwrap().is_empty(), "{ok}");
    let (text, line) = broken_strategy();
    let r = api(&app.router, "POST", "/api/strategy/validate", &key, &text).await;
    assert_eq!(r.status, 200);
    let bad = json(&r);
    assert_eq!(bad["valid"], false);
    assert_eq!(bad["errors"][0]["line"], line, "{bad}");
    assert_eq!(bad["errors"][0]["severity"], "error");
    let r = api(
        &app.router,
        "POST",
        "/api/strategy/validate",
        &key,
        "[tenant\n",
    )
    .await;
    assert_eq!(
        json(&r)["errors"][0]["line"],
        1,
        "a TOML syntax error has its line"
    );
    let r = api(
        &app.router,
        "POST",
        "/api/strategy/validate",
        "",
        DEFAULT_STRATEGY,
    )
    .await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn put_stores_versions_refuses_lint_errors_and_stale_versions() {
    let app = app();
    let read = api_key(&app, TENANT, "reader", &[Scope::Read]);
    let ops = api_key(&app, TENANT, "ops", &[Scope::Read, Scope::Write]);
    let r = api(&app.router, "GET", "/api/strategy", &read, "").await;
    assert_eq!(r.status, 404);
    assert!(
        json(&r)["error"]
            .as_str()
            .unwrap()
            .contains("no stored strategy")
    );

    assert_eq!(
        put(&app, &read, None, "", DEFAULT_STRATEGY).await.status,
        403
    );
    let (text, line) = broken_strategy();
    let r = put(&app, &ops, None, "", &text).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let e = json(&r);
    assert!(e["error"].as_str().unwrap().contains("nothing was stored"));
    assert_eq!(e["errors"][0]["line"], line);
    assert_eq!(
        api(&app.router, "GET", "/api/strategy", &read, "")
            .await
            .status,
        404
    );

    let r = put(&app, &ops, None, "", DEFAULT_STRATEGY).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(json(&r)["version"], 1);
    assert_eq!(r.headers[header::ETAG], "\"1\"");
    let got = api(&app.router, "GET", "/api/strategy", &read, "").await;
    assert_eq!(got.headers[header::ETAG], "\"1\"");
    let got = json(&got);
    assert_eq!(
        (got["version"].as_u64(), got["source"].as_str()),
        (Some(1), Some(DEFAULT_STRATEGY))
    );

    let r = put(&app, &ops, Some("\"1\""), "", &holiday_strategy()).await;
    assert_eq!(json(&r)["version"], 2, "{}", r.body);
    let r = put(&app, &ops, Some("\"1\""), "", DEFAULT_STRATEGY).await;
    assert_eq!(r.status, 409, "If-Match of a replaced version");
    assert!(
        json(&r)["error"]
            .as_str()
            .unwrap()
            .contains("version 2, not 1")
    );
    assert_eq!(
        put(&app, &ops, None, "?version=0", DEFAULT_STRATEGY)
            .await
            .status,
        409
    );
    assert_eq!(
        put(&app, &ops, None, "?version=7", DEFAULT_STRATEGY)
            .await
            .status,
        409
    );
    let r = put(&app, &ops, Some("latest"), "", DEFAULT_STRATEGY).await;
    assert_eq!(r.status, 400);
    assert!(json(&r)["error"].as_str().unwrap().contains("If-Match"));
    let r = put(&app, &ops, Some("W/\"2\""), "", DEFAULT_STRATEGY).await;
    assert_eq!(json(&r)["version"], 3, "{}", r.body);

    let audit = json(&api(&app.router, "GET", "/api/audit", &read, "").await);
    let puts: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action"] == "strategy.put")
        .map(|a| a["detail"].as_str().unwrap())
        .collect();
    assert_eq!(puts, ["version 1", "version 2", "version 3"]);
    assert_eq!(audit.as_array().unwrap()[0]["actor"], "api_key:ops");
}

#[tokio::test]
async fn the_stored_strategy_plans_the_apis_actions() {
    let app = app();
    let read = api_key(&app, TENANT, "reader", &[Scope::Read]);
    let ops = api_key(&app, TENANT, "ops", &[Scope::Read, Scope::Write]);
    let planned = || async {
        json(
            &api(
                &app.router,
                "GET",
                "/api/actions?as_of=2024-01-31",
                &read,
                "",
            )
            .await,
        )
        .as_array()
        .unwrap()
        .len()
    };
    assert!(planned().await > 0, "the server's strategy plans the day");
    assert_eq!(
        put(&app, &ops, None, "", &holiday_strategy()).await.status,
        200
    );
    assert_eq!(planned().await, 0, "the stored strategy makes it a holiday");
    let other = api_key(&app, "other", "ops", &[Scope::Read]);
    let r = api(&app.router, "GET", "/api/strategy", &other, "").await;
    assert_eq!(r.status, 404, "another tenant does not see the strategy");
}

fn task(id: &str, kind: ActionKind, body: &str) -> Task {
    Task {
        id: id.into(),
        customer_id: "A".into(),
        invoice_ids: vec!["INV-A1".into()],
        kind,
        assignee: "ar_clerk".into(),
        title: format!("{} for A", kind.as_str()),
        body: body.into(),
        due_on: "2024-01-31".parse().unwrap(),
        status: TaskStatus::Open,
        outcome: None,
    }
}

#[tokio::test]
async fn call_tasks_show_their_script_and_completion_validates_the_outcome() {
    let app = app();
    let read = api_key(&app, TENANT, "reader", &[Scope::Read]);
    let ops = api_key(&app, TENANT, "ops", &[Scope::Read, Scope::Write]);
    app.web
        .store
        .lock()
        .unwrap()
        .insert_tasks(
            TENANT,
            &[
                task(
                    "T1",
                    ActionKind::CallTask,
                    "Greet, confirm INV-A1, ask for a date.",
                ),
                task("T2", ActionKind::Notify, "Dispute escalated."),
            ],
        )
        .unwrap();
    let tasks = json(&api(&app.router, "GET", "/api/tasks", &read, "").await);
    assert_eq!(
        tasks[0]["call_script"],
        "Greet, confirm INV-A1, ask for a date."
    );
    assert_eq!(tasks[1]["call_script"], Value::Null);

    let complete = |id: &'static str, body: &'static str, key: String| {
        let router = app.router.clone();
        async move {
            api(
                &router,
                "POST",
                &format!("/api/tasks/{id}/complete"),
                &key,
                body,
            )
            .await
        }
    };
    let r = complete("T1", r#"{"outcome":"went great"}"#, ops.clone()).await;
    assert_eq!(r.status, 422);
    assert!(
        json(&r)["error"]
            .as_str()
            .unwrap()
            .contains("unknown outcome 'went great'")
    );
    assert_eq!(
        complete("T1", r#"{"note":"x"}"#, ops.clone()).await.status,
        422
    );
    assert_eq!(complete("T1", "{oops", ops.clone()).await.status, 400);
    assert_eq!(
        complete("T1", r#"{"outcome":"no_answer"}"#, read.clone())
            .await
            .status,
        403
    );
    assert_eq!(
        complete("T9", r#"{"outcome":"no_answer"}"#, ops.clone())
            .await
            .status,
        404
    );
    let r = complete(
        "T1",
        r#"{"outcome":"promised_to_pay","note":"Friday"}"#,
        ops.clone(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let done = json(&r);
    assert_eq!(
        (done["status"].as_str(), done["outcome"].as_str()),
        (Some("done"), Some("promised_to_pay: Friday"))
    );
    let r = complete("T1", r#"{"outcome":"no_answer"}"#, ops.clone()).await;
    assert_eq!(r.status, 409);
    assert!(json(&r)["error"].as_str().unwrap().contains("done already"));
    let audit = json(&api(&app.router, "GET", "/api/audit", &read, "").await);
    let completions: Vec<&Value> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action"] == "task.complete")
        .collect();
    assert_eq!(
        completions.len(),
        1,
        "refused completions leave no audit entry"
    );
    assert_eq!(completions[0]["target"], "task:T1");
}

#[test]
fn arflow_plan_and_run_use_the_stored_strategy_unless_given_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("arflow.db");
    let mut store = arflow_local::SqliteStore::open(&db).unwrap();
    seed(&mut store);
    let db_s = db.to_str().unwrap();
    let plan = |extra: &[&str]| {
        let mut args = vec![
            "plan",
            "--db",
            db_s,
            "--tenant",
            TENANT,
            "--as-of",
            "2024-01-31",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        let out: Value = serde_json::from_str(&arflow_tests::run_ok(&args)).unwrap();
        out.as_array().unwrap().len()
    };
    assert!(plan(&[]) > 0);
    assert!(
        store
            .put_strategy(TENANT, &holiday_strategy(), None)
            .unwrap()
    );
    drop(store);
    assert_eq!(plan(&[]), 0, "the stored strategy's holiday");
    let file = dir.path().join("default.toml");
    std::fs::write(&file, DEFAULT_STRATEGY).unwrap();
    assert!(
        plan(&["--strategy", file.to_str().unwrap()]) > 0,
        "a given file wins"
    );
    let out = arflow_tests::run_ok(&[
        "run",
        "--db",
        db_s,
        "--tenant",
        TENANT,
        "--as-of",
        "2024-01-31",
        "--outbox",
        dir.path().join("outbox").to_str().unwrap(),
    ]);
    assert!(out.contains("nothing to send"), "{out}");
}
