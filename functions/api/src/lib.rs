//! The API function: API Gateway HTTP API (payload 2.0) requests → the same
//! `arflow_web::router` `arflow serve` runs, over `DynamoStore` and SES. A
//! library so tests drive it in-process (`invoke` takes the raw event JSON
//! through lambda_http's own conversion); `main.rs` is the Lambda shell.
//!
//! Configuration (environment only, read once per cold start):
//! - `TABLE_NAME`: the DynamoDB table.
//! - `TENANT`: the tenant whose customers sign in to this portal. The AR team
//!   API serves every tenant: each API key names its own.
//! - `PORTAL_SECRET_PARAM`: the name of an SSM SecureString parameter that
//!   signs sign-in links and forms (at least 32 characters), read once per
//!   cold start; or `PORTAL_SECRET`, the value itself (local runs, tests).
//! - `BASE_URL`, `SENDER_EMAIL`: the portal's public URL and the From of
//!   sign-in e-mails; when unset, the tenant config's `portal_url` / `sender`.
//! - `SES_CONFIGURATION_SET` (optional); `AWS_ENDPOINT_URL` for an emulator.
//!
//! The strategy in force is the tenant's stored one (`PUT /api/strategy`);
//! its config item's (or the built-in default) stands in when none is
//! stored, as in the daily run.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

use arflow_aws::outbound::Outbound;
use arflow_aws::{DynamoStore, env};
use arflow_domain::strategy::default_strategy;
use arflow_web::{Clock, Config, Web, router, system_clock};
use axum::Router;
use axum::extract::connect_info::ConnectInfo;
use lambda_http::request::{LambdaRequest, RequestContext};
use lambda_http::{Context, Error, LambdaEvent, RequestExt, Service, service_fn};
use tower::ServiceExt;

pub use arflow_aws::sender::SesSender;

/// A sign-in link works this long (seconds).
pub const LINK_TTL: i64 = 15 * 60;
/// A session lasts this long (seconds).
pub const SESSION_TTL: i64 = 12 * 3600;

/// What the function is configured with.
#[derive(Clone)]
pub struct ApiSettings {
    pub tenant: String,
    pub secret: Vec<u8>,
    pub base_url: Option<String>,
    pub sender_email: Option<String>,
}

impl std::fmt::Debug for ApiSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret is never printed.
        f.debug_struct("ApiSettings")
            .field("tenant", &self.tenant)
            .field("base_url", &self.base_url)
            .field("sender_email", &self.sender_email)
            .finish_non_exhaustive()
    }
}

impl ApiSettings {
    /// From `TENANT`, `PORTAL_SECRET` (or the SSM SecureString parameter
    /// named by `PORTAL_SECRET_PARAM`), `BASE_URL` and `SENDER_EMAIL`.
    pub async fn from_env(config: &aws_config::SdkConfig) -> Result<ApiSettings, Error> {
        let tenant = env::required("TENANT", "the portal's tenant")?;
        let secret = match (
            env::optional("PORTAL_SECRET"),
            env::optional("PORTAL_SECRET_PARAM"),
        ) {
            (Some(s), _) => s,
            (None, Some(name)) => {
                secret_parameter(&aws_sdk_ssm::Client::new(config), &name).await?
            }
            (None, None) => {
                return Err(
                    "set PORTAL_SECRET or PORTAL_SECRET_PARAM (an SSM SecureString parameter name)"
                        .into(),
                );
            }
        };
        if secret.len() < 32 {
            return Err("the portal secret must be at least 32 characters".into());
        }
        Ok(ApiSettings {
            tenant,
            secret: secret.into_bytes(),
            base_url: env::optional("BASE_URL"),
            sender_email: env::optional("SENDER_EMAIL"),
        })
    }
}

/// The decrypted value of an SSM parameter (a SecureString).
pub async fn secret_parameter(ssm: &aws_sdk_ssm::Client, name: &str) -> Result<String, Error> {
    let out = ssm
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await
        .map_err(|e| {
            format!(
                "reading SSM parameter {name}: {}",
                aws_sdk_ssm::error::DisplayErrorContext(e)
            )
        })?;
    out.parameter
        .and_then(|p| p.value)
        .ok_or_else(|| format!("SSM parameter {name} has no value").into())
}

/// The router, built once per cold start.
#[derive(Clone)]
pub struct ApiFunction {
    router: Router,
}

impl ApiFunction {
    /// The router over `store` and `outbound` for `settings`, completed from
    /// the tenant's config item (sender, portal URL, strategy).
    pub async fn build(
        store: DynamoStore,
        outbound: Outbound,
        settings: ApiSettings,
        clock: Clock,
    ) -> Result<ApiFunction, Error> {
        arflow_aws::dynamo::check_tenant(&settings.tenant)?;
        let tenant_config = store.tenant_config(&settings.tenant).await?;
        let (strategy, identity) = match &tenant_config {
            Some(c) => {
                let d = arflow_aws::daily::strategy_defaults(c)?;
                (d.fallback, d.identity)
            }
            None => (default_strategy()?, None),
        };
        let from = settings
            .sender_email
            .clone()
            .or_else(|| tenant_config.as_ref().map(|c| c.sender.clone()))
            .ok_or("SENDER_EMAIL is not set and the tenant has no config with a sender")?;
        let base_url = settings
            .base_url
            .clone()
            .or_else(|| {
                tenant_config
                    .as_ref()
                    .map(|c| c.portal_url.clone())
                    .filter(|u| !u.trim().is_empty())
            })
            .ok_or("BASE_URL is not set and the tenant config has no portal_url")?;
        let config = Config {
            tenant: settings.tenant.clone(),
            secret: settings.secret,
            base_url,
            from,
            strategy,
            identity,
            link_ttl: LINK_TTL,
            session_ttl: SESSION_TTL,
            clock,
        };
        let sender = SesSender::new(outbound, settings.tenant, tokio::runtime::Handle::current());
        Ok(ApiFunction {
            router: router(Web::new(store, sender, config)),
        })
    }

    /// From the environment (see the module docs), with the system clock.
    pub async fn from_env() -> Result<ApiFunction, Error> {
        let table = env::required("TABLE_NAME", "the DynamoDB table")?;
        let config = env::sdk_config().await;
        let settings = ApiSettings::from_env(&config).await?;
        let outbound = Outbound::from_config(&config, None, env::optional("SES_CONFIGURATION_SET"));
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&config), table);
        ApiFunction::build(store, outbound, settings, system_clock()).await
    }

    /// One request through the router. The caller's address (API Gateway's
    /// `sourceIp`) becomes the `ConnectInfo` the sign-in rate limit keys on.
    pub async fn handle(&self, req: lambda_http::Request) -> axum::response::Response {
        self.router
            .clone()
            .oneshot(to_axum(req))
            .await
            .unwrap_or_else(|never: Infallible| match never {})
    }

    /// The handler as the service `lambda_http::run` drives.
    pub fn service(
        &self,
    ) -> impl Service<
        lambda_http::Request,
        Response = axum::response::Response,
        Error = Infallible,
        Future = impl Future<Output = Result<axum::response::Response, Infallible>> + Send,
    > + Clone {
        let function = self.clone();
        service_fn(move |req: lambda_http::Request| {
            let function = function.clone();
            async move { Ok::<_, Infallible>(function.handle(req).await) }
        })
    }

    /// A raw Lambda event (API Gateway HTTP API, payload 2.0) in, the raw
    /// response JSON out: the conversions `lambda_http::run` applies.
    pub async fn invoke(&self, event: &str) -> Result<serde_json::Value, Error> {
        let payload: LambdaRequest = serde_json::from_str(event)?;
        let mut adapter = lambda_http::Adapter::from(self.service());
        let response = adapter
            .call(LambdaEvent::new(payload, Context::default()))
            .await?;
        Ok(serde_json::to_value(response)?)
    }
}

/// lambda_http's request as axum's, with the caller's address attached.
pub fn to_axum(req: lambda_http::Request) -> axum::http::Request<axum::body::Body> {
    let source_ip = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(c)) => c
            .http
            .source_ip
            .as_deref()
            .and_then(|ip| ip.parse::<IpAddr>().ok()),
        _ => None,
    };
    let (parts, body) = req.into_parts();
    let body = match body {
        lambda_http::Body::Empty => axum::body::Body::empty(),
        lambda_http::Body::Text(t) => axum::body::Body::from(t),
        lambda_http::Body::Binary(b) => axum::body::Body::from(b),
        // The enum is not exhaustive; anything else arrives as bytes.
        #[allow(unreachable_patterns)]
        other => axum::body::Body::from(other.to_vec()),
    };
    let mut req = axum::http::Request::from_parts(parts, body);
    if let Some(ip) = source_ip {
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(ip, 0)));
    }
    req
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("../../../events/api_gateway_v2.json");

    #[test]
    fn the_sample_event_becomes_the_request_api_gateway_meant() {
        let event: LambdaRequest = serde_json::from_str(SAMPLE).expect("sample event");
        let req = to_axum(lambda_http::Request::from(event));
        assert_eq!(req.method(), "GET");
        assert_eq!(req.uri().path(), "/api/aging");
        assert_eq!(req.uri().query(), Some("as_of=2024-02-01"));
        assert_eq!(
            req.headers()["authorization"],
            "Bearer arf_replace_with_your_api_key"
        );
        let ConnectInfo(addr) = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .expect("the caller's address");
        assert_eq!(addr.ip().to_string(), "198.51.100.24");
    }

    #[test]
    fn a_form_post_keeps_its_body_and_cookies() {
        let mut v: serde_json::Value = serde_json::from_str(SAMPLE).expect("sample event");
        v["requestContext"]["http"]["method"] = "POST".into();
        v["rawPath"] = "/sign-in".into();
        v["cookies"] = serde_json::json!(["arflow_pre=abc", "other=1"]);
        v["body"] = "ZW1haWw9YSU0MGIuZXhhbXBsZQ==".into();
        v["isBase64Encoded"] = true.into();
        let event: LambdaRequest = serde_json::from_str(&v.to_string()).expect("event");
        let req = to_axum(lambda_http::Request::from(event));
        assert_eq!(req.method(), "POST");
        assert_eq!(req.uri().path(), "/sign-in");
        assert_eq!(req.headers()["cookie"], "arflow_pre=abc;other=1");
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let body = rt
            .block_on(axum::body::to_bytes(req.into_body(), 1024))
            .expect("body");
        assert_eq!(&body[..], b"email=a%40b.example");
    }
}
