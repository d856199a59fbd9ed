//! Faults on the local host (issue 15): two `arflow run`s at once on one
//! database send each action once; `kill -9` at random points of an
//! `ingest` leaves the database at the previous or the new snapshot, never
//! between (SQLite's integrity check, and the aging of the store equal to
//! the one of either ledger); a disk that fills up during an ingest gives a
//! clear error and leaves the previous snapshot.
//!
//! Each scenario runs `ARFLOW_FAULT_RUNS` times (default 4) with seeded
//! kill points; the count is printed. The long version:
//! `ARFLOW_FAULT_RUNS=50 cargo nextest run -p arflow-tests -E 'binary(local_faults)'`.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use arflow_tests::arflow;

fn runs() -> usize {
    std::env::var("ARFLOW_FAULT_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4)
}

fn in_dir(dir: &Path, args: &[&str]) -> Command {
    let mut c = arflow();
    c.current_dir(dir).args(args);
    c
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let o: Output = in_dir(dir, args).output().expect("run arflow");
    assert!(
        o.status.success(),
        "arflow {args:?} failed ({}): {}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).expect("utf-8")
}

fn generate(dir: &Path, invoices: &str, seed: &str, ledger: &str, customers: &str) {
    ok(
        dir,
        &[
            "gen-ledger",
            "--invoices",
            invoices,
            "--seed",
            seed,
            "--out",
            ledger,
            "--customers-out",
            customers,
        ],
    );
}

fn ingest_args<'a>(db: &'a str, ledger: &'a str, customers: &'a str) -> Vec<&'a str> {
    vec![
        "ingest",
        "--db",
        db,
        "--ledger",
        ledger,
        "--customers",
        customers,
        "--as-of",
        "2024-12-31",
    ]
}

fn aging(dir: &Path, db: &str) -> String {
    ok(
        dir,
        &[
            "aging",
            "--db",
            db,
            "--as-of",
            "2024-12-31",
            "--format",
            "json",
        ],
    )
}

/// `PRAGMA integrity_check` of the database file.
fn integrity(path: &Path) -> String {
    let conn = rusqlite::Connection::open(path).expect("open");
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check")
}

/// The action ids of the messages in an outbox directory.
fn sent_ids(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .map(|e| e.expect("entry").file_name().into_string().expect("name"))
        .filter_map(|n| n.split('.').next().map(str::to_string))
        .collect()
}

/// A small deterministic generator for kill points.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

#[test]
fn kill_9_during_an_ingest_leaves_the_previous_or_the_new_snapshot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    generate(d, "30000", "5", "v1.csv", "c1.csv");
    generate(d, "30000", "6", "v2.csv", "c2.csv");
    // The two snapshots, ingested without faults.
    ok(d, &ingest_args("ref1.db", "v1.csv", "c1.csv"));
    ok(d, &ingest_args("ref2.db", "v2.csv", "c2.csv"));
    let before = aging(d, "ref1.db");
    let after = ok(d, &ingest_args("ref1-then-2.db", "v1.csv", "c1.csv"));
    assert!(after.contains("30,000 new"), "{after}");
    let started = Instant::now();
    ok(d, &ingest_args("ref1-then-2.db", "v2.csv", "c2.csv"));
    let full = started.elapsed();
    let new = aging(d, "ref1-then-2.db");
    assert_ne!(before, new, "the two ledgers age differently");
    assert_eq!(
        new,
        aging(d, "ref2.db").replace("ref2.db", "ref1-then-2.db")
    );

    let mut rng = Lcg(15);
    let (mut killed, mut old_seen, mut new_seen) = (0, 0, 0);
    for run in 0..runs() {
        let db = format!("t{run}.db");
        ok(d, &ingest_args(&db, "v1.csv", "c1.csv"));
        // Most kills land mid-ingest, some after it (the new snapshot).
        let wait = Duration::from_millis(rng.below(full.as_millis() as u64 * 5 / 4 + 1));
        let mut child = in_dir(d, &ingest_args(&db, "v2.csv", "c2.csv"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn ingest");
        std::thread::sleep(wait);
        if child.try_wait().expect("try_wait").is_none() {
            child.kill().expect("kill -9");
            killed += 1;
        }
        child.wait().expect("reaped");
        assert_eq!(
            integrity(&d.join(&db)),
            "ok",
            "run {run}, killed after {wait:?}"
        );
        let now = aging(d, &db).replace(&db, "ref1-then-2.db");
        let was = before.replace("ref1.db", "ref1-then-2.db");
        if now == was {
            old_seen += 1;
        } else {
            assert_eq!(
                now, new,
                "run {run}: killed after {wait:?}, the store is neither snapshot"
            );
            new_seen += 1;
        }
        // The ingest again completes to the new snapshot.
        ok(d, &ingest_args(&db, "v2.csv", "c2.csv"));
        assert_eq!(aging(d, &db).replace(&db, "ref1-then-2.db"), new);
    }
    println!(
        "kill -9 during ingest: {} run(s), {killed} killed mid-ingest, {old_seen} at the previous snapshot, {new_seen} at the new one; full ingest {full:?}",
        runs()
    );
}

#[test]
fn two_runs_at_once_on_one_database_send_each_action_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    generate(d, "3000", "9", "l.csv", "c.csv");
    ok(d, &ingest_args("ref.db", "l.csv", "c.csv"));
    let run_args = |db: &str, outbox: &str| -> Vec<String> {
        [
            "run",
            "--db",
            db,
            "--as-of",
            "2024-09-03",
            "--outbox",
            outbox,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let go = |args: &[String]| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        ok(d, &args)
    };
    // One run alone: what the day sends.
    go(&run_args("ref.db", "alone"));
    let expected: BTreeSet<String> = sent_ids(&d.join("alone")).into_iter().collect();
    assert!(expected.len() > 20, "{} messages", expected.len());

    let mut refused = 0;
    for run in 0..runs() {
        let db = format!("race{run}.db");
        ok(d, &ingest_args(&db, "l.csv", "c.csv"));
        let children: Vec<_> = ["a", "b"]
            .iter()
            .map(|who| {
                let args = run_args(&db, &format!("out{run}{who}"));
                in_dir(d, &[])
                    .args(&args)
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("spawn run")
            })
            .collect();
        for c in children {
            let o = c.wait_with_output().expect("wait");
            let stderr = String::from_utf8_lossy(&o.stderr);
            if !o.status.success() {
                // The second run refuses while the first holds the lock.
                assert!(
                    stderr.contains("another `arflow run` for tenant 'default' is running")
                        && stderr.contains("nothing was sent"),
                    "run {run}: a concurrent run failed otherwise: {stderr}"
                );
                refused += 1;
            }
        }
        let a = sent_ids(&d.join(format!("out{run}a")));
        let b = sent_ids(&d.join(format!("out{run}b")));
        let mut all: Vec<String> = a.iter().chain(&b).cloned().collect();
        all.sort();
        let unique: BTreeSet<String> = all.iter().cloned().collect();
        assert_eq!(
            all.len(),
            unique.len(),
            "run {run}: an action was sent twice"
        );
        assert_eq!(
            unique, expected,
            "run {run}: the two runs together sent the day"
        );
        // A third run sends nothing new.
        go(&run_args(&db, &format!("out{run}c")));
        assert!(sent_ids(&d.join(format!("out{run}c"))).is_empty());
        println!("race {run}: {} + {} messages, none twice", a.len(), b.len());
    }
    println!(
        "two runs at once: {} race(s), {refused} second run(s) refused, 0 duplicates",
        runs()
    );
}

#[test]
fn a_full_disk_during_an_ingest_is_a_clear_error_and_keeps_the_previous_snapshot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    generate(d, "30000", "5", "v1.csv", "c1.csv");
    generate(d, "30000", "6", "v2.csv", "c2.csv");
    ok(d, &ingest_args("t.db", "v1.csv", "c1.csv"));
    let before = aging(d, "t.db");
    // No file may grow past the database's size plus 512 KiB: the
    // write-ahead log of 30,000 changed invoices cannot fit. SIGXFSZ is
    // ignored, so a write past the limit fails as on a full disk (EFBIG)
    // instead of killing the process.
    let size_kib = std::fs::metadata(d.join("t.db")).expect("db").len() / 1024;
    let mut args = vec![arflow_tests::arflow_path().display().to_string()];
    args.extend(
        ingest_args("t.db", "v2.csv", "c2.csv")
            .iter()
            .map(|s| s.to_string()),
    );
    let out = Command::new("bash")
        .current_dir(d)
        .arg("-c")
        .arg(format!(
            "ulimit -f {}; trap '' XFSZ; exec \"$@\"",
            size_kib + 512
        ))
        .arg("limited")
        .args(&args)
        .output()
        .expect("run bash");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "the ingest cannot have fitted: {stderr}"
    );
    assert!(
        stderr.contains("t.db") && stderr.contains("is the disk full"),
        "the error names the store and the likely cause: {stderr}"
    );
    assert_eq!(integrity(&d.join("t.db")), "ok");
    assert_eq!(aging(d, "t.db"), before, "the previous snapshot, whole");
    // With room again, the same ingest goes through.
    let done = ok(d, &ingest_args("t.db", "v2.csv", "c2.csv"));
    assert!(done.contains("30,000 changed"), "{done}");
    println!("full disk during ingest: {}", stderr.trim());
}
