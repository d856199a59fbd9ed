//! Synthetic customers: who they are (type, terms, currency, contacts) and how
//! they pay, derived from (seed, customer number) alone.

use crate::ledger::{Channel, Customer, CustomerType};
use crate::money::Currency;

use super::SynthParams;
use super::rng::Rng;

const STREAM_CUSTOMER: u64 = 2;

/// How a customer pays, relative to the due date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Payer {
    Prompt,
    Average,
    Slow,
    Chronic,
}

/// What the invoice generator needs to know about a customer.
#[derive(Clone, Debug)]
pub(super) struct Profile {
    pub id: String,
    pub kind: CustomerType,
    pub currency: Currency,
    pub terms_days: i64,
    pub payer: Payer,
}

/// The customer id for customer number `n` (0-based): `C-00001`.
pub fn customer_id(n: u64) -> String {
    format!("C-{:05}", n + 1)
}

const FIRST: [&str; 24] = [
    "Northwind",
    "Bluewater",
    "Summit",
    "Ironbridge",
    "Redwood",
    "Silverline",
    "Harbor",
    "Granite",
    "Evergreen",
    "Lakeside",
    "Brightpath",
    "Oakmont",
    "Pioneer",
    "Crescent",
    "Keystone",
    "Maple",
    "Falcon",
    "Cobalt",
    "Meridian",
    "Riverbend",
    "Starlight",
    "Westfield",
    "Atlas",
    "Juniper",
];
const SECOND: [&str; 20] = [
    "Logistics",
    "Foods",
    "Machining",
    "Textiles",
    "Pharma",
    "Energy",
    "Retail",
    "Software",
    "Construction",
    "Plastics",
    "Electronics",
    "Paper",
    "Chemicals",
    "Freight",
    "Hospitality",
    "Medical",
    "Packaging",
    "Motors",
    "Optics",
    "Farms",
];
const FORM: [&str; 8] = ["Inc", "LLC", "Ltd", "GmbH", "SA", "BV", "Co", "Group"];
const INDUSTRY: [&str; 6] = [
    "manufacturing",
    "retail",
    "healthcare",
    "public-sector",
    "wholesale",
    "services",
];
const ACCOUNT_MANAGERS: [&str; 12] = [
    "dana.reyes",
    "liam.okafor",
    "mia.schneider",
    "noah.tanaka",
    "olivia.brandt",
    "ethan.moreau",
    "sofia.lindqvist",
    "lucas.ferreira",
    "emma.kowalski",
    "jonas.berg",
    "ava.patel",
    "leo.marchetti",
];
const SALES_MANAGERS: [&str; 6] = [
    "grace.holloway",
    "victor.nakamura",
    "hannah.weiss",
    "samuel.adeyemi",
    "clara.dubois",
    "max.jensen",
];

/// (timezone, language, region tag, ISO 3166 country).
type Locale = (&'static str, &'static str, &'static str, &'static str);

/// Locale choices by billing currency.
fn locales(currency: Currency) -> &'static [Locale] {
    match currency.code() {
        "USD" => &[
            ("America/New_York", "en", "na", "US"),
            ("America/Chicago", "en", "na", "US"),
            ("America/Denver", "en", "na", "US"),
            ("America/Los_Angeles", "en", "na", "US"),
            ("America/Mexico_City", "es", "latam", "MX"),
        ],
        "EUR" => &[
            ("Europe/Berlin", "de", "emea", "DE"),
            ("Europe/Paris", "fr", "emea", "FR"),
            ("Europe/Madrid", "es", "emea", "ES"),
            ("Europe/Amsterdam", "nl", "emea", "NL"),
            ("Europe/Rome", "it", "emea", "IT"),
        ],
        "GBP" => &[("Europe/London", "en", "emea", "GB")],
        "JPY" => &[("Asia/Tokyo", "ja", "apac", "JP")],
        "AUD" => &[("Australia/Sydney", "en", "apac", "AU")],
        "CAD" => &[
            ("America/Toronto", "en", "na", "CA"),
            ("America/Montreal", "fr", "na", "CA"),
        ],
        "INR" => &[("Asia/Kolkata", "en", "apac", "IN")],
        _ => &[
            ("Europe/London", "en", "emea", "GB"),
            ("America/New_York", "en", "na", "US"),
            ("Asia/Singapore", "en", "apac", "SG"),
        ],
    }
}

/// Rough units of `currency` per US dollar, in thousandths, so amounts look
/// plausible in every currency (no claim to be a real exchange rate).
fn per_usd_milli(currency: Currency) -> i64 {
    match currency.code() {
        "EUR" => 920,
        "GBP" => 790,
        "CHF" => 880,
        "CAD" => 1_360,
        "AUD" => 1_520,
        "SEK" | "NOK" => 10_500,
        "DKK" => 6_900,
        "JPY" => 150_000,
        "INR" => 83_000,
        "CNY" => 7_200,
        "MXN" => 17_000,
        "BRL" => 5_000,
        _ => 1_000,
    }
}

/// Converts US cents into minor units of `currency`.
pub(super) fn from_usd_cents(usd_cents: i64, currency: Currency) -> i64 {
    let local_cents = i128::from(usd_cents) * i128::from(per_usd_milli(currency)) / 1000;
    let minor = match currency.exponent() {
        0 => local_cents / 100,
        1 => local_cents / 10,
        2 => local_cents,
        e => local_cents * 10i128.pow(e - 2),
    };
    minor.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

/// Builds customer number `n`: its profile for the invoice generator and the
/// customer record itself.
pub(super) fn build(params: &SynthParams, n: u64) -> (Profile, Customer) {
    let count = params.customer_count();
    let mut r = Rng::stream(params.seed, STREAM_CUSTOMER, n);
    let id = customer_id(n);
    let big = n < count.div_ceil(25).max(3);
    let kind = if n == 0 || (big && r.chance(8_000)) {
        CustomerType::Strategic
    } else if r.chance(1_200) {
        CustomerType::New
    } else {
        CustomerType::Established
    };
    let currencies = params.currencies();
    let currency = if currencies.len() == 1 || r.chance(7_000) {
        currencies[0]
    } else {
        *r.pick(&currencies[1..])
    };
    let terms_days = match kind {
        CustomerType::Strategic => [45, 60][r.weighted(&[40, 60])],
        CustomerType::Established => [30, 45, 60][r.weighted(&[60, 25, 15])],
        CustomerType::New => [30, 45][r.weighted(&[90, 10])],
    };
    let payer_weights: [u64; 4] = match kind {
        CustomerType::Strategic => [20, 45, 28, 7],
        CustomerType::Established => [25, 40, 25, 10],
        CustomerType::New => [20, 35, 25, 20],
    };
    let payer =
        [Payer::Prompt, Payer::Average, Payer::Slow, Payer::Chronic][r.weighted(&payer_weights)];

    let name = format!("{} {} {}", r.pick(&FIRST), r.pick(&SECOND), r.pick(&FORM));
    let slug = id.to_ascii_lowercase().replace('-', "");
    let mut emails = vec![format!("ap.{slug}@example.com")];
    if r.chance(3_000) {
        emails.push(format!("finance.{slug}@example.net"));
    }
    let phone = r.chance(8_000).then(|| {
        if currency.code() == "GBP" {
            format!("+44 20 7946 0{:03}", r.below(1000))
        } else {
            format!("+1 202 555 01{:02}", r.below(100))
        }
    });
    let usd_limit: Option<i64> = match kind {
        _ if r.chance(800) => None,
        CustomerType::Strategic => Some(r.between(4, 20) * 500_000),
        CustomerType::Established => Some(r.between(5, 100) * 5_000),
        CustomerType::New => Some(r.between(5, 50) * 1_000),
    };
    // Round the converted limit to a whole thousand in the local currency.
    let credit_limit = usd_limit.map(|usd| {
        let minor = from_usd_cents(usd * 100, currency);
        let unit = 1000 * 10i64.pow(currency.exponent());
        ((minor + unit / 2) / unit).max(1) * unit
    });
    let (tz, lang, region, country) = *r.pick(locales(currency));
    let timezone = (!r.chance(1_000)).then(|| tz.to_string());
    let language = (!r.chance(1_000)).then(|| lang.to_string());
    let white_glove = match kind {
        CustomerType::Strategic => r.chance(2_500),
        _ => r.chance(30),
    };
    let opted_out = if r.chance(200) {
        match r.weighted(&[30, 40, 30]) {
            0 => vec![Channel::Email, Channel::Sms, Channel::Whatsapp],
            1 => vec![Channel::Sms],
            _ => vec![Channel::Sms, Channel::Whatsapp],
        }
    } else {
        Vec::new()
    };
    let has_am = white_glove
        || match kind {
            CustomerType::Strategic => true,
            CustomerType::Established => r.chance(6_000),
            CustomerType::New => r.chance(3_000),
        };
    let account_manager = has_am.then(|| format!("{}@example.com", r.pick(&ACCOUNT_MANAGERS)));
    let sales_manager = r
        .chance(9_000)
        .then(|| format!("{}@example.com", r.pick(&SALES_MANAGERS)));
    let mut tags = vec![region.to_string()];
    if r.chance(6_000) {
        tags.push(r.pick(&INDUSTRY).to_string());
    }
    if kind == CustomerType::Strategic {
        tags.push("key-account".into());
    }
    let customer = Customer {
        customer_id: id.clone(),
        name,
        emails,
        phone,
        kind,
        credit_limit,
        credit_currency: credit_limit.map(|_| currency),
        timezone,
        language,
        white_glove,
        opted_out,
        account_manager,
        sales_manager,
        tags,
        country: Some(country.to_string()),
    };
    let profile = Profile {
        id,
        kind,
        currency,
        terms_days,
        payer,
    };
    (profile, customer)
}
