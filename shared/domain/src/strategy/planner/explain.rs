//! Phrases for explanations, so every action says why in plain words.
//!
//! A plan of a large ledger writes an explanation for every invoice it
//! names, so the phrases are appended to one buffer (`push_*`) with dates
//! and numbers written directly, not through `format!`.

use chrono::NaiveDate;

pub use crate::date::push_iso as push_date;

use crate::ledger::Invoice;
use crate::money::Money;

/// Appends `n` in decimal.
pub fn push_int(s: &mut String, n: i64) {
    if n < 0 {
        s.push('-');
    }
    let mut v = n.unsigned_abs();
    let mut buf = [0u8; 20];
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for b in &buf[at..] {
        s.push(char::from(*b));
    }
}

/// Appends "1 day" / "N days".
fn push_days(s: &mut String, n: i64) {
    push_int(s, n);
    s.push_str(if n == 1 { " day" } else { " days" });
}

/// Appends "INV-7 is 31 days past due (due 2024-01-01)", "… is due today
/// …", "… is due in 7 days …".
pub fn push_invoice_status(s: &mut String, inv: &Invoice, as_of: NaiveDate) {
    s.push_str(&inv.invoice_id);
    let dpd = inv.days_past_due(as_of);
    match dpd {
        0 => s.push_str(" is due today"),
        d if d > 0 => {
            s.push_str(" is ");
            push_days(s, d);
            s.push_str(" past due");
        }
        d => {
            s.push_str(" is due in ");
            push_days(s, -d);
        }
    }
    s.push_str(" (due ");
    push_date(s, inv.due_date);
    s.push(')');
}

/// Appends "; moved from … to the business day …" when the step moved and
/// "; its day … passed, sent now as catch-up" when it is late (nothing when
/// it is on time).
pub fn push_timing(s: &mut String, nominal: NaiveDate, effective: NaiveDate, as_of: NaiveDate) {
    if effective != nominal {
        s.push_str("; moved from ");
        push_date(s, nominal);
        s.push_str(" to the business day ");
        push_date(s, effective);
    }
    if effective < as_of {
        s.push_str("; its day ");
        push_date(s, effective);
        s.push_str(" passed, sent now as catch-up");
    }
}

pub fn money(m: Money) -> String {
    m.to_string()
}

/// Joins per-invoice reasons of one consolidated message: the reason
/// itself when there is one, else "N invoices in one {what}: a. b. c".
pub fn consolidated<'r>(
    what: &str,
    fragments: impl ExactSizeIterator<Item = &'r str> + Clone,
) -> String {
    let n = fragments.len();
    if n == 1 {
        return fragments.map(str::to_string).collect();
    }
    let size: usize = fragments.clone().map(|f| f.len() + 2).sum();
    let mut s = String::with_capacity(size + what.len() + 24);
    push_int(&mut s, n as i64);
    s.push_str(" invoices in one ");
    s.push_str(what);
    s.push_str(": ");
    for (k, f) in fragments.enumerate() {
        if k > 0 {
            s.push_str(". ");
        }
        s.push_str(f);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_display_writes_them() {
        for n in [0, 1, 9, 10, 12345, -1, -120, i64::MAX, i64::MIN] {
            let mut s = String::new();
            push_int(&mut s, n);
            assert_eq!(s, n.to_string());
        }
    }

    #[test]
    fn one_reason_is_kept_as_is_and_several_are_counted_and_joined() {
        assert_eq!(consolidated("reminder", ["a"].into_iter()), "a");
        assert_eq!(
            consolidated("reminder by email", ["a", "b", "c"].into_iter()),
            "3 invoices in one reminder by email: a. b. c"
        );
    }
}
