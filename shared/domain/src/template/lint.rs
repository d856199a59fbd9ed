//! Static checks on a template set: variables a template uses that the
//! message context does not provide.

use std::collections::BTreeSet;

use super::TemplateSet;

/// Functions minijinja provides to every template; not context variables.
const BUILTIN_GLOBALS: &[&str] = &["range", "dict", "namespace", "debug", "loop"];

/// One thing wrong with a template, located by file and line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The template's path as given to the set ("en/friendly_reminder.txt.j2").
    pub file: String,
    /// 1-based line of the first use (0 when it cannot be found).
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

/// The variables used in `set`'s templates (partials too) that are not in
/// `known_vars` (dotted paths, e.g. [`super::VARIABLES`]), sorted by file.
/// Loop variables and `{% set %}` names are the template's own and fine.
pub fn template_variables_problems(set: &TemplateSet, known_vars: &[&str]) -> Vec<Problem> {
    let known: BTreeSet<&str> = known_vars.iter().copied().collect();
    let mut problems = Vec::new();
    for (key, source) in set.sources() {
        let Ok(tmpl) = set.env.get_template(key) else {
            continue;
        };
        let used: BTreeSet<String> = tmpl.undeclared_variables(true).into_iter().collect();
        for var in used {
            let root = var.split('.').next().unwrap_or(&var);
            if known.contains(var.as_str()) || BUILTIN_GLOBALS.contains(&root) {
                continue;
            }
            let message = if known.contains(root) && root != var {
                format!("unknown variable '{var}' ('{root}' has no such field)")
            } else {
                format!("unknown variable '{var}'")
            };
            problems.push(Problem {
                file: format!("{key}.j2"),
                line: first_line_using(source, &var),
                message,
            });
        }
    }
    problems
}

/// The first line mentioning `var` as a whole word (or its root name).
fn first_line_using(source: &str, var: &str) -> usize {
    let root = var.split('.').next().unwrap_or(var);
    for needle in [var, root] {
        for (i, line) in source.lines().enumerate() {
            if contains_word(line, needle) {
                return i + 1;
            }
        }
    }
    0
}

fn contains_word(hay: &str, needle: &str) -> bool {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    hay.match_indices(needle).any(|(at, _)| {
        let before = hay[..at].chars().next_back();
        let after = hay[at + needle.len()..].chars().next();
        !before.is_some_and(|c| is_ident(c) || c == '.') && !after.is_some_and(is_ident)
    })
}
