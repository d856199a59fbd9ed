//! Synthetic invoices: dates, terms, amounts and what happened to each one by
//! the as-of date, derived from (seed, invoice number) and the customers.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

use crate::ledger::{CustomerType, Invoice, InvoiceStatus};

use super::customer::{Payer, Profile, from_usd_cents};
use super::rng::Rng;

const STREAM_INVOICE: u64 = 1;
/// Days of history before the as-of date.
const SPAN_DAYS: u64 = 365;
/// New customers only buy within this many days before the as-of date.
const NEW_CUSTOMER_DAYS: i64 = 90;

/// The invoice id for invoice number `n` (0-based): `INV-0000001`.
pub fn invoice_id(n: u64) -> String {
    format!("INV-{:07}", n + 1)
}

/// Everything invoice `n` of `total` needs.
pub(super) struct Ctx<'a> {
    pub seed: u64,
    pub as_of: NaiveDate,
    pub total: u64,
    pub profiles: &'a [Profile],
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

/// Issue dates walk forward with the invoice number over the year before
/// `as_of`; weekend issues move back to the Friday.
fn issue_date(ctx: &Ctx<'_>, n: u64) -> NaiveDate {
    let offset = (u128::from(n) * u128::from(SPAN_DAYS) / u128::from(ctx.total.max(1))) as i64;
    let d = ctx.as_of - days(SPAN_DAYS as i64 - 1 - offset);
    match d.weekday() {
        Weekday::Sat => d - days(1),
        Weekday::Sun => d - days(2),
        _ => d,
    }
}

/// Picks a customer, big accounts far more often than small ones (customer
/// k is drawn with a share ∝ √(k+1) − √k). New customers only appear in the
/// last quarter.
fn pick_customer<'a>(r: &mut Rng, ctx: &Ctx<'a>, issued: NaiveDate) -> &'a Profile {
    let count = ctx.profiles.len() as u64;
    let recent = issued > ctx.as_of - days(NEW_CUSTOMER_DAYS);
    for _ in 0..16 {
        let u = u64::from(r.next_u32());
        let k = (((u * u) >> 32) * count) >> 32;
        let p = &ctx.profiles[k as usize];
        if recent || p.kind != CustomerType::New {
            return p;
        }
    }
    // Customer 0 is always strategic, so never new.
    &ctx.profiles[0]
}

/// An invoice total in US cents: a decade by weight, then uniform within it.
fn usd_cents(r: &mut Rng, kind: CustomerType) -> i64 {
    let weights: [u64; 5] = match kind {
        CustomerType::Strategic => [1_000, 3_500, 3_500, 1_800, 200],
        CustomerType::Established => [2_000, 4_500, 2_700, 795, 5],
        CustomerType::New => [3_000, 4_800, 1_900, 300, 0],
    };
    let decade = r.weighted(&weights) as u32;
    let lo = 100 * 10i64.pow(decade + 2);
    let cents = r.between(lo, lo * 10 - 1);
    if r.chance(2_500) {
        cents / 100 * 100
    } else {
        cents
    }
}

/// Days after the due date the customer pays (negative = early), or None
/// when it never does.
fn lateness(r: &mut Rng, payer: Payer) -> Option<i64> {
    let base = match payer {
        Payer::Prompt => r.between(-10, 5),
        Payer::Average => r.between(0, 35),
        Payer::Slow => r.between(20, 90),
        Payer::Chronic => {
            if r.chance(2_500) {
                return None;
            }
            r.between(45, 300)
        }
    };
    // A long tail: now and then anyone pays very late.
    Some(if r.chance(1_200) {
        base + r.between(30, 240)
    } else {
        base
    })
}

/// Builds invoice number `n`.
pub(super) fn build(ctx: &Ctx<'_>, n: u64) -> Invoice {
    let mut r = Rng::stream(ctx.seed, STREAM_INVOICE, n);
    let as_of = ctx.as_of;
    let invoice_date = issue_date(ctx, n);
    let p = pick_customer(&mut r, ctx, invoice_date);
    let mut inv = Invoice {
        invoice_id: invoice_id(n),
        customer_id: p.id.clone(),
        invoice_date,
        due_date: invoice_date + days(p.terms_days),
        amount: from_usd_cents(usd_cents(&mut r, p.kind), p.currency),
        currency: p.currency,
        paid_amount: 0,
        paid_date: None,
        disputed: false,
        status: InvoiceStatus::Open,
    };
    let roll = r.below(10_000);
    if roll < 200 {
        credit_note(&mut r, &mut inv, as_of);
    } else if roll < 250 {
        inv.status = InvoiceStatus::Void;
    } else if roll < 400 {
        inv.disputed = true;
        if r.chance(2_000) {
            part_pay(&mut r, &mut inv);
        }
    } else {
        settle(&mut r, &mut inv, p.payer, as_of);
    }
    inv
}

/// ~2 %: a credit note, due at once, mostly applied within weeks (so the
/// ones still open are mostly recent).
fn credit_note(r: &mut Rng, inv: &mut Invoice, as_of: NaiveDate) {
    inv.amount = -(inv.amount / r.between(3, 25)).max(1);
    inv.due_date = inv.invoice_date;
    if r.chance(9_200) {
        let applied = inv.invoice_date + days(r.between(0, 60));
        if applied <= as_of {
            paid_in_full(inv, applied);
        }
    }
}

fn paid_in_full(inv: &mut Invoice, on: NaiveDate) {
    inv.paid_amount = inv.amount;
    inv.paid_date = Some(on);
    inv.status = InvoiceStatus::Paid;
}

/// Some of the amount paid, no settlement date yet.
fn part_pay(r: &mut Rng, inv: &mut Invoice) {
    let paid = inv.amount * r.between(10, 90) / 100;
    if paid != 0 && paid != inv.amount {
        inv.paid_amount = paid;
    }
}

/// An ordinary invoice: paid by its customer's habits, written off when
/// badly overdue, or still open (sometimes part paid).
fn settle(r: &mut Rng, inv: &mut Invoice, payer: Payer, as_of: NaiveDate) {
    let writable_off = inv.due_date + days(150) <= as_of;
    if writable_off && r.chance(if payer == Payer::Chronic { 1_200 } else { 30 }) {
        let on = (inv.due_date + days(r.between(120, 240))).min(as_of);
        inv.status = InvoiceStatus::WrittenOff;
        inv.paid_date = Some(on);
        if r.chance(3_000) {
            part_pay(r, inv);
        }
        return;
    }
    match lateness(r, payer) {
        Some(late) => {
            let on = (inv.due_date + days(late)).max(inv.invoice_date);
            if on <= as_of {
                paid_in_full(inv, on);
            } else if as_of - inv.invoice_date > days(14) && r.chance(400) {
                part_pay(r, inv);
            }
        }
        None => {
            if r.chance(1_000) {
                part_pay(r, inv);
            }
        }
    }
}
