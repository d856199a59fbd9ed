//! Server-rendered SVG for the AR dashboard: the aging chart of one
//! currency, one labelled bar per bucket. Geometry is integer arithmetic on
//! minor units (no floating-point money).

use arflow_domain::aging::CurrencyAging;
use arflow_domain::money::{Currency, Money};

use crate::html::escape;

/// Height of the tallest bar, in SVG units.
pub const BAR_MAX: i64 = 160;
const BAR_WIDTH: i64 = 56;
const GAP: i64 = 16;
const TOP: i64 = 28;
const LEFT: i64 = 16;
const BOTTOM: i64 = 44;

/// Bar heights for `amounts` (minor units) with the largest at `max_height`,
/// each proportional to its amount and rounded half up; zero and negative
/// amounts (a bucket of credit notes) get no bar.
pub fn bar_heights(amounts: &[i64], max_height: i64) -> Vec<i64> {
    let max = amounts.iter().copied().max().unwrap_or(0);
    amounts
        .iter()
        .map(|&a| {
            if a <= 0 || max <= 0 {
                return 0;
            }
            let (a, m, h) = (i128::from(a), i128::from(max), i128::from(max_height));
            ((2 * a * h + m) / (2 * m)) as i64
        })
        .collect()
}

/// A bar's short label: whole major units, "k" from 10,000, "M" from a
/// million (one decimal, truncated), so labels fit above narrow bars.
pub fn compact(minor: i64, c: Currency) -> String {
    let major = minor / 10_i64.pow(c.exponent());
    let (sign, m) = (if major < 0 { "-" } else { "" }, major.unsigned_abs());
    match m {
        1_000_000.. => format!("{sign}{}.{}M", m / 1_000_000, m % 1_000_000 / 100_000),
        10_000.. => format!("{sign}{}k", m / 1_000),
        _ => format!("{sign}{m}"),
    }
}

fn amount(minor: i64, c: Currency) -> String {
    format!("{} {}", Money::new(minor, c).to_grouped_string(), c.code())
}

/// The aging of one currency as an accessible bar chart: `<title>` and
/// `<desc>` name every bucket with its amount and invoice count, each bar
/// is labelled with its bucket below and its amount above.
pub fn aging_chart(aging: &CurrencyAging, labels: &[String]) -> String {
    let c = aging.currency;
    let amounts: Vec<i64> = aging.buckets.iter().map(|t| t.amount).collect();
    let heights = bar_heights(&amounts, BAR_MAX);
    let n = labels.len().min(aging.buckets.len()) as i64;
    let width = LEFT * 2 + n * BAR_WIDTH + (n - 1).max(0) * GAP;
    let height = TOP + BAR_MAX + BOTTOM;
    let base = TOP + BAR_MAX;
    let id = format!("aging-{}", c.code());
    let desc: Vec<String> = labels
        .iter()
        .zip(&aging.buckets)
        .map(|(l, t)| {
            format!(
                "{l}: {} in {} invoice{}",
                amount(t.amount, c),
                t.invoices,
                if t.invoices == 1 { "" } else { "s" }
            )
        })
        .collect();
    let mut out = format!(
        "<svg class=\"chart\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" \
         viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" \
         xmlns=\"http://www.w3.org/2000/svg\" font-family=\"system-ui,sans-serif\" font-size=\"12\">\
         <title id=\"{id}-title\">Aging of open {code} receivables, total {total}</title>\
         <desc id=\"{id}-desc\">{desc}</desc>\
         <line x1=\"{LEFT}\" y1=\"{base}\" x2=\"{x2}\" y2=\"{base}\" stroke=\"#555\"/>",
        code = c.code(),
        total = escape(&amount(aging.total.amount, c)),
        desc = escape(&desc.join("; ")),
        x2 = width - LEFT,
    );
    for (i, ((label, t), h)) in labels.iter().zip(&aging.buckets).zip(&heights).enumerate() {
        let x = LEFT + i as i64 * (BAR_WIDTH + GAP);
        let mid = x + BAR_WIDTH / 2;
        let fill = if i == 0 {
            "#4c8c4a"
        } else {
            BUCKET_FILLS[(i - 1) % 4]
        };
        out.push_str(&format!(
            "<g><title>{label}: {amt}</title>\
             <rect x=\"{x}\" y=\"{y}\" width=\"{BAR_WIDTH}\" height=\"{h}\" fill=\"{fill}\"/>\
             <text x=\"{mid}\" y=\"{ty}\" text-anchor=\"middle\">{short}</text>\
             <text x=\"{mid}\" y=\"{ly}\" text-anchor=\"middle\" font-weight=\"600\">{label}</text>\
             <text x=\"{mid}\" y=\"{cy}\" text-anchor=\"middle\" fill=\"#555\">{n} inv.</text></g>",
            label = escape(label),
            amt = escape(&amount(t.amount, c)),
            y = base - h,
            ty = base - h - 6,
            short = escape(&compact(t.amount, c)),
            ly = base + 16,
            cy = base + 32,
            n = t.invoices,
        ));
    }
    out.push_str("</svg>");
    out
}

/// Past-due buckets darken with age.
const BUCKET_FILLS: [&str; 4] = ["#d9a23b", "#d9772b", "#c2452d", "#8f1f1f"];

#[cfg(test)]
mod tests {
    use super::*;
    use arflow_domain::aging::Tally;

    fn tally(amount: i64, invoices: u64) -> Tally {
        Tally { invoices, amount }
    }

    #[test]
    fn bar_heights_are_proportional_to_minor_units() {
        assert_eq!(
            bar_heights(&[100_000, 50_000, 25_000, 0], 160),
            [160, 80, 40, 0]
        );
        // 1/3 of 160 = 53.33 → 53; 2/3 = 106.67 → 107.
        assert_eq!(bar_heights(&[300, 100, 200], 160), [160, 53, 107]);
    }

    #[test]
    fn bar_heights_survive_huge_amounts_and_credit_buckets() {
        let huge = i64::MAX / 2;
        assert_eq!(bar_heights(&[huge, huge / 2, -5], 160), [160, 80, 0]);
        assert_eq!(bar_heights(&[0, -10], 160), [0, 0]);
        assert!(bar_heights(&[], 160).is_empty());
    }

    #[test]
    fn compact_labels_shorten_large_amounts_without_rounding_up() {
        let usd = Currency::USD;
        assert_eq!(compact(123_456, usd), "1234");
        assert_eq!(compact(1_234_567, usd), "12k");
        assert_eq!(compact(199_999_999, usd), "1.9M");
        assert_eq!(compact(-5_000_000, usd), "-50k");
        assert_eq!(compact(0, usd), "0");
    }

    #[test]
    fn aging_chart_labels_every_bucket_accessibly() {
        let labels: Vec<String> = ["current", "1-30", "31-60", "61-90", "91+"]
            .map(String::from)
            .to_vec();
        let aging = CurrencyAging {
            currency: Currency::EUR,
            buckets: vec![
                tally(120_000, 2),
                tally(60_000, 1),
                tally(0, 0),
                tally(0, 0),
                tally(30_000, 1),
            ],
            total: tally(210_000, 4),
        };
        let svg = aging_chart(&aging, &labels);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains(
            "<title id=\"aging-EUR-title\">Aging of open EUR receivables, total 2,100.00 EUR</title>"
        ));
        assert!(svg.contains("current: 1,200.00 EUR in 2 invoices; 1-30: 600.00 EUR in 1 invoice"));
        for l in &labels {
            assert!(svg.contains(&format!(">{l}</text>")), "{l}");
        }
        assert!(svg.contains("height=\"160\" fill"), "tallest bar: {svg}");
        assert!(svg.contains("height=\"80\" fill"), "half: {svg}");
        assert!(svg.contains("height=\"40\" fill"), "quarter: {svg}");
        // The 1-30 bar (half) rises from the axis at y = TOP + BAR_MAX.
        assert!(svg.contains(&format!("y=\"{}\" width", TOP + BAR_MAX - 80)));
    }
}
