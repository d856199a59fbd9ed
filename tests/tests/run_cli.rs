//! `arflow run` end to end: plan a day from the store, write the customer
//! e-mails as valid MIME `.eml` files, store the internal tasks, record the
//! sends — and send nothing new when the same day runs again.
//!
//! Runs the built binary: `cargo build -p arflow-cli && cargo test -p arflow-tests`
//! (scripts/test does both), or point `$ARFLOW_BIN` at one.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use arflow_app::store::LedgerStore;
use arflow_domain::strategy::ActionKind;
use arflow_local::SqliteStore;

use arflow_tests::arflow;

fn run(dir: &Path, args: &[&str]) -> Output {
    arflow()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run arflow")
}

fn stdout_ok(dir: &Path, args: &[&str]) -> String {
    let o = run(dir, args);
    assert!(
        o.status.success(),
        "arflow {args:?} failed ({}): {}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// A scratch directory with the store fixtures ingested into `t.db`
/// (tenant acme, as of 2024-01-31).
fn ingested() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/local/tests/fixtures");
    for name in ["ledger-2024-01-31.csv", "customers.csv"] {
        std::fs::copy(fixtures.join(name), dir.path().join(name)).unwrap();
    }
    stdout_ok(
        dir.path(),
        &[
            "ingest",
            "--ledger",
            "ledger-2024-01-31.csv",
            "--customers",
            "customers.csv",
            "--db",
            "t.db",
            "--tenant",
            "acme",
            "--as-of",
            "2024-01-31",
        ],
    );
    dir
}

fn run_day(dir: &Path, as_of: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "run", "--db", "t.db", "--tenant", "acme", "--as-of", as_of, "--outbox", "out",
    ];
    args.extend_from_slice(extra);
    run(dir, &args)
}

/// Every file in the outbox with its bytes.
fn outbox(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir.join("out")) else {
        return BTreeMap::new();
    };
    entries
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().into_string().unwrap(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// What Python's `email` package (policy=default) reads from an .eml file.
fn parse_eml(path: &Path) -> serde_json::Value {
    let script = r#"
import email, email.policy, json, sys
msg = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)
parts = list(msg.iter_parts())
print(json.dumps({
    'subject': str(msg['Subject']),
    'from': msg['From'].addresses[0].addr_spec,
    'to': [a.addr_spec for a in msg['To'].addresses],
    'action_id': str(msg['X-Arflow-Action-Id']),
    'parts': [p.get_content_type() for p in parts],
    'plain': msg.get_body(preferencelist=('plain',)).get_content(),
    'defects': [type(d).__name__ for d in list(msg.defects) + [d for p in parts for d in p.defects]],
}))
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(path)
        .output()
        .expect("python3 is needed to check the .eml output");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn running_the_same_day_twice_sends_nothing_new() {
    let dir = ingested();
    let o = run_day(dir.path(), "2024-02-05", &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let first_files = outbox(dir.path());
    let store = SqliteStore::open(&dir.path().join("t.db")).unwrap();
    let first_sent = store.sent_log("acme").unwrap();
    let first_tasks = store.tasks("acme").unwrap();
    assert!(
        first_files.keys().any(|f| f.ends_with(".eml")),
        "{first_files:?}"
    );
    assert!(!first_sent.is_empty());
    let emails = first_sent
        .iter()
        .filter(|r| matches!(r.kind, ActionKind::Email | ActionKind::Statement))
        .count();
    assert_eq!(first_files.len(), emails);
    // Every action is either a file in the outbox or a task in the store.
    assert_eq!(first_sent.len(), first_files.len() + first_tasks.len());

    let o = run_day(dir.path(), "2024-02-05", &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("nothing to send"));
    assert_eq!(outbox(dir.path()), first_files);
    assert_eq!(store.sent_log("acme").unwrap(), first_sent);
    assert_eq!(store.tasks("acme").unwrap(), first_tasks);
}

#[test]
fn each_email_is_valid_mime_from_the_company_to_the_customer_about_its_invoices() {
    let dir = ingested();
    let o = run_day(dir.path(), "2024-02-05", &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let store = SqliteStore::open(&dir.path().join("t.db")).unwrap();
    let sent = store.sent_log("acme").unwrap();
    let files = outbox(dir.path());
    assert!(!files.is_empty());
    for name in files.keys() {
        let seen = parse_eml(&dir.path().join("out").join(name));
        assert_eq!(seen["defects"], serde_json::json!([]), "{name}");
        assert_eq!(
            seen["parts"],
            serde_json::json!(["text/plain", "text/html"]),
            "{name}"
        );
        assert_eq!(seen["from"], "receivables@example.com");
        let id = seen["action_id"].as_str().unwrap();
        assert_eq!(name, &format!("{id}.eml"));
        let record = sent
            .iter()
            .find(|r| r.action_id == id)
            .expect("recorded as sent");
        assert_eq!(record.customer_id, "C-ACME");
        assert_eq!(
            seen["to"],
            serde_json::json!(["ap@acme.example", "cfo@acme.example"])
        );
        let plain = seen["plain"].as_str().unwrap();
        for invoice in &record.invoice_ids {
            assert!(
                plain.contains(invoice.as_str()),
                "{invoice} missing from {plain}"
            );
        }
        assert!(
            plain.contains("https://pay.example.com/customers/C-ACME"),
            "{plain}"
        );
    }
}

#[test]
fn a_template_directory_missing_a_template_stops_the_run_before_anything_is_sent() {
    let dir = ingested();
    let templates = dir.path().join("templates/en");
    std::fs::create_dir_all(&templates).unwrap();
    for part in ["subject", "txt", "html"] {
        std::fs::write(
            templates.join(format!("only_one.{part}.j2")),
            "{{ customer.name }}",
        )
        .unwrap();
    }
    let o = run_day(dir.path(), "2024-02-05", &["--templates", "templates"]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no template named"), "{err}");
    assert!(err.contains("nothing was sent"), "{err}");
    assert!(outbox(dir.path()).is_empty());
    let store = SqliteStore::open(&dir.path().join("t.db")).unwrap();
    assert!(store.sent_log("acme").unwrap().is_empty());
    assert!(store.tasks("acme").unwrap().is_empty());
}
