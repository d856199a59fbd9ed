//! Credit status: each customer's credit limit, outstanding, share of the
//! limit used and whether the strategy's credit policy holds it, and why —
//! computed by the planner's own rules (`credit_standings`).

use arflow_app::dispatch::Sender;
use arflow_domain::ledger::Customer;
use arflow_domain::sent::SentRecord;
use arflow_domain::strategy::{CreditStanding, SentIndex, credit_standings};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Value, json};

use super::strategy::effective;
use super::{Api, ApiError, ApiResult, Q, reply};
use crate::WebStore;

/// The standings of `customers` on `day`, from the ledger as of that day,
/// the sent log and the strategy in force.
pub fn standings<S: WebStore, M: Sender + Send + 'static, N>(
    api: &Api<S, M, N>,
    customers: &[Customer],
    day: NaiveDate,
) -> Result<Vec<CreditStanding>, ApiError> {
    let invoices = api.ledger(day)?;
    let sent: Vec<SentRecord> = api.read(|s, t| s.sent_log(t))?;
    let strategy = effective(api)?;
    Ok(credit_standings(
        &strategy,
        customers,
        &invoices,
        day,
        &SentIndex::new(&sent),
    ))
}

/// A standing as the API shows it.
pub fn credit_json(c: &CreditStanding) -> Value {
    json!({
        "currency": c.outstanding.currency.code(),
        "credit_limit": c.limit.map(|l| l.to_decimal_string()),
        "outstanding": c.outstanding.to_decimal_string(),
        "used_pct": c.used_pct(),
        "on_hold": c.on_hold(),
        "hold_reasons": c.hold_reasons,
        "hold_recorded": c.hold_recorded,
        "policy": c.policy,
        "segment": c.segment,
    })
}

#[derive(Deserialize)]
pub struct CreditQuery {
    as_of: Option<NaiveDate>,
    /// "80", "99.5": list customers using at least this share of their limit.
    min_used_pct: Option<String>,
}

/// "80" or "99.5" → hundredths of a percent (8000, 9950).
fn parse_pct(s: &str) -> Option<i64> {
    let (whole, frac) = s.trim().split_once('.').unwrap_or((s.trim(), ""));
    if whole.is_empty() || whole.len() > 9 || frac.len() > 2 {
        return None;
    }
    if !whole
        .bytes()
        .chain(frac.bytes())
        .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let frac = format!("{frac:0<2}");
    Some(whole.parse::<i64>().ok()? * 100 + frac.parse::<i64>().ok()?)
}

/// Customers with a credit limit using at least `min_used_pct` (default 100)
/// of it, most used first.
pub async fn list<S: WebStore, M: Sender + Send + 'static>(
    api: Api<S, M>,
    Q(q): Q<CreditQuery>,
) -> ApiResult {
    let min = match q.min_used_pct.as_deref() {
        None => 10_000,
        Some(p) => parse_pct(p).ok_or_else(|| {
            ApiError::bad_request(format!(
                "min_used_pct must be a percentage such as 80 or 99.5, not '{p}'"
            ))
        })?,
    };
    let day = api.day(q.as_of);
    let customers = api.read(|s, t| s.customers(t))?;
    let mut over: Vec<(CreditStanding, &Customer)> = standings(&api, &customers, day)?
        .into_iter()
        .zip(&customers)
        .filter(|(s, _)| s.used_hundredths.is_some_and(|u| u >= min))
        .collect();
    over.sort_by(|a, b| {
        b.0.used_hundredths
            .cmp(&a.0.used_hundredths)
            .then_with(|| a.0.customer_id.cmp(&b.0.customer_id))
    });
    let list: Vec<Value> = over
        .iter()
        .map(|(s, c)| {
            let mut v = credit_json(s);
            v["customer_id"] = json!(c.customer_id);
            v["name"] = json!(c.name);
            v
        })
        .collect();
    reply(
        json!({"as_of": day, "min_used_pct": format!("{}.{:02}", min / 100, min % 100), "customers": list}),
    )
}

#[cfg(test)]
mod tests {
    use super::parse_pct;

    #[test]
    fn percentages_parse_to_hundredths_and_junk_is_refused() {
        assert_eq!(parse_pct("80"), Some(8000));
        assert_eq!(parse_pct("99.5"), Some(9950));
        assert_eq!(parse_pct("100.25"), Some(10025));
        for bad in ["", "-1", "1.234", "x", "1e3", ".5"] {
            assert_eq!(parse_pct(bad), None, "{bad}");
        }
    }
}
