//! Preparing planned actions: the default strategy's final notice shows the
//! late-payment interest its `[tenant.fees]` enables, and nothing else does.

use std::collections::HashMap;

use arflow_domain::ledger::{Customer, Invoice, InvoiceStatus};
use arflow_domain::money::Currency;
use arflow_domain::strategy::{PlanInput, default_strategy, plan};
use chrono::NaiveDate;

use super::{Prepared, Renderer};
use crate::templates::default_templates;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn overdue(id: &str, due: &str, amount: i64) -> Invoice {
    Invoice {
        invoice_id: id.into(),
        customer_id: "C1".into(),
        invoice_date: d("2024-01-01"),
        due_date: d(due),
        amount,
        currency: Currency::USD,
        paid_amount: 0,
        paid_date: None,
        disputed: false,
        status: InvoiceStatus::Open,
    }
}

#[test]
fn the_final_notice_shows_interest_and_other_notices_do_not() {
    let mut strategy = default_strategy().unwrap();
    // A first run at 91 days past due: only the latest step (the final
    // notice), the missed ones named as skipped.
    strategy.tenant.contact.missed_steps = arflow_domain::strategy::contact::MissedSteps::Latest;
    let templates = default_templates().unwrap();
    // Due 2024-02-01; 2024-05-02 is 91 days past due (a Thursday).
    let invoices = vec![overdue("INV-1", "2024-02-01", 100_000)];
    let customers: HashMap<String, Customer> = [(
        "C1".to_string(),
        Customer {
            customer_id: "C1".into(),
            name: "Acme".into(),
            emails: vec!["ap@acme.example".into()],
            ..Customer::default()
        },
    )]
    .into();
    let as_of = d("2024-05-02");
    let actions = plan(&PlanInput {
        as_of,
        invoices: &invoices,
        customers: &customers,
        strategy: &strategy,
        sent: &[],
    });
    let renderer = Renderer::new(&strategy, &templates, &invoices, &customers, as_of);
    let mut seen_final = false;
    for a in &actions {
        let Prepared::Email(m) = renderer.prepare(a).unwrap() else {
            continue;
        };
        if a.template.as_deref() == Some("final_notice") {
            seen_final = true;
            // 1,000.00 × 8 % × 91 / 365 = 19.945… → 19.95
            assert!(m.text.contains("Late-payment charges"), "{}", m.text);
            assert!(m.text.contains("19.95 USD"), "{}", m.text);
        } else {
            assert!(
                !m.text.contains("Late-payment charges"),
                "{}: {}",
                a.rule,
                m.text
            );
        }
    }
    assert!(
        seen_final,
        "the final notice is due at 91 days: {actions:#?}"
    );
}
