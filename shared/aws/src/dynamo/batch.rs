//! The few DynamoDB request shapes the store uses, with paging, batching
//! limits and retries of unprocessed items.

use std::collections::HashMap;
use std::time::Duration;

use arflow_app::store::StoreError;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, PutRequest, WriteRequest};
use tokio::task::JoinSet;

use super::backend;
use super::codec::{Item, s};
use super::keys::{PK, SK};

/// BatchWriteItem takes at most 25 requests.
const WRITE_BATCH: usize = 25;
/// BatchGetItem takes at most 100 keys.
const GET_BATCH: usize = 100;
/// Batch writes in flight at once.
const WRITE_PARALLELISM: usize = 8;
/// Retries of unprocessed items before giving up.
const MAX_UNPROCESSED_ROUNDS: u32 = 12;

pub fn key(pk: impl Into<String>, sk: impl Into<String>) -> Item {
    HashMap::from([(PK.to_string(), s(pk)), (SK.to_string(), s(sk))])
}

/// Calls `visit` with every item of partition `pk` (of the table, or of
/// `index`), in sort-key order, page by page.
pub async fn query_all(
    client: &Client,
    table: &str,
    index: Option<(&str, &str)>,
    pk: &str,
    visit: &mut dyn FnMut(Item) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let pk_name = index.map_or(PK, |(_, pk_name)| pk_name);
    let mut start: Option<Item> = None;
    loop {
        let out = client
            .query()
            .table_name(table)
            .set_index_name(index.map(|(name, _)| name.to_string()))
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", pk_name)
            .expression_attribute_values(":pk", s(pk))
            .set_consistent_read(index.is_none().then_some(true))
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .map_err(|e| backend(&format!("querying {pk}"), e))?;
        for item in out.items.unwrap_or_default() {
            visit(item)?;
        }
        match out.last_evaluated_key {
            Some(k) if !k.is_empty() => start = Some(k),
            _ => return Ok(()),
        }
    }
}

/// Reads items by key (consistent reads); missing keys are absent from the
/// answer, which is keyed by (PK, SK).
pub async fn get_many(
    client: &Client,
    table: &str,
    keys: Vec<Item>,
) -> Result<HashMap<(String, String), Item>, StoreError> {
    let mut found = HashMap::with_capacity(keys.len());
    for chunk in keys.chunks(GET_BATCH) {
        let mut pending = KeysAndAttributes::builder()
            .set_keys(Some(chunk.to_vec()))
            .consistent_read(true)
            .build()
            .map_err(|e| backend("building a batch read", e))?;
        for round in 0.. {
            let out = client
                .batch_get_item()
                .request_items(table, pending)
                .send()
                .await
                .map_err(|e| backend("reading items", e))?;
            for item in out
                .responses
                .unwrap_or_default()
                .remove(table)
                .unwrap_or_default()
            {
                found.insert(key_of(&item), item);
            }
            match out.unprocessed_keys.and_then(|mut u| u.remove(table)) {
                Some(rest) if !rest.keys.is_empty() && round < MAX_UNPROCESSED_ROUNDS => {
                    backoff(round).await;
                    pending = rest;
                }
                Some(rest) if !rest.keys.is_empty() => {
                    return Err(StoreError::Backend {
                        operation: "reading items".into(),
                        detail: format!(
                            "{} keys stayed unprocessed after retries",
                            rest.keys.len()
                        ),
                    });
                }
                _ => break,
            }
        }
    }
    Ok(found)
}

/// Puts items with BatchWriteItem, several batches in flight; unconditional.
pub async fn put_many(client: &Client, table: &str, items: Vec<Item>) -> Result<(), StoreError> {
    let mut requests = Vec::with_capacity(items.len());
    for item in items {
        let put = PutRequest::builder()
            .set_item(Some(item))
            .build()
            .map_err(|e| backend("building a batch write", e))?;
        requests.push(WriteRequest::builder().put_request(put).build());
    }
    let mut tasks = JoinSet::new();
    let mut chunks = requests.chunks(WRITE_BATCH).map(<[WriteRequest]>::to_vec);
    loop {
        while tasks.len() < WRITE_PARALLELISM {
            let Some(chunk) = chunks.next() else { break };
            let (client, table) = (client.clone(), table.to_string());
            tasks.spawn(async move { write_batch(&client, &table, chunk).await });
        }
        match tasks.join_next().await {
            Some(done) => done.map_err(|e| backend("writing items", e))??,
            None => return Ok(()),
        }
    }
}

async fn write_batch(
    client: &Client,
    table: &str,
    mut pending: Vec<WriteRequest>,
) -> Result<(), StoreError> {
    for round in 0.. {
        let out = client
            .batch_write_item()
            .request_items(table, pending)
            .send()
            .await
            .map_err(|e| backend("writing items", e))?;
        match out.unprocessed_items.and_then(|mut u| u.remove(table)) {
            Some(rest) if !rest.is_empty() && round < MAX_UNPROCESSED_ROUNDS => {
                backoff(round).await;
                pending = rest;
            }
            Some(rest) if !rest.is_empty() => {
                return Err(StoreError::Backend {
                    operation: "writing items".into(),
                    detail: format!("{} items stayed unprocessed after retries", rest.len()),
                });
            }
            _ => return Ok(()),
        }
    }
    Ok(())
}

/// Exponential backoff with a cap: 25 ms, 50 ms, … 1.6 s.
pub async fn backoff(round: u32) {
    tokio::time::sleep(Duration::from_millis(25 << round.min(6))).await;
}

pub fn key_of(item: &Item) -> (String, String) {
    let get = |name: &str| match item.get(name) {
        Some(AttributeValue::S(v)) => v.clone(),
        _ => String::new(),
    };
    (get(PK), get(SK))
}
