//! Message templates from disk and the default set built into the binary.
//!
//! A templates directory holds one folder per language with three files per
//! message template (`{lang}/{name}.subject.j2`, `.txt.j2`, `.html.j2`) and
//! optional partials (`{lang}/_{part}.txt.j2`); see
//! `examples/strategies/templates/README.md`.

use std::fs;
use std::path::{Path, PathBuf};

use arflow_domain::template::{TemplateError, TemplateSet};

/// Why a templates directory could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TemplateLoadError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{dir}/{source}")]
    Template { dir: String, source: TemplateError },
}

/// Loads every `*.j2` file under `dir` (one level of language folders; other
/// files such as a README are ignored) into a [`TemplateSet`].
pub fn load_template_dir(dir: &Path) -> Result<TemplateSet, TemplateLoadError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| TemplateLoadError::Io { path, source }
    };
    let mut sources = Vec::new();
    let mut entries: Vec<_> = fs::read_dir(dir)
        .map_err(io(dir))?
        .collect::<Result<_, _>>()
        .map_err(io(dir))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            let mut files: Vec<_> = fs::read_dir(&path)
                .map_err(io(&path))?
                .collect::<Result<_, _>>()
                .map_err(io(&path))?;
            files.sort_by_key(|e| e.file_name());
            for file in files {
                let file_name = file.file_name().to_string_lossy().into_owned();
                if file_name.starts_with('.') || !file_name.ends_with(".j2") {
                    continue;
                }
                let text = fs::read_to_string(file.path()).map_err(io(&file.path()))?;
                sources.push((format!("{name}/{file_name}"), text));
            }
        } else if name.ends_with(".j2") {
            // Reported by the set as a path without a language folder.
            let text = fs::read_to_string(&path).map_err(io(&path))?;
            sources.push((name, text));
        }
    }
    TemplateSet::from_sources(sources).map_err(|source| TemplateLoadError::Template {
        dir: dir.display().to_string(),
        source,
    })
}

/// The default templates (English and German), as built into the binary.
/// Tests pin that they build, so an error here means a broken release.
pub fn default_templates() -> Result<TemplateSet, TemplateError> {
    TemplateSet::from_sources(DEFAULTS.iter().copied())
}

macro_rules! defaults {
    ($($path:literal,)*) => {
        &[$(($path, include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/strategies/templates/",
            $path
        ))),)*]
    };
}

/// Every file of `examples/strategies/templates`, as `(path, text)`.
pub static DEFAULTS: &[(&str, &str)] = defaults![
    "de/_fee.html.j2",
    "de/_fee.txt.j2",
    "de/_invoices.html.j2",
    "de/_invoices.txt.j2",
    "de/_layout.html.j2",
    "de/_pay.html.j2",
    "de/_pay.txt.j2",
    "de/_signature.html.j2",
    "de/_signature.txt.j2",
    "de/cadence_reminder.html.j2",
    "de/cadence_reminder.subject.j2",
    "de/cadence_reminder.txt.j2",
    "de/dispute_ack.html.j2",
    "de/dispute_ack.subject.j2",
    "de/dispute_ack.txt.j2",
    "de/dispute_resolved.html.j2",
    "de/dispute_resolved.subject.j2",
    "de/dispute_resolved.txt.j2",
    "de/due_today.html.j2",
    "de/due_today.subject.j2",
    "de/due_today.txt.j2",
    "de/final_notice.html.j2",
    "de/final_notice.subject.j2",
    "de/final_notice.txt.j2",
    "de/firm_follow_up.html.j2",
    "de/firm_follow_up.subject.j2",
    "de/firm_follow_up.txt.j2",
    "de/friendly_reminder.html.j2",
    "de/friendly_reminder.subject.j2",
    "de/friendly_reminder.txt.j2",
    "de/instalment_reminder.html.j2",
    "de/instalment_reminder.subject.j2",
    "de/instalment_reminder.txt.j2",
    "de/invoice_notification.html.j2",
    "de/invoice_notification.subject.j2",
    "de/invoice_notification.txt.j2",
    "de/statement.html.j2",
    "de/statement.subject.j2",
    "de/statement.txt.j2",
    "de/thank_you.html.j2",
    "de/thank_you.subject.j2",
    "de/thank_you.txt.j2",
    "de/welcome.html.j2",
    "de/welcome.subject.j2",
    "de/welcome.txt.j2",
    "en/_customer.html.j2",
    "en/_customer.txt.j2",
    "en/_fee.html.j2",
    "en/_fee.txt.j2",
    "en/_internal_footer.html.j2",
    "en/_internal_footer.txt.j2",
    "en/_invoices.html.j2",
    "en/_invoices.txt.j2",
    "en/_layout.html.j2",
    "en/_pay.html.j2",
    "en/_pay.txt.j2",
    "en/_role.txt.j2",
    "en/_signature.html.j2",
    "en/_signature.txt.j2",
    "en/account_manager_call.html.j2",
    "en/account_manager_call.subject.j2",
    "en/account_manager_call.txt.j2",
    "en/cadence_reminder.html.j2",
    "en/cadence_reminder.subject.j2",
    "en/cadence_reminder.txt.j2",
    "en/call_script.html.j2",
    "en/call_script.subject.j2",
    "en/call_script.txt.j2",
    "en/collection_agency_handover.html.j2",
    "en/collection_agency_handover.subject.j2",
    "en/collection_agency_handover.txt.j2",
    "en/collections_handover.html.j2",
    "en/collections_handover.subject.j2",
    "en/collections_handover.txt.j2",
    "en/credit_hold.html.j2",
    "en/credit_hold.subject.j2",
    "en/credit_hold.txt.j2",
    "en/credit_release.html.j2",
    "en/credit_release.subject.j2",
    "en/credit_release.txt.j2",
    "en/credit_review.html.j2",
    "en/credit_review.subject.j2",
    "en/credit_review.txt.j2",
    "en/dispute_ack.html.j2",
    "en/dispute_ack.subject.j2",
    "en/dispute_ack.txt.j2",
    "en/dispute_escalation.html.j2",
    "en/dispute_escalation.subject.j2",
    "en/dispute_escalation.txt.j2",
    "en/dispute_resolved.html.j2",
    "en/dispute_resolved.subject.j2",
    "en/dispute_resolved.txt.j2",
    "en/due_today.html.j2",
    "en/due_today.subject.j2",
    "en/due_today.txt.j2",
    "en/escalation_notice.html.j2",
    "en/escalation_notice.subject.j2",
    "en/escalation_notice.txt.j2",
    "en/final_notice.html.j2",
    "en/final_notice.subject.j2",
    "en/final_notice.txt.j2",
    "en/firm_follow_up.html.j2",
    "en/firm_follow_up.subject.j2",
    "en/firm_follow_up.txt.j2",
    "en/friendly_reminder.html.j2",
    "en/friendly_reminder.subject.j2",
    "en/friendly_reminder.txt.j2",
    "en/instalment_reminder.html.j2",
    "en/instalment_reminder.subject.j2",
    "en/instalment_reminder.txt.j2",
    "en/invoice_notification.html.j2",
    "en/invoice_notification.subject.j2",
    "en/invoice_notification.txt.j2",
    "en/missed_instalment.html.j2",
    "en/missed_instalment.subject.j2",
    "en/missed_instalment.txt.j2",
    "en/promise_broken.html.j2",
    "en/promise_broken.subject.j2",
    "en/promise_broken.txt.j2",
    "en/statement.html.j2",
    "en/statement.subject.j2",
    "en/statement.txt.j2",
    "en/thank_you.html.j2",
    "en/thank_you.subject.j2",
    "en/thank_you.txt.j2",
    "en/touch_base.html.j2",
    "en/touch_base.subject.j2",
    "en/touch_base.txt.j2",
    "en/welcome.html.j2",
    "en/welcome.subject.j2",
    "en/welcome.txt.j2",
];

#[cfg(test)]
mod tests;
