//! Output formats shared by the reporting commands, and a plain text table.

use std::io::IsTerminal;

/// How a report is printed.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns with thousands separators and totals.
    Table,
    /// Stable JSON (documented in the README).
    Json,
    /// CSV with a header row.
    Csv,
}

/// `--format` when given, else a table on a terminal and JSON otherwise.
pub fn resolve(format: Option<Format>) -> Format {
    format.unwrap_or_else(|| {
        if std::io::stdout().is_terminal() {
            Format::Table
        } else {
            Format::Json
        }
    })
}

/// A text table: the first column left-aligned, the others right-aligned.
#[derive(Default)]
pub struct Table {
    rows: Vec<Vec<String>>,
    rules_before: Vec<usize>,
}

impl Table {
    pub fn new(header: Vec<String>) -> Table {
        Table {
            rows: vec![header],
            rules_before: vec![1],
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Adds a row under a rule (for totals).
    pub fn total(&mut self, cells: Vec<String>) {
        self.rules_before.push(self.rows.len());
        self.rows.push(cells);
    }

    pub fn render(&self) -> String {
        let cols = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..cols)
            .map(|c| {
                self.rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .map(|s| s.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let total_width = widths.iter().sum::<usize>() + 2 * cols.saturating_sub(1);
        let mut out = String::new();
        for (i, row) in self.rows.iter().enumerate() {
            if self.rules_before.contains(&i) {
                out.push_str(&"-".repeat(total_width));
                out.push('\n');
            }
            let line: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(c, cell)| {
                    if c == 0 {
                        format!("{cell:<w$}", w = widths[c])
                    } else {
                        format!("{cell:>w$}", w = widths[c])
                    }
                })
                .collect();
            out.push_str(line.join("  ").trim_end());
            out.push('\n');
        }
        out
    }
}

/// 1234567 → "1,234,567".
pub fn grouped(n: u64) -> String {
    arflow_domain::money::format_minor(n as i64, 0, true)
}

/// An optional ratio as table text.
pub fn ratio_text(r: Option<f64>) -> String {
    r.map_or_else(|| "n/a".to_string(), |v| format!("{v:.2}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_numbers_right_and_rules_totals() {
        let mut t = Table::new(vec!["bucket".into(), "amount".into()]);
        t.row(vec!["current".into(), "8,120.50".into()]);
        t.total(vec!["total".into(), "11,047.25".into()]);
        assert_eq!(
            t.render(),
            "bucket      amount\n------------------\ncurrent   8,120.50\n------------------\ntotal    11,047.25\n"
        );
    }
}
