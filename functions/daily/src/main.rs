//! Lambda entry point of the daily function: clients once, then the handler.

use arflow_aws::daily::DailyEvent;
use arflow_fn_daily::DailyFunction;
use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let function = DailyFunction::from_env().await?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<DailyEvent>| {
        let function = function.clone();
        async move { function.handle(event.payload).await }
    }))
    .await
}
