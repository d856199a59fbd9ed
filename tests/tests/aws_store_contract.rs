//! The store contract (the same suite SQLite passes) against DynamoDB on
//! the local emulator, each case on a fresh table.

mod aws_support;

use arflow_aws::DynamoStore;
use arflow_aws::dynamo::table::ensure_table;

#[test]
fn dynamo_store_keeps_the_store_contract() {
    let rt = runtime_and_endpoint();
    let client =
        rt.block_on(async { aws_sdk_dynamodb::Client::new(&aws_support::sdk_config().await) });
    arflow_app::contract::run_store_contract(|| {
        let table = aws_support::unique("contract");
        rt.block_on(ensure_table(&client, &table))
            .expect("create table");
        DynamoStore::with_handle(client.clone(), table, rt.handle().clone())
    });
}

fn runtime_and_endpoint() -> tokio::runtime::Runtime {
    aws_support::endpoint();
    aws_support::runtime()
}
