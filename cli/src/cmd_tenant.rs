//! `arflow tenant create|update|list`: a tenant's configuration in the AWS
//! table and its daily EventBridge Scheduler schedule (against AWS, or the
//! emulator named by `AWS_ENDPOINT_URL`). Settings are applied to the
//! stored JSON and read back as every reader does (`TenantConfig::
//! from_stored`), so a bad one is refused with its field named, and
//! `update` can repair a config that an edit of the item broke.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use arflow_aws::dynamo::table::ensure_table;
use arflow_aws::schedule::Schedules;
use arflow_aws::tenant::{IngestMode, TenantConfig};
use arflow_aws::{DynamoStore, env};
use serde_json::{Map, Value};

use crate::cmd_ingest::Mode;

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
    /// ARN of the SQS queue for daily runs Scheduler cannot deliver (the
    /// stack's FailedInvocationsQueueArn output).
    #[arg(long, env = "SCHEDULER_DLQ_ARN", global = true)]
    pub scheduler_dlq_arn: Option<String>,
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
    /// What an uploaded ledger says about invoices it does not list:
    /// snapshot (every open item; a missing one was settled) or delta
    /// (changes only).
    #[arg(long, value_enum, alias = "ingest-mode")]
    pub mode: Option<Mode>,
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
        (Some(arn), Some(role)) => Some(
            Schedules::new(
                aws_sdk_scheduler::Client::new(&sdk),
                t.schedule_group.clone(),
                arn.clone(),
                role.clone(),
            )
            .with_dead_letter(t.scheduler_dlq_arn.clone()),
        ),
        _ => None,
    };
    match args.command {
        Sub::Create(s) => {
            if store.tenant_config_doc(&s.tenant).await?.is_some() {
                bail!("tenant '{}' exists; use `arflow tenant update`", s.tenant);
            }
            let (Some(sender), Some(zone), Some(hour)) = (&s.sender, &s.time_zone, s.send_hour)
            else {
                bail!("a new tenant needs --sender, --time-zone and --send-hour");
            };
            let new = TenantConfig::new(&s.tenant, sender, zone, hour);
            let config = apply(serde_json::to_value(&new)?, &s)?;
            save(&store, schedules.as_ref(), &config, "created").await
        }
        Sub::Update(s) => {
            // The stored JSON, not the checked config: an update is also
            // how an operator repairs a config that no longer reads.
            let Some(json) = store.tenant_config_doc(&s.tenant).await? else {
                bail!(
                    "tenant '{}' does not exist; use `arflow tenant create`",
                    s.tenant
                );
            };
            let stored = serde_json::from_str(&json)
                .with_context(|| format!("tenant '{}': doc: not JSON", s.tenant))?;
            let config = apply(stored, &s)?;
            save(&store, schedules.as_ref(), &config, "updated").await
        }
        Sub::List { format } => list(&store, schedules.as_ref(), &format).await,
    }
}

/// The settings given, applied to a stored (or new) config's JSON, then
/// read back as a stored config is: every field checked, the bad one named.
fn apply(mut doc: Value, s: &Settings) -> Result<TenantConfig> {
    let Some(fields) = doc.as_object_mut() else {
        bail!("tenant '{}': doc: not a JSON object", s.tenant);
    };
    let strategy = match &s.strategy {
        Some(path) => Some(
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?,
        ),
        None => None,
    };
    let given: [(&str, Option<Value>); 9] = [
        ("sender", s.sender.clone().map(Value::from)),
        ("time_zone", s.time_zone.clone().map(Value::from)),
        ("send_hour", s.send_hour.map(Value::from)),
        ("portal_url", s.portal_url.clone().map(Value::from)),
        ("strategy", strategy.map(Value::from)),
        ("date_format", s.date_format.clone().map(Value::from)),
        ("currency", s.currency.clone().map(Value::from)),
        (
            "ingest_mode",
            s.mode.map(|m| ingest_mode(m).as_str().into()),
        ),
        ("fan_out", s.fan_out.map(Value::from)),
    ];
    for (field, value) in given {
        if let Some(v) = value {
            fields.insert(field.to_string(), v);
        }
    }
    let maps = [
        (&s.map, "--map", "ledger_mapping"),
        (&s.customer_map, "--customer-map", "customer_mapping"),
        (&s.roles, "--role", "roles"),
    ];
    for (given, flag, field) in maps {
        pairs(given, flag, &s.tenant, field, fields)?;
    }
    Ok(TenantConfig::from_stored(&s.tenant, &doc.to_string())?)
}

fn ingest_mode(mode: Mode) -> IngestMode {
    match mode {
        Mode::Snapshot => IngestMode::Snapshot,
        Mode::Delta => IngestMode::Delta,
    }
}

/// `key=value` pairs given with `flag`, added to the map `field`.
fn pairs(
    given: &[String],
    flag: &str,
    tenant: &str,
    field: &str,
    fields: &mut Map<String, Value>,
) -> Result<()> {
    if given.is_empty() {
        return Ok(());
    }
    let map = fields
        .entry(field)
        .or_insert_with(|| Value::Object(Map::new()));
    if map.is_null() {
        *map = Value::Object(Map::new());
    }
    let Some(map) = map.as_object_mut() else {
        bail!(
            "tenant '{tenant}': {field}: the stored value is not a map, so {flag} cannot add to it"
        );
    };
    for p in given {
        let (k, v) = p
            .split_once('=')
            .with_context(|| format!("{flag} {p}: write key=value"))?;
        map.insert(k.trim().to_string(), v.trim().into());
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
            match &s.dead_letter_arn {
                Some(arn) => println!("undelivered daily runs go to {arn}"),
                None => println!(
                    "warning: no dead-letter queue for undelivered daily runs: set --scheduler-dlq-arn (or SCHEDULER_DLQ_ARN)"
                ),
            }
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
    if !matches!(format, "json" | "table") {
        bail!("--format {format}: use table or json");
    }
    // A config that does not read is listed with its error (tenant and
    // field named) beside the others, and the command fails.
    let entries = store.tenant_config_entries().await?;
    let mut rows = Vec::new();
    for entry in &entries {
        let schedule = match (schedules, entry) {
            (Some(s), Ok(c)) => s.describe(&c.tenant).await?.map(|info| info.to_string()),
            _ => None,
        };
        rows.push((entry, schedule));
    }
    if format == "json" {
        let v: Vec<Value> = rows
            .iter()
            .map(|(entry, s)| match entry {
                Ok(c) => serde_json::json!({"tenant": c.tenant, "sender": c.sender,
                    "time_zone": c.time_zone, "send_hour": c.send_hour,
                    "ingest_mode": c.ingest_mode, "schedule": s}),
                Err(e) => serde_json::json!({"tenant": e.tenant, "error": e.to_string()}),
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!(
            "{:<20} {:<36} {:<20} {:>4}  schedule",
            "tenant", "sender", "time zone", "hour"
        );
        for (entry, s) in &rows {
            match entry {
                Ok(c) => println!(
                    "{:<20} {:<36} {:<20} {:>4}  {}",
                    c.tenant,
                    c.sender,
                    c.time_zone,
                    c.send_hour,
                    s.as_deref().unwrap_or("-")
                ),
                Err(e) => println!("{:<20} unreadable: {}: {}", e.tenant, e.field, e.message),
            }
        }
    }
    let unreadable: Vec<&str> = entries
        .iter()
        .filter_map(|e| e.as_ref().err().map(|e| e.tenant.as_str()))
        .collect();
    if unreadable.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        bail!(
            "the config of tenant(s) {} does not read; fix it with `arflow tenant update`",
            unreadable.join(", ")
        )
    }
}
