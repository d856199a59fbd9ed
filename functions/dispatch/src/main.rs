//! Lambda entry point of the dispatch function: clients once, then the handler.

use arflow_fn_dispatch::DispatchFunction;
use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let function = DispatchFunction::from_env().await?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<SqsEvent>| {
        let function = function.clone();
        async move { function.handle(event.payload).await }
    }))
    .await
}
