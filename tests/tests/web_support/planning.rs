//! Helpers of the self-service tests: `arflow plan --db` as JSON, the rules
//! planned for an invoice (CLI and API), a file-backed seeded store, and the
//! files an outbox holds.

use std::path::Path;

use super::*;
use arflow_local::SqliteStore;

pub fn plan_json(db: &Path, as_of: &str) -> Vec<serde_json::Value> {
    let out = arflow_tests::run_ok(&[
        "plan",
        "--db",
        db.to_str().unwrap(),
        "--tenant",
        TENANT,
        "--as-of",
        as_of,
        "--format",
        "json",
    ]);
    serde_json::from_str::<serde_json::Value>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// The rules planned for `invoice`.
pub fn rules_for(actions: &[serde_json::Value], invoice: &str) -> Vec<String> {
    actions
        .iter()
        .filter(|a| {
            a["invoice_ids"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i == invoice)
        })
        .map(|a| a["rule"].as_str().unwrap().to_string())
        .collect()
}

pub async fn api_rules_for(app: &App, key: &str, as_of: &str, invoice: &str) -> Vec<String> {
    let r = api(
        &app.router,
        "GET",
        &format!("/api/actions?as_of={as_of}"),
        key,
        "",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v: Vec<serde_json::Value> = serde_json::from_str(&r.body).unwrap();
    rules_for(&v, invoice)
}

pub fn file_store(dir: &Path) -> (std::path::PathBuf, SqliteStore) {
    let db = dir.join("arflow.db");
    let mut store = SqliteStore::open(&db).unwrap();
    seed(&mut store);
    (db, store)
}

pub fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}
