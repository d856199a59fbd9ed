//! `arflow strategy`: show the default strategy, lint a strategy file, print
//! the strategy file's JSON Schema.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use arflow_app::templates::{default_templates, load_template_dir};
use arflow_domain::strategy::lint::{has_errors, lint};
use arflow_domain::strategy::{DEFAULT_STRATEGY, Severity, Strategy};
use arflow_domain::template::{TemplateSet, VARIABLES, template_variables_problems};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub command: Sub,
}

#[derive(clap::Subcommand, Debug)]
pub enum Sub {
    /// Print the built-in default strategy (a documented starting point).
    Show,
    /// Check a strategy file: schema, amounts, ranges, overlapping cadences,
    /// steps out of order, unknown or unused templates, template variables.
    /// Prints `file:line: severity: message`; exits 1 when there are errors.
    Lint {
        /// The strategy file (TOML).
        file: PathBuf,
        /// Templates directory the strategy uses [default: the built-in templates].
        #[arg(long, value_name = "DIR")]
        templates: Option<PathBuf>,
    },
    /// Print the JSON Schema of strategy files, for editors.
    Schema,
}

pub fn run(args: Args) -> Result<ExitCode> {
    match args.command {
        Sub::Show => {
            print!("{DEFAULT_STRATEGY}");
            Ok(ExitCode::SUCCESS)
        }
        Sub::Schema => {
            println!(
                "{}",
                serde_json::to_string_pretty(&Strategy::json_schema())?
            );
            Ok(ExitCode::SUCCESS)
        }
        Sub::Lint { file, templates } => lint_file(&file, templates.as_deref()),
    }
}

fn lint_file(file: &std::path::Path, templates: Option<&std::path::Path>) -> Result<ExitCode> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let set: TemplateSet = match templates {
        Some(dir) => load_template_dir(dir)
            .with_context(|| format!("loading templates from {}", dir.display()))?,
        None => default_templates().context("loading the built-in templates")?,
    };
    let names: Vec<String> = set.names().map(str::to_string).collect();
    let name = file.display().to_string();
    let mut diagnostics = lint(&text, &name, Some(&names));
    if templates.is_none() {
        // The built-in set serves more than one strategy: a template this one
        // does not use is not a problem.
        diagnostics.retain(|d| !d.message.contains("is never used"));
    }
    let mut errors = has_errors(&diagnostics);
    for d in &diagnostics {
        println!("{}:{}: {}: {}", d.file, d.line, d.severity, d.message);
    }
    let template_dir = templates.map_or("templates (built-in)".to_string(), |d| {
        d.display().to_string()
    });
    for p in template_variables_problems(&set, VARIABLES) {
        errors = true;
        println!(
            "{template_dir}/{}:{}: {}: {}",
            p.file,
            p.line,
            Severity::Error,
            p.message
        );
    }
    let (e, w) = diagnostics
        .iter()
        .fold((0, 0), |(e, w), d| match d.severity {
            Severity::Error => (e + 1, w),
            Severity::Warning => (e, w + 1),
        });
    eprintln!("{name}: {e} error(s), {w} warning(s)");
    Ok(if errors {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
