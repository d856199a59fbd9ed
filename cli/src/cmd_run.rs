//! `arflow run`: plan the day from the store and dispatch it — customer
//! e-mails into a local outbox of `.eml` files, calls, notifications and
//! other internal work into the store's tasks — then record every action in
//! the sent log, so running the same day again sends nothing new.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use arflow_app::dispatch::{DaySummary, run_day};
use arflow_app::templates::{default_templates, load_template_dir};
use arflow_domain::strategy::{Strategy, default_strategy};
use arflow_domain::template::TemplateSet;
use arflow_local::outbox::Outbox;
use chrono::NaiveDate;

use crate::store::open_tenant;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The store to plan from and record into.
    #[arg(long, value_name = "PATH", default_value = "arflow.db")]
    pub db: PathBuf,
    /// Tenant (company) whose collections to run.
    #[arg(long, default_value = "default")]
    pub tenant: String,
    /// The day to run (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub as_of: NaiveDate,
    /// Strategy file [default: the tenant's stored strategy (PUT /api/strategy), else the built-in default].
    #[arg(long, value_name = "FILE")]
    pub strategy: Option<PathBuf>,
    /// Templates directory ({lang}/{name}.subject.j2, .txt.j2, .html.j2) [default: built in].
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Where e-mails (.eml) and text messages are written.
    #[arg(long, value_name = "DIR", default_value = "outbox")]
    pub outbox: PathBuf,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let defaults = crate::cmd_plan::strategy_defaults(args.strategy.as_deref())?;
    let templates = load_templates(args.templates.as_deref())?;
    let mut store = open_tenant(&args.db, &args.tenant)?;
    let _lock = run_lock(&args.db, &args.tenant)?;
    let mut outbox = Outbox::new(&args.outbox);
    let summary = run_day(
        &mut store,
        &args.tenant,
        args.as_of,
        &defaults,
        &templates,
        &mut outbox,
        now(),
    )
    .with_context(|| format!("running tenant '{}' for {}", args.tenant, args.as_of))?;
    print_summary(&args, &summary);
    if summary.failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        for (id, why) in &summary.failed {
            eprintln!("action {id} not delivered: {why}");
        }
        eprintln!(
            "{} action(s) not delivered; run the same day again to retry them (nothing is sent twice)",
            summary.failed.len()
        );
        Ok(ExitCode::FAILURE)
    }
}

/// One `arflow run` per store and tenant at a time: an exclusive lock on
/// `{db}.{tenant}.run.lock`, held until the returned file is dropped (the
/// system releases it if the process dies). Claims already keep two runs
/// from sending an action twice; the lock makes the second run refuse at
/// once, clearly, instead of reporting the first run's actions as busy.
fn run_lock(db: &Path, tenant: &str) -> Result<std::fs::File> {
    let mut name = db.as_os_str().to_owned();
    name.push(format!(".{tenant}.run.lock"));
    let path = PathBuf::from(name);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening the run lock {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "another `arflow run` for tenant '{tenant}' is running on {} (it holds {}); nothing was sent: run again when it has finished",
            db.display(),
            path.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("locking {}", path.display()))
        }
    }
}

/// Seconds since the Unix epoch (claims' leases start here).
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The strategy file, or the built-in default.
pub fn load_strategy(path: Option<&Path>) -> Result<Strategy> {
    match path {
        None => default_strategy().context("the built-in default strategy"),
        Some(p) => {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            let name = p.display().to_string();
            Strategy::from_toml(&text, &name).map_err(|e| anyhow::anyhow!("{e}"))
        }
    }
}

/// The templates directory, or the built-in templates (the strategy in
/// force sets their default language when rendering).
pub fn load_templates(dir: Option<&Path>) -> Result<TemplateSet> {
    Ok(match dir {
        Some(dir) => load_template_dir(dir)?,
        None => default_templates().context("the built-in templates")?,
    })
}

fn print_summary(args: &Args, s: &DaySummary) {
    println!(
        "arflow run for tenant '{}' as of {}",
        args.tenant, args.as_of
    );
    if s.actions.is_empty() {
        println!(
            "nothing to send: no action is due on {} that was not already sent",
            args.as_of
        );
        return;
    }
    println!("{} action(s) planned:", s.actions.len());
    for (kind, n) in s.by_kind() {
        println!("  {kind:<16}{n:>8}");
    }
    println!("by template:");
    for (t, n) in s.by_template() {
        println!("  {t:<28}{n:>8}");
    }
    println!(
        "{} e-mail(s) and {} text message(s) in {}; {} new task(s) in the store; {} action(s) recorded as sent",
        s.emails,
        s.texts,
        args.outbox.display(),
        s.tasks,
        s.recorded
    );
    if s.already_done > 0 {
        println!(
            "{} action(s) were delivered by an earlier run: nothing repeated",
            s.already_done
        );
    }
}
