//! Ledger records in their most common spelling (ISO dates, plain decimal
//! amounts, `true`/`false`, lower-case statuses, nothing to trim), read
//! straight from the bytes. Anything else, and any record that would be
//! rejected, gives `None`: the general `parse_invoice_row` then decides, so
//! a record read here is exactly the invoice the general parser would give.

use arflow_domain::ledger::InvoiceStatus;
use arflow_domain::money::Currency;
use arflow_domain::row::{InvoiceRow, ValueFormat};
use chrono::NaiveDate;

/// A good record in canonical spelling, or `None` (fields in
/// `LEDGER_COLUMNS` order, `None` = absent or blank).
pub(super) fn invoice<'a>(
    f: &[Option<&'a str>],
    fmt: &ValueFormat,
    dates: &mut Dates,
) -> Option<InvoiceRow<'a>> {
    // A custom date format is tried before ISO by the general parser.
    if fmt.date_format.is_some() {
        return None;
    }
    let invoice_id = untrimmed(f[0]?)?;
    let customer_id = untrimmed(f[1]?)?;
    let invoice_date = dates.read(f[2]?)?;
    let due_date = dates.read(f[3]?)?;
    let currency = match f[5] {
        Some(c) => currency(c)?,
        None => fmt.default_currency,
    };
    let exp = currency.exponent();
    let amount = minor(f[4]?, exp)?;
    let paid_date = match f[7] {
        Some(v) => Some(dates.read(v)?),
        None => None,
    };
    let status = match f[9] {
        None | Some("open") => InvoiceStatus::Open,
        Some("paid") => InvoiceStatus::Paid,
        Some("void") => InvoiceStatus::Void,
        Some("written_off") => InvoiceStatus::WrittenOff,
        Some(_) => return None,
    };
    let paid_amount = match f[6] {
        Some(v) => minor(v, exp)?,
        None if paid_date.is_some() && status != InvoiceStatus::WrittenOff => amount,
        None => 0,
    };
    let disputed = match f[8] {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return None,
    };
    let fits = paid_amount == 0
        || (paid_amount.signum() == amount.signum() && paid_amount.abs() <= amount.abs());
    if due_date < invoice_date || paid_date.is_some_and(|p| p < invoice_date) || !fits {
        return None;
    }
    Some(InvoiceRow {
        invoice_id,
        customer_id,
        invoice_date,
        due_date,
        amount,
        currency,
        paid_amount,
        paid_date,
        disputed,
        status,
    })
}

/// `s` when trimming cannot change it (printable ASCII at both ends).
fn untrimmed(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    (b.first()?.is_ascii_graphic() && b.last()?.is_ascii_graphic()).then_some(s)
}

/// Whether a cell is blank (empty after trimming), as `s.trim().is_empty()`.
pub(super) fn blank(s: &str) -> bool {
    match s.as_bytes().first() {
        Some(b) if b.is_ascii_graphic() => false,
        _ => s.trim().is_empty(),
    }
}

/// `YYYY-MM-DD` dates read lately: a ledger repeats a few thousand dates a
/// million times, and building a `NaiveDate` costs more than looking it up.
pub(super) struct Dates {
    /// (year << 9 | month << 5 | day, the date); key 0 is never a date.
    slots: Vec<(u32, NaiveDate)>,
}

impl Default for Dates {
    fn default() -> Self {
        Dates {
            slots: vec![(0, NaiveDate::MIN); 4096],
        }
    }
}

impl Dates {
    /// `YYYY-MM-DD`.
    fn read(&mut self, s: &str) -> Option<NaiveDate> {
        let (y, m, d) = ymd(s)?;
        if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
            return None;
        }
        let key = y << 9 | m << 5 | d;
        let slot = (key.wrapping_mul(0x9e37_79b1) >> 20) as usize;
        match self.slots[slot] {
            (k, date) if k == key => Some(date),
            _ => {
                let date = NaiveDate::from_ymd_opt(y as i32, m, d)?;
                self.slots[slot] = (key, date);
                Some(date)
            }
        }
    }
}

/// `YYYY-MM-DD` (uncached).
#[cfg(test)]
fn date(s: &str) -> Option<NaiveDate> {
    let (y, m, d) = ymd(s)?;
    NaiveDate::from_ymd_opt(y as i32, m, d)
}

/// The numbers of `YYYY-MM-DD`.
fn ymd(s: &str) -> Option<(u32, u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digit = |i: usize| -> Option<u32> {
        let d = b[i].wrapping_sub(b'0');
        (d < 10).then_some(u32::from(d))
    };
    let y = digit(0)? * 1000 + digit(1)? * 100 + digit(2)? * 10 + digit(3)?;
    let m = digit(5)? * 10 + digit(6)?;
    let d = digit(8)? * 10 + digit(9)?;
    Some((y, m, d))
}

/// Three ASCII letters.
fn currency(s: &str) -> Option<Currency> {
    let b = s.as_bytes();
    if b.len() != 3 || !b.iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    Currency::parse(s).ok()
}

/// `-?D+(.D*)?` with at most 14 integer digits and at most `exp` decimals,
/// in minor units.
fn minor(s: &str, exp: u32) -> Option<i64> {
    let mut b = s.as_bytes();
    let negative = b.first() == Some(&b'-');
    if negative {
        b = &b[1..];
    }
    let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if int_len == 0 || int_len > 14 {
        return None;
    }
    let frac = match &b[int_len..] {
        [] => &[][..],
        [b'.', rest @ ..] => rest,
        _ => return None,
    };
    if frac.len() > exp as usize || !frac.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut value: i64 = 0;
    for c in &b[..int_len] {
        value = value * 10 + i64::from(c - b'0');
    }
    for i in 0..exp as usize {
        value = value * 10 + frac.get(i).map_or(0, |c| i64::from(c - b'0'));
    }
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;
    use arflow_domain::columns::{ColumnMapping, HeaderIndex, LEDGER_COLUMNS, LEDGER_REQUIRED};
    use arflow_domain::row::parse_invoice_row;
    use chrono::Datelike;
    use proptest::prelude::*;

    fn index() -> HeaderIndex {
        HeaderIndex::resolve(
            &LEDGER_COLUMNS,
            &LEDGER_COLUMNS,
            &LEDGER_REQUIRED,
            &ColumnMapping::default(),
        )
        .unwrap()
    }

    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            "[0-9]{4}-[0-9]{2}-[0-9]{2}",
            "2024-0[1-3]-[0-3][0-9]",
            "-?[0-9]{0,16}(\\.[0-9]{0,5})?",
            "[-+(]?[0-9,]{0,6}\\.?[0-9]{0,3}\\)?",
            "[A-Za-z]{2,4}",
            proptest::sample::select(vec![
                "USD",
                "JPY",
                "KWD",
                "CLF",
                "usd",
                "open",
                "paid",
                "void",
                "written_off",
                "Paid",
                "true",
                "false",
                "True",
                "yes",
                "0",
                " open",
                "I1 ",
                "",
                " ",
                "\t",
            ])
            .prop_map(str::to_string),
            "[ -~]{0,12}",
        ]
    }

    /// For each column, a value of that column's usual shape.
    fn shaped() -> impl Strategy<Value = Vec<String>> {
        let date = "2024-0[1-9]-[0-3][0-9]";
        let amount = "-?[0-9]{1,3}(\\.[0-9]{0,3})?";
        (
            ("I[0-9]", "C[0-9]", date, date, amount),
            ("(USD|JPY|KWD|)", amount, "(2024-0[1-9]-[0-3][0-9])?"),
            ("(true|false|)", "(open|paid|void|written_off|)"),
        )
            .prop_map(|((a, b, c, d, e), (f, g, h), (i, j))| vec![a, b, c, d, e, f, g, h, i, j])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1500))]

        #[test]
        fn a_canonical_read_is_the_general_parsers_invoice(
            shaped in proptest::collection::vec(shaped(), 10),
            random in proptest::collection::vec(value(), 10),
            which in proptest::collection::vec(proptest::bool::weighted(0.1), 10),
        ) {
            let cells: Vec<String> = (0..10)
                .map(|i| if which[i] { random[i].clone() } else { shaped[i][i].clone() })
                .collect();
            let fields: Vec<Option<&str>> = cells
                .iter()
                .map(|c| Some(c.as_str()).filter(|s| !s.trim().is_empty()))
                .collect();
            let fmt = ValueFormat::default();
            let general = parse_invoice_row(&fields, &index(), &fmt);
            match invoice(&fields, &fmt, &mut Dates::default()) {
                Some(fast) => prop_assert_eq!(Ok(fast), general),
                // Only unusual spellings and bad records are left to the general parser.
                None => prop_assert!(general.is_err() || which.contains(&true) || cells.iter().any(|c| c.contains('.'))),
            }
        }

        #[test]
        fn blank_is_trim_is_empty(s in "[ \t\r\u{b}\u{c}\u{a0}a-z]{0,4}") {
            prop_assert_eq!(blank(&s), s.trim().is_empty());
        }
    }

    #[test]
    fn common_spellings_are_read_here() {
        let cells = [
            "INV-1",
            "C-2",
            "2024-01-02",
            "2024-02-01",
            "-1234.5",
            "KWD",
            "-1234.500",
            "2024-03-01",
            "true",
            "paid",
        ];
        let fields: Vec<Option<&str>> = cells.iter().map(|c| Some(*c)).collect();
        let row = invoice(&fields, &ValueFormat::default(), &mut Dates::default()).unwrap();
        assert_eq!((row.amount, row.paid_amount), (-1_234_500, -1_234_500));
        assert!(row.disputed);
        assert_eq!(minor("12.3", 2), Some(1230));
        assert_eq!(minor("7.", 0), Some(7));
        assert_eq!(minor("1.234", 2), None);
        assert_eq!(date("2023-02-29"), None);
    }

    #[test]
    fn cached_dates_are_the_dates() {
        let mut dates = Dates::default();
        let mut day = NaiveDate::from_ymd_opt(1999, 1, 1).unwrap();
        for _ in 0..3 {
            while day.year() < 2031 {
                let text = day.format("%Y-%m-%d").to_string();
                assert_eq!(dates.read(&text), Some(day));
                day = day.succ_opt().unwrap();
            }
            day = NaiveDate::from_ymd_opt(1999, 1, 1).unwrap();
        }
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-01-32",
            "2024-04-31",
        ] {
            assert_eq!(dates.read(bad), None, "{bad}");
        }
    }
}
