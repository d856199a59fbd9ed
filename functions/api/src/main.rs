//! Lambda entry point of the API function: clients and router once, then
//! every API Gateway request through the router.

use arflow_fn_api::ApiFunction;
use lambda_http::Error;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let function = ApiFunction::from_env().await?;
    lambda_http::run(function.service()).await
}
