//! Configuration from the environment (the functions' only source of
//! settings) and SDK clients built from it once per cold start.
//!
//! `AWS_ENDPOINT_URL` points every client at an emulator; S3 then uses
//! path-style addressing (`http://host/bucket/key`), which emulators need.

use aws_config::SdkConfig;

/// A required variable that is missing or empty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("environment variable {name} is not set ({what})")]
pub struct EnvError {
    pub name: &'static str,
    pub what: &'static str,
}

/// A required variable's value.
pub fn required(name: &'static str, what: &'static str) -> Result<String, EnvError> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => Ok(v),
        _ => Err(EnvError { name, what }),
    }
}

/// An optional variable's value (empty counts as unset).
pub fn optional(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// SDK configuration from the environment (region, credentials, endpoint).
pub async fn sdk_config() -> SdkConfig {
    aws_config::load_from_env().await
}

/// An S3 client; path-style when an endpoint override is set.
pub fn s3_client(config: &SdkConfig) -> aws_sdk_s3::Client {
    let path_style =
        optional("AWS_ENDPOINT_URL").is_some() || optional("AWS_ENDPOINT_URL_S3").is_some();
    let conf = aws_sdk_s3::config::Builder::from(config)
        .force_path_style(path_style)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}
