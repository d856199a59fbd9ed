//! An invoice's dunning timeline: the reminder steps, cadence occurrences and
//! final notice of a segment as days from the due date, and "the newest step
//! whose day has come" — the only one catch-up ever sends.

use chrono::{Duration, NaiveDate};

use crate::ledger::Channel;

use super::super::calendar::BusinessDays;
use super::super::model::{Cadence, FinalNotice, ReminderStep, Role, StepChannel, Tone};

/// Where a step comes from.
#[derive(Clone, Copy, Debug)]
pub enum StepRef<'s> {
    Reminder(&'s ReminderStep),
    Cadence(&'s Cadence),
    Final(&'s FinalNotice),
}

/// One dunning step of a segment, with its rule name.
#[derive(Clone, Debug)]
pub struct Step<'s> {
    pub source: StepRef<'s>,
    pub rule: String,
    /// "step 'friendly'", "cadence '31-60 weekly'", "final notice".
    pub label: String,
}

impl<'s> Step<'s> {
    /// Ties on the same day go to the final notice, then cadences, then reminders.
    pub fn rank(&self) -> u8 {
        match self.source {
            StepRef::Reminder(_) => 0,
            StepRef::Cadence(_) => 1,
            StepRef::Final(_) => 2,
        }
    }

    /// A step of `source` under rule `rule`.
    pub fn new(source: StepRef<'s>, rule: String) -> Step<'s> {
        let label = match source {
            StepRef::Reminder(r) => format!("step '{}'", r.name),
            StepRef::Cadence(c) => format!("cadence '{}'", c.name),
            StepRef::Final(_) => "final notice".to_string(),
        };
        Step {
            source,
            rule,
            label,
        }
    }

    /// "step 'friendly'", "cadence '31-60 weekly'", "final notice".
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The customer channel, template and tone of the message it sends.
    pub fn message(&self) -> Option<(Channel, &'s str, Tone)> {
        match self.source {
            StepRef::Reminder(r) => Some((r.channel.external()?, &r.template, r.tone)),
            StepRef::Cadence(c) => {
                let ch = c.channels.iter().find_map(|ch| ch.external())?;
                Some((ch, c.template.as_deref()?, c.tone))
            }
            StepRef::Final(f) => Some((f.channel, &f.template, f.tone)),
        }
    }

    /// The internal tasks it creates: (is a call, role, template).
    pub fn tasks(&self) -> Vec<(bool, Role, &'s str)> {
        let mut out = Vec::new();
        match self.source {
            StepRef::Reminder(r) => {
                let role = r.role.unwrap_or(Role::ArTeam);
                match r.channel {
                    StepChannel::CallTask => out.push((true, role, r.template.as_str())),
                    StepChannel::Notify => out.push((false, role, r.template.as_str())),
                    _ => {}
                }
            }
            StepRef::Cadence(c) => {
                let role = c.role.unwrap_or(Role::ArTeam);
                if c.channels.contains(&StepChannel::CallTask)
                    && let Some(t) = &c.call_script
                {
                    out.push((true, role, t.as_str()));
                }
                if c.channels.contains(&StepChannel::Notify)
                    && let Some(t) = &c.notify_template
                {
                    out.push((false, role, t.as_str()));
                }
            }
            StepRef::Final(_) => {}
        }
        out
    }
}

/// The steps of one kind (customer messages, or internal tasks) of a segment.
#[derive(Clone, Debug, Default)]
pub struct Timeline<'s> {
    /// (offset, position in the file, step), sorted by offset then position.
    fixed: Vec<(i64, usize, Step<'s>)>,
    /// (from, to, every, step).
    periodic: Vec<(i64, i64, i64, Step<'s>)>,
    /// Every step in the order an invoice reaches it: (day of its first
    /// occurrence, rank, push order, periodic?, index into its list).
    order: Vec<(i64, u8, usize, bool, usize)>,
}

/// A step due for an invoice, with its place in the timeline's order.
#[derive(Clone, Copy, Debug)]
pub struct Due<'t, 's> {
    pub hit: Hit<'t, 's>,
    /// Days from the due date of its first occurrence (≤ 0: before or on
    /// the due date).
    pub first_offset: i64,
    /// Position in the timeline's order.
    pub pos: usize,
    pub periodic: bool,
}

/// The step a timeline says is due: its nominal day and the business day it fell on.
#[derive(Clone, Copy, Debug)]
pub struct Hit<'t, 's> {
    pub step: &'t Step<'s>,
    pub nominal: NaiveDate,
    pub effective: NaiveDate,
}

impl<'s> Timeline<'s> {
    pub fn push_fixed(&mut self, offset: i64, step: Step<'s>) {
        let pos = self.fixed.len();
        self.fixed.push((offset, pos, step));
        self.fixed.sort_by_key(|(o, p, _)| (*o, *p));
        self.reorder();
    }

    pub fn push_periodic(&mut self, c: &Cadence, step: Step<'s>) {
        if c.every_days > 0 && c.from_dpd <= c.to_dpd {
            self.periodic
                .push((c.from_dpd, c.to_dpd, i64::from(c.every_days), step));
            self.reorder();
        }
    }

    fn reorder(&mut self) {
        let fixed = self
            .fixed
            .iter()
            .enumerate()
            .map(|(i, (o, p, s))| (*o, s.rank(), *p, false, i));
        let periodic = self
            .periodic
            .iter()
            .enumerate()
            .map(|(i, (from, _, _, s))| (*from, s.rank(), usize::MAX - i, true, i));
        self.order = fixed.chain(periodic).collect();
        self.order.sort_unstable();
    }

    /// The position in the order of the step with rule `rule`, if any.
    pub fn position(&self, rule: &str) -> Option<usize> {
        self.order.iter().position(|(_, _, _, periodic, i)| {
            let step = if *periodic {
                &self.periodic[*i].3
            } else {
                &self.fixed[*i].2
            };
            step.rule == rule
        })
    }

    /// Every step whose day has come by `as_of` for an invoice due on
    /// `due`, in the timeline's order; a periodic step by its newest
    /// occurrence. Appended to `out`.
    pub fn due_in_order<'t>(
        &'t self,
        due: NaiveDate,
        as_of: NaiveDate,
        days: &BusinessDays,
        out: &mut Vec<Due<'t, 's>>,
    ) {
        let limit = (as_of - due).num_days();
        for (pos, (first, _, _, periodic, i)) in self.order.iter().enumerate() {
            if *first > limit {
                break;
            }
            let hit = |offset: i64, step: &'t Step<'s>| {
                let nominal = due.checked_add_signed(Duration::days(offset))?;
                let effective = days.on_or_after(nominal);
                (effective <= as_of).then_some(Hit {
                    step,
                    nominal,
                    effective,
                })
            };
            let found = if *periodic {
                let (from, to, every, step) = &self.periodic[*i];
                let newest = from + (limit.min(*to) - from) / every * every;
                hit(newest, step).or_else(|| {
                    (newest - every >= *from)
                        .then(|| hit(newest - every, step))
                        .flatten()
                })
            } else {
                let (offset, _, step) = &self.fixed[*i];
                hit(*offset, step)
            };
            if let Some(hit) = found {
                out.push(Due {
                    hit,
                    first_offset: *first,
                    pos,
                    periodic: *periodic,
                });
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.fixed.is_empty() && self.periodic.is_empty()
    }

    /// The latest occurrence at or before `limit` days from the due date.
    fn newest(&self, limit: i64) -> Option<(i64, &Step<'s>)> {
        let mut best: Option<(i64, &Step<'s>)> = None;
        let n = self.fixed.partition_point(|(o, _, _)| *o <= limit);
        if n > 0 {
            let (o, _, s) = &self.fixed[n - 1];
            best = Some((*o, s));
        }
        for (from, to, every, s) in &self.periodic {
            if *from > limit {
                continue;
            }
            let last = limit.min(*to);
            let o = from + (last - from) / every * every;
            let better = match best {
                None => true,
                Some((bo, bs)) => o > bo || (o == bo && s.rank() >= bs.rank()),
            };
            if better {
                best = Some((o, s));
            }
        }
        best
    }

    /// The newest step whose (business-day) date has come by `as_of`, for an
    /// invoice due on `due`.
    pub fn due_step(
        &self,
        due: NaiveDate,
        as_of: NaiveDate,
        days: &BusinessDays,
    ) -> Option<Hit<'_, 's>> {
        if self.is_empty() {
            return None;
        }
        let mut limit = (as_of - due).num_days();
        loop {
            let (offset, step) = self.newest(limit)?;
            let nominal = due.checked_add_signed(Duration::days(offset))?;
            let effective = days.on_or_after(nominal);
            if effective <= as_of {
                return Some(Hit {
                    step,
                    nominal,
                    effective,
                });
            }
            limit = offset - 1;
        }
    }
}
