//! Small ledgers for the planner's tests: a few invoices and customers, the
//! default strategy, and helpers to read a simulation's calendar.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::ledger::{Customer, CustomerType, Invoice, InvoiceStatus};
use crate::money::Currency;
use crate::sent::SentRecord;
use crate::strategy::action::{Action, ActionKind, Recipients};
use crate::strategy::model::{Role, Strategy};
use crate::strategy::simulate::simulate;
use crate::strategy::{DEFAULT_STRATEGY, PlanInput, plan};

pub fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// The shipped default strategy.
pub fn default() -> Strategy {
    Strategy::from_toml(DEFAULT_STRATEGY, "default.toml").unwrap()
}

/// The default strategy with every day a business day, so policy days are
/// exact calendar days.
pub fn default_every_day() -> Strategy {
    let mut s = default();
    s.tenant.calendar.weekend.clear();
    s.tenant.calendar.holidays.clear();
    s
}

/// An open invoice of `amount` cents, USD.
pub fn inv(id: &str, customer: &str, issued: &str, due: &str, amount: i64) -> Invoice {
    Invoice {
        invoice_id: id.into(),
        customer_id: customer.into(),
        invoice_date: d(issued),
        due_date: d(due),
        amount,
        currency: Currency::USD,
        paid_amount: 0,
        paid_date: None,
        disputed: false,
        status: InvoiceStatus::Open,
    }
}

/// The same invoice paid in full on `day`.
pub fn paid(mut i: Invoice, day: &str) -> Invoice {
    i.paid_date = Some(d(day));
    i.paid_amount = i.amount;
    i.status = InvoiceStatus::Paid;
    i
}

pub fn customer(id: &str, kind: CustomerType) -> Customer {
    Customer {
        customer_id: id.into(),
        name: format!("Customer {id}"),
        emails: vec![format!("ap@{}.example", id.to_lowercase())],
        phone: Some("+1 555 0199".into()),
        kind,
        account_manager: Some("Dana".into()),
        ..Customer::default()
    }
}

pub fn customers(list: Vec<Customer>) -> HashMap<String, Customer> {
    list.into_iter()
        .map(|c| (c.customer_id.clone(), c))
        .collect()
}

/// Every action of a simulation, in day order.
pub fn run(
    s: &Strategy,
    invoices: &[Invoice],
    cs: &HashMap<String, Customer>,
    from: &str,
    to: &str,
) -> Vec<Action> {
    simulate(d(from), d(to), s, invoices, cs, &[])
        .days
        .into_iter()
        .flat_map(|day| day.actions)
        .collect()
}

/// One plan for one day, with a sent log.
pub fn plan_on(
    s: &Strategy,
    invoices: &[Invoice],
    cs: &HashMap<String, Customer>,
    day: &str,
    sent: &[SentRecord],
) -> Vec<Action> {
    plan(&PlanInput {
        as_of: d(day),
        invoices,
        customers: cs,
        strategy: s,
        sent,
    })
}

/// Days of actions whose rule is `rule` (and kind, when given).
pub fn days_of(actions: &[Action], rule: &str, kind: Option<ActionKind>) -> Vec<NaiveDate> {
    actions
        .iter()
        .filter(|a| a.rule == rule && kind.is_none_or(|k| a.kind == k))
        .map(|a| a.due_on)
        .collect()
}

/// Days of customer messages about dunning (reminders, cadences, final notice).
pub fn dunning_days(actions: &[Action]) -> Vec<(NaiveDate, String)> {
    actions
        .iter()
        .filter(|a| a.is_external() && crate::strategy::sent_index::rule::is_dunning(&a.rule))
        .map(|a| (a.due_on, a.rule.clone()))
        .collect()
}

pub fn role(a: &Action) -> Option<Role> {
    match a.recipients {
        Recipients::Role(r) => Some(r),
        Recipients::Addresses(_) => None,
    }
}

/// `due + n` days.
pub fn plus(due: &str, n: i64) -> NaiveDate {
    d(due) + chrono::Duration::days(n)
}
