//! `/api/openapi.json` checked against the running implementation:
//! `arflow serve` on a seeded store (disputes, tasks, a sent log, a stored
//! strategy) with an API key, and schemathesis (from the test venv, see
//! scripts/python-env) generating requests for every documented operation
//! and checking every answer against the document — status codes, content
//! types, headers and response schemas. Bounded: a few examples per
//! operation, a time budget, and a hard stop.

mod web_support;

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use arflow_app::portal::{
    Dispute, DisputeState, Instalment, PaymentPlan, PlanState, PortalStore, SelfServiceStore,
};
use arflow_app::store::{LedgerStore, Task, TaskStatus};
use arflow_app::strategy_store::StrategyStore;
use arflow_domain::ledger::Channel;
use arflow_domain::sent::SentRecord;
use arflow_domain::strategy::{ActionKind, DEFAULT_STRATEGY};
use serde_json::{Value, json};
use web_support::*;

/// Kills the server however the test ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn schemathesis() -> PathBuf {
    let bin = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/schemathesis");
    assert!(
        bin.exists(),
        "{} is missing: run scripts/python-env (scripts/test does)",
        bin.display()
    );
    bin
}

fn seed_more(store: &mut arflow_local::SqliteStore) {
    store
        .insert_dispute(
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
                opened_at: NOON_JAN_31,
                updated_at: NOON_JAN_31,
            },
        )
        .unwrap();
    let task = |id: &str, kind: ActionKind| Task {
        id: id.into(),
        customer_id: "A".into(),
        invoice_ids: vec!["INV-A1".into()],
        kind,
        assignee: "ar_clerk".into(),
        title: format!("{} A", kind.as_str()),
        body: "Greet, confirm INV-A1, ask for a date.".into(),
        due_on: "2024-01-31".parse().unwrap(),
        status: TaskStatus::Open,
        outcome: None,
    };
    store
        .insert_tasks(
            TENANT,
            &[
                task("T1", ActionKind::CallTask),
                task("T2", ActionKind::Notify),
            ],
        )
        .unwrap();
    store
        .record_sent(
            TENANT,
            &[SentRecord {
                action_id: "S1".into(),
                customer_id: "A".into(),
                invoice_ids: vec!["INV-A1".into()],
                rule: "reminder:due_today".into(),
                kind: ActionKind::Email,
                channel: Some(Channel::Email),
                sent_on: "2024-01-31".parse().unwrap(),
                stages: Vec::new(),
            }],
        )
        .unwrap();
    assert!(store.put_strategy(TENANT, DEFAULT_STRATEGY, None).unwrap());
    store
        .put_attachment(TENANT, "D1", "count.txt", "text/plain", b"10 boxes, not 12")
        .unwrap();
    store
        .insert_plan(
            TENANT,
            &PaymentPlan {
                id: "PP1".into(),
                customer_id: "B".into(),
                invoice_ids: vec!["INV-B1".into()],
                currency: "USD".into(),
                total: 70_000,
                instalments: vec![
                    Instalment {
                        due_date: "2024-02-15".parse().unwrap(),
                        amount: 35_000,
                    },
                    Instalment {
                        due_date: "2024-03-15".parse().unwrap(),
                        amount: 35_000,
                    },
                ],
                state: PlanState::Requested,
                notes: vec![],
                requested_at: NOON_JAN_31,
                updated_at: NOON_JAN_31,
            },
        )
        .unwrap();
}

#[test]
fn the_openapi_document_matches_what_arflow_serve_answers() {
    let schemathesis = schemathesis();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("arflow.db");
    let mut store = arflow_local::SqliteStore::open(&db).unwrap();
    seed(&mut store);
    seed_more(&mut store);
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
    let addr = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let _server = Server(
        arflow_tests::arflow()
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
            .env(
                "ARFLOW_WEB_SECRET",
                "openapi-test-secret-openapi-test-secret",
            )
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    while TcpStream::connect(addr).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "arflow serve did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    // A strategy is a string to the schema but must also lint: a schema-valid
    // body that does not is rightly refused with 422 (its findings listed).
    std::fs::write(
        dir.path().join("schemathesis.toml"),
        "[[operations]]\ninclude-operation-id = \"put_strategy\"\n\
         checks.positive_data_acceptance.expected-statuses = \
         [\"2xx\", \"401\", \"403\", \"404\", \"409\", \"422\"]\n",
    )
    .unwrap();
    let auth = format!("Authorization: Bearer {key}");
    let base = format!("http://{addr}");
    let (ok, out) = schemathesis_run(
        &schemathesis,
        dir.path(),
        &[&format!("{base}/api/openapi.json"), "--header", &auth],
    );
    let served: Value =
        serde_json::from_str(include_str!("../../shared/web/src/api/openapi.json")).unwrap();
    let operations: usize = served["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|ops| ops.as_object().unwrap().len())
        .sum();
    assert!(ok, "schemathesis found problems:\n{out}");
    // Reading the document from the server, schemathesis leaves out the
    // operation that serves it.
    let all = format!("Tested: {}", operations - 1);
    assert!(out.contains(&all), "every operation was tested:\n{out}");

    // The same harness fails on a document that lies about one response.
    let mut lying = served.clone();
    lying["components"]["schemas"]["Customer"]["properties"]["name"] = json!({"type": "integer"});
    let file = dir.path().join("lying.json");
    std::fs::write(&file, lying.to_string()).unwrap();
    let (ok, out) = schemathesis_run(
        &schemathesis,
        dir.path(),
        &[
            file.to_str().unwrap(),
            "--url",
            &base,
            "--header",
            &auth,
            "--include-operation-id",
            "get_customers",
        ],
    );
    assert!(!ok, "a response that breaks the schema must fail:\n{out}");
    assert!(out.contains("Response violates schema"), "{out}");
}

/// Runs schemathesis with the bounded settings; (passed, its output).
fn schemathesis_run(bin: &Path, dir: &Path, args: &[&str]) -> (bool, String) {
    let mut run = Command::new(bin)
        .current_dir(dir)
        .arg("run")
        .args(args)
        .args([
            "--checks",
            "all",
            "--max-examples",
            "8",
            "--seed",
            "6",
            "--workers",
            "1",
            "--request-timeout",
            "10",
            "--no-color",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = run.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(240);
    let status = loop {
        if let Some(status) = run.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = run.kill();
            let _ = run.wait();
            panic!("schemathesis ran past 240 s");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let mut out = reader.join().unwrap();
    let _ = run.stderr.take().unwrap().read_to_string(&mut out);
    (status.success(), out)
}
