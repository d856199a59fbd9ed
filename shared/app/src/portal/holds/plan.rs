//! The day's plan with the portal's state, in one place for `plan --db`,
//! `run` and the API: contact preferences change the customers (language,
//! SMS opt-out) and the channel of their messages, holds take invoices out,
//! and instalment reminders, broken-promise and missed-instalment notices
//! join the strategy's actions. An approved plan behind on an instalment
//! past its grace days stops holding (its stored state is left alone: the
//! AR team marks it defaulted).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use arflow_domain::ledger::{Channel, Customer, Invoice};
use arflow_domain::money::{Currency, Money};
use arflow_domain::sent::SentRecord;
use arflow_domain::strategy::contact::HeldBack;
use arflow_domain::strategy::portal::{
    BrokenPromiseDue, InstalmentDue, MissedInstalmentDue, first_missed_instalment,
    instalment_grace_days, missed_instalment_actions, portal_actions,
};
use arflow_domain::strategy::{
    Action, ActionKind, DayPlan, PlanInput, Recipients, Strategy, plan_with_held,
};
use chrono::NaiveDate;

use super::{Holds, broken_promises};
use crate::portal::PlanState;

/// A planned day: the actions, and the invoices to render them with (the
/// held ledger plus the invoices of holding payment plans, which instalment
/// reminders name).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeldDay {
    pub invoices: Vec<Invoice>,
    pub actions: Vec<Action>,
    /// Reminders the contact budget holds back today.
    pub held: Vec<HeldBack>,
}

fn display(minor: i64, currency: &str) -> String {
    match Currency::parse(currency) {
        Ok(c) => format!("{} {}", Money::new(minor, c).to_grouped_string(), c.code()),
        Err(_) => format!("{minor} {currency}"),
    }
}

/// What [`Holds::plan_day`] works out before the holds apply.
struct Day<'a> {
    strategy: &'a Strategy,
    as_of: NaiveDate,
    sent: &'a [SentRecord],
    dues: &'a [InstalmentDue],
    missed: &'a [MissedInstalmentDue],
}

impl Holds {
    /// Plans `as_of` from the whole ledger with the portal's state; the
    /// customers get their contact preferences applied in place.
    pub fn plan_day(
        &self,
        strategy: &Strategy,
        ledger: Vec<Invoice>,
        customers: &mut HashMap<String, Customer>,
        as_of: NaiveDate,
        sent: &[SentRecord],
    ) -> HeldDay {
        self.apply_prefs(customers);
        let missed = self.missed_instalments(&ledger, instalment_grace_days(strategy), as_of);
        let dues = self.instalments_due(&ledger, as_of);
        let day = Day {
            strategy,
            as_of,
            sent,
            dues: &dues,
            missed: &missed,
        };
        self.without_plans(&missed)
            .plan_held_day(&day, ledger, customers)
    }

    /// These holds less the payment plans of `missed` (which hold nothing).
    fn without_plans(&self, missed: &[MissedInstalmentDue]) -> Cow<'_, Holds> {
        if missed.is_empty() {
            return Cow::Borrowed(self);
        }
        let gone: HashSet<&str> = missed.iter().map(|m| m.plan_id.as_str()).collect();
        Cow::Owned(Holds {
            plans: (self.plans.iter())
                .filter(|p| !gone.contains(p.id.as_str()))
                .cloned()
                .collect(),
            ..self.clone()
        })
    }

    /// The approved plans behind on an instalment on `as_of`: what the
    /// plan's invoices received since it was made (its total less their
    /// outstanding on `as_of`; an invoice no longer in the ledger owes
    /// nothing) is less than the instalments due up to a date whose
    /// `grace_days` have passed.
    pub fn missed_instalments(
        &self,
        ledger: &[Invoice],
        grace_days: u32,
        as_of: NaiveDate,
    ) -> Vec<MissedInstalmentDue> {
        let mut out = Vec::new();
        for p in self.plans.iter().filter(|p| p.state == PlanState::Approved) {
            let outstanding: i64 = ledger
                .iter()
                .filter(|i| i.customer_id == p.customer_id && p.invoice_ids.contains(&i.invoice_id))
                .map(|i| i.outstanding_on(as_of))
                .sum();
            let paid = p.total - outstanding;
            let dated: Vec<(NaiveDate, i64)> = p
                .instalments
                .iter()
                .map(|i| (i.due_date, i.amount))
                .collect();
            let Some(k) = first_missed_instalment(&dated, paid, grace_days, as_of) else {
                continue;
            };
            let due: i64 = dated[..=k].iter().map(|(_, a)| a).sum();
            out.push(MissedInstalmentDue {
                plan_id: p.id.clone(),
                customer_id: p.customer_id.clone(),
                invoice_ids: p.invoice_ids.clone(),
                number: k + 1,
                count: dated.len(),
                due_date: dated[k].0,
                due_display: display(due, &p.currency),
                paid_display: display(paid.max(0), &p.currency),
            });
        }
        out
    }

    /// [`Holds::plan_day`] once the missed plans are out of these holds.
    fn plan_held_day(
        &self,
        day: &Day<'_>,
        ledger: Vec<Invoice>,
        customers: &mut HashMap<String, Customer>,
    ) -> HeldDay {
        let Day {
            strategy,
            as_of,
            sent,
            dues,
            missed,
        } = *day;
        let planned = self.planned();
        let set_aside: Vec<Invoice> = if planned.is_empty() {
            Vec::new()
        } else {
            ledger
                .iter()
                .filter(|i| {
                    i.is_open_on(as_of)
                        && planned.contains(&(i.customer_id.as_str(), i.invoice_id.as_str()))
                })
                .cloned()
                .collect()
        };
        let broken: Vec<BrokenPromiseDue> = if self.promises.is_empty() {
            Vec::new()
        } else {
            broken_promises(&ledger, &self.promises, as_of)
                .into_iter()
                .filter_map(|p| {
                    let i = ledger.iter().find(|i| i.invoice_id == p.invoice_id)?;
                    Some(BrokenPromiseDue {
                        customer_id: p.customer_id.clone(),
                        invoice_id: p.invoice_id.clone(),
                        promised_date: p.promised_date,
                        amount_display: display(p.amount, i.currency.code()),
                    })
                })
                .collect()
        };
        let mut invoices = self.apply(ledger, as_of);
        let DayPlan { mut actions, held } = plan_with_held(&PlanInput {
            as_of,
            invoices: &invoices,
            customers,
            strategy,
            sent,
        });
        actions.extend(portal_actions(
            strategy, customers, dues, &broken, as_of, sent,
        ));
        actions.extend(missed_instalment_actions(strategy, missed, as_of, sent));
        self.route(&mut actions, customers);
        invoices.extend(set_aside);
        HeldDay {
            invoices,
            actions,
            held,
        }
    }

    /// Each instalment of an approved plan with an invoice open on `as_of`
    /// in `ledger` (a missed plan included: it is still approved, and its
    /// later instalments can still be paid).
    fn instalments_due(&self, ledger: &[Invoice], as_of: NaiveDate) -> Vec<InstalmentDue> {
        let wanted: HashSet<(&str, &str)> = (self.plans.iter())
            .filter(|p| p.state == PlanState::Approved)
            .flat_map(|p| {
                p.invoice_ids
                    .iter()
                    .map(move |i| (p.customer_id.as_str(), i.as_str()))
            })
            .collect();
        if wanted.is_empty() {
            return Vec::new();
        }
        let open: HashSet<(&str, &str)> = ledger
            .iter()
            .filter(|i| i.is_open_on(as_of))
            .map(|i| (i.customer_id.as_str(), i.invoice_id.as_str()))
            .filter(|k| wanted.contains(k))
            .collect();
        let mut out = Vec::new();
        for p in self.plans.iter().filter(|p| p.state == PlanState::Approved) {
            if !p
                .invoice_ids
                .iter()
                .any(|i| open.contains(&(p.customer_id.as_str(), i.as_str())))
            {
                continue;
            }
            for (k, inst) in p.instalments.iter().enumerate() {
                out.push(InstalmentDue {
                    plan_id: p.id.clone(),
                    customer_id: p.customer_id.clone(),
                    invoice_ids: p.invoice_ids.clone(),
                    number: k + 1,
                    count: p.instalments.len(),
                    due_date: inst.due_date,
                    amount_display: display(inst.amount, &p.currency),
                });
            }
        }
        out
    }

    /// The customers' portal preferences: their language, and SMS added to
    /// their opt-outs when they asked for no text messages.
    pub fn apply_prefs(&self, customers: &mut HashMap<String, Customer>) {
        for (id, p) in &self.prefs {
            let Some(c) = customers.get_mut(id) else {
                continue;
            };
            if let Some(lang) = p.language.as_deref().filter(|l| !l.is_empty()) {
                c.language = Some(lang.to_string());
            }
            if p.sms_opt_out && !c.opted_out.contains(&Channel::Sms) {
                c.opted_out.push(Channel::Sms);
            }
        }
    }

    /// Moves e-mails and text messages to the channel the customer prefers
    /// ("email" or "sms") when it has an address there and did not opt out
    /// of it. The action keeps its id, so the sent log still recognises it.
    pub fn route(&self, actions: &mut [Action], customers: &HashMap<String, Customer>) {
        let prefs: HashMap<&str, Channel> = self
            .prefs
            .iter()
            .map(|(id, p)| (id.as_str(), p.channel))
            .collect();
        for a in actions.iter_mut() {
            let Some(want) = prefs.get(a.customer_id.as_str()) else {
                continue;
            };
            let Some(c) = customers.get(&a.customer_id) else {
                continue;
            };
            let (to, addresses) = match (*want, a.kind) {
                (Channel::Sms, ActionKind::Email) => {
                    (Channel::Sms, c.phone.iter().cloned().collect::<Vec<_>>())
                }
                (Channel::Email, ActionKind::Sms) => (Channel::Email, c.emails.clone()),
                _ => continue,
            };
            if addresses.is_empty() || c.opted_out.contains(&to) {
                continue;
            }
            a.kind = ActionKind::message(to);
            a.channel = Some(to);
            a.recipients = Recipients::Addresses(addresses);
            a.explanation.push_str(&format!(
                "; by {} as the customer prefers",
                if to == Channel::Sms { "SMS" } else { "e-mail" }
            ));
        }
    }
}

#[cfg(test)]
mod tests;
