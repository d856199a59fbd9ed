//! Phrases for explanations, so every action says why in plain words.

use chrono::NaiveDate;

use crate::ledger::Invoice;
use crate::money::Money;

fn days(n: i64) -> String {
    if n == 1 {
        "1 day".to_string()
    } else {
        format!("{n} days")
    }
}

/// "INV-7 is 31 days past due (due 2024-01-01)", "… is due today …", "… is due in 7 days …".
pub fn invoice_status(inv: &Invoice, as_of: NaiveDate) -> String {
    let dpd = inv.days_past_due(as_of);
    let state = match dpd {
        0 => "is due today".to_string(),
        d if d > 0 => format!("is {} past due", days(d)),
        d => format!("is due in {}", days(-d)),
    };
    format!("{} {state} (due {})", inv.invoice_id, inv.due_date)
}

/// "; step day 2024-01-29 missed, sent in catch-up" (empty when on time), plus
/// the business-day move when there was one.
pub fn timing(nominal: NaiveDate, effective: NaiveDate, as_of: NaiveDate) -> String {
    let mut s = String::new();
    if effective != nominal {
        s.push_str(&format!(
            "; moved from {nominal} to the business day {effective}"
        ));
    }
    if effective < as_of {
        s.push_str(&format!(
            "; its day {effective} passed, sent now as catch-up"
        ));
    }
    s
}

pub fn money(m: Money) -> String {
    m.to_string()
}

/// Joins per-invoice reasons of one consolidated message.
pub fn consolidated(what: &str, fragments: &[String]) -> String {
    if fragments.len() == 1 {
        return fragments[0].clone();
    }
    format!(
        "{} invoices in one {what}: {}",
        fragments.len(),
        fragments.join(". ")
    )
}
