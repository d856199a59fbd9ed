//! `arflow tenant create|update|list` against the emulator: the config lands
//! in the table and the daily schedule is created, then updated, in the
//! tenant's own time zone.

mod aws_support;

use arflow_tests::arflow;

fn tenant_cmd(table: &str, args: &[&str]) -> std::process::Output {
    let mut c = arflow();
    c.arg("tenant")
        .args(args)
        .args(["--table", table, "--create-table"])
        .args([
            "--daily-arn",
            "arn:aws:lambda:us-east-1:123456789012:function:arflow-daily",
        ])
        .args([
            "--scheduler-role-arn",
            "arn:aws:iam::123456789012:role/arflow-scheduler",
        ])
        .env("AWS_ENDPOINT_URL", aws_support::endpoint());
    for k in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"] {
        if let Ok(v) = std::env::var(k) {
            c.env(k, v);
        }
    }
    c.output().expect("run arflow")
}

fn ok(out: std::process::Output) -> String {
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "stdout: {text}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

#[test]
fn tenant_create_stores_the_config_and_schedules_the_daily_run_in_its_time_zone() {
    let table = aws_support::unique("tenants");
    let tenant = aws_support::unique("t").replace('-', "_");
    let created = ok(tenant_cmd(
        &table,
        &[
            "create",
            "--tenant",
            &tenant,
            "--sender",
            "Acme AR <ar@acme.example>",
            "--time-zone",
            "Europe/Berlin",
            "--send-hour",
            "9",
            "--map",
            "invoice_id=InvoiceNo",
            "--role",
            "ar_team=ar-team@acme.example",
        ],
    ));
    assert!(
        created.contains(&format!(
            "schedule arflow-{tenant} created: cron(0 9 * * ? *) (Europe/Berlin)"
        )),
        "{created}"
    );

    let again = tenant_cmd(
        &table,
        &[
            "create",
            "--tenant",
            &tenant,
            "--sender",
            "a@b.example",
            "--time-zone",
            "UTC",
            "--send-hour",
            "1",
        ],
    );
    assert!(!again.status.success(), "creating twice is refused");

    let updated = ok(tenant_cmd(
        &table,
        &[
            "update",
            "--tenant",
            &tenant,
            "--send-hour",
            "7",
            "--time-zone",
            "America/New_York",
        ],
    ));
    assert!(
        updated.contains("updated: cron(0 7 * * ? *) (America/New_York)"),
        "{updated}"
    );

    let list: serde_json::Value =
        serde_json::from_str(&ok(tenant_cmd(&table, &["list", "--format", "json"]))).expect("json");
    let row = list
        .as_array()
        .expect("array")
        .iter()
        .find(|r| r["tenant"] == tenant.as_str())
        .expect("listed");
    assert_eq!(row["send_hour"], 7);
    assert_eq!(
        row["sender"], "Acme AR <ar@acme.example>",
        "update keeps what it was not given"
    );
    assert_eq!(row["schedule"], "cron(0 7 * * ? *) America/New_York");

    let bad = tenant_cmd(
        &table,
        &["update", "--tenant", &tenant, "--time-zone", "Mars/Olympus"],
    );
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("time_zone"),
        "the bad field is named"
    );
}

#[test]
fn a_schedule_sends_undeliverable_runs_to_the_dead_letter_queue_it_is_given() {
    let table = aws_support::unique("tenants");
    let tenant = aws_support::unique("t").replace('-', "_");
    let dlq = "arn:aws:sqs:us-east-1:123456789012:arflow-failed-invocations";
    let created = ok(tenant_cmd(
        &table,
        &[
            "create",
            "--tenant",
            &tenant,
            "--sender",
            "ar@acme.example",
            "--time-zone",
            "UTC",
            "--send-hour",
            "8",
            "--scheduler-dlq-arn",
            dlq,
        ],
    ));
    assert!(
        created.contains(&format!("undelivered daily runs go to {dlq}")),
        "{created}"
    );
    let list: serde_json::Value = serde_json::from_str(&ok(tenant_cmd(
        &table,
        &["list", "--format", "json", "--scheduler-dlq-arn", dlq],
    )))
    .expect("json");
    let row = list
        .as_array()
        .expect("array")
        .iter()
        .find(|r| r["tenant"] == tenant.as_str())
        .expect("listed");
    let schedule = row["schedule"].as_str().expect("a schedule");
    assert!(
        schedule.ends_with(&format!(", undelivered runs to {dlq}")),
        "the schedule as Scheduler stored it names the queue: {schedule}"
    );
    // Without one, the command says what is missing.
    let other = aws_support::unique("t").replace('-', "_");
    let created = ok(tenant_cmd(
        &table,
        &[
            "create",
            "--tenant",
            &other,
            "--sender",
            "ar@acme.example",
            "--time-zone",
            "UTC",
            "--send-hour",
            "8",
        ],
    ));
    assert!(
        created.contains("warning: no dead-letter queue for undelivered daily runs"),
        "{created}"
    );
}
