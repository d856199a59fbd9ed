//! `/api/strategy`: the tenant's collection strategy (TOML) — read it, lint
//! a draft, store a new version (422 with the lint errors when it has any,
//! 409 when someone stored another version meanwhile).

use std::sync::OnceLock;

use arflow_app::dispatch::Sender;
use arflow_app::portal::changes;
use arflow_app::strategy_store::StoredStrategyError;
use arflow_app::templates::default_templates;
use arflow_domain::strategy::lint::{has_errors, lint};
use arflow_domain::strategy::{Diagnostic, Severity, Strategy};
use axum::Json;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Api, ApiError, ApiResult, Q, Write};
use crate::WebStore;

/// The name lint messages give the posted file.
const FILE: &str = "strategy.toml";

/// The strategy that plans for the caller's tenant: the stored one, else the
/// server's configured one (with the host's tenant identity on top).
pub fn effective<S: WebStore, M: Sender + Send + 'static, N>(
    api: &Api<S, M, N>,
) -> Result<Strategy, ApiError> {
    let source = api.read(|s, t| s.strategy_source(t))?;
    api.st
        .config
        .strategy_defaults()
        .resolve(api.tenant(), source.as_ref())
        .map(|(s, _)| s)
        .map_err(|e| match e {
            StoredStrategyError::Store(e) => e.into(),
            e => ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        })
}

/// The built-in templates' names, which a strategy may use.
fn template_names() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        default_templates()
            .map(|set| set.names().map(str::to_string).collect())
            .unwrap_or_default()
    })
}

/// Every error and warning in `text`, at its line; a template of the
/// built-in set that this strategy does not use is not a finding.
pub fn findings(text: &str) -> Vec<Diagnostic> {
    let mut d = lint(text, FILE, Some(template_names()));
    d.retain(|d| !d.message.contains("is never used"));
    d
}

fn finding_json(d: &Diagnostic) -> Value {
    json!({
        "line": d.line, "column": d.column,
        "severity": d.severity.to_string(), "message": d.message,
    })
}

/// The posted TOML: UTF-8 and not blank.
fn text(body: &Bytes) -> Result<&str, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::bad_request("the strategy must be UTF-8 text"))?;
    if text.trim().is_empty() {
        return Err(ApiError::bad_request(
            "the request body must be the strategy's TOML; it is empty",
        ));
    }
    Ok(text)
}

fn etag(version: u64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// The stored strategy's TOML and version (404 when none is stored).
pub async fn get<S: WebStore, M: Sender + Send + 'static>(
    api: Api<S, M>,
) -> Result<Response, ApiError> {
    let Some((source, version)) = api.read(|s, t| s.strategy_source(t))? else {
        return Err(ApiError::not_found(format!(
            "tenant '{}' has no stored strategy; the API plans with the server's configured one until one is PUT",
            api.tenant()
        )));
    };
    let mut r = Json(json!({"version": version, "source": source})).into_response();
    r.headers_mut().insert(header::ETAG, etag(version));
    Ok(r)
}

/// Lints a draft: `{"valid": bool, "errors": [{line, column, severity, message}]}`.
pub async fn validate<S: WebStore, M: Sender + Send + 'static>(
    _api: Api<S, M>,
    body: Bytes,
) -> ApiResult {
    let d = findings(text(&body)?);
    Ok(Json(json!({
        "valid": !has_errors(&d),
        "errors": d.iter().map(finding_json).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
pub struct PutQuery {
    version: Option<u64>,
}

/// The version the caller last read, from `If-Match` ("3", `"3"`, `W/"3"`)
/// or `?version=3`; 0 means "none stored yet".
fn expected(headers: &HeaderMap, q: &PutQuery) -> Result<Option<u64>, ApiError> {
    let Some(h) = headers.get(header::IF_MATCH) else {
        return Ok(q.version);
    };
    let raw = h.to_str().unwrap_or_default().trim();
    let tag = raw.strip_prefix("W/").unwrap_or(raw).trim_matches('"');
    tag.parse().map(Some).map_err(|_| {
        ApiError::bad_request(format!(
            "If-Match must be a strategy version such as \"3\", not '{raw}'"
        ))
    })
}

/// Stores a new version after linting it.
pub async fn put<S: WebStore, M: Sender + Send + 'static>(
    api: Api<S, M, Write>,
    headers: HeaderMap,
    Q(q): Q<PutQuery>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let source = text(&body)?;
    let d = findings(source);
    if has_errors(&d) {
        let errors: Vec<Value> = d.iter().map(finding_json).collect();
        let n = d.iter().filter(|d| d.severity == Severity::Error).count();
        let body = json!({
            "error": format!("the strategy has {n} error(s); nothing was stored"),
            "errors": errors,
        });
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response());
    }
    let if_match = expected(&headers, &q)?;
    let version =
        api.change(|s, t, actor, now| changes::put_strategy(s, t, actor, source, if_match, now))?;
    let warnings: Vec<Value> = d.iter().map(finding_json).collect();
    let mut r = Json(json!({"version": version, "warnings": warnings})).into_response();
    r.headers_mut().insert(header::ETAG, etag(version));
    Ok(r)
}
