//! `/api/audit`: who changed what, oldest first.

use arflow_app::dispatch::Sender;

use super::{Api, ApiResult, reply};
use crate::WebStore;

pub async fn list<S: WebStore, M: Sender + Send + 'static>(api: Api<S, M>) -> ApiResult {
    reply(api.read(|s, t| s.audit_log(t))?)
}
