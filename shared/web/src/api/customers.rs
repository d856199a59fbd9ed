//! `/api/customers`: the tenant's customers, one customer with its credit
//! status.

use arflow_app::dispatch::Sender;
use arflow_domain::ledger::Customer;
use axum::extract::Path;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;

use super::credit::{credit_json, standings};
use super::money::customers_json;
use super::{Api, ApiError, ApiResult, Q, reply};
use crate::WebStore;

/// Every customer, ordered by id.
pub async fn list<S: WebStore, M: Sender + Send + 'static>(api: Api<S, M>) -> ApiResult {
    let customers = api.read(|s, t| s.customers(t))?;
    reply(customers_json(&api, &customers)?)
}

/// The customer `id` of the caller's tenant, or 404.
pub fn find<S: WebStore, M: Sender + Send + 'static, N>(
    api: &Api<S, M, N>,
    id: &str,
) -> Result<Customer, ApiError> {
    api.read(|s, t| s.customers(t))?
        .into_iter()
        .find(|c| c.customer_id == id)
        .ok_or_else(|| ApiError::not_found(format!("no customer '{id}'")))
}

#[derive(Deserialize)]
pub struct AsOf {
    as_of: Option<NaiveDate>,
}

/// One customer with `credit`: limit, outstanding, % of the limit used, hold.
pub async fn one<S: WebStore, M: Sender + Send + 'static>(
    api: Api<S, M>,
    Path(id): Path<String>,
    Q(q): Q<AsOf>,
) -> ApiResult {
    let customer = find(&api, &id)?;
    let day = api.day(q.as_of);
    let standing = standings(&api, std::slice::from_ref(&customer), day)?;
    let mut v = customers_json(&api, std::slice::from_ref(&customer))?
        .pop()
        .unwrap_or_default();
    v["credit"] = standing.first().map(credit_json).unwrap_or_default();
    v["as_of"] = json!(day);
    reply(v)
}
