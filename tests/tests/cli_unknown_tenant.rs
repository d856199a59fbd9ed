//! Every command that reads a tenant from `--db` refuses one the store does
//! not hold: exit 2, the tenant named beside the ones that are there —
//! never an empty report for a mistyped `--tenant`.

use std::path::Path;
use std::process::Output;

use arflow_tests::arflow;

fn run(dir: &Path, args: &[&str]) -> Output {
    arflow()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run arflow")
}

/// A scratch directory whose `t.db` holds tenants `acme` and `demo`.
fn two_tenants() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/local/tests/fixtures/ledger-2024-01-31.csv");
    for tenant in ["demo", "acme"] {
        let o = run(
            dir.path(),
            &[
                "ingest",
                "--ledger",
                ledger.to_str().unwrap(),
                "--db",
                "t.db",
                "--tenant",
                tenant,
                "--as-of",
                "2024-01-31",
            ],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    dir
}

fn assert_refused(o: &Output, expected: &str) {
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(expected), "{stderr}");
    assert!(o.stdout.is_empty(), "no report is printed");
}

#[test]
fn commands_on_an_unknown_tenant_exit_2_naming_it_and_the_tenants_there() {
    let dir = two_tenants();
    let expected = "error: tenant 'nope' is not in t.db; tenants there: acme, demo";
    let db = ["--db", "t.db", "--tenant", "nope"];
    let commands: [&[&str]; 6] = [
        &["aging", "--as-of", "2024-01-31"],
        &["kpis", "--as-of", "2024-01-31"],
        &["plan", "--as-of", "2024-01-31"],
        &["simulate", "--from", "2024-01-01", "--to", "2024-01-31"],
        &["run", "--as-of", "2024-01-31", "--outbox", "out"],
        &["serve", "--create-api-key", "ops"],
    ];
    for command in commands {
        let args: Vec<&str> = command.iter().chain(&db).copied().collect();
        assert_refused(&run(dir.path(), &args), expected);
    }
    assert!(!dir.path().join("out").exists(), "run sent nothing");
}

#[test]
fn a_known_tenant_still_reads() {
    let dir = two_tenants();
    let o = run(
        dir.path(),
        &[
            "aging",
            "--db",
            "t.db",
            "--tenant",
            "acme",
            "--as-of",
            "2024-01-31",
            "--format",
            "json",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn a_store_without_tenants_says_to_ingest_first() {
    let dir = tempfile::tempdir().unwrap();
    drop(arflow_local::SqliteStore::open(&dir.path().join("empty.db")).unwrap());
    let o = run(
        dir.path(),
        &["aging", "--db", "empty.db", "--as-of", "2024-01-31"],
    );
    assert_refused(
        &o,
        "tenant 'default' is not in empty.db: the store has no tenants yet; run `arflow ingest",
    );
}
