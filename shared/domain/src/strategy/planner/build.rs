//! The planning day and how actions are assembled: ids, recipients, send time.

use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::holidays::HolidayCalendar;
use crate::ledger::{Channel, Customer, Invoice};

use super::super::action::{Action, ActionKind, Recipients, Target, action_id};
use super::super::calendar::scheduled_for;
use super::super::model::{Role, Tone};
use super::super::sent_index::SentIndex;
use super::compile::Compiled;

/// Everything shared by all customers on one planning day.
pub struct Day<'a, 's> {
    pub c: &'a Compiled<'s>,
    pub invoices: &'a [Invoice],
    pub sent: &'a SentIndex,
    pub as_of: NaiveDate,
    /// Send time of internal actions (tenant zone), computed once.
    pub internal_time: String,
    /// The holiday calendars `as_of` is a holiday in (for customers'
    /// countries), computed once.
    pub holiday_in: Vec<HolidayCalendar>,
}

/// What an action is about, before it gets an id.
pub struct Draft<'x> {
    pub kind: ActionKind,
    pub rule: &'x str,
    pub template: Option<&'x str>,
    pub invoices: Vec<u32>,
    pub nominal: Option<NaiveDate>,
    pub explanation: String,
    pub tone: Tone,
}

impl<'a, 's> Day<'a, 's> {
    pub fn new(
        c: &'a Compiled<'s>,
        invoices: &'a [Invoice],
        sent: &'a SentIndex,
        as_of: NaiveDate,
    ) -> Self {
        Day {
            internal_time: scheduled_for(as_of, c.send_hour, c.tz),
            holiday_in: HolidayCalendar::all()
                .filter(|h| h.is_holiday(as_of))
                .collect(),
            c,
            invoices,
            sent,
            as_of,
        }
    }

    /// The calendar of `customer`'s country when today is a public holiday
    /// there (no automated message goes to it today).
    pub fn customer_holiday(&self, customer: &Customer) -> Option<HolidayCalendar> {
        if self.holiday_in.is_empty() {
            return None;
        }
        let own = HolidayCalendar::for_country(customer.country.as_deref()?)?;
        self.holiday_in.iter().find(|h| **h == own).copied()
    }

    /// The day a step nominally on `nominal` is effective, when that is due now
    /// and not older than catch-up allows.
    pub fn window(&self, nominal: NaiveDate) -> Option<NaiveDate> {
        if nominal > self.as_of || (self.as_of - nominal).num_days() > self.c.look_back {
            return None;
        }
        let effective = self.c.days.on_or_after(nominal);
        (effective <= self.as_of && (self.as_of - effective).num_days() <= self.c.catch_up)
            .then_some(effective)
    }

    fn sorted_ids(&self, idx: &mut Vec<u32>) -> Vec<&'a str> {
        idx.sort_unstable_by(|a, b| {
            self.invoices[*a as usize]
                .invoice_id
                .cmp(&self.invoices[*b as usize].invoice_id)
        });
        idx.dedup_by(|a, b| {
            self.invoices[*a as usize].invoice_id == self.invoices[*b as usize].invoice_id
        });
        idx.iter()
            .map(|i| self.invoices[*i as usize].invoice_id.as_str())
            .collect()
    }

    /// An internal action for `role`.
    pub fn internal(&self, customer_id: &str, role: Role, mut d: Draft<'_>) -> Action {
        let ids = self.sorted_ids(&mut d.invoices);
        Action {
            id: action_id(
                d.kind,
                d.rule,
                Target::Role(role),
                customer_id,
                &ids,
                d.nominal,
            ),
            kind: d.kind,
            customer_id: customer_id.to_string(),
            invoice_ids: ids.iter().map(|s| s.to_string()).collect(),
            rule: d.rule.to_string(),
            channel: None,
            recipients: Recipients::Role(role),
            template: d.template.map(str::to_string),
            scheduled_for: self.internal_time.clone(),
            due_on: self.as_of,
            explanation: d.explanation,
            tone: d.tone,
            stages: Vec::new(),
            skipped_steps: Vec::new(),
            reminded_before: false,
        }
    }

    /// A message to the customer on `channel`, at the send hour in its zone.
    pub fn message(
        &self,
        customer_id: &str,
        customer: &Customer,
        channel: Channel,
        mut d: Draft<'_>,
    ) -> Action {
        let ids = self.sorted_ids(&mut d.invoices);
        let tz: Tz = customer
            .timezone
            .as_deref()
            .and_then(|z| z.parse().ok())
            .unwrap_or(self.c.tz);
        let addresses = match channel {
            Channel::Email => customer.emails.clone(),
            Channel::Sms | Channel::Whatsapp => customer.phone.iter().cloned().collect(),
        };
        let mut explanation = d.explanation;
        if addresses.is_empty() {
            explanation.push_str(&format!(
                "; no {} address on file",
                super::super::action::channel_str(channel)
            ));
        }
        Action {
            id: action_id(
                d.kind,
                d.rule,
                Target::Channel(channel),
                customer_id,
                &ids,
                d.nominal,
            ),
            kind: d.kind,
            customer_id: customer_id.to_string(),
            invoice_ids: ids.iter().map(|s| s.to_string()).collect(),
            rule: d.rule.to_string(),
            channel: Some(channel),
            recipients: Recipients::Addresses(addresses),
            template: d.template.map(str::to_string),
            scheduled_for: scheduled_for(self.as_of, self.c.send_hour, tz),
            due_on: self.as_of,
            explanation,
            tone: d.tone,
            stages: Vec::new(),
            skipped_steps: Vec::new(),
            reminded_before: false,
        }
    }
}
