//! `arflow demo`: the whole loop on the example data — ingest the example
//! ledger into a fresh local store, print its aging and KPIs, then run the
//! default collection strategy day by day over a month and show what went out.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use arflow_app::dispatch::run_day;
use arflow_app::ingest::{IngestFiles, IngestMode, IngestOptions, ingest};
use arflow_app::reader::ReadOptions;
use arflow_app::store::LedgerStore;
use arflow_domain::aging::{Aging, Buckets};
use arflow_domain::kpis::Kpis;
use arflow_local::SqliteStore;
use arflow_local::outbox::Outbox;
use chrono::{Duration, NaiveDate};

use crate::cmd_run::{load_strategy, load_templates};
use arflow_app::planning::StrategyDefaults;

const LEDGER: &str = include_str!("../../examples/ledger.csv");
const CUSTOMERS: &str = include_str!("../../examples/customers.csv");
const TENANT: &str = "demo";

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Where to put the store, the example files and the outbox [default: a new temporary directory].
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// First day to run the strategy (the example ledger's data runs to 2024-12-31).
    #[arg(long, value_name = "DATE", default_value = "2024-12-01")]
    pub from: NaiveDate,
    /// Number of days to run.
    #[arg(long, default_value_t = 31, value_parser = clap::value_parser!(i64).range(1..=366))]
    pub days: i64,
    /// Strategy file [default: the built-in default strategy].
    #[arg(long, value_name = "FILE")]
    pub strategy: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let dir = match &args.dir {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!("arflow-demo-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let ledger = write(&dir, "ledger.csv", LEDGER)?;
    let customers = write(&dir, "customers.csv", CUSTOMERS)?;
    let db = dir.join("demo.db");
    if db.exists() {
        std::fs::remove_file(&db).with_context(|| format!("removing the old {}", db.display()))?;
    }
    let last = args.from + Duration::days(args.days - 1);

    println!("arflow demo — working in {}\n", dir.display());
    let mut store = SqliteStore::open(&db)?;
    let opts = ReadOptions::default();
    let report = ingest(
        &mut store,
        &IngestFiles {
            ledger: &ledger,
            ledger_options: &opts,
            customers: Some(&customers),
            customer_options: &opts,
        },
        &IngestOptions {
            tenant: TENANT.into(),
            as_of: last,
            mode: IngestMode::Snapshot,
            strict: false,
        },
        None,
        &|_, _| {},
    )?;
    let s = report.summary;
    println!(
        "1. ingested the example ledger as of {last}: {} invoices, {} customers, {} rejected\n",
        s.new, s.customers_new, s.rejected
    );

    println!("2. aging and KPIs on the first day, {}:\n", args.from);
    let mut aging = Aging::new(args.from, Buckets::default(), false);
    let mut kpis = Kpis::new(args.from, 90, false);
    store.invoices_as_of(TENANT, args.from, &mut |i| {
        aging.add(&i);
        kpis.add(&i);
    })?;
    print!("{}", crate::cmd_aging::to_table(&aging.finish(), 0));
    println!();
    print!("{}", crate::cmd_kpis::to_table(&kpis.finish()));

    let defaults = StrategyDefaults {
        forced: Some(load_strategy(args.strategy.as_deref())?),
        ..StrategyDefaults::stored_or(load_strategy(None)?)
    };
    let templates = load_templates(None)?;
    let outbox_dir = dir.join("outbox");
    let mut outbox = Outbox::new(&outbox_dir);
    println!(
        "\n3. the default strategy, day by day from {} to {last}:\n",
        args.from
    );
    let mut totals = std::collections::BTreeMap::<String, usize>::new();
    let mut day = args.from;
    while day <= last {
        let summary = run_day(
            &mut store,
            TENANT,
            day,
            &defaults,
            &templates,
            &mut outbox,
            crate::cmd_run::now(),
        )
        .with_context(|| format!("running {day}"))?;
        if let Some((id, why)) = summary.failed.first() {
            anyhow::bail!("{day}: action {id} not delivered: {why}");
        }
        let kinds: Vec<String> = summary
            .by_kind()
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        println!(
            "   {day} {:<9} {}",
            day.format("%a"),
            if kinds.is_empty() {
                "—".to_string()
            } else {
                kinds.join(", ")
            }
        );
        for (k, n) in summary.by_kind() {
            *totals.entry(k.to_string()).or_default() += n;
        }
        day += Duration::days(1);
    }
    let all: Vec<String> = totals.iter().map(|(k, n)| format!("{n} {k}")).collect();
    println!(
        "\n   in all: {}",
        if all.is_empty() {
            "nothing".to_string()
        } else {
            all.join(", ")
        }
    );
    let tasks = store.tasks(TENANT)?;
    println!(
        "   e-mails: {} (.eml files, open them in any mail client)",
        outbox_dir.display()
    );
    println!("   tasks for the AR team in the store: {}", tasks.len());
    if let Some(t) = tasks.first() {
        println!("   e.g. [{}] {} — {}", t.assignee, t.due_on, t.title);
    }
    println!(
        "\nNext: arflow aging --db {} --tenant {TENANT} --as-of {last} --by customer",
        db.display()
    );
    println!(
        "      arflow plan --db {} --tenant {TENANT} --as-of {} --format table",
        db.display(),
        last + Duration::days(1)
    );
    Ok(ExitCode::SUCCESS)
}

fn write(dir: &Path, name: &str, text: &str) -> Result<PathBuf> {
    let path = dir.join(name);
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}
