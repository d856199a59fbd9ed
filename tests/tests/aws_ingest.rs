//! The ingest function end to end on the emulator: a gzip ledger uploaded
//! to S3 under a key with spaces and `+`, the handler invoked with the S3
//! event for it, the invoices in DynamoDB and the report, rejects and
//! events in S3; the same event twice ingests once and emits nothing more.

mod aws_support;

use std::io::Write;

use arflow_app::store::LedgerStore;
use arflow_aws::tenant::TenantConfig;
use arflow_fn_ingest::IngestFunction;
use aws_support::{Aws, s3_put_event};

const LEDGER: &str = "\
InvoiceNo,Customer,Issued,Due,Total,Paid On
INV-1,C1,01/02/2024,02/01/2024,1200.00,
INV-2,C1,01/05/2024,02/04/2024,80.50,01/20/2024
INV-3,C2,01/09/2024,02/08/2024,99.999,
INV-4,C2,01/10/2024,02/09/2024,450.00,
";

/// The ids of the events in a gzip'd JSON Lines events object.
fn event_ids(gz: &[u8]) -> Vec<String> {
    use std::io::Read;
    let mut text = String::new();
    flate2::read::GzDecoder::new(gz)
        .read_to_string(&mut text)
        .expect("gzip'd events");
    let mut ids: Vec<String> = text
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("an event a line");
            v["id"].as_str().expect("event id").to_string()
        })
        .collect();
    ids.sort();
    ids
}

fn gzip(text: &str) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(text.as_bytes()).expect("gzip");
    gz.finish().expect("gzip")
}

async fn setup(aws: &Aws) -> IngestFunction {
    let mut config = TenantConfig::new("acme", "ar@acme.example", "America/New_York", 9);
    for (canonical, source) in [
        ("invoice_id", "InvoiceNo"),
        ("customer_id", "Customer"),
        ("invoice_date", "Issued"),
        ("due_date", "Due"),
        ("amount", "Total"),
        ("paid_date", "Paid On"),
    ] {
        config
            .ledger_mapping
            .insert(canonical.into(), source.into());
    }
    config.date_format = Some("%m/%d/%Y".into());
    aws.store()
        .put_tenant_config(&config)
        .await
        .expect("tenant config");
    IngestFunction::new(aws.store(), aws.s3.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploaded_ledger_lands_in_the_table_with_report_and_rejects_in_s3() {
    let aws = Aws::fresh("ingest").await;
    let function = setup(&aws).await;
    let key = "incoming/acme/Jan close+adj 2024-01-31.csv.gz";
    aws.put_object(key, gzip(LEDGER)).await;
    let event = s3_put_event(
        &aws.bucket,
        "incoming/acme/Jan+close%2Badj+2024-01-31.csv.gz",
        "etag-1",
    );

    let reports = function.handle(event.clone()).await.expect("ingest");
    assert_eq!(reports.len(), 1);
    let r = &reports[0];
    assert_eq!(r.key, key, "the key is URL-decoded");
    assert_eq!(
        r.as_of.to_string(),
        "2024-01-31",
        "as-of date from the file name"
    );
    assert_eq!((r.summary.new, r.summary.rejected), (3, 1));
    assert_eq!(r.events.invoice_created, 3);

    let store = aws.store();
    let mut ids = Vec::new();
    store
        .current_invoices("acme", &mut |i| ids.push(i.invoice_id))
        .expect("read back");
    ids.sort();
    assert_eq!(ids, ["INV-1", "INV-2", "INV-4"]);

    let report: serde_json::Value = serde_json::from_slice(
        &aws.get_object("reports/acme/Jan close+adj 2024-01-31.report.json")
            .await
            .expect("report in S3"),
    )
    .expect("report JSON");
    assert_eq!(report["summary"]["new"], 3);
    assert_eq!(report["summary"]["rejected"], 1);
    let rejects = String::from_utf8(
        aws.get_object("reports/acme/Jan close+adj 2024-01-31.rejects.csv")
            .await
            .expect("rejects in S3"),
    )
    .expect("utf-8");
    assert!(
        rejects.contains("INV-3") || rejects.contains(",4,"),
        "{rejects}"
    );
    assert!(
        rejects.contains("Total"),
        "the reject names the source column: {rejects}"
    );

    let events_key = "reports/acme/Jan close+adj 2024-01-31.events.jsonl.gz";
    assert_eq!(r.events_key.as_deref(), Some(events_key));
    let events = aws.get_object(events_key).await.expect("events in S3");
    assert_eq!(
        event_ids(&events),
        [
            "acme/invoice_created/INV-1",
            "acme/invoice_created/INV-2",
            "acme/invoice_created/INV-4",
        ]
    );

    let written = function.store().invoice_items_written();
    let again = function.handle(event).await.expect("second delivery");
    assert!(again[0].already_ingested, "the same event is recognised");
    assert_eq!(
        function.store().invoice_items_written(),
        written,
        "and writes nothing"
    );
    assert_eq!(
        aws.get_object(events_key).await.expect("events"),
        events,
        "and emits no event again"
    );

    // The same content uploaded under another key is a new delivery, but
    // nothing changed: no invoice written, no event.
    let copy = "incoming/acme/copy 2024-01-31.csv.gz";
    aws.put_object(copy, gzip(LEDGER)).await;
    let r = function
        .handle(s3_put_event(
            &aws.bucket,
            "incoming/acme/copy+2024-01-31.csv.gz",
            "etag-2",
        ))
        .await
        .expect("copy");
    assert!(!r[0].already_ingested);
    assert_eq!(
        (r[0].summary.unchanged, r[0].events_key.as_deref()),
        (3, None)
    );
    assert_eq!(function.store().invoice_items_written(), written);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customers_upload_upserts_customers_and_a_new_version_of_the_ledger_writes_only_changes()
{
    let aws = Aws::fresh("ingest-cust").await;
    let function = setup(&aws).await;
    let customers = "customer_id,name,email,type\nC1,Acme Retail,ap@retail.example,new\nC2,Beta,ap@beta.example,strategic\n";
    aws.put_object("incoming/acme/customers.csv", customers.as_bytes().to_vec())
        .await;
    let r = function
        .handle(s3_put_event(
            &aws.bucket,
            "incoming/acme/customers.csv",
            "c-1",
        ))
        .await
        .expect("customers");
    assert_eq!((r[0].kind, r[0].summary.customers_new), ("customers", 2));
    let events = aws
        .get_object("reports/acme/customers.events.jsonl.gz")
        .await
        .expect("events in S3");
    assert_eq!(
        event_ids(&events),
        ["acme/customer_created/C1", "acme/customer_created/C2"]
    );
    let names: Vec<String> = aws
        .store()
        .customers("acme")
        .expect("customers")
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, ["Acme Retail", "Beta"]);

    aws.put_object(
        "incoming/acme/ledger-2024-01-31.csv",
        LEDGER.as_bytes().to_vec(),
    )
    .await;
    function
        .handle(s3_put_event(
            &aws.bucket,
            "incoming/acme/ledger-2024-01-31.csv",
            "l-1",
        ))
        .await
        .expect("ledger 1");
    let paid = LEDGER.replace(
        "INV-1,C1,01/02/2024,02/01/2024,1200.00,",
        "INV-1,C1,01/02/2024,02/01/2024,1200.00,02/03/2024",
    );
    aws.put_object("incoming/acme/ledger-2024-02-05.csv", paid.into_bytes())
        .await;
    let store = aws.store();
    let before = function.store().invoice_items_written();
    let r = function
        .handle(s3_put_event(
            &aws.bucket,
            "incoming/acme/ledger-2024-02-05.csv",
            "l-2",
        ))
        .await
        .expect("ledger 2");
    assert_eq!(
        (
            r[0].summary.new,
            r[0].summary.changed,
            r[0].summary.unchanged
        ),
        (0, 1, 2)
    );
    assert_eq!(r[0].events.invoice_paid, 1);
    let events = aws
        .get_object("reports/acme/ledger-2024-02-05.events.jsonl.gz")
        .await
        .expect("events in S3");
    assert_eq!(event_ids(&events), ["acme/invoice_paid/INV-1/2024-02-03"]);
    assert_eq!(
        function.store().invoice_items_written() - before,
        2,
        "one history item and one current item"
    );
    let mut open_on_feb_2 = Vec::new();
    store
        .invoices_as_of("acme", "2024-02-02".parse().expect("date"), &mut |i| {
            open_on_feb_2.push((i.invoice_id, i.paid_date))
        })
        .expect("as of");
    open_on_feb_2.sort();
    assert_eq!(
        open_on_feb_2[0],
        ("INV-1".to_string(), None),
        "paid on Feb 3, so still open on Feb 2"
    );
}
