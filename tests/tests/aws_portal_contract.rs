//! The portal's store ports on DynamoDB (the local emulator), by the same
//! suites SQLite passes: the portal contract (conditional dispute updates,
//! single-use sign-in nonces, API keys unique per tenant and found by hash,
//! sessions), the self-service contract (payment plans, attachments), and
//! the strategy store's versioning, the change store (a change and its audit
//! entry, both or neither); plus a 5 MiB attachment, which needs
//! more than one DynamoDB item.

mod aws_support;

use arflow_app::portal::SelfServiceStore;
use arflow_app::strategy_store::StrategyStore;
use arflow_aws::DynamoStore;
use arflow_aws::dynamo::table::ensure_table;

/// A store on a fresh table, and the runtime it bridges through.
fn fresh_store(prefix: &str) -> (tokio::runtime::Runtime, DynamoStore) {
    aws_support::endpoint();
    let rt = aws_support::runtime();
    let client =
        rt.block_on(async { aws_sdk_dynamodb::Client::new(&aws_support::sdk_config().await) });
    let table = aws_support::unique(prefix);
    rt.block_on(ensure_table(&client, &table))
        .expect("create table");
    let store = DynamoStore::with_handle(client, table, rt.handle().clone());
    (rt, store)
}

#[test]
fn dynamo_store_keeps_the_portal_store_contract() {
    let (_rt, mut store) = fresh_store("portal-contract");
    arflow_app::portal::contract::run_portal_store_contract(&mut store);
    // Twice on one table: every run picks fresh tenants.
    arflow_app::portal::contract::run_portal_store_contract(&mut store);
}

/// Every portal and AR team change with its audit entry in one
/// transaction: the failing entry is over DynamoDB's 400 KB item limit, so
/// the transaction fails after the change's own write was accepted, and
/// the suite checks nothing of the change is left.
#[test]
fn dynamo_store_keeps_the_change_store_contract() {
    use arflow_app::portal::change_contract::{failing_audit, run_change_store_contract};
    let (_rt, mut store) = fresh_store("changes");
    run_change_store_contract(&mut store, &failing_audit());
}

#[test]
fn dynamo_store_keeps_the_self_service_store_contract() {
    let (_rt, mut store) = fresh_store("self-service");
    arflow_app::portal::self_service_contract::run_self_service_store_contract(&mut store);
}

#[test]
fn a_five_mib_attachment_spans_chunks_and_a_replacement_removes_them() {
    let (rt, mut store) = fresh_store("attachment");
    let big: Vec<u8> = (0..5 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    store
        .put_attachment("acme", "D1", "scan.pdf", "application/pdf", &big)
        .expect("put 5 MiB");
    let back = store
        .attachment("acme", "D1")
        .expect("read")
        .expect("stored");
    assert_eq!(back.bytes.len(), big.len());
    assert!(back.bytes == big, "every byte comes back in order");
    assert_eq!(store.attachment("other", "D1").expect("read"), None);

    store
        .put_attachment("acme", "D1", "note.txt", "text/plain", b"paid already")
        .expect("replace");
    let back = store
        .attachment("acme", "D1")
        .expect("read")
        .expect("stored");
    assert_eq!(
        (back.name.as_str(), back.bytes.as_slice()),
        ("note.txt", &b"paid already"[..])
    );
    let items = rt
        .block_on(
            store
                .client()
                .query()
                .table_name(store.table())
                .key_condition_expression("PK = :pk")
                .expression_attribute_values(
                    ":pk",
                    aws_sdk_dynamodb::types::AttributeValue::S("T#acme#ATT#D1".into()),
                )
                .send(),
        )
        .expect("query")
        .count;
    assert_eq!(items, 2, "META and one chunk: the 15 old chunks are gone");
}

#[test]
fn strategy_versions_count_up_and_a_stale_version_stores_nothing() {
    let (_rt, mut s) = fresh_store("strategy");
    assert_eq!(s.strategy_source("t").expect("read"), None);
    assert!(!s.put_strategy("t", "a", Some(1)).expect("put"));
    assert!(s.put_strategy("t", "a", None).expect("put"));
    assert!(!s.put_strategy("t", "b", None).expect("put"), "already one");
    assert!(s.put_strategy("t", "b", Some(1)).expect("put"));
    assert!(!s.put_strategy("t", "c", Some(1)).expect("put"), "stale");
    assert_eq!(s.strategy_source("t").expect("read"), Some(("b".into(), 2)));
    assert_eq!(s.strategy_source("other").expect("read"), None);
}
