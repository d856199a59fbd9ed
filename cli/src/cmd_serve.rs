//! `arflow serve`: the customer portal and the AR team API on the local
//! store, and `--create-api-key` to issue an API key (printed once, stored
//! hashed).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use arflow_app::portal::{ApiKey, PortalStore, Scope, hash_secret};
use arflow_local::SqliteStore;
use arflow_local::outbox::Outbox;
use arflow_web::{Config, Web, router, system_clock};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The store to serve (it must hold --tenant: ingest a ledger first).
    #[arg(long, value_name = "PATH", default_value = "arflow.db")]
    pub db: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Tenant whose customers sign in to the portal.
    #[arg(long, default_value = "default")]
    pub tenant: String,
    /// Public URL of the portal, for sign-in links [default: http://ADDR].
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Where sign-in e-mails are written (.eml).
    #[arg(long, value_name = "DIR", default_value = "outbox")]
    pub outbox: PathBuf,
    /// Secret that signs sign-in links and forms (at least 32 characters)
    /// [default: random per process, so links die with it].
    #[arg(long, env = "ARFLOW_WEB_SECRET", hide_env_values = true)]
    pub secret: Option<String>,
    /// Strategy for the API's planned actions [default: built in].
    #[arg(long, value_name = "FILE")]
    pub strategy: Option<PathBuf>,
    /// Instead of serving: create an API key with this name for --tenant and print it once.
    #[arg(long, value_name = "NAME")]
    pub create_api_key: Option<String>,
    /// Scopes of the new key: read, write (comma separated).
    #[arg(long, default_value = "read", requires = "create_api_key")]
    pub scopes: String,
}

fn now() -> i64 {
    (system_clock())()
}

pub fn run(args: Args) -> Result<ExitCode> {
    let mut store = crate::store::open_tenant(&args.db, &args.tenant)?;
    if let Some(name) = &args.create_api_key {
        return create_key(&mut store, &args, name);
    }
    let secret = match &args.secret {
        Some(s) if s.len() >= 32 => s.as_bytes().to_vec(),
        Some(_) => bail!("--secret / ARFLOW_WEB_SECRET must be at least 32 characters"),
        None => {
            let mut b = vec![0u8; 32];
            getrandom_bytes(&mut b)?;
            eprintln!(
                "note: no ARFLOW_WEB_SECRET: sign-in links stop working when this process ends"
            );
            b
        }
    };
    let config = Config {
        tenant: args.tenant.clone(),
        secret,
        base_url: args
            .base_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", args.addr)),
        from: "Accounts receivable <ar@localhost>".into(),
        strategy: crate::cmd_run::load_strategy(args.strategy.as_deref())?,
        identity: None,
        link_ttl: 15 * 60,
        session_ttl: 12 * 3600,
        clock: system_clock(),
    };
    let app = router(Web::new(store, Outbox::new(&args.outbox), config));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("listening on {}", args.addr))?;
        eprintln!(
            "arflow serve: portal and API for tenant '{}' on http://{} (store {}, outbox {})",
            args.tenant,
            listener.local_addr()?,
            args.db.display(),
            args.outbox.display()
        );
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            if let Err(e) = tokio::signal::ctrl_c().await {
                eprintln!("warning: cannot listen for Ctrl-C ({e}); stop the server another way");
                std::future::pending::<()>().await;
            }
        })
        .await
        .context("serving")
    })?;
    Ok(ExitCode::SUCCESS)
}

fn getrandom_bytes(buf: &mut [u8]) -> Result<()> {
    use std::io::Read;
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(buf))
        .context("reading /dev/urandom")
}

fn create_key(store: &mut SqliteStore, args: &Args, name: &str) -> Result<ExitCode> {
    let scopes = Scope::parse_list(&args.scopes).map_err(|e| anyhow::anyhow!("--scopes: {e}"))?;
    if scopes.is_empty() {
        bail!("--scopes: give at least one of read, write");
    }
    let mut raw = [0u8; 24];
    getrandom_bytes(&mut raw)?;
    let key = format!("arf_{}", arflow_app::portal::hex(&raw));
    let created = store.insert_api_key(&ApiKey {
        tenant: args.tenant.clone(),
        name: name.to_string(),
        key_hash: hash_secret(&key),
        scopes,
        created_at: now(),
    })?;
    if !created {
        bail!(
            "tenant '{}' already has an API key named '{name}'",
            args.tenant
        );
    }
    eprintln!(
        "API key '{name}' for tenant '{}' ({}); it is shown only this once:",
        args.tenant, args.scopes
    );
    println!("{key}");
    Ok(ExitCode::SUCCESS)
}
