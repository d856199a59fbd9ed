//! A tenant config an operator broke by editing its item in the table (no
//! validation on that path): the ingest function refuses the upload with
//! the field named and writes nothing, so fixing the item and delivering
//! the object again ingests it; `arflow tenant list` names the field and
//! `arflow tenant update` repairs it.

mod aws_support;

use arflow_app::store::LedgerStore;
use arflow_aws::dynamo::keys::{PK, SK, object_pk, tenant_config_pk};
use arflow_domain::ledger::Invoice;
use arflow_fn_ingest::IngestFunction;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_support::{Aws, s3_put_event};

const JANUARY: &str = "\
invoice_id,customer_id,invoice_date,due_date,amount
INV-1,C1,2024-01-02,2024-02-01,100.00
INV-2,C1,2024-01-05,2024-02-04,200.00
INV-3,C2,2024-01-09,2024-02-08,300.00
";

/// INV-2 and INV-3 are missing: a snapshot settles them, a delta does not.
const FEBRUARY: &str = "\
invoice_id,customer_id,invoice_date,due_date,amount
INV-1,C1,2024-01-02,2024-02-01,100.00
";

/// The config item as an operator writing it by hand would: straight to
/// DynamoDB, nothing checked.
async fn put_config_item(aws: &Aws, tenant: &str, ingest_mode: &str) {
    let doc = serde_json::json!({
        "tenant": tenant,
        "sender": "ar@acme.example",
        "time_zone": "America/New_York",
        "send_hour": 9,
        "ingest_mode": ingest_mode,
    });
    aws.dynamo
        .put_item()
        .table_name(&aws.table)
        .item(PK, AttributeValue::S(tenant_config_pk()))
        .item(SK, AttributeValue::S(tenant.to_string()))
        .item("doc", AttributeValue::S(doc.to_string()))
        .send()
        .await
        .expect("put the config item");
}

/// The delivery markers of one S3 object (`T#{t}#OBJ`, `{s3://…}#{digest}`).
async fn delivery_markers(aws: &Aws, tenant: &str, key: &str) -> usize {
    let out = aws
        .dynamo
        .query()
        .table_name(&aws.table)
        .key_condition_expression("#pk = :pk AND begins_with(#sk, :sk)")
        .expression_attribute_names("#pk", PK)
        .expression_attribute_names("#sk", SK)
        .expression_attribute_values(":pk", AttributeValue::S(object_pk(tenant)))
        .expression_attribute_values(
            ":sk",
            AttributeValue::S(format!("s3://{}/{key}#", aws.bucket)),
        )
        .consistent_read(true)
        .send()
        .await
        .expect("query delivery markers");
    out.items.unwrap_or_default().len()
}

async fn report_keys(aws: &Aws) -> Vec<String> {
    let out = aws
        .s3
        .list_objects_v2()
        .bucket(&aws.bucket)
        .prefix("reports/")
        .send()
        .await
        .expect("list reports");
    let mut keys: Vec<String> = out
        .contents
        .unwrap_or_default()
        .into_iter()
        .filter_map(|o| o.key)
        .collect();
    keys.sort();
    keys
}

fn current_invoices(aws: &Aws, tenant: &str) -> Vec<Invoice> {
    let mut invoices = Vec::new();
    aws.store()
        .current_invoices(tenant, &mut |i| invoices.push(i))
        .expect("current invoices");
    invoices.sort_by(|a, b| a.invoice_id.cmp(&b.invoice_id));
    invoices
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ingest_mode_typo_stops_the_ingest_before_anything_is_written() {
    let aws = Aws::fresh("cfg-ingest").await;
    let tenant = "acme";
    let function = IngestFunction::new(aws.store(), aws.s3.clone());

    put_config_item(&aws, tenant, "snapshot").await;
    aws.put_object(
        "incoming/acme/ledger-2024-01-31.csv",
        JANUARY.as_bytes().to_vec(),
    )
    .await;
    let r = function
        .handle(s3_put_event(
            &aws.bucket,
            "incoming/acme/ledger-2024-01-31.csv",
            "jan",
        ))
        .await
        .expect("January, with a valid config");
    assert_eq!(r[0].summary.new, 3);
    let before = current_invoices(&aws, tenant);
    let written = function.store().invoice_items_written();
    let reports = report_keys(&aws).await;

    put_config_item(&aws, tenant, "snapshto").await;
    let key = "incoming/acme/ledger-2024-02-29.csv";
    aws.put_object(key, FEBRUARY.as_bytes().to_vec()).await;
    let event = s3_put_event(&aws.bucket, key, "feb");
    let err = function
        .handle(event.clone())
        .await
        .expect_err("a config that does not read stops the ingest")
        .to_string();
    assert!(
        err.contains("tenant 'acme': ingest_mode: 'snapshto' is neither snapshot nor delta"),
        "the error names the tenant and the field: {err}"
    );
    assert!(err.contains(key), "and the object: {err}");

    assert_eq!(
        current_invoices(&aws, tenant),
        before,
        "no invoice was closed or changed"
    );
    assert_eq!(function.store().invoice_items_written(), written);
    assert_eq!(
        report_keys(&aws).await,
        reports,
        "no report, rejects or events were written"
    );
    assert_eq!(
        delivery_markers(&aws, tenant, key).await,
        0,
        "the delivery is not marked ingested"
    );

    // Fixed, the same delivery ingests: February's snapshot settles the
    // two invoices it no longer lists.
    put_config_item(&aws, tenant, "snapshot").await;
    let r = function.handle(event).await.expect("after the fix");
    assert!(!r[0].already_ingested);
    assert_eq!((r[0].summary.unchanged, r[0].summary.closed), (1, 2));
    assert!(
        aws.get_object("reports/acme/ledger-2024-02-29.report.json")
            .await
            .is_some()
    );
    assert_eq!(delivery_markers(&aws, tenant, key).await, 1);
}

fn tenant_cmd(aws: &Aws, args: &[&str]) -> std::process::Output {
    let mut c = arflow_tests::arflow();
    c.arg("tenant")
        .args(args)
        .args(["--table", &aws.table])
        .env("AWS_ENDPOINT_URL", aws_support::endpoint());
    for k in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"] {
        if let Ok(v) = std::env::var(k) {
            c.env(k, v);
        }
    }
    c.output().expect("run arflow")
}

#[test]
fn tenant_list_names_a_broken_field_and_tenant_update_repairs_it() {
    let rt = aws_support::runtime();
    let aws = rt.block_on(Aws::fresh("cfg-cli"));
    rt.block_on(put_config_item(&aws, "acme", "snapshot"));
    rt.block_on(put_config_item(&aws, "beta", "snapshto"));

    let list = tenant_cmd(&aws, &["list", "--format", "json"]);
    assert!(
        !list.status.success(),
        "a config that does not read fails list"
    );
    let rows: serde_json::Value = serde_json::from_slice(&list.stdout).expect("json");
    assert_eq!(rows[0]["tenant"], "acme", "the good tenant is still listed");
    assert_eq!(rows[0]["ingest_mode"], "snapshot");
    assert_eq!(
        rows[1]["error"],
        "tenant 'beta': ingest_mode: 'snapshto' is neither snapshot nor delta"
    );

    let typo = tenant_cmd(&aws, &["update", "--tenant", "beta", "--mode", "snapshto"]);
    assert!(!typo.status.success());
    assert!(
        String::from_utf8_lossy(&typo.stderr).contains("--mode"),
        "clap names the flag"
    );

    let fixed = tenant_cmd(&aws, &["update", "--tenant", "beta", "--mode", "delta"]);
    assert!(
        fixed.status.success(),
        "{}",
        String::from_utf8_lossy(&fixed.stderr)
    );
    let config = rt
        .block_on(async { aws.store().tenant_config("beta").await })
        .expect("reads again")
        .expect("stored");
    assert_eq!(config.ingest_mode, arflow_aws::tenant::IngestMode::Delta);
    assert_eq!(config.time_zone, "America/New_York", "the rest is kept");
    assert!(tenant_cmd(&aws, &["list"]).status.success());
}
