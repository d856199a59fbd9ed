//! Checks a parsed strategy makes sense: amounts exact in their currency, a real
//! time zone, sane ranges, unique names, cadences that do not overlap.
//! Errors stop a strategy from loading; warnings are shown by `lint`.

use std::collections::HashSet;

use chrono_tz::Tz;

use crate::money::Currency;

use super::events::Events;
use super::load::{Problem, Seg, at};
use super::model::{Cadence, Conditions, Escalation, Segment, StepChannel, Strategy};
use super::threshold::Threshold;

use Seg::{Index as I, Key as K};

/// Every problem found, errors and warnings.
pub fn validate(s: &Strategy) -> Vec<Problem> {
    let mut out = Vec::new();
    let t = &s.tenant;
    if t.timezone.parse::<Tz>().is_err() {
        out.push(Problem::error(
            vec![K("tenant"), K("timezone")],
            format!(
                "'{}' is not an IANA time zone (e.g. \"Europe/Berlin\")",
                t.timezone
            ),
        ));
    }
    if t.send_hour > 23 {
        out.push(Problem::error(
            vec![K("tenant"), K("send_hour")],
            format!("send_hour {} is not an hour of the day (0-23)", t.send_hour),
        ));
    }
    let weekend: HashSet<_> = t.calendar.weekend.iter().map(|d| d.weekday()).collect();
    if weekend.len() == 7 {
        out.push(Problem::error(
            vec![K("tenant"), K("calendar"), K("weekend")],
            "every day of the week is a weekend day: nothing could ever be sent",
        ));
    }
    if let Some(fees) = &t.fees
        && let Err(e) = fees.policy(t.currency)
    {
        out.push(Problem::error(vec![K("tenant"), K("fees")], e));
    }
    if s.segments.is_empty() {
        out.push(Problem::error(
            vec![K("segments")],
            "no [[segments]]: add at least one (one without `when` catches every customer)",
        ));
    }
    events(&s.events, &[K("events")], &mut out);
    let mut global_names = HashSet::new();
    for (i, e) in s.escalations.iter().enumerate() {
        let p = [K("escalations"), I(i)];
        if !global_names.insert(e.name.as_str()) {
            out.push(dup(&p, "escalation", &e.name));
        }
        escalation(e, t.currency, &p, &mut out);
    }
    let mut seg_names = HashSet::new();
    let mut catch_all: Option<&str> = None;
    for (i, seg) in s.segments.iter().enumerate() {
        let p = [K("segments"), I(i)];
        if seg.name.trim().is_empty() {
            out.push(Problem::error(
                at(&p, &[K("name")]),
                "a segment needs a name",
            ));
        } else if !seg_names.insert(seg.name.as_str()) {
            out.push(dup(&p, "segment", &seg.name));
        }
        if let Some(first) = catch_all {
            out.push(Problem::warning(
                at(&p, &[K("name")]),
                format!("segment '{}' is never reached: segment '{first}' before it matches every customer", seg.name),
            ));
        }
        if seg.when.is_empty() && catch_all.is_none() {
            catch_all = Some(&seg.name);
        }
        conditions(&seg.when, t.currency, &at(&p, &[K("when")]), &mut out);
        segment(seg, t.currency, &global_names, &p, &mut out);
        events(&seg.events, &at(&p, &[K("events")]), &mut out);
    }
    if catch_all.is_none() && !s.segments.is_empty() {
        out.push(Problem::warning(
            vec![K("segments"), I(s.segments.len() - 1)],
            "no segment without `when`: customers matching no segment get no dunning",
        ));
    }
    out
}

fn dup(p: &[Seg], what: &str, name: &str) -> Problem {
    Problem::error(
        at(p, &[K("name")]),
        format!("{what} name '{name}' is used twice"),
    )
}

fn money(
    t: &Option<Threshold>,
    tenant: Currency,
    p: Vec<Seg>,
    out: &mut Vec<Problem>,
) -> Option<crate::money::Money> {
    let t = t.as_ref()?;
    match t.to_money(tenant) {
        Ok(m) => Some(m),
        Err(e) => {
            out.push(Problem::error(p, e.to_string()));
            None
        }
    }
}

fn conditions(c: &Conditions, tenant: Currency, p: &[Seg], out: &mut Vec<Problem>) {
    let min = money(
        &c.min_outstanding,
        tenant,
        at(p, &[K("min_outstanding")]),
        out,
    );
    let max = money(
        &c.max_outstanding,
        tenant,
        at(p, &[K("max_outstanding")]),
        out,
    );
    if let (Some(a), Some(b)) = (min, max)
        && a.currency == b.currency
        && a.minor > b.minor
    {
        out.push(Problem::error(
            at(p, &[K("max_outstanding")]),
            "max_outstanding is below min_outstanding",
        ));
    }
    if let (Some(a), Some(b)) = (c.min_days_past_due, c.max_days_past_due)
        && a > b
    {
        out.push(Problem::error(
            at(p, &[K("max_days_past_due")]),
            "max_days_past_due is below min_days_past_due",
        ));
    }
    if let (Some(a), Some(b)) = (c.min_credit_used_pct, c.max_credit_used_pct)
        && a > b
    {
        out.push(Problem::error(
            at(p, &[K("max_credit_used_pct")]),
            "max_credit_used_pct is below min_credit_used_pct",
        ));
    }
}

fn segment(
    seg: &Segment,
    tenant: Currency,
    global: &HashSet<&str>,
    p: &[Seg],
    out: &mut Vec<Problem>,
) {
    let mut names = HashSet::new();
    let mut previous: Option<i64> = None;
    let mut offsets = HashSet::new();
    for (i, r) in seg.reminders.iter().enumerate() {
        let rp = at(p, &[K("reminders"), I(i)]);
        if !names.insert(r.name.as_str()) {
            out.push(dup(&rp, "reminder", &r.name));
        }
        if previous.is_some_and(|o| r.offset_days < o) {
            out.push(Problem::warning(
                at(&rp, &[K("offset_days")]),
                format!(
                    "reminder '{}' (offset {}) is listed after a later step: offsets out of order",
                    r.name, r.offset_days
                ),
            ));
        }
        previous = Some(previous.map_or(r.offset_days, |o| o.max(r.offset_days)));
        if !offsets.insert((r.offset_days, r.channel.external().is_some())) {
            out.push(Problem::warning(
                at(&rp, &[K("offset_days")]),
                format!(
                    "two reminders on day {}: only the one listed last is sent",
                    r.offset_days
                ),
            ));
        }
    }
    let mut names = HashSet::new();
    for (i, c) in seg.cadences.iter().enumerate() {
        let cp = at(p, &[K("cadences"), I(i)]);
        if !names.insert(c.name.as_str()) {
            out.push(dup(&cp, "cadence", &c.name));
        }
        cadence(c, &cp, out);
        for (j, other) in seg.cadences.iter().enumerate().take(i) {
            if c.from_dpd <= other.to_dpd && other.from_dpd <= c.to_dpd {
                out.push(Problem::error(
                    at(&cp, &[K("from_dpd")]),
                    format!(
                        "cadence '{}' ({}..={}) overlaps cadence '{}' ({}..={}) listed at position {}",
                        c.name, c.from_dpd, c.to_dpd, other.name, other.from_dpd, other.to_dpd, j + 1
                    ),
                ));
            }
        }
        if let Some(f) = &seg.final_notice
            && c.to_dpd >= f.offset_days
        {
            out.push(Problem::warning(
                at(&cp, &[K("to_dpd")]),
                format!(
                    "cadence '{}' runs to day {}, past the final notice on day {}",
                    c.name, c.to_dpd, f.offset_days
                ),
            ));
        }
    }
    let mut names = HashSet::new();
    for (i, e) in seg.escalations.iter().enumerate() {
        let ep = at(p, &[K("escalations"), I(i)]);
        if !names.insert(e.name.as_str()) || global.contains(e.name.as_str()) {
            out.push(dup(&ep, "escalation", &e.name));
        }
        escalation(e, tenant, &ep, out);
    }
}

fn cadence(c: &Cadence, p: &[Seg], out: &mut Vec<Problem>) {
    if c.every_days == 0 {
        out.push(Problem::error(
            at(p, &[K("every_days")]),
            "every_days must be at least 1",
        ));
    }
    if c.from_dpd > c.to_dpd {
        out.push(Problem::error(
            at(p, &[K("to_dpd")]),
            format!("to_dpd {} is before from_dpd {}", c.to_dpd, c.from_dpd),
        ));
    }
    if c.channels.is_empty() {
        out.push(Problem::error(
            at(p, &[K("channels")]),
            "a cadence needs at least one channel",
        ));
    }
    let external = c
        .channels
        .iter()
        .filter(|ch| ch.external().is_some())
        .count();
    if external > 1 {
        out.push(Problem::error(
            at(p, &[K("channels")]),
            "at most one customer channel (email, sms, whatsapp) per cadence: one message a day",
        ));
    }
    let needs = |ch: StepChannel| c.channels.contains(&ch);
    if external == 1 && c.template.is_none() {
        out.push(Problem::error(
            at(p, &[K("channels")]),
            format!("cadence '{}' sends a message but has no `template`", c.name),
        ));
    }
    if needs(StepChannel::CallTask) && c.call_script.is_none() {
        out.push(Problem::error(
            at(p, &[K("channels")]),
            format!("cadence '{}' has a call_task but no `call_script`", c.name),
        ));
    }
    if needs(StepChannel::Notify) && c.notify_template.is_none() {
        out.push(Problem::error(
            at(p, &[K("channels")]),
            format!("cadence '{}' notifies but has no `notify_template`", c.name),
        ));
    }
}

fn escalation(e: &Escalation, tenant: Currency, p: &[Seg], out: &mut Vec<Problem>) {
    money(&e.min_amount, tenant, at(p, &[K("min_amount")]), out);
    money(
        &e.min_customer_outstanding,
        tenant,
        at(p, &[K("min_customer_outstanding")]),
        out,
    );
    if e.notify.is_empty() && e.hand_over_to.is_none() {
        out.push(Problem::error(
            at(p, &[K("name")]),
            format!("escalation '{}' neither notifies nor hands over", e.name),
        ));
    }
    if !e.notify.is_empty() && e.template.is_none() {
        out.push(Problem::error(
            at(p, &[K("notify")]),
            format!("escalation '{}' notifies but has no `template`", e.name),
        ));
    }
    if e.hand_over_to.is_some() && e.handover_template.is_none() {
        out.push(Problem::error(
            at(p, &[K("hand_over_to")]),
            format!(
                "escalation '{}' hands over but has no `handover_template`",
                e.name
            ),
        ));
    }
}

fn events(ev: &Events, p: &[Seg], out: &mut Vec<Problem>) {
    if let Some(o) = &ev.onboarding
        && o.call_task.is_some()
        && o.call_script.is_none()
    {
        out.push(Problem::error(
            at(p, &[K("onboarding"), K("call_task")]),
            "an onboarding call_task needs a `call_script`",
        ));
    }
    if let Some(d) = &ev.dispute
        && d.escalate_after_days.is_some()
        && (d.escalate_to.is_empty() || d.escalation_template.is_none())
    {
        out.push(Problem::error(
            at(p, &[K("dispute"), K("escalate_after_days")]),
            "a dispute escalation needs `escalate_to` roles and an `escalation_template`",
        ));
    }
    if let Some(c) = &ev.credit {
        if c.notify.is_empty() {
            out.push(Problem::error(
                at(p, &[K("credit"), K("notify")]),
                "credit holds need at least one role to `notify`",
            ));
        }
        if c.release_pct() > c.hold_above_pct {
            out.push(Problem::error(
                at(p, &[K("credit"), K("release_below_pct")]),
                format!(
                    "release_below_pct {} is above hold_above_pct {}: a hold would end before it starts",
                    c.release_pct(),
                    c.hold_above_pct
                ),
            ));
        }
        if !c.hold_over_limit && c.hold_after_dpd.is_none() && c.enabled {
            out.push(Problem::warning(
                at(p, &[K("credit")]),
                "credit policy never holds: set hold_over_limit or hold_after_dpd",
            ));
        }
    }
    if let Some(w) = &ev.white_glove
        && w.every_days == 0
    {
        out.push(Problem::error(
            at(p, &[K("white_glove"), K("every_days")]),
            "every_days must be at least 1",
        ));
    }
}
