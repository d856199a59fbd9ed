//! Reading a strategy file: TOML → `Strategy`, with every problem reported as
//! `file:line:column` so a user can jump straight to it.

use std::fmt;

use toml::de::{DeTable, DeValue};

use super::model::Strategy;
use super::validate::validate;

/// How bad a finding is: errors stop a strategy from loading, warnings do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One finding at a place in a strategy file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    pub severity: Severity,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.file, self.line, self.column, self.severity, self.message
        )
    }
}

/// Why a strategy file could not be loaded: every error found, in file order.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct StrategyError {
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for StrategyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

/// One step of a path into the TOML document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seg {
    Key(&'static str),
    Index(usize),
}

/// A finding at a path in the document, before it is given a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub path: Vec<Seg>,
    pub severity: Severity,
    pub message: String,
}

impl Problem {
    pub fn error(path: Vec<Seg>, message: impl Into<String>) -> Problem {
        Problem {
            path,
            severity: Severity::Error,
            message: message.into(),
        }
    }

    pub fn warning(path: Vec<Seg>, message: impl Into<String>) -> Problem {
        Problem {
            path,
            severity: Severity::Warning,
            message: message.into(),
        }
    }
}

/// `base` followed by `more`.
pub fn at(base: &[Seg], more: &[Seg]) -> Vec<Seg> {
    let mut p = base.to_vec();
    p.extend_from_slice(more);
    p
}

/// Turns paths and byte offsets into lines and columns of one file.
pub struct Locator<'a> {
    file: &'a str,
    text: &'a str,
    root: Option<toml::Spanned<DeTable<'a>>>,
}

impl<'a> Locator<'a> {
    pub fn new(text: &'a str, file: &'a str) -> Locator<'a> {
        Locator {
            file,
            text,
            root: DeTable::parse(text).ok(),
        }
    }

    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, before[line_start..].chars().count() + 1)
    }

    /// The byte offset of the deepest part of `path` present in the file.
    pub fn offset_of(&self, path: &[Seg]) -> usize {
        let Some(root) = &self.root else { return 0 };
        let mut node: Option<&toml::Spanned<DeValue<'a>>> = None;
        let mut offset = 0;
        for seg in path {
            let next = match (node, seg) {
                (None, Seg::Key(k)) => root.get_ref().get(*k),
                (None, Seg::Index(_)) => None,
                (Some(n), Seg::Key(k)) => n.get_ref().get(*k),
                (Some(n), Seg::Index(i)) => n.get_ref().get(*i),
            };
            match next {
                Some(n) => {
                    node = Some(n);
                    offset = n.span().start;
                }
                None => break,
            }
        }
        offset
    }

    pub fn diagnostic(&self, severity: Severity, offset: usize, message: String) -> Diagnostic {
        let (line, column) = self.line_col(offset);
        Diagnostic {
            file: self.file.to_string(),
            line,
            column,
            severity,
            message,
        }
    }

    pub fn locate(&self, p: &Problem) -> Diagnostic {
        self.diagnostic(p.severity, self.offset_of(&p.path), p.message.clone())
    }
}

/// Reads TOML into the strategy model; a syntax or schema error as a diagnostic.
pub(crate) fn parse(text: &str, file: &str) -> Result<Strategy, Diagnostic> {
    toml::from_str::<Strategy>(text).map_err(|e| {
        let loc = Locator {
            file,
            text,
            root: None,
        };
        let offset = e.span().map_or(0, |s| s.start);
        let message = e.message().trim().replace('\n', " ");
        loc.diagnostic(Severity::Error, offset, message)
    })
}

impl Strategy {
    /// Reads and checks a strategy file; `file_name` is only used in messages.
    ///
    /// Fails with every error found (schema, amounts, time zone, ranges,
    /// overlapping cadences, …), each with its line and column. Warnings are
    /// left to [`super::lint::lint`].
    pub fn from_toml(text: &str, file_name: &str) -> Result<Strategy, StrategyError> {
        let strategy = parse(text, file_name).map_err(|d| StrategyError {
            diagnostics: vec![d],
        })?;
        let errors: Vec<Problem> = validate(&strategy)
            .into_iter()
            .filter(|p| p.severity == Severity::Error)
            .collect();
        if errors.is_empty() {
            return Ok(strategy);
        }
        let loc = Locator::new(text, file_name);
        let mut diagnostics: Vec<Diagnostic> = errors.iter().map(|p| loc.locate(p)).collect();
        diagnostics.sort_by_key(|d| (d.line, d.column));
        Err(StrategyError { diagnostics })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters_after_the_last_newline() {
        let loc = Locator::new("a = 1\nbé = 2\n", "f.toml");
        assert_eq!(loc.line_col(0), (1, 1));
        assert_eq!(loc.line_col(6), (2, 1));
        assert_eq!(loc.line_col(9), (2, 3));
    }

    #[test]
    fn paths_resolve_to_the_value_in_the_file() {
        let text = "[tenant]\ncurrency = \"USD\"\n\n[[segments]]\nname = \"a\"\n\n[[segments]]\nname = \"b\"\nwhen = { min_days_past_due = 5 }\n";
        let loc = Locator::new(text, "f.toml");
        let off = loc.offset_of(&[
            Seg::Key("segments"),
            Seg::Index(1),
            Seg::Key("when"),
            Seg::Key("min_days_past_due"),
        ]);
        assert_eq!(loc.line_col(off).0, 9);
        let off = loc.offset_of(&[Seg::Key("segments"), Seg::Index(1), Seg::Key("name")]);
        assert_eq!(loc.line_col(off).0, 8);
        // A missing leaf falls back to the nearest part that exists.
        let off = loc.offset_of(&[Seg::Key("segments"), Seg::Index(0), Seg::Key("reminders")]);
        assert!(loc.line_col(off).0 >= 4);
    }

    #[test]
    fn unknown_keys_are_errors_with_their_line() {
        let text = "[tenant]\ncurrency = \"USD\"\nsend_hour = 9\nsendhour = 8\n\n[[segments]]\nname = \"all\"\n";
        let err = Strategy::from_toml(text, "s.toml").unwrap_err();
        let d = &err.diagnostics[0];
        assert_eq!((d.file.as_str(), d.line), ("s.toml", 4));
        assert!(
            d.message.contains("unknown field `sendhour`"),
            "{}",
            d.message
        );
        assert!(err.to_string().starts_with("s.toml:4:1: error: "), "{err}");
    }

    #[test]
    fn a_float_amount_is_refused_at_its_line() {
        let text = "[tenant]\ncurrency = \"USD\"\n\n[[segments]]\nname = \"big\"\nwhen = { min_outstanding = 1000.5 }\n";
        let err = Strategy::from_toml(text, "s.toml").unwrap_err();
        assert_eq!(err.diagnostics[0].line, 6, "{err}");
        assert!(err.to_string().contains("never a float"), "{err}");
    }
}
