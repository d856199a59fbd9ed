//! Tests for the template loader and the built-in default templates.

use std::collections::BTreeSet;

use arflow_domain::ledger::{Customer, CustomerType, Invoice, InvoiceStatus};
use arflow_domain::money::{Currency, Money};
use arflow_domain::template::{
    AnnualRate, Company, DayCount, FeePolicy, MessageContext, VARIABLES,
    template_variables_problems,
};
use chrono::NaiveDate;

use super::*;

/// Customer-facing templates: shipped in English and German.
const CUSTOMER_FACING: &[&str] = &[
    "friendly_reminder",
    "due_today",
    "firm_follow_up",
    "cadence_reminder",
    "final_notice",
    "invoice_notification",
    "thank_you",
    "statement",
    "welcome",
    "dispute_ack",
    "dispute_resolved",
    "instalment_reminder",
];

/// Internal notifications and tasks: shipped in English.
const INTERNAL: &[&str] = &[
    "dispute_escalation",
    "escalation_notice",
    "call_script",
    "collection_agency_handover",
    "touch_base",
    "credit_review",
    "credit_hold",
    "credit_release",
    "collections_handover",
    "account_manager_call",
    "promise_broken",
    "missed_instalment",
];

fn templates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/strategies/templates")
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn invoice(id: &str, minor: i64, currency: Currency, due: &str) -> Invoice {
    Invoice {
        invoice_id: id.into(),
        customer_id: "C-7".into(),
        invoice_date: d("2024-01-05"),
        due_date: d(due),
        amount: minor,
        currency,
        paid_amount: 0,
        paid_date: None,
        disputed: false,
        status: InvoiceStatus::Open,
    }
}

/// A customer and company with every optional detail filled in, and a
/// name that must be escaped in HTML.
fn full_context(invoices: &[&Invoice], tone: &str) -> MessageContext {
    let customer = Customer {
        customer_id: "C-7".into(),
        name: "<script>alert('x')</script> Bau GmbH".into(),
        emails: vec!["ap@bau.example".into(), "cfo@bau.example".into()],
        phone: Some("+49 89 123456".into()),
        kind: CustomerType::Strategic,
        credit_limit: Some(10_000_000),
        credit_currency: Some(Currency::EUR),
        language: Some("de".into()),
        account_manager: Some("dana@acme.example".into()),
        ..Customer::default()
    };
    let company = Company {
        name: "Acme Supplies Ltd".into(),
        email: "ar@acme.example".into(),
        phone: "+44 20 7946 0000".into(),
        address: "1 Canal Street\nManchester M1 3HE".into(),
        payment_instructions: "IBAN GB29 NWBK 6016 1331 9268 19".into(),
    };
    let fee = FeePolicy {
        annual_rate: Some(AnnualRate::parse("8.5").unwrap()),
        fixed_fee: Some(Money::new(4000, Currency::EUR)),
        day_count: DayCount::Actual365,
    };
    MessageContext::new(
        &customer,
        invoices,
        d("2024-03-31"),
        &company,
        "https://pay.acme.example",
        Some(&fee),
    )
    .unwrap()
    .with_tone(tone)
    .with_reason(
        "cadence:61-90",
        "INV-1 is 45 days past due (due 2024-02-15)",
    )
    .with_role("ar_manager")
    .with_call_script("ar_team")
}

/// A customer and company with nothing optional set.
fn bare_context(invoices: &[&Invoice]) -> MessageContext {
    let customer = Customer {
        customer_id: "C-8".into(),
        name: "Plain Co".into(),
        ..Customer::default()
    };
    let company = Company {
        name: "Acme".into(),
        ..Company::default()
    };
    MessageContext::new(
        &customer,
        invoices,
        d("2024-03-31"),
        &company,
        "https://p.example",
        None,
    )
    .unwrap()
    .with_call_script("ar_team")
}

fn has_word(text: &str, word: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric())
        .any(|w| w == word)
}

#[test]
fn defaults_list_every_file_in_the_templates_directory() {
    let mut on_disk = BTreeSet::new();
    for lang in fs::read_dir(templates_dir()).unwrap() {
        let lang = lang.unwrap();
        if !lang.path().is_dir() {
            continue;
        }
        for f in fs::read_dir(lang.path()).unwrap() {
            let f = f.unwrap().file_name().into_string().unwrap();
            if f.ends_with(".j2") {
                on_disk.insert(format!("{}/{f}", lang.file_name().to_string_lossy()));
            }
        }
    }
    let built_in: BTreeSet<String> = DEFAULTS.iter().map(|(p, _)| p.to_string()).collect();
    assert_eq!(built_in, on_disk);
}

#[test]
fn loading_the_directory_gives_the_built_in_set() {
    let loaded = load_template_dir(&templates_dir()).unwrap();
    let built_in = default_templates().unwrap();
    assert_eq!(
        loaded.names().collect::<Vec<_>>(),
        built_in.names().collect::<Vec<_>>()
    );
    assert!(loaded.sources().eq(built_in.sources()));
}

#[test]
fn every_customer_facing_template_exists_in_english_and_german_and_internal_ones_in_english() {
    let set = default_templates().unwrap();
    for name in CUSTOMER_FACING {
        assert_eq!(set.languages_of(name), vec!["de", "en"], "{name}");
    }
    for name in INTERNAL {
        assert!(set.languages_of(name).contains(&"en"), "{name}");
    }
    let all: BTreeSet<&str> = CUSTOMER_FACING.iter().chain(INTERNAL).copied().collect();
    assert_eq!(set.names().collect::<BTreeSet<_>>(), all);
}

#[test]
fn default_templates_use_only_documented_variables() {
    let problems = template_variables_problems(&default_templates().unwrap(), VARIABLES);
    let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(shown.is_empty(), "{shown:#?}");
}

#[test]
fn every_default_template_renders_in_every_language_it_exists_in() {
    let set = default_templates().unwrap();
    let overdue = invoice("INV-1", 12_345_678, Currency::EUR, "2024-02-15");
    let mut disputed = invoice("INV-2", 995_000, Currency::EUR, "2024-03-20");
    disputed.disputed = true;
    let not_due = invoice("INV-3", 200_000, Currency::USD, "2024-04-10");
    let mut paid = invoice("INV-4", 50_000, Currency::EUR, "2024-03-01");
    paid.paid_date = Some(d("2024-03-30"));
    let one: Vec<&Invoice> = vec![&overdue];
    let many: Vec<&Invoice> = vec![&overdue, &disputed, &not_due, &paid];
    let none: Vec<&Invoice> = vec![];
    let mut contexts = Vec::new();
    for tone in ["friendly", "neutral", "firm", "urgent"] {
        contexts.push(full_context(&one, tone));
        contexts.push(full_context(&many, tone));
    }
    contexts.push(bare_context(&one));
    contexts.push(bare_context(&many));
    contexts.push(bare_context(&none));

    for name in set.names() {
        for lang in set.languages_of(name) {
            for (i, ctx) in contexts.iter().enumerate() {
                let msg = set
                    .render(name, lang, ctx)
                    .unwrap_or_else(|e| panic!("{lang}/{name} with context {i}: {e}"));
                assert_eq!(msg.language, lang);
                let at = format!("{lang}/{name} with context {i}");
                assert!(!msg.subject.is_empty(), "{at}: empty subject");
                assert!(msg.text.len() > 80, "{at}: text too short");
                assert!(msg.html.contains("</html>"), "{at}: html not a document");
                for part in [&msg.subject, &msg.text] {
                    assert!(!has_word(part, "none"), "{at}: a null leaked: {part}");
                    assert!(!part.contains("{{") && !part.contains("{%"), "{at}");
                }
                assert!(!msg.html.contains("<script>"), "{at}: HTML not escaped");
                if ctx.customer.name.contains("<script>") && msg.text.contains("script") {
                    assert!(msg.html.contains("&lt;script&gt;"), "{at}");
                }
            }
        }
    }
}

#[test]
fn a_german_reminder_formats_dates_and_amounts_the_german_way() {
    let set = default_templates().unwrap();
    let overdue = invoice("INV-1", 12_345_678, Currency::EUR, "2024-02-15");
    let msg = set
        .render(
            "firm_follow_up",
            "de-AT",
            &full_context(&[&overdue], "firm"),
        )
        .unwrap();
    assert_eq!(msg.language, "de");
    assert_eq!(
        msg.subject,
        "Zahlungserinnerung: Rechnung INV-1 ist seit 45 Tagen überfällig"
    );
    assert!(msg.text.contains("15.02.2024"), "{}", msg.text);
    assert!(msg.text.contains("123.456,78 EUR"), "{}", msg.text);
    // 123,456.78 × 8.5 % × 45 / 365 = 1,293.76; plus the 40.00 fee.
    assert!(msg.text.contains("1.293,76 EUR"), "{}", msg.text);
    assert!(msg.text.contains("1.333,76 EUR"), "{}", msg.text);
}

#[test]
fn unknown_languages_fall_back_to_english() {
    let set = default_templates().unwrap();
    let overdue = invoice("INV-1", 100_000, Currency::EUR, "2024-02-15");
    let msg = set
        .render("due_today", "fr", &bare_context(&[&overdue]))
        .unwrap();
    assert_eq!(msg.language, "en");
    assert_eq!(msg.subject, "Payment due today: invoice INV-1");
}

#[test]
fn a_broken_directory_is_reported_with_the_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("en")).unwrap();
    fs::write(dir.path().join("en/x.subject.j2"), "Hi").unwrap();
    fs::write(dir.path().join("en/x.txt.j2"), "Hi\n{% if %}").unwrap();
    fs::write(dir.path().join("README.md"), "ignored").unwrap();
    let err = load_template_dir(dir.path()).unwrap_err().to_string();
    assert!(err.contains("/en/x.txt.j2:2: syntax error"), "{err}");
    let err = load_template_dir(&dir.path().join("missing")).unwrap_err();
    assert!(matches!(err, TemplateLoadError::Io { .. }));
}

/// Every string under a key naming a template in the default strategy.
fn strategy_templates(v: &toml::Value, key: &str, out: &mut BTreeSet<String>) {
    match v {
        toml::Value::String(s) if key.ends_with("template") || key == "call_script" => {
            out.insert(s.clone());
        }
        toml::Value::Table(t) => {
            for (k, v) in t {
                strategy_templates(v, k, out);
            }
        }
        toml::Value::Array(a) => {
            for v in a {
                strategy_templates(v, key, out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_template_the_default_strategy_names_exists() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/strategies/default.toml");
    let text = fs::read_to_string(&path).unwrap();
    let strategy: toml::Value = toml::from_str(&text).unwrap();
    let mut named = BTreeSet::new();
    strategy_templates(&strategy, "", &mut named);
    assert!(!named.is_empty());
    let set = default_templates().unwrap();
    let missing: Vec<&String> = named.iter().filter(|n| !set.contains(n)).collect();
    assert!(
        missing.is_empty(),
        "templates named in default.toml but not shipped: {missing:?}"
    );
}
