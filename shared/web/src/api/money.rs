//! How the AR API shows money, in one shape everywhere: an amount is a
//! decimal string in the currency's units ("205000.00", never minor units
//! or a float), in a field named for what it is, with the ISO 4217 code of
//! its currency in a sibling field of the same object (`currency`, or
//! `credit_currency` beside a customer's `credit_limit`; a payment plan's
//! instalments are in the plan's `currency`). The stored records keep minor
//! units; only their API answers are reshaped here.

use std::collections::{BTreeSet, HashMap};

use arflow_app::dispatch::Sender;
use arflow_app::portal::{Dispute, PaymentPlan, PromiseToPay};
use arflow_app::store::StoreError;
use arflow_domain::ledger::Customer;
use arflow_domain::money::{Currency, Money};
use serde_json::{Value, json};

use super::strategy::effective;
use super::{Api, ApiError};
use crate::WebStore;

/// `minor` units of `currency` as a decimal string ("1950.00").
pub fn decimal(minor: i64, currency: Currency) -> String {
    Money::new(minor, currency).to_decimal_string()
}

/// Customers as the API shows them: the credit limit in `credit_currency`,
/// which, when the record lacks it, is the tenant's (as the planner reads
/// it), so a limit never goes without its currency.
pub fn customers_json<S: WebStore, M: Sender + Send + 'static, N>(
    api: &Api<S, M, N>,
    customers: &[Customer],
) -> Result<Vec<Value>, ApiError> {
    let mut tenant = None;
    customers
        .iter()
        .map(|c| {
            let currency = match (c.credit_limit, c.credit_currency) {
                (Some(_), None) => Some(match tenant {
                    Some(t) => t,
                    None => *tenant.insert(effective(api)?.tenant.currency),
                }),
                (_, given) => given,
            };
            Ok(customer_json(c, currency))
        })
        .collect()
}

/// `c` with its credit limit in `currency` (the limit's, resolved).
fn customer_json(c: &Customer, currency: Option<Currency>) -> Value {
    let mut v = json!(c);
    v["credit_currency"] = json!(currency.map(|c| c.code().to_string()));
    v["credit_limit"] = match (c.credit_limit, currency) {
        (Some(limit), Some(currency)) => json!(decimal(limit, currency)),
        _ => Value::Null,
    };
    v
}

/// The currency of each invoice some `(customer, invoice)` pair names, from
/// the current ledger: one customer's invoices, or the whole ledger once
/// when the pairs name several customers.
fn invoice_currencies<S: WebStore, M: Sender + Send + 'static, N>(
    api: &Api<S, M, N>,
    pairs: &[(&str, &str)],
) -> Result<HashMap<String, Currency>, ApiError> {
    let customers: BTreeSet<&str> = pairs.iter().map(|(c, _)| *c).collect();
    let wanted: BTreeSet<&str> = pairs.iter().map(|(_, i)| *i).collect();
    let mut out = HashMap::new();
    let mut keep = |i: arflow_domain::ledger::Invoice| {
        if wanted.contains(i.invoice_id.as_str()) {
            out.insert(i.invoice_id, i.currency);
        }
    };
    match customers.iter().next() {
        None => {}
        Some(only) if customers.len() == 1 => {
            api.read(|s, t| s.customer_invoices(t, only, &mut keep))?
        }
        Some(_) => api.read(|s, t| s.current_invoices(t, &mut keep))?,
    }
    Ok(out)
}

/// The currency of `invoice_id`, which a stored dispute or promise names.
fn currency_of(
    currencies: &HashMap<String, Currency>,
    what: &str,
    id: &str,
    invoice_id: &str,
) -> Result<Currency, ApiError> {
    currencies.get(invoice_id).copied().ok_or_else(|| {
        ApiError::from(StoreError::Corrupt {
            what: format!("{what} '{id}'"),
            detail: format!("its invoice '{invoice_id}' is not in the ledger"),
        })
    })
}

/// Disputes as the API shows them: the disputed amount in the invoice's
/// currency.
pub fn disputes_json<S: WebStore, M: Sender + Send + 'static, N>(
    api: &Api<S, M, N>,
    disputes: &[Dispute],
) -> Result<Vec<Value>, ApiError> {
    amounts_json(api, "dispute", disputes, |d| {
        (&d.customer_id, &d.invoice_id, &d.id, d.amount)
    })
}

/// One dispute as the API shows it.
pub fn dispute_json<S: WebStore, M: Sender + Send + 'static, N>(
    api: &Api<S, M, N>,
    dispute: &Dispute,
) -> Result<Value, ApiError> {
    let mut one = disputes_json(api, std::slice::from_ref(dispute))?;
    Ok(one.pop().unwrap_or_default())
}

/// Promises to pay as the API shows them: the promised amount in the
/// invoice's currency.
pub fn promises_json<S: WebStore, M: Sender + Send + 'static, N>(
    api: &Api<S, M, N>,
    promises: &[PromiseToPay],
) -> Result<Vec<Value>, ApiError> {
    amounts_json(api, "promise", promises, |p| {
        (&p.customer_id, &p.invoice_id, &p.id, p.amount)
    })
}

/// Records about one invoice each, as JSON with their amount (minor units)
/// as a decimal in that invoice's currency. `fields` gives a record's
/// (customer id, invoice id, own id, amount); `what` names the record in
/// an error.
fn amounts_json<S: WebStore, M: Sender + Send + 'static, N, T: serde::Serialize>(
    api: &Api<S, M, N>,
    what: &str,
    records: &[T],
    fields: impl Fn(&T) -> (&String, &String, &String, i64),
) -> Result<Vec<Value>, ApiError> {
    let pairs: Vec<(&str, &str)> = records
        .iter()
        .map(|r| {
            let (customer, invoice, _, _) = fields(r);
            (customer.as_str(), invoice.as_str())
        })
        .collect();
    let currencies = invoice_currencies(api, &pairs)?;
    records
        .iter()
        .map(|r| {
            let (_, invoice, id, amount) = fields(r);
            let currency = currency_of(&currencies, what, id, invoice)?;
            Ok(with_amount(json!(r), amount, currency))
        })
        .collect()
}

fn with_amount(mut v: Value, minor: i64, currency: Currency) -> Value {
    v["amount"] = json!(decimal(minor, currency));
    v["currency"] = json!(currency.code());
    v
}

/// A payment plan as the API shows it: its total and every instalment in
/// the plan's currency.
pub fn plan_json(p: &PaymentPlan) -> Result<Value, ApiError> {
    let currency = Currency::parse(&p.currency).map_err(|e| {
        ApiError::from(StoreError::Corrupt {
            what: format!("payment plan '{}'", p.id),
            detail: e.to_string(),
        })
    })?;
    let mut v = json!(p);
    v["currency"] = json!(currency.code());
    v["total"] = json!(decimal(p.total, currency));
    v["instalments"] = p
        .instalments
        .iter()
        .map(|i| json!({"due_date": i.due_date, "amount": decimal(i.amount, currency)}))
        .collect();
    Ok(v)
}

#[cfg(test)]
mod tests {
    use arflow_app::portal::{Instalment, PlanState};

    use super::*;

    #[test]
    fn amounts_are_decimal_strings_in_their_currency() {
        assert_eq!(decimal(20_500_000, Currency::USD), "205000.00");
        assert_eq!(decimal(-150, Currency::EUR), "-1.50");
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(decimal(1200, jpy), "1200");
    }

    #[test]
    fn a_plans_total_and_instalments_are_in_the_plans_currency() {
        let plan = PaymentPlan {
            id: "PP1".into(),
            customer_id: "C1".into(),
            invoice_ids: vec!["I1".into()],
            currency: "KWD".into(),
            total: 1_500,
            instalments: vec![
                Instalment {
                    due_date: "2024-02-01".parse().unwrap(),
                    amount: 1_000,
                },
                Instalment {
                    due_date: "2024-03-01".parse().unwrap(),
                    amount: 500,
                },
            ],
            state: PlanState::Requested,
            notes: vec![],
            requested_at: 0,
            updated_at: 0,
        };
        let v = plan_json(&plan).unwrap();
        assert_eq!(v["currency"], "KWD");
        assert_eq!(v["total"], "1.500");
        assert_eq!(
            v["instalments"],
            json!([
                {"due_date": "2024-02-01", "amount": "1.000"},
                {"due_date": "2024-03-01", "amount": "0.500"}
            ])
        );
    }

    #[test]
    fn a_limit_is_shown_in_its_resolved_currency() {
        let mut c: Customer = serde_json::from_value(json!({
            "customer_id": "C1", "name": "Acme", "emails": [], "phone": null,
            "kind": "new", "credit_limit": 20_500_000, "credit_currency": null,
            "timezone": null, "language": null, "white_glove": false,
            "opted_out": [], "account_manager": null, "sales_manager": null, "tags": []
        }))
        .unwrap();
        let v = customer_json(&c, Some(Currency::EUR));
        assert_eq!(
            (&v["credit_limit"], &v["credit_currency"]),
            (&json!("205000.00"), &json!("EUR"))
        );
        c.credit_limit = None;
        let v = customer_json(&c, c.credit_currency);
        assert_eq!(
            (&v["credit_limit"], &v["credit_currency"]),
            (&Value::Null, &Value::Null)
        );
    }
}
