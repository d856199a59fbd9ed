//! Message templates: a set of minijinja templates, per language and name,
//! each with a subject, a plain-text body and an HTML body.
//!
//! Sources are given as `(path, text)` pairs; the path is relative to a
//! templates directory and reads `{lang}/{name}.subject.j2`,
//! `{lang}/{name}.txt.j2` or `{lang}/{name}.html.j2`. Files whose name
//! starts with `_` (`{lang}/_invoice_table.html.j2`) are partials: they are
//! not message templates but can be `{% include %}`d as `"{lang}/_x.html"`.
//! This module reads no files; the caller hands it the text.
//!
//! Rendering is strict (an unknown variable is an error, never an empty
//! string), HTML parts are auto-escaped and subject/text parts are not.

mod context;
mod fee;
mod filters;
mod lint;

use std::collections::{BTreeMap, BTreeSet};

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;

pub use context::{
    CallScript, Company, CurrencyTotal, CustomerView, InvoiceLine, MessageContext, VARIABLES,
    stage_label,
};
pub use fee::{
    AnnualRate, CurrencyAmount, DayCount, FeeError, FeeLine, FeePolicy, FeeSummary, interest_minor,
};
pub use lint::{Problem, template_variables_problems};

/// The three parts of a message template.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Part {
    Subject,
    Text,
    Html,
}

impl Part {
    pub const ALL: [Part; 3] = [Part::Subject, Part::Text, Part::Html];

    /// The file-name suffix (before `.j2`) that holds this part.
    pub fn suffix(self) -> &'static str {
        match self {
            Part::Subject => "subject",
            Part::Text => "txt",
            Part::Html => "html",
        }
    }
}

/// A message rendered for one customer (or one internal recipient).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RenderedMessage {
    /// One line, surrounding whitespace trimmed.
    pub subject: String,
    /// Plain-text body ending in one newline.
    pub text: String,
    /// HTML body ending in one newline.
    pub html: String,
    /// The language of the template actually used (after fallback).
    pub language: String,
}

/// Why a template set could not be built or a message not rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error(
        "{path}: not a template path (expected {{lang}}/{{name}}.subject.j2, {{lang}}/{{name}}.txt.j2 or {{lang}}/{{name}}.html.j2)"
    )]
    BadPath { path: String },
    #[error("{path}: given twice")]
    Duplicate { path: String },
    #[error("{path}:{line}: {message}")]
    Syntax {
        path: String,
        line: usize,
        message: String,
    },
    #[error(
        "template '{name}' in language '{language}' has no {part} part ({language}/{name}.{part}.j2 is missing)"
    )]
    MissingPart {
        name: String,
        language: String,
        part: &'static str,
    },
    #[error("no template named '{name}' (known: {known})")]
    UnknownTemplate { name: String, known: String },
    #[error("template '{name}' exists in none of the languages tried ({tried})")]
    NoLanguage { name: String, tried: String },
    #[error("{path}:{line}: {message}")]
    Render {
        path: String,
        line: usize,
        message: String,
    },
}

/// A loaded set of templates with the tenant's default language.
#[derive(Clone)]
pub struct TemplateSet {
    env: Environment<'static>,
    /// template name → (lower-cased language tag → language directory as written).
    languages: BTreeMap<String, BTreeMap<String, String>>,
    /// Every source path given (partials included), for linting.
    sources: BTreeMap<String, String>,
    default_language: String,
}

impl std::fmt::Debug for TemplateSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TemplateSet")
            .field("languages", &self.languages)
            .field("default_language", &self.default_language)
            .finish()
    }
}

/// A source path split into its pieces.
struct SourcePath {
    language: String,
    /// The file name without `.j2` (`friendly_reminder.subject`).
    stem: String,
    /// `Some((name, part))` for message templates, `None` for partials.
    message: Option<(String, Part)>,
}

fn split_path(path: &str) -> Option<SourcePath> {
    let (language, file) = path.split_once('/')?;
    let stem = file.strip_suffix(".j2")?;
    let valid_lang = !language.is_empty()
        && language
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !valid_lang || stem.is_empty() || stem.contains('/') {
        return None;
    }
    if stem.starts_with('_') {
        return Some(SourcePath {
            language: language.to_string(),
            stem: stem.to_string(),
            message: None,
        });
    }
    let (name, suffix) = stem.rsplit_once('.')?;
    let part = Part::ALL.into_iter().find(|p| p.suffix() == suffix)?;
    let valid_name = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    valid_name.then(|| SourcePath {
        language: language.to_string(),
        stem: stem.to_string(),
        message: Some((name.to_string(), part)),
    })
}

fn syntax_error(path: &str, e: &minijinja::Error) -> TemplateError {
    TemplateError::Syntax {
        path: path.to_string(),
        line: e.line().unwrap_or(0),
        message: describe(e),
    }
}

/// The error without minijinja's own "(in file:line)" suffix.
fn describe(e: &minijinja::Error) -> String {
    match e.detail() {
        Some(d) => format!("{}: {d}", e.kind()),
        None => e.kind().to_string(),
    }
}

impl TemplateSet {
    /// Builds a set from `(path, text)` pairs (see the module docs for the
    /// path layout). Every message template must have all three parts in each
    /// language it exists in. The default language starts as "en".
    pub fn from_sources<I, P, S>(sources: I) -> Result<TemplateSet, TemplateError>
    where
        I: IntoIterator<Item = (P, S)>,
        P: AsRef<str>,
        S: Into<String>,
    {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        filters::register(&mut env);

        let mut set_sources = BTreeMap::new();
        let mut parts: BTreeMap<(String, String), (String, BTreeSet<Part>)> = BTreeMap::new();
        for (path, text) in sources {
            let path = path.as_ref().replace('\\', "/");
            let path = path.trim_start_matches("./").to_string();
            let split =
                split_path(&path).ok_or_else(|| TemplateError::BadPath { path: path.clone() })?;
            let key = format!("{}/{}", split.language, split.stem);
            let text: String = text.into();
            env.add_template_owned(key.clone(), text.clone())
                .map_err(|e| syntax_error(&path, &e))?;
            if set_sources.insert(key, text).is_some() {
                return Err(TemplateError::Duplicate { path });
            }
            if let Some((name, part)) = split.message {
                let entry = parts
                    .entry((name, split.language.to_ascii_lowercase()))
                    .or_insert_with(|| (split.language.clone(), BTreeSet::new()));
                entry.1.insert(part);
            }
        }

        let mut languages: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for ((name, lang_lower), (lang_dir, present)) in parts {
            if let Some(missing) = Part::ALL.into_iter().find(|p| !present.contains(p)) {
                return Err(TemplateError::MissingPart {
                    name,
                    language: lang_dir,
                    part: missing.suffix(),
                });
            }
            languages
                .entry(name)
                .or_default()
                .insert(lang_lower, lang_dir);
        }
        Ok(TemplateSet {
            env,
            languages,
            sources: set_sources,
            default_language: "en".to_string(),
        })
    }

    /// Sets the tenant's default language, tried after the customer's own.
    pub fn with_default_language(mut self, language: &str) -> TemplateSet {
        self.default_language = language.trim().to_string();
        self
    }

    pub fn default_language(&self) -> &str {
        &self.default_language
    }

    /// The message template names in the set (partials excluded), sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.languages.keys().map(String::as_str)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.languages.contains_key(name)
    }

    /// The languages a template exists in, as their directories are named.
    pub fn languages_of(&self, name: &str) -> Vec<&str> {
        self.languages
            .get(name)
            .map(|l| l.values().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// Every source as `(path without .j2, text)`, partials included.
    pub fn sources(&self) -> impl Iterator<Item = (&str, &str)> {
        self.sources.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The languages tried for `requested`, in order: the exact tag
    /// ("de-AT"), its primary subtag ("de"), the tenant default (and its
    /// primary subtag), then "en". Duplicates removed, all lower case.
    pub fn fallback_chain(&self, requested: &str) -> Vec<String> {
        let mut chain: Vec<String> = Vec::new();
        let mut push = |tag: &str| {
            let tag = tag.trim().replace('_', "-").to_ascii_lowercase();
            if tag.is_empty() {
                return;
            }
            let primary = tag.split('-').next().unwrap_or("").to_string();
            for t in [tag, primary] {
                if !t.is_empty() && !chain.contains(&t) {
                    chain.push(t);
                }
            }
        };
        push(requested);
        push(&self.default_language);
        push("en");
        chain
    }

    /// Renders template `name` in `language` (with fallback) for `ctx`.
    pub fn render<C: Serialize>(
        &self,
        name: &str,
        language: &str,
        ctx: &C,
    ) -> Result<RenderedMessage, TemplateError> {
        let langs = self
            .languages
            .get(name)
            .ok_or_else(|| TemplateError::UnknownTemplate {
                name: name.to_string(),
                known: self.names().collect::<Vec<_>>().join(", "),
            })?;
        let chain = self.fallback_chain(language);
        let lang_dir =
            chain
                .iter()
                .find_map(|l| langs.get(l))
                .ok_or_else(|| TemplateError::NoLanguage {
                    name: name.to_string(),
                    tried: chain.join(", "),
                })?;
        let value = minijinja::Value::from_serialize(ctx);
        let render_part = |part: Part| -> Result<String, TemplateError> {
            let key = format!("{lang_dir}/{name}.{}", part.suffix());
            let tmpl = self
                .env
                .get_template(&key)
                .map_err(|e| render_error(&key, &e))?;
            tmpl.render(&value).map_err(|e| render_error(&key, &e))
        };
        let subject = render_part(Part::Subject)?
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        Ok(RenderedMessage {
            subject,
            text: end_with_newline(render_part(Part::Text)?),
            html: end_with_newline(render_part(Part::Html)?),
            language: lang_dir.clone(),
        })
    }
}

/// Renders `name` from `set` in `language` (falling back as
/// [`TemplateSet::fallback_chain`] says) with the context `ctx`.
pub fn render<C: Serialize>(
    set: &TemplateSet,
    name: &str,
    language: &str,
    ctx: &C,
) -> Result<RenderedMessage, TemplateError> {
    set.render(name, language, ctx)
}

fn render_error(key: &str, e: &minijinja::Error) -> TemplateError {
    // Errors inside an included partial name the partial.
    let path = e.name().unwrap_or(key);
    TemplateError::Render {
        path: format!("{path}.j2"),
        line: e.line().unwrap_or(0),
        message: describe(e),
    }
}

fn end_with_newline(s: String) -> String {
    let mut out = s.trim_end().to_string();
    out.push('\n');
    out
}

#[cfg(test)]
mod tests;
