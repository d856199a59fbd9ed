//! Tests for template sets, rendering, the context and linting.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::*;
use crate::ledger::{Customer, Invoice, InvoiceStatus};
use crate::money::{Currency, Money};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn customer(name: &str, language: Option<&str>) -> Customer {
    Customer {
        customer_id: "C 1/ä".into(),
        name: name.into(),
        emails: vec!["ap@example.com".into(), "cfo@example.com".into()],
        phone: Some("+49 30 1234".into()),
        language: language.map(str::to_string),
        account_manager: Some("Dana".into()),
        credit_limit: Some(5_000_000),
        credit_currency: Some(Currency::EUR),
        ..Customer::default()
    }
}

fn invoice(id: &str, amount: i64, currency: Currency, due: &str) -> Invoice {
    Invoice {
        invoice_id: id.into(),
        customer_id: "C 1/ä".into(),
        invoice_date: d("2024-01-01"),
        due_date: d(due),
        amount,
        currency,
        paid_amount: 0,
        paid_date: None,
        disputed: false,
        status: InvoiceStatus::Open,
    }
}

fn company() -> Company {
    Company {
        name: "Acme GmbH".into(),
        email: "ar@acme.example".into(),
        phone: "+49 30 5555".into(),
        address: "Hauptstr. 1\n10115 Berlin".into(),
        payment_instructions: "IBAN DE89 3704 0044 0532 0130 00".into(),
    }
}

fn context(name: &str) -> MessageContext {
    let a = invoice("INV-1", 100_000, Currency::EUR, "2024-03-01");
    let b = invoice("INV-2", 250_050, Currency::EUR, "2024-03-20");
    let c = invoice("INV-3", 99_999, Currency::USD, "2024-04-15");
    MessageContext::new(
        &customer(name, Some("de-AT")),
        &[&c, &a, &b],
        d("2024-03-31"),
        &company(),
        "https://pay.acme.example/",
        None,
    )
    .unwrap()
}

/// One template `name` in each of `langs`, its body naming the language.
fn set_in(langs: &[&str]) -> TemplateSet {
    let mut sources = Vec::new();
    for lang in langs {
        sources.push((
            format!("{lang}/note.subject.j2"),
            format!("[{lang}] {{{{ customer.name }}}}"),
        ));
        sources.push((
            format!("{lang}/note.txt.j2"),
            format!("{lang}: {{{{ customer.name }}}}"),
        ));
        sources.push((
            format!("{lang}/note.html.j2"),
            format!("<p>{lang}: {{{{ customer.name }}}}</p>"),
        ));
    }
    TemplateSet::from_sources(sources).unwrap()
}

#[test]
fn language_falls_back_from_exact_tag_to_primary_to_tenant_default_to_english() {
    let ctx = context("Kunde");
    let all = set_in(&["en", "de", "de-AT", "fr"]).with_default_language("fr");
    assert_eq!(all.render("note", "de-AT", &ctx).unwrap().language, "de-AT");
    assert_eq!(all.render("note", "de-at", &ctx).unwrap().language, "de-AT");
    assert_eq!(all.render("note", "de-CH", &ctx).unwrap().language, "de");
    assert_eq!(all.render("note", "it", &ctx).unwrap().language, "fr");
    let no_fr = set_in(&["en", "de"]).with_default_language("fr-CA");
    assert_eq!(no_fr.render("note", "it", &ctx).unwrap().language, "en");
    assert_eq!(no_fr.render("note", "", &ctx).unwrap().language, "en");
    let only_de = set_in(&["de"]);
    let err = only_de.render("note", "it", &ctx).unwrap_err();
    assert_eq!(
        err.to_string(),
        "template 'note' exists in none of the languages tried (it, en)"
    );
    assert_eq!(
        no_fr.fallback_chain("de-AT"),
        vec!["de-at", "de", "fr-ca", "fr", "en"]
    );
}

#[test]
fn html_part_escapes_a_script_in_the_customer_name_but_text_and_subject_do_not() {
    let ctx = context("<script>alert(1)</script> & Co");
    let msg = set_in(&["en"]).render("note", "en", &ctx).unwrap();
    assert_eq!(
        msg.html,
        "<p>en: &lt;script&gt;alert(1)&lt;&#x2f;script&gt; &amp; Co</p>\n"
    );
    assert_eq!(msg.text, "en: <script>alert(1)</script> & Co\n");
    assert_eq!(msg.subject, "[en] <script>alert(1)</script> & Co");
}

#[test]
fn a_misspelled_variable_is_an_error_naming_file_and_line() {
    let set = TemplateSet::from_sources([
        ("en/x.subject.j2", "Hi"),
        (
            "en/x.txt.j2",
            "Dear {{ customer.name }},\n{{ custmer.name }}",
        ),
        ("en/x.html.j2", "<p>{{ customer.name }}</p>"),
    ])
    .unwrap();
    let err = set.render("x", "en", &context("A")).unwrap_err();
    let TemplateError::Render {
        path,
        line,
        message,
    } = err
    else {
        panic!("expected a render error, got {err:?}");
    };
    assert_eq!((path.as_str(), line), ("en/x.txt.j2", 2));
    assert!(message.contains("undefined"), "{message}");
    let err = TemplateSet::from_sources([
        ("en/x.subject.j2", "Hi"),
        ("en/x.txt.j2", "{{ customer.nmae }}"),
        ("en/x.html.j2", "<p></p>"),
    ])
    .unwrap()
    .render("x", "en", &context("A"))
    .unwrap_err();
    assert!(matches!(err, TemplateError::Render { .. }), "{err}");
}

#[test]
fn a_set_rejects_bad_paths_missing_parts_and_syntax_errors() {
    let err = TemplateSet::from_sources([("friendly.txt", "x")]).unwrap_err();
    assert!(matches!(err, TemplateError::BadPath { .. }));
    let err = TemplateSet::from_sources([("en/x.body.j2", "x")]).unwrap_err();
    assert!(matches!(err, TemplateError::BadPath { .. }));
    let err =
        TemplateSet::from_sources([("en/x.subject.j2", "s"), ("en/x.txt.j2", "t")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "template 'x' in language 'en' has no html part (en/x.html.j2 is missing)"
    );
    let err = TemplateSet::from_sources([("en/x.txt.j2", "line 1\n{% if %}")]).unwrap_err();
    let TemplateError::Syntax { path, line, .. } = err else {
        panic!("expected a syntax error, got {err:?}");
    };
    assert_eq!((path.as_str(), line), ("en/x.txt.j2", 2));
}

#[test]
fn partials_are_included_but_are_not_template_names() {
    let set = TemplateSet::from_sources([
        ("en/_sig.txt.j2", "-- {{ company.name }}"),
        ("en/_sig.html.j2", "<p>{{ company.name }}</p>"),
        ("en/x.subject.j2", "Hello\n  {{ customer.name }}\n"),
        ("en/x.txt.j2", "Body\n{% include \"en/_sig.txt\" %}\n\n\n"),
        ("en/x.html.j2", "{% include \"en/_sig.html\" %}"),
    ])
    .unwrap();
    assert_eq!(set.names().collect::<Vec<_>>(), vec!["x"]);
    let msg = set.render("x", "en", &context("A & B")).unwrap();
    assert_eq!(msg.subject, "Hello A & B");
    assert_eq!(msg.text, "Body\n-- Acme GmbH\n");
    assert_eq!(msg.html, "<p>Acme GmbH</p>\n");
}

#[test]
fn totals_are_per_currency_and_never_summed_across_currencies() {
    let ctx = context("A");
    let totals: Vec<(String, &str, &str, usize)> = ctx
        .totals
        .iter()
        .map(|t| {
            (
                t.currency.to_string(),
                t.outstanding_display.as_str(),
                t.overdue.as_str(),
                t.invoice_count,
            )
        })
        .collect();
    assert_eq!(
        totals,
        vec![
            ("EUR".to_string(), "3,500.50", "3500.50", 2),
            ("USD".to_string(), "999.99", "0.00", 1),
        ]
    );
    let ids: Vec<&str> = ctx.invoices.iter().map(|i| i.invoice_id.as_str()).collect();
    assert_eq!(ids, vec!["INV-1", "INV-2", "INV-3"]);
    assert_eq!(ctx.invoices[0].days_past_due, 30);
    assert_eq!(ctx.invoices[2].days_past_due, -15);
    assert_eq!(ctx.oldest_days_past_due, 30);
    assert_eq!(
        ctx.portal_link,
        "https://pay.acme.example/customers/C%201%2F%C3%A4"
    );
}

#[test]
fn context_carries_fee_lines_when_a_policy_is_given() {
    let a = invoice("INV-1", 100_000, Currency::EUR, "2024-03-01");
    let policy = FeePolicy {
        annual_rate: Some(AnnualRate::parse("8.5").unwrap()),
        fixed_fee: Some(Money::new(500, Currency::EUR)),
        day_count: DayCount::Actual365,
    };
    let ctx = MessageContext::new(
        &customer("A", None),
        &[&a],
        d("2024-03-31"),
        &company(),
        "https://pay.example",
        Some(&policy),
    )
    .unwrap();
    let fee = ctx.fee.unwrap();
    assert_eq!(fee.lines[0].interest, "6.99");
    assert_eq!(fee.totals[0].amount, "11.99");
}

#[test]
fn filters_format_dates_and_german_numbers() {
    let set = TemplateSet::from_sources([
        (
            "de/x.subject.j2",
            "{{ invoices[0].due_date | date(\"%d.%m.%Y\") }}",
        ),
        (
            "de/x.txt.j2",
            "{{ totals[0].outstanding_display | de_number }}",
        ),
        ("de/x.html.j2", "{{ as_of | date(\"%Y\") }}"),
    ])
    .unwrap();
    let msg = set.render("x", "de", &context("A")).unwrap();
    assert_eq!(msg.subject, "01.03.2024");
    assert_eq!(msg.text, "3.500,50\n");
    assert_eq!(msg.html, "2024\n");
}

/// Every path of objects (not list items) in `value`, dotted.
fn paths(prefix: &str, value: &serde_json::Value, out: &mut BTreeSet<String>) {
    if let serde_json::Value::Object(map) = value {
        for (k, v) in map {
            let path = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            out.insert(path.clone());
            paths(&path, v, out);
        }
    }
}

#[test]
fn documented_variables_are_exactly_what_the_context_provides() {
    let a = invoice("INV-1", 100_000, Currency::EUR, "2024-03-01");
    let policy = FeePolicy {
        annual_rate: Some(AnnualRate::parse("8.5").unwrap()),
        fixed_fee: Some(Money::new(500, Currency::EUR)),
        day_count: DayCount::Actual365,
    };
    let ctx = MessageContext::new(
        &customer("A", None),
        &[&a],
        d("2024-03-31"),
        &company(),
        "https://pay.example",
        Some(&policy),
    )
    .unwrap()
    .with_call_script("ar_team");
    let mut found = BTreeSet::new();
    paths("", &serde_json::to_value(&ctx).unwrap(), &mut found);
    let documented: BTreeSet<String> = VARIABLES.iter().map(|s| s.to_string()).collect();
    assert_eq!(found, documented);
}

#[test]
fn lint_reports_unknown_variables_with_their_line_and_accepts_loop_variables() {
    let set = TemplateSet::from_sources([
        ("en/x.subject.j2", "{{ customer.name }}"),
        (
            "en/x.txt.j2",
            "{% for inv in invoices %}{{ inv.invoice_id }} {{ loop.index }}{% endfor %}\n\
             {% set n = invoice_count %}{{ n }}\n\
             {{ customer.nmae }} {{ portal }}\n\
             {% for i in range(3) %}{{ i }}{% endfor %}",
        ),
        ("en/x.html.j2", "{{ company.name }}"),
    ])
    .unwrap();
    let problems: Vec<String> = template_variables_problems(&set, VARIABLES)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        problems,
        vec![
            "en/x.txt.j2:3: unknown variable 'customer.nmae' ('customer' has no such field)",
            "en/x.txt.j2:3: unknown variable 'portal'",
        ]
    );
}
