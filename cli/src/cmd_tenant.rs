//! `arflow tenant create|update|list`: a tenant's configuration in the AWS
//! table and its daily EventBridge Scheduler schedule (against AWS, or the
//! emulator named by `AWS_ENDPOINT_URL`).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use arflow_aws::dynamo::table::ensure_table;
use arflow_aws::schedule::Schedules;
use arflow_aws::tenant::TenantConfig;
use arflow_aws::{DynamoStore, env};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub command: Sub,
    #[command(flatten)]
    pub target: Target,
}

/// Where tenants live (the stack's outputs; environment variables work too).
#[derive(clap::Args, Debug)]
pub struct Target {
    /// The DynamoDB table.
    #[arg(long, env = "TABLE_NAME", global = true)]
    pub table: Option<String>,
    /// Create the table first if it does not exist (emulator, first use).
    #[arg(long, global = true)]
    pub create_table: bool,
    /// ARN of the daily function the schedule invokes.
    #[arg(long, env = "DAILY_FUNCTION_ARN", global = true)]
    pub daily_arn: Option<String>,
    /// ARN of the role EventBridge Scheduler assumes to invoke it.
    #[arg(long, env = "SCHEDULER_ROLE_ARN", global = true)]
    pub scheduler_role_arn: Option<String>,
    /// The schedule group.
    #[arg(long, env = "SCHEDULE_GROUP", default_value = "default", global = true)]
    pub schedule_group: String,
}

#[derive(clap::Subcommand, Debug)]
pub enum Sub {
    /// Store a new tenant's configuration and create its daily schedule.
    Create(Settings),
    /// Change a tenant's configuration (only the options given) and its schedule.
    Update(Settings),
    /// Every tenant with its time zone, send hour and schedule.
    List {
        /// table or json.
        #[arg(long, default_value = "table")]
        format: String,
    },
}

/// A tenant's settings; on `update`, only those given change.
#[derive(clap::Args, Debug)]
pub struct Settings {
    /// The tenant id (letters, digits, '-' and '_').
    #[arg(long)]
    pub tenant: String,
    /// SES sender: 'ar@acme.example' or 'Acme AR <ar@acme.example>'.
    #[arg(long)]
    pub sender: Option<String>,
    /// IANA time zone of the daily run ("Europe/Berlin").
    #[arg(long)]
    pub time_zone: Option<String>,
    /// Local hour (0-23) of the daily run.
    #[arg(long)]
    pub send_hour: Option<u32>,
    /// The customer portal's base URL.
    #[arg(long)]
    pub portal_url: Option<String>,
    /// Strategy file (TOML) [default: the built-in strategy].
    #[arg(long, value_name = "FILE")]
    pub strategy: Option<PathBuf>,
    /// Ledger column mapping, canonical=source (repeatable).
    #[arg(long = "map", value_name = "CANONICAL=SOURCE")]
    pub map: Vec<String>,
    /// Customers file column mapping, canonical=source (repeatable).
    #[arg(long = "customer-map", value_name = "CANONICAL=SOURCE")]
    pub customer_map: Vec<String>,
    /// strftime format of dates in uploaded files.
    #[arg(long)]
    pub date_format: Option<String>,
    /// Currency of amounts without one.
    #[arg(long)]
    pub currency: Option<String>,
    /// snapshot or delta.
    #[arg(long)]
    pub mode: Option<String>,
    /// Internal notification address, role=email (repeatable).
    #[arg(long = "role", value_name = "ROLE=EMAIL")]
    pub roles: Vec<String>,
    /// Plan the daily run as 64 shard jobs (very large tenants).
    #[arg(long)]
    pub fan_out: Option<bool>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run_async(args))
}

async fn run_async(args: Args) -> Result<ExitCode> {
    let t = &args.target;
    let table = t
        .table
        .clone()
        .context("--table (or TABLE_NAME) names the DynamoDB table")?;
    let sdk = env::sdk_config().await;
    let client = aws_sdk_dynamodb::Client::new(&sdk);
    if t.create_table {
        ensure_table(&client, &table).await?;
    }
    let store = DynamoStore::new(client, table);
    let schedules = match (&t.daily_arn, &t.scheduler_role_arn) {
        (Some(arn), Some(role)) => Some(Schedules::new(
            aws_sdk_scheduler::Client::new(&sdk),
            t.schedule_group.clone(),
            arn.clone(),
            role.clone(),
        )),
        _ => None,
    };
    match args.command {
        Sub::Create(s) => {
            if store.tenant_config(&s.tenant).await?.is_some() {
                bail!("tenant '{}' exists; use `arflow tenant update`", s.tenant);
            }
            let (Some(sender), Some(zone), Some(hour)) = (&s.sender, &s.time_zone, s.send_hour)
            else {
                bail!("a new tenant needs --sender, --time-zone and --send-hour");
            };
            let config = apply(TenantConfig::new(&s.tenant, sender, zone, hour), &s)?;
            save(&store, schedules.as_ref(), &config, "created").await
        }
        Sub::Update(s) => {
            let Some(old) = store.tenant_config(&s.tenant).await? else {
                bail!(
                    "tenant '{}' does not exist; use `arflow tenant create`",
                    s.tenant
                );
            };
            let config = apply(old, &s)?;
            save(&store, schedules.as_ref(), &config, "updated").await
        }
        Sub::List { format } => list(&store, schedules.as_ref(), &format).await,
    }
}

/// The settings given, applied to `config`, checked.
fn apply(mut c: TenantConfig, s: &Settings) -> Result<TenantConfig> {
    if let Some(v) = &s.sender {
        c.sender.clone_from(v);
    }
    if let Some(v) = &s.time_zone {
        c.time_zone.clone_from(v);
    }
    if let Some(v) = s.send_hour {
        c.send_hour = v;
    }
    if let Some(v) = &s.portal_url {
        c.portal_url.clone_from(v);
    }
    if let Some(path) = &s.strategy {
        c.strategy = Some(
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?,
        );
    }
    pairs(&s.map, "--map", &mut c.ledger_mapping)?;
    pairs(&s.customer_map, "--customer-map", &mut c.customer_mapping)?;
    pairs(&s.roles, "--role", &mut c.roles)?;
    if s.date_format.is_some() {
        c.date_format.clone_from(&s.date_format);
    }
    if s.currency.is_some() {
        c.currency.clone_from(&s.currency);
    }
    if let Some(m) = &s.mode {
        c.ingest_mode.clone_from(m);
    }
    if let Some(f) = s.fan_out {
        c.fan_out = f;
    }
    c.validate()?;
    Ok(c)
}

fn pairs(given: &[String], flag: &str, into: &mut BTreeMap<String, String>) -> Result<()> {
    for p in given {
        let (k, v) = p
            .split_once('=')
            .with_context(|| format!("{flag} {p}: write key=value"))?;
        into.insert(k.trim().to_string(), v.trim().to_string());
    }
    Ok(())
}

async fn save(
    store: &DynamoStore,
    schedules: Option<&Schedules>,
    config: &TenantConfig,
    verb: &str,
) -> Result<ExitCode> {
    store.put_tenant_config(config).await?;
    println!("tenant {} {verb}", config.tenant);
    match schedules {
        Some(s) => {
            let created = s.upsert(config).await?;
            println!(
                "schedule arflow-{} {}: {} ({})",
                config.tenant,
                if created { "created" } else { "updated" },
                config.schedule_expression(),
                config.time_zone
            );
        }
        None => println!(
            "no schedule: set --daily-arn and --scheduler-role-arn (or DAILY_FUNCTION_ARN, SCHEDULER_ROLE_ARN)"
        ),
    }
    Ok(ExitCode::SUCCESS)
}

async fn list(
    store: &DynamoStore,
    schedules: Option<&Schedules>,
    format: &str,
) -> Result<ExitCode> {
    let configs = store.tenant_configs().await?;
    let mut rows = Vec::new();
    for c in &configs {
        let schedule = match schedules {
            Some(s) => s
                .describe(&c.tenant)
                .await?
                .map(|(expr, zone)| format!("{expr} {zone}")),
            None => None,
        };
        rows.push((c, schedule));
    }
    match format {
        "json" => {
            let v: Vec<serde_json::Value> = rows
                .iter()
                .map(|(c, s)| {
                    serde_json::json!({"tenant": c.tenant, "sender": c.sender, "time_zone": c.time_zone,
                        "send_hour": c.send_hour, "ingest_mode": c.ingest_mode, "schedule": s})
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&v)?);
        }
        "table" => {
            println!(
                "{:<20} {:<36} {:<20} {:>4}  schedule",
                "tenant", "sender", "time zone", "hour"
            );
            for (c, s) in &rows {
                println!(
                    "{:<20} {:<36} {:<20} {:>4}  {}",
                    c.tenant,
                    c.sender,
                    c.time_zone,
                    c.send_hour,
                    s.as_deref().unwrap_or("-")
                );
            }
        }
        other => bail!("--format {other}: use table or json"),
    }
    Ok(ExitCode::SUCCESS)
}
