//! The AR team API: JSON under `/api`, `Authorization: Bearer <key>`, each
//! key bound to one tenant with scopes; errors are `{"error": "..."}`.
//!
//! One file per resource; this one holds the routes, the error type and the
//! [`Api`] extractor that authorizes a caller and locks the store for it.

mod attachments;
mod audit;
mod communications;
mod credit;
mod customers;
mod disputes;
mod invoices;
mod money;
mod openapi;
mod plans;
mod reports;
mod strategy;
mod tasks;

use std::marker::PhantomData;

use arflow_app::dispatch::Sender;
use arflow_app::portal::{ApiKey, AttachmentError, ChangeError, Scope, hash_secret};
use arflow_app::store::StoreError;
use arflow_domain::ledger::Invoice;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::pages::today;
use crate::{Web, WebStore};

/// A JSON error with its status.
#[derive(Debug)]
pub struct ApiError(pub StatusCode, pub String);

impl ApiError {
    pub fn bad_request(msg: impl Into<String>) -> Self {
        ApiError(StatusCode::BAD_REQUEST, msg.into())
    }

    pub fn not_found(msg: impl Into<String>) -> Self {
        ApiError(StatusCode::NOT_FOUND, msg.into())
    }

    pub fn conflict(msg: impl Into<String>) -> Self {
        ApiError(StatusCode::CONFLICT, msg.into())
    }

    pub fn unprocessable(msg: impl Into<String>) -> Self {
        ApiError(StatusCode::UNPROCESSABLE_ENTITY, msg.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError(StatusCode::SERVICE_UNAVAILABLE, format!("store: {e}"))
    }
}

impl From<ChangeError> for ApiError {
    fn from(e: ChangeError) -> Self {
        match e {
            ChangeError::NotFound(m) => ApiError::not_found(m),
            ChangeError::Conflict(m) => ApiError::conflict(m),
            ChangeError::Invalid(_) | ChangeError::Plan(_) => {
                ApiError::unprocessable(e.to_string())
            }
            ChangeError::Attachment(AttachmentError::TooLarge) => {
                ApiError(StatusCode::PAYLOAD_TOO_LARGE, e.to_string())
            }
            ChangeError::Attachment(_) => {
                ApiError(StatusCode::UNSUPPORTED_MEDIA_TYPE, e.to_string())
            }
            ChangeError::Store(s) => s.into(),
        }
    }
}

pub type ApiResult = Result<Json<Value>, ApiError>;

/// Serializes an answer (every API type serializes infallibly).
pub fn reply(v: impl serde::Serialize) -> ApiResult {
    Ok(Json(json!(v)))
}

pub fn routes<S: WebStore, M: Sender + Send + 'static>() -> Router<Web<S, M>> {
    Router::new()
        .route("/openapi.json", get(openapi::document))
        .route("/customers", get(customers::list::<S, M>))
        .route("/customers/{id}", get(customers::one::<S, M>))
        .route(
            "/customers/{id}/communications",
            get(communications::list::<S, M>),
        )
        .route("/credit", get(credit::list::<S, M>))
        .route("/invoices", get(invoices::list::<S, M>))
        .route("/aging", get(reports::aging::<S, M>))
        .route("/kpis", get(reports::kpis::<S, M>))
        .route("/actions", get(reports::actions::<S, M>))
        .route("/sent", get(reports::sent::<S, M>))
        .route("/disputes", get(disputes::list::<S, M>))
        .route(
            "/disputes/{id}/transition",
            post(disputes::transition::<S, M>),
        )
        .route(
            "/disputes/{id}/attachment",
            get(attachments::download::<S, M>),
        )
        .route("/payment-plans", get(plans::list::<S, M>))
        .route(
            "/payment-plans/{id}/{action}",
            post(plans::transition::<S, M>),
        )
        .route("/tasks", get(tasks::list::<S, M>))
        .route("/tasks/{id}/complete", post(tasks::complete::<S, M>))
        .route("/audit", get(audit::list::<S, M>))
        .route(
            "/strategy",
            get(strategy::get::<S, M>).put(strategy::put::<S, M>),
        )
        .route("/strategy/validate", post(strategy::validate::<S, M>))
        .fallback(|| async { ApiError::not_found("no such endpoint") })
}

/// The key behind the bearer token, if it has `scope`.
fn authorize<S: WebStore, M: Sender + Send + 'static>(
    st: &Web<S, M>,
    headers: &HeaderMap,
    scope: Scope,
) -> Result<ApiKey, ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError(StatusCode::UNAUTHORIZED, "missing bearer API key".into()))?;
    let key = st
        .store()
        .api_key(&hash_secret(token))?
        .ok_or_else(|| ApiError(StatusCode::UNAUTHORIZED, "unknown API key".into()))?;
    if !key.allows(scope) {
        return Err(ApiError(
            StatusCode::FORBIDDEN,
            format!("this API key lacks the '{}' scope", scope.as_str()),
        ));
    }
    Ok(key)
}

/// The scope an [`Api`] extractor demands.
pub trait Need: Send + Sync + 'static {
    const SCOPE: Scope;
}

/// Demands the `read` scope.
pub struct Read;
/// Demands the `write` scope.
pub struct Write;

impl Need for Read {
    const SCOPE: Scope = Scope::Read;
}
impl Need for Write {
    const SCOPE: Scope = Scope::Write;
}

/// An authorized caller: its key (with scope `N`) and the router's state.
/// Extracting it answers 401/403 in JSON when the key is missing, unknown
/// or lacks the scope.
pub struct Api<S, M, N = Read> {
    pub st: Web<S, M>,
    pub key: ApiKey,
    need: PhantomData<N>,
}

impl<S: WebStore, M: Sender + Send + 'static, N: Need> FromRequestParts<Web<S, M>>
    for Api<S, M, N>
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &Web<S, M>) -> Result<Self, ApiError> {
        let key = authorize(st, &parts.headers, N::SCOPE)?;
        Ok(Api {
            st: st.clone(),
            key,
            need: PhantomData,
        })
    }
}

impl<S: WebStore, M: Sender + Send + 'static, N> Api<S, M, N> {
    pub fn tenant(&self) -> &str {
        &self.key.tenant
    }

    pub fn now(&self) -> i64 {
        self.st.now()
    }

    /// `as_of`, or today by the router's clock.
    pub fn day(&self, as_of: Option<NaiveDate>) -> NaiveDate {
        as_of.unwrap_or_else(|| today(self.now()))
    }

    /// Runs `f` on the locked store for the caller's tenant.
    pub fn read<T>(
        &self,
        f: impl FnOnce(&S, &str) -> Result<T, StoreError>,
    ) -> Result<T, ApiError> {
        Ok(f(&self.st.store(), self.tenant())?)
    }

    /// Runs a change use case as this caller ("api_key:{name}"), now.
    pub fn change<T>(
        &self,
        f: impl FnOnce(&mut S, &str, &str, i64) -> Result<T, ChangeError>,
    ) -> Result<T, ApiError> {
        let actor = format!("api_key:{}", self.key.name);
        Ok(f(&mut self.st.store(), self.tenant(), &actor, self.now())?)
    }

    /// The tenant's ledger as it stood on `day`.
    pub fn ledger(&self, day: NaiveDate) -> Result<Vec<Invoice>, ApiError> {
        let mut out = Vec::new();
        self.read(|s, t| s.invoices_as_of(t, day, &mut |i| out.push(i)))?;
        Ok(out)
    }
}

/// A JSON request body; a malformed one is a JSON [`ApiError`].
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, St: Send + Sync> FromRequest<St> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, st: &St) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, st).await {
            Ok(Json(v)) => Ok(Body(v)),
            Err(e) => Err(ApiError(e.status(), e.body_text())),
        }
    }
}

/// A query string; a malformed one is a JSON [`ApiError`].
pub struct Q<T>(pub T);

impl<T: DeserializeOwned, St: Send + Sync> FromRequestParts<St> for Q<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &St) -> Result<Self, ApiError> {
        match Query::<T>::from_request_parts(parts, st).await {
            Ok(Query(v)) => Ok(Q(v)),
            Err(e) => Err(ApiError(e.status(), e.body_text())),
        }
    }
}
