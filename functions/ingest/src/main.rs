//! Lambda entry point of the ingest function: clients once, then the handler.

use arflow_fn_ingest::IngestFunction;
use aws_lambda_events::event::s3::S3Event;
use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let function = IngestFunction::from_env().await?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<S3Event>| {
        let function = function.clone();
        async move { function.handle(event.payload).await }
    }))
    .await
}
