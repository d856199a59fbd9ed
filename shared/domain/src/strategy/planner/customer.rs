//! One customer on one day: its segment, the dunning step each open invoice
//! has reached, escalations, event sequences, then the message guards.

use chrono::{Duration, NaiveDate};

use crate::ledger::{Customer, Invoice};

use super::super::action::{Action, ActionKind};
use super::super::contact::{HeldBack, MissedSteps};
use super::super::model::{Role, Tone};
use super::build::{Day, Draft};
use super::compile::{CompiledEscalation, CompiledSegment};
use super::events;
use super::explain;
use super::guards::{self, Candidate, Category};
use super::summary::Summary;
use super::timeline::{Due, Hit};

/// Plans one customer's day into `out`. `items` are the customer's invoices
/// (indices into the day's ledger); `sum` is scratch space; reminders the
/// contact budget holds back go to `held`.
pub fn plan_customer(
    day: &Day<'_, '_>,
    customer_id: &str,
    customer: &Customer,
    items: &[u32],
    sum: &mut Summary,
    out: &mut Vec<Action>,
    held: &mut Vec<HeldBack>,
) {
    sum.compute(day.invoices, items, day.as_of);
    if sum.first_invoice.is_none() {
        return;
    }
    let seg = day.c.segment_for(customer, sum);
    let memory = day.sent.customer(customer_id);
    let mut candidates = Vec::new();
    let mut tasks = Tasks::default();
    // Scratch space for each invoice's due steps.
    let mut due = Vec::new();
    if let Some(seg) = seg {
        for &i in &sum.open {
            let inv = &day.invoices[i as usize];
            if inv.amount <= 0 || inv.disputed || inv.outstanding_on(day.as_of) <= 0 {
                continue;
            }
            if !customer.white_glove {
                dunning(day, seg, i, inv, &mut candidates, &mut tasks, &mut due);
            }
            for e in &seg.escalations {
                escalation(day, seg, e, i, inv, sum, &mut tasks);
            }
        }
    }
    let ev = seg.map_or(&day.c.events, |s| &s.events);
    let seg_name = seg.map(|s| s.name);
    events::plan_events(
        day,
        events::Who {
            id: customer_id,
            customer,
            memory,
            segment: seg_name,
        },
        ev,
        items,
        sum,
        &mut candidates,
        out,
    );
    tasks.flush(day, customer_id, out);
    let budget = seg.map_or(day.c.budget, |s| s.budget(day.c));
    if let Some(a) = guards::choose(day, customer_id, customer, memory, budget, candidates, held) {
        out.push(a);
    }
}

fn dunning<'t>(
    day: &Day<'_, '_>,
    seg: &'t CompiledSegment<'_>,
    i: u32,
    inv: &Invoice,
    candidates: &mut Vec<Candidate<'t>>,
    tasks: &mut Tasks<'t>,
    scratch: &mut Vec<Due<'t, 't>>,
) {
    let missed = seg.budget(day.c).missed_steps;
    // A task step is due when its day has come, is not older than catch-up
    // allows, did not fall before the invoice existed, and nothing covered
    // it since.
    let due = |hit: Option<Hit<'t, 't>>| {
        hit.filter(|h| {
            (day.as_of - h.effective).num_days() <= day.c.catch_up && h.nominal >= inv.invoice_date
        })
    };
    if let Some(c) = message_step(day, seg, inv, missed, scratch) {
        candidates.push(Candidate {
            invoices: vec![i],
            ..c
        });
    }
    if let Some(hit) = due(seg.tasks.due_step(inv.due_date, day.as_of, &day.c.days)) {
        let last = day
            .sent
            .invoice(&inv.invoice_id)
            .and_then(|m| m.last_internal_dunning);
        if last.is_none_or(|l| l < hit.effective) {
            let severity = ((hit.nominal - inv.due_date).num_days(), hit.step.rank());
            for (call, role, template) in hit.step.tasks() {
                tasks.add(Task {
                    kind: if call {
                        ActionKind::CallTask
                    } else {
                        ActionKind::Notify
                    },
                    role,
                    group: "",
                    rule: &hit.step.rule,
                    template,
                    tone: Tone::Neutral,
                    severity,
                    nominal: hit.nominal,
                    invoice: i,
                    reason: reason(day, seg, inv, &hit, "task", last),
                });
            }
        }
    }
}

/// The message step an invoice is due for today, by its own progress: the
/// steps it was itself at in earlier messages (`InvoiceMemory::steps`).
/// Overdue steps never expire while the invoice is open (the budget
/// delays, never loses); a step before or on the due date goes only while
/// catch-up allows, and never after a later step. With `in_order` the
/// earliest unsent overdue step goes first; with `latest` only the most
/// advanced, the others named as skipped. A periodic step whose occurrences
/// were already started repeats at its new occurrences.
fn message_step<'t>(
    day: &Day<'_, '_>,
    seg: &'t CompiledSegment<'_>,
    inv: &Invoice,
    missed: MissedSteps,
    due: &mut Vec<Due<'t, 't>>,
) -> Option<Candidate<'t>> {
    let memory = day.sent.invoice(&inv.invoice_id);
    let sent: &[String] = memory.map_or(&[], |m| &m.steps[..]);
    let last = memory.and_then(|m| m.last_external_dunning);
    let reached = sent.iter().filter_map(|r| seg.messages.position(r)).max();
    due.clear();
    seg.messages
        .due_in_order(inv.due_date, day.as_of, &day.c.days, due);
    due.retain(|d| d.hit.nominal >= inv.invoice_date);
    let fresh = |d: &Due<'t, 't>| reached.is_none_or(|r| d.pos > r);
    let pending = |d: &&Due<'t, 't>| fresh(d) && d.first_offset > 0;
    let mut skipped: Vec<(&'t str, &'static str)> = Vec::new();
    let chosen = match (missed, due.iter().find(pending)) {
        (_, None) => {
            // Before or on the due date: the newest such step, within
            // catch-up; or the next occurrence of a periodic step under way.
            let early = due
                .iter()
                .filter(|d| fresh(d))
                .rfind(|d| d.first_offset <= 0)
                .filter(|d| (day.as_of - d.hit.effective).num_days() <= day.c.catch_up);
            let repeat = || {
                due.iter()
                    .filter(|d| d.periodic && reached == Some(d.pos))
                    .find(|d| last.is_none_or(|l| l < d.hit.effective))
            };
            *early.or_else(repeat)?
        }
        (MissedSteps::InOrder, Some(first)) => *first,
        (MissedSteps::Latest, Some(_)) => {
            let latest = *due.iter().rfind(pending)?;
            for d in due.iter().filter(pending).filter(|d| d.pos < latest.pos) {
                skipped.push((d.hit.step.label(), "missed; latest sent"));
            }
            latest
        }
    };
    if chosen.first_offset > 0 && reached.is_none() {
        for d in due.iter().filter(|d| d.first_offset <= 0) {
            skipped.insert(
                0,
                (d.hit.step.label(), "its day passed before any reminder"),
            );
        }
    }
    let (channel, template, tone) = chosen.hit.step.message()?;
    let mut reason = reason(day, seg, inv, &chosen.hit, "reminder", last);
    if missed == MissedSteps::InOrder {
        let mut follows = due
            .iter()
            .filter(pending)
            .filter(|d| d.pos > chosen.pos)
            .peekable();
        if follows.peek().is_some() {
            reason.push_str("; ");
            for (k, d) in follows.enumerate() {
                if k > 0 {
                    reason.push_str(", ");
                }
                reason.push_str(d.hit.step.label());
            }
            reason.push_str(" follow(s) within the contact budget");
        }
    }
    Some(Candidate {
        category: Category::Dunning,
        channel,
        rule: &chosen.hit.step.rule,
        template,
        tone,
        severity: (
            (chosen.hit.nominal - inv.due_date).num_days(),
            chosen.hit.step.rank(),
        ),
        invoices: Vec::new(),
        nominal: Some(chosen.hit.nominal),
        reason,
        skipped,
        reminded: last.is_some(),
    })
}

fn reason(
    day: &Day<'_, '_>,
    seg: &CompiledSegment<'_>,
    inv: &Invoice,
    hit: &Hit<'_, '_>,
    what: &str,
    last: Option<NaiveDate>,
) -> String {
    let mut s = String::with_capacity(160);
    explain::push_invoice_status(&mut s, inv, day.as_of);
    s.push_str("; ");
    s.push_str(hit.step.label());
    s.push_str(" of segment '");
    s.push_str(seg.name);
    s.push_str("' matched; ");
    match last {
        Some(d) => {
            s.push_str("last ");
            s.push_str(what);
            s.push(' ');
            explain::push_date(&mut s, d);
        }
        None => {
            s.push_str("no earlier ");
            s.push_str(what);
        }
    }
    explain::push_timing(&mut s, hit.nominal, hit.effective, day.as_of);
    s
}

fn escalation<'t>(
    day: &Day<'_, '_>,
    seg: &CompiledSegment<'_>,
    e: &'t CompiledEscalation<'_>,
    i: u32,
    inv: &Invoice,
    sum: &Summary,
    tasks: &mut Tasks<'t>,
) {
    let spec = e.spec;
    if inv.days_past_due(day.as_of) < spec.min_dpd {
        return;
    }
    let Some(nominal) = inv
        .due_date
        .checked_add_signed(Duration::days(spec.min_dpd))
    else {
        return;
    };
    let Some(effective) = day.window(nominal) else {
        return;
    };
    let mut why = format!("days past due ≥ {}", spec.min_dpd);
    if let Some(min) = e.min_amount {
        if inv.currency != min.currency || inv.amount < min.minor {
            return;
        }
        why.push_str(&format!(
            ", amount {} ≥ {}",
            explain::money(inv.amount_money()),
            explain::money(min)
        ));
    }
    if let Some(min) = e.min_customer_outstanding {
        let total = sum.outstanding_in(min.currency);
        if total < min.minor {
            return;
        }
        let total = crate::money::Money::new(total, min.currency);
        why.push_str(&format!(
            ", customer outstanding {} ≥ {}",
            explain::money(total),
            explain::money(min)
        ));
    }
    if day
        .sent
        .invoice(&inv.invoice_id)
        .is_some_and(|m| m.escalations.contains(&e.rule))
    {
        return;
    }
    let mut reason = String::with_capacity(160);
    explain::push_invoice_status(&mut reason, inv, day.as_of);
    reason.push_str("; escalation '");
    reason.push_str(&spec.name);
    reason.push_str("' of segment '");
    reason.push_str(seg.name);
    reason.push_str("' matched: ");
    reason.push_str(&why);
    explain::push_timing(&mut reason, nominal, effective, day.as_of);
    let mut add = |kind, role, template: Option<&'t str>| {
        if let Some(template) = template {
            tasks.add(Task {
                kind,
                role,
                group: &e.rule,
                rule: &e.rule,
                template,
                tone: Tone::Neutral,
                severity: (spec.min_dpd, 0),
                nominal,
                invoice: i,
                reason: reason.clone(),
            });
        }
    };
    for role in &spec.notify {
        add(ActionKind::Notify, *role, spec.template.as_deref());
    }
    if let Some(role) = spec.hand_over_to {
        add(ActionKind::Task, role, spec.handover_template.as_deref());
    }
}

/// One internal task or notification about one invoice, before grouping.
struct Task<'t> {
    kind: ActionKind,
    role: Role,
    /// Tasks with the same kind, role and group become one action.
    group: &'t str,
    rule: &'t str,
    template: &'t str,
    tone: Tone,
    severity: (i64, u8),
    nominal: NaiveDate,
    invoice: u32,
    reason: String,
}

/// Internal tasks of a customer's day, grouped so a person gets one call task
/// (or one notification per rule) listing every invoice concerned.
#[derive(Default)]
struct Tasks<'t> {
    groups: Vec<(Task<'t>, Vec<u32>, Vec<String>)>,
}

impl<'t> Tasks<'t> {
    fn add(&mut self, t: Task<'t>) {
        let found = self
            .groups
            .iter_mut()
            .find(|(g, _, _)| g.kind == t.kind && g.role == t.role && g.group == t.group);
        match found {
            Some((g, invoices, reasons)) => {
                invoices.push(t.invoice);
                reasons.push(t.reason);
                if t.severity > g.severity {
                    g.rule = t.rule;
                    g.template = t.template;
                    g.severity = t.severity;
                }
                g.nominal = g.nominal.max(t.nominal);
            }
            None => {
                let mut t = t;
                let (invoices, reasons) = (vec![t.invoice], vec![std::mem::take(&mut t.reason)]);
                self.groups.push((t, invoices, reasons));
            }
        }
    }

    fn flush(self, day: &Day<'_, '_>, customer_id: &str, out: &mut Vec<Action>) {
        for (t, invoices, reasons) in self.groups {
            let what = match t.kind {
                ActionKind::CallTask => "call task",
                ActionKind::Task => "task",
                _ => "notification",
            };
            let draft = Draft {
                kind: t.kind,
                rule: t.rule,
                template: Some(t.template),
                invoices,
                nominal: Some(t.nominal),
                explanation: {
                    let mut s = explain::consolidated(what, reasons.iter().map(String::as_str));
                    s.push_str("; for ");
                    s.push_str(t.role.as_str());
                    s
                },
                tone: t.tone,
            };
            out.push(day.internal(customer_id, t.role, draft));
        }
    }
}
