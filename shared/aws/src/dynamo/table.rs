//! Creating the table (tests, the emulator, `arflow tenant --create-table`);
//! in AWS the SAM template creates it with the same keys.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::create_table::CreateTableError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType,
};

use arflow_app::store::StoreError;

use super::backend;
use super::keys::{GSI1, GSI1_PK, GSI1_SK, PK, SK};

/// Creates the table with its keys and GSI1 (on-demand billing); an existing
/// table of that name is left as it is. Returns true when it was created.
pub async fn ensure_table(client: &Client, table: &str) -> Result<bool, StoreError> {
    let err = |e| backend("building the table definition", e);
    let attr = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
    };
    let key = |name: &str, kind: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
    };
    let gsi = GlobalSecondaryIndex::builder()
        .index_name(GSI1)
        .key_schema(key(GSI1_PK, KeyType::Hash).map_err(err)?)
        .key_schema(key(GSI1_SK, KeyType::Range).map_err(err)?)
        .projection(
            Projection::builder()
                .projection_type(ProjectionType::All)
                .build(),
        )
        .build()
        .map_err(err)?;
    let out = client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr(PK).map_err(err)?)
        .attribute_definitions(attr(SK).map_err(err)?)
        .attribute_definitions(attr(GSI1_PK).map_err(err)?)
        .attribute_definitions(attr(GSI1_SK).map_err(err)?)
        .key_schema(key(PK, KeyType::Hash).map_err(err)?)
        .key_schema(key(SK, KeyType::Range).map_err(err)?)
        .global_secondary_indexes(gsi)
        .send()
        .await;
    match out {
        Ok(_) => Ok(true),
        Err(e)
            if matches!(
                e.as_service_error(),
                Some(CreateTableError::ResourceInUseException(_))
            ) =>
        {
            Ok(false)
        }
        Err(e) => Err(backend(&format!("creating table {table}"), e)),
    }
}
