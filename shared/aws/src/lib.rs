//! AWS adapters for arflow: the DynamoDB ledger store (behind the same
//! `LedgerStore` trait and contract as SQLite), S3 objects, SESv2 and SNS
//! sending, the SQS dispatch queue and EventBridge Scheduler schedules, plus
//! the thin AWS-side flows the Lambda functions call (ingest an S3 object,
//! run a tenant's day, dispatch one queue message, apply SES feedback).
//!
//! Planning, rendering and diffing are `arflow-domain` / `arflow-app` code;
//! the flows here only move their inputs and outputs to and from AWS.

pub mod daily;
pub mod dispatch;
pub mod dynamo;
pub mod env;
pub mod feedback;
pub mod ingest_object;
pub mod object_key;
pub mod outbound;
pub mod queue;
pub mod s3;
pub mod schedule;
pub mod sender;
pub mod tenant;
pub mod wire;

pub use dynamo::DynamoStore;
