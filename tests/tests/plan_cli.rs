//! `arflow plan`, `simulate` and `strategy` end to end on the example data:
//! the documented JSON shape, determinism, and lint output with file:line.

use std::collections::BTreeSet;

use arflow_tests::{run, run_ok};
use serde_json::Value;

const LEDGER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/ledger.csv");
const CUSTOMERS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/customers.csv");

fn plan_json(as_of: &str) -> Value {
    let out = run_ok(&[
        "plan",
        "--ledger",
        LEDGER,
        "--customers",
        CUSTOMERS,
        "--as-of",
        as_of,
        "--format",
        "json",
    ]);
    serde_json::from_str(&out).unwrap()
}

#[test]
fn plan_json_has_exactly_the_documented_fields() {
    let mut staged = false;
    let actions = plan_json("2024-12-02");
    let actions = actions.as_array().unwrap();
    assert!(!actions.is_empty());
    let kinds = [
        "email",
        "sms",
        "whatsapp",
        "call_task",
        "notify",
        "statement",
        "credit_hold",
        "credit_release",
        "task",
    ];
    for a in actions {
        let mut keys: BTreeSet<&str> = a.as_object().unwrap().keys().map(String::as_str).collect();
        // A grouped reminder names each invoice's own stage, and any steps
        // skipped, only when there are some.
        if keys.remove("stages") {
            let stages = a["stages"].as_object().unwrap();
            let ids: BTreeSet<&str> = a["invoice_ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            assert_eq!(
                stages.keys().map(String::as_str).collect::<BTreeSet<_>>(),
                ids,
                "{a}"
            );
        }
        if keys.remove("skipped_steps") {
            assert!(!a["skipped_steps"].as_array().unwrap().is_empty(), "{a}");
        }
        let who = if keys.contains("role") {
            "role"
        } else {
            "recipients"
        };
        let expected: BTreeSet<&str> = [
            "id",
            "kind",
            "customer_id",
            "invoice_ids",
            "rule",
            "channel",
            who,
            "template",
            "scheduled_for",
            "explanation",
        ]
        .into();
        assert_eq!(keys, expected, "{a}");
        assert!(kinds.contains(&a["kind"].as_str().unwrap()), "{a}");
        assert_eq!(a["id"].as_str().unwrap().len(), 32);
        // RFC 3339 with the recipient's offset, at the send hour.
        let at = a["scheduled_for"].as_str().unwrap();
        assert!(chrono::DateTime::parse_from_rfc3339(at).is_ok(), "{at}");
        assert!(at.starts_with("2024-12-02T09:00:00"), "{at}");
        assert!(!a["explanation"].as_str().unwrap().is_empty());
        staged |= a.get("stages").is_some();
    }
    assert!(staged, "some reminder groups invoices at different stages");
}

#[test]
fn planning_twice_gives_the_same_actions_with_the_same_ids() {
    assert_eq!(plan_json("2024-12-16"), plan_json("2024-12-16"));
}

#[test]
fn at_most_one_external_message_per_customer_per_day() {
    let actions = plan_json("2024-12-02");
    let mut seen = BTreeSet::new();
    for a in actions.as_array().unwrap() {
        if ["email", "sms", "whatsapp", "statement"].contains(&a["kind"].as_str().unwrap()) {
            assert!(
                seen.insert(a["customer_id"].as_str().unwrap().to_string()),
                "second message for {}",
                a["customer_id"]
            );
        }
    }
}

#[test]
fn simulate_reports_a_calendar_and_a_summary() {
    let out = run_ok(&[
        "simulate",
        "--ledger",
        LEDGER,
        "--customers",
        CUSTOMERS,
        "--from",
        "2024-12-02",
        "--to",
        "2024-12-06",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&out).unwrap();
    let days = v["days"].as_array().unwrap();
    assert_eq!(days.len(), 5);
    let total: usize = days
        .iter()
        .map(|d| d["actions"].as_array().unwrap().len())
        .sum();
    assert_eq!(v["summary"]["actions"].as_u64().unwrap() as usize, total);
    // The first day's calendar is what `plan` says for that day (nothing sent before).
    assert_eq!(days[0]["actions"], plan_json("2024-12-02"));
    let ids: Vec<&str> = days
        .iter()
        .flat_map(|d| d["actions"].as_array().unwrap())
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(
        ids.len(),
        unique.len(),
        "nothing is planned twice over the range"
    );
}

#[test]
fn strategy_lint_reports_file_and_line_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[tenant]\ncurrency = \"USD\"\n\n[[segments]]\nname = \"all\"\nbogus = 1\n",
    )
    .unwrap();
    let out = run(&["strategy", "lint", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "{}:6: error: unknown field `bogus`",
            bad.display()
        )),
        "{stdout}"
    );

    let default = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/strategies/default.toml"
    );
    let out = run(&["strategy", "lint", default]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn strategy_show_prints_the_default_and_schema_prints_json_schema() {
    let shown = run_ok(&["strategy", "show"]);
    let file = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/strategies/default.toml"
    ))
    .unwrap();
    assert_eq!(shown.trim_end(), file.trim_end());
    let schema: Value = serde_json::from_str(&run_ok(&["strategy", "schema"])).unwrap();
    assert!(schema["properties"]["tenant"].is_object(), "{schema}");
}
