//! Every action a 150-day backtest of a generated ledger plans with the
//! default strategy, rendered with the default templates: no empty invoice
//! table (the credit hold lists the open items), no unrendered variable,
//! every invoice of a grouped reminder shown at its own stage, and "we have
//! written before" only when reminders were sent before.

use std::collections::HashMap;

use arflow_domain::ledger::{Customer, Invoice};
use arflow_domain::strategy::{ActionKind, default_strategy, simulate};
use arflow_domain::synth::{self, SynthParams};
use arflow_domain::template::stage_label;

use super::{Prepared, Renderer};
use crate::templates::default_templates;

fn d(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

#[test]
fn every_planned_action_renders_whole_with_its_invoices_at_their_own_stage() {
    let params = SynthParams {
        invoices: 600,
        customers: Some(30),
        seed: 3,
        as_of: d("2024-12-31"),
        ..SynthParams::default()
    };
    let invoices: Vec<Invoice> = synth::generate(&params).collect();
    let customers: HashMap<String, Customer> = synth::customers(&params)
        .into_iter()
        .map(|c| (c.customer_id.clone(), c))
        .collect();
    let strategy = default_strategy().unwrap();
    let templates = default_templates().unwrap();
    let sim = simulate(
        d("2024-08-01"),
        d("2024-12-28"),
        &strategy,
        &invoices,
        &customers,
        &[],
    );
    let (mut holds, mut mixed) = (0, 0);
    for day in &sim.days {
        let renderer = Renderer::new(&strategy, &templates, &invoices, &customers, day.date);
        for a in &day.actions {
            let prepared = renderer
                .prepare(a)
                .unwrap_or_else(|e| panic!("{} {}: {e}", a.rule, a.id));
            let (text, html) = match &prepared {
                Prepared::Email(m) => (m.text.clone(), m.html.clone()),
                Prepared::Text(m) => (m.body.clone(), String::new()),
                Prepared::Task(t) => (format!("{}\n{}", t.title, t.body), String::new()),
            };
            for out in [&text, &html] {
                for bad in ["{{", "}}", "{%", "undefined"] {
                    assert!(!out.contains(bad), "{} renders '{bad}':\n{out}", a.rule);
                }
            }
            if text.contains("Open items:") || text.contains("Invoice date") {
                let rows = a.invoice_ids.len().max(1);
                assert!(
                    text.lines().filter(|l| l.starts_with("INV-")).count() >= rows,
                    "{}: an empty invoice table:\n{text}",
                    a.rule
                );
            }
            if a.kind == ActionKind::CreditHold {
                holds += 1;
                assert!(
                    text.contains("INV-"),
                    "credit hold without open items:\n{text}"
                );
            }
            if !a.stages.is_empty() && a.kind == ActionKind::Email {
                mixed += 1;
                for (id, stage) in a.invoice_ids.iter().zip(&a.stages) {
                    let line = text
                        .lines()
                        .find(|l| l.starts_with(id.as_str()))
                        .unwrap_or_else(|| panic!("{id} not listed:\n{text}"));
                    assert!(
                        line.contains(&format!("[{}]", stage_label(stage))),
                        "{id} not at its stage {stage}: {line}"
                    );
                }
            }
            if a.rule == "final_notice" && !a.reminded_before {
                assert!(!text.contains("several times"), "{text}");
            }
        }
    }
    assert!(holds > 0, "the backtest plans credit holds");
    assert!(
        mixed > 0,
        "the backtest plans grouped reminders with mixed stages"
    );
}
