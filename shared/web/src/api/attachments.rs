//! `GET /api/disputes/{id}/attachment`: the file a customer attached to a
//! dispute, served as a download (never rendered inline).

use arflow_app::dispatch::Sender;
use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::{Api, ApiError};
use crate::WebStore;

pub async fn download<S: WebStore, M: Sender + Send + 'static>(
    api: Api<S, M>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let a = api
        .read(|s, t| s.attachment(t, &id))?
        .ok_or_else(|| ApiError::not_found(format!("dispute '{id}' has no attachment")))?;
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", a.name))
        .unwrap_or(HeaderValue::from_static("attachment"));
    let content_type = HeaderValue::from_str(&a.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        a.bytes,
    )
        .into_response())
}
