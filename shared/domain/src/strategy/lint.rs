//! `arflow strategy lint`: every error and warning in a strategy file, each at
//! its line, including templates the file names that do not exist and
//! templates that exist but nothing uses.

use std::collections::{BTreeSet, HashSet};

use super::events::Events;
use super::load::{Diagnostic, Locator, Seg, Severity, at, parse};
use super::model::Strategy;
use super::validate::validate;

use Seg::{Index as I, Key as K};

/// Lints a strategy file. `templates` is the list of template names that
/// exist (None skips the template checks). Diagnostics come in file order.
pub fn lint(text: &str, file: &str, templates: Option<&[String]>) -> Vec<Diagnostic> {
    let strategy = match parse(text, file) {
        Ok(s) => s,
        Err(d) => return vec![d],
    };
    let loc = Locator::new(text, file);
    let mut out: Vec<Diagnostic> = validate(&strategy).iter().map(|p| loc.locate(p)).collect();
    if let Some(available) = templates {
        let known: HashSet<&str> = available.iter().map(String::as_str).collect();
        let refs = template_refs(&strategy);
        for (path, name) in &refs {
            if !known.contains(name) {
                let mut sorted: Vec<&str> = known.iter().copied().collect();
                sorted.sort_unstable();
                let hint = if sorted.is_empty() {
                    "none".to_string()
                } else {
                    sorted.join(", ")
                };
                out.push(loc.diagnostic(
                    Severity::Error,
                    loc.offset_of(path),
                    format!("template '{name}' does not exist (available: {hint})"),
                ));
            }
        }
        let used: HashSet<&str> = refs.iter().map(|(_, n)| *n).collect();
        let mut unused: Vec<&str> = known.difference(&used).copied().collect();
        unused.sort_unstable();
        for name in unused {
            out.push(loc.diagnostic(
                Severity::Warning,
                0,
                format!("template '{name}' is never used by this strategy"),
            ));
        }
    }
    out.sort_by_key(|d| (d.line, d.column, d.severity));
    out
}

/// Whether any diagnostic is an error.
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(|d| d.severity == Severity::Error)
}

impl Strategy {
    /// Every template name the strategy refers to.
    pub fn templates_used(&self) -> BTreeSet<&str> {
        template_refs(self).into_iter().map(|(_, n)| n).collect()
    }
}

/// Each template name with the path where the file names it.
fn template_refs(s: &Strategy) -> Vec<(Vec<Seg>, &str)> {
    let mut out = Vec::new();
    event_refs(&s.events, &[K("events")], &mut out);
    for (i, e) in s.escalations.iter().enumerate() {
        let p = [K("escalations"), I(i)];
        push(&mut out, &p, "template", e.template.as_deref());
        push(
            &mut out,
            &p,
            "handover_template",
            e.handover_template.as_deref(),
        );
    }
    for (i, seg) in s.segments.iter().enumerate() {
        let p = [K("segments"), I(i)];
        for (j, r) in seg.reminders.iter().enumerate() {
            push(
                &mut out,
                &at(&p, &[K("reminders"), I(j)]),
                "template",
                Some(&r.template),
            );
        }
        for (j, c) in seg.cadences.iter().enumerate() {
            let cp = at(&p, &[K("cadences"), I(j)]);
            push(&mut out, &cp, "template", c.template.as_deref());
            push(&mut out, &cp, "call_script", c.call_script.as_deref());
            push(
                &mut out,
                &cp,
                "notify_template",
                c.notify_template.as_deref(),
            );
        }
        for (j, e) in seg.escalations.iter().enumerate() {
            let ep = at(&p, &[K("escalations"), I(j)]);
            push(&mut out, &ep, "template", e.template.as_deref());
            push(
                &mut out,
                &ep,
                "handover_template",
                e.handover_template.as_deref(),
            );
        }
        if let Some(f) = &seg.final_notice {
            push(
                &mut out,
                &at(&p, &[K("final_notice")]),
                "template",
                Some(&f.template),
            );
        }
        event_refs(&seg.events, &at(&p, &[K("events")]), &mut out);
    }
    out
}

fn push<'s>(
    out: &mut Vec<(Vec<Seg>, &'s str)>,
    p: &[Seg],
    key: &'static str,
    name: Option<&'s str>,
) {
    if let Some(n) = name {
        out.push((at(p, &[K(key)]), n));
    }
}

fn event_refs<'s>(ev: &'s Events, p: &[Seg], out: &mut Vec<(Vec<Seg>, &'s str)>) {
    if let Some(o) = &ev.onboarding {
        let op = at(p, &[K("onboarding")]);
        push(out, &op, "template", Some(&o.template));
        push(out, &op, "call_script", o.call_script.as_deref());
    }
    for (key, m) in [
        ("invoice_notification", &ev.invoice_notification),
        ("thank_you", &ev.thank_you),
        ("statement", &ev.statement),
    ] {
        if let Some(m) = m {
            push(out, &at(p, &[K(key)]), "template", Some(&m.template));
        }
    }
    if let Some(d) = &ev.dispute {
        let dp = at(p, &[K("dispute")]);
        push(out, &dp, "ack_template", Some(&d.ack_template));
        push(
            out,
            &dp,
            "escalation_template",
            d.escalation_template.as_deref(),
        );
        push(
            out,
            &dp,
            "resolved_template",
            d.resolved_template.as_deref(),
        );
    }
    if let Some(r) = &ev.instalment_reminder {
        push(
            out,
            &at(p, &[K("instalment_reminder")]),
            "template",
            Some(&r.template),
        );
    }
    if let Some(b) = &ev.broken_promise {
        push(
            out,
            &at(p, &[K("broken_promise")]),
            "template",
            Some(&b.template),
        );
    }
    if let Some(m) = &ev.missed_instalment {
        push(
            out,
            &at(p, &[K("missed_instalment")]),
            "template",
            Some(&m.template),
        );
    }
    if let Some(c) = &ev.credit {
        let cp = at(p, &[K("credit")]);
        push(out, &cp, "hold_template", Some(&c.hold_template));
        push(out, &cp, "release_template", Some(&c.release_template));
        if let Some(r) = &c.annual_review {
            push(
                out,
                &at(&cp, &[K("annual_review")]),
                "template",
                Some(&r.template),
            );
        }
    }
    if let Some(w) = &ev.white_glove {
        push(
            out,
            &at(p, &[K("white_glove")]),
            "template",
            Some(&w.template),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "[tenant]\ncurrency = \"USD\"\n\n[[segments]]\nname = \"all\"\n";

    fn lines(diags: &[Diagnostic]) -> Vec<(usize, Severity, String)> {
        diags
            .iter()
            .map(|d| (d.line, d.severity, d.message.clone()))
            .collect()
    }

    #[test]
    fn overlapping_cadences_are_an_error_at_the_second_one() {
        let text = format!(
            "{BASE}\n[[segments.cadences]]\nname = \"a\"\nfrom_dpd = 31\nto_dpd = 60\nevery_days = 7\nchannels = [\"email\"]\ntemplate = \"t\"\n\n[[segments.cadences]]\nname = \"b\"\nfrom_dpd = 55\nto_dpd = 90\nevery_days = 14\nchannels = [\"email\"]\ntemplate = \"t\"\n"
        );
        let d = lint(&text, "s.toml", None);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!((d[0].line, d[0].severity), (17, Severity::Error));
        assert!(d[0].message.contains("overlaps cadence 'a'"));
        assert!(Strategy::from_toml(&text, "s.toml").is_err());
    }

    #[test]
    fn offsets_out_of_order_are_a_warning_at_the_step() {
        let text = format!(
            "{BASE}reminders = [\n  {{ name = \"a\", offset_days = 0, channel = \"email\", template = \"t\" }},\n  {{ name = \"b\", offset_days = -7, channel = \"email\", template = \"t\" }},\n]\n"
        );
        let d = lint(&text, "s.toml", None);
        assert_eq!(lines(&d)[0].0, 8);
        assert_eq!(d[0].severity, Severity::Warning);
        assert!(d[0].message.contains("out of order"));
        assert!(Strategy::from_toml(&text, "s.toml").is_ok());
    }

    #[test]
    fn unknown_templates_are_errors_and_unused_ones_warnings() {
        let text = format!(
            "{BASE}reminders = [\n  {{ name = \"a\", offset_days = 0, channel = \"email\", template = \"due_today\" }},\n  {{ name = \"b\", offset_days = 7, channel = \"email\", template = \"firm\" }},\n]\n"
        );
        let available = vec!["due_today".to_string(), "welcome".to_string()];
        let d = lint(&text, "s.toml", Some(&available));
        let l = lines(&d);
        assert_eq!(l.len(), 2, "{l:?}");
        assert_eq!((l[0].0, l[0].1), (1, Severity::Warning));
        assert!(l[0].2.contains("'welcome' is never used"));
        assert_eq!((l[1].0, l[1].1), (8, Severity::Error));
        assert!(l[1].2.contains("template 'firm' does not exist"));
        assert!(has_errors(&d));
    }

    #[test]
    fn bad_amounts_and_time_zones_name_their_lines() {
        let text = "[tenant]\ncurrency = \"JPY\"\ntimezone = \"Mars/Olympus\"\n\n[[segments]]\nname = \"big\"\nwhen = { min_outstanding = \"100.5\" }\n";
        let d = lint(text, "s.toml", None);
        let l = lines(&d);
        assert_eq!(l[0].0, 3);
        assert!(l[0].2.contains("not an IANA time zone"));
        let amount = l
            .iter()
            .find(|x| x.1 == Severity::Error && x.0 != 3)
            .unwrap();
        assert_eq!(amount.0, 7);
        assert!(amount.2.contains("decimal places"), "{}", amount.2);
    }

    #[test]
    fn a_release_threshold_above_the_hold_threshold_is_an_error_at_its_line() {
        let text = "[tenant]\ncurrency = \"USD\"\n\n[events.credit]\nhold_above_pct = 100\nrelease_below_pct = 110\nnotify = [\"operations\"]\nhold_template = \"credit_hold\"\nrelease_template = \"credit_release\"\n\n[[segments]]\nname = \"all\"\n";
        let d = lint(text, "s.toml", None);
        let e: Vec<_> = d.iter().filter(|d| d.severity == Severity::Error).collect();
        assert_eq!(e.len(), 1, "{d:?}");
        assert!(
            e[0].message
                .contains("release_below_pct 110 is above hold_above_pct 100"),
            "{}",
            e[0].message
        );
        assert_eq!(e[0].line, 6, "the release_below_pct line");
        let ok = text.replace("110", "90");
        let s = Strategy::from_toml(&ok, "s.toml").unwrap();
        assert_eq!(s.events.credit.unwrap().release_pct(), 90);
    }

    #[test]
    fn an_unknown_holiday_calendar_is_an_error_at_its_entry() {
        let text = "[tenant]\ncurrency = \"USD\"\n\n[tenant.calendar]\nholidays = [\n  \"US\",\n  \"2024-12-24\",\n  \"XX\",\n]\n\n[[segments]]\nname = \"all\"\n";
        let d = lint(text, "s.toml", None);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            (d[0].line, d[0].column, d[0].severity),
            (8, 3, Severity::Error)
        );
        assert!(
            d[0].message.contains("holidays: 'XX' is neither a date"),
            "{}",
            d[0].message
        );
        assert!(d[0].message.contains("GB-SCT"), "the known codes are named");
        let ok = text.replace("\"XX\"", "\"de-by\"");
        let s = Strategy::from_toml(&ok, "s.toml").unwrap();
        assert_eq!(s.tenant.calendar.holidays.len(), 3);
    }

    #[test]
    fn unreachable_segments_and_missing_catch_all_are_warned() {
        let text = "[tenant]\ncurrency = \"USD\"\n\n[[segments]]\nname = \"all\"\n\n[[segments]]\nname = \"later\"\nwhen = { customer_type = [\"new\"] }\n";
        let d = lint(text, "s.toml", None);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].message.contains("never reached"));
        assert_eq!(d[0].line, 8);
        let text = "[tenant]\ncurrency = \"USD\"\n\n[[segments]]\nname = \"new\"\nwhen = { customer_type = [\"new\"] }\n";
        let d = lint(text, "s.toml", None);
        assert!(d[0].message.contains("no segment without `when`"), "{d:?}");
    }
}
