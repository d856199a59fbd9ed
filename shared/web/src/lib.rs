//! arflow's HTTP router: the customer portal (server-rendered HTML) and the
//! AR team API (JSON), one axum `Router` generic over the store and sender
//! ports, served locally by `arflow serve` (and, later, by lambda_http).
//!
//! Not here: business rules (shared/app, shared/domain) or I/O adapters
//! (shared/local, shared/aws).

mod api;
mod auth;
mod cache;
mod dashboard;
mod dashboard_auth;
mod dispute_notify;
mod html;
mod pages;
mod rate;
mod statement;
mod svg;

use std::sync::{Arc, Mutex};

use arflow_app::delivery::DeliveryStore;
use arflow_app::dispatch::Sender;
use arflow_app::planning::{PlanningStore, StrategyDefaults, TenantIdentity};
use arflow_app::portal::{ChangeStore, PaymentGateway, PortalStore, SelfServiceStore, TestGateway};
use arflow_app::store::LedgerStore;
use arflow_app::strategy_store::StrategyStore;
use arflow_domain::strategy::Strategy;
use arflow_domain::template::TemplateSet;
use axum::Router;
use axum::routing::{get, post};

pub use html::escape;

/// Everything a store behind the router must be: the ledger and portal
/// ports, and the two the use cases plan and deliver through.
pub trait WebStore:
    LedgerStore
    + PortalStore
    + SelfServiceStore
    + StrategyStore
    + PlanningStore
    + DeliveryStore
    + ChangeStore
    + Send
    + 'static
{
}
impl<
    T: LedgerStore
        + PortalStore
        + SelfServiceStore
        + StrategyStore
        + PlanningStore
        + DeliveryStore
        + ChangeStore
        + Send
        + 'static,
> WebStore for T
{
}

/// Seconds since the Unix epoch; injected so tests can move time.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    })
}

/// How the router is set up.
pub struct Config {
    /// The tenant whose customers sign in to the portal.
    pub tenant: String,
    /// Signs magic links and CSRF tokens. Never logged.
    pub secret: Vec<u8>,
    /// Where the portal is reached, for links in e-mails ("http://127.0.0.1:8080").
    pub base_url: String,
    /// The From of sign-in e-mails.
    pub from: String,
    /// The strategy the router plans and renders with when the tenant has
    /// none stored (`PUT /api/strategy` stores one).
    pub strategy: Strategy,
    /// The tenant facts the host fixes on whichever strategy is in force
    /// (on AWS: the tenant config's sender, time zone, send hour, portal),
    /// so the API plans exactly as the daily run does.
    pub identity: Option<TenantIdentity>,
    /// How long a magic link works, in seconds.
    pub link_ttl: i64,
    /// How long a session lasts, in seconds.
    pub session_ttl: i64,
    pub clock: Clock,
}

impl Config {
    /// How the strategy in force is chosen: the tenant's stored one, else
    /// [`Config::strategy`], with [`Config::identity`] on top.
    pub fn strategy_defaults(&self) -> StrategyDefaults {
        StrategyDefaults {
            forced: None,
            fallback: self.strategy.clone(),
            identity: self.identity.clone(),
        }
    }
}

/// The router's state: the ports behind locks, and the config.
pub struct Web<S, M> {
    pub store: Arc<Mutex<S>>,
    pub sender: Arc<Mutex<M>>,
    pub config: Arc<Config>,
    limiter: Arc<rate::Limiter>,
    gateway: Arc<Mutex<Box<dyn PaymentGateway + Send>>>,
    /// Renders the dispute acknowledgement sent at filing; none: the next run sends it.
    templates: Arc<Option<TemplateSet>>,
    reports: Arc<cache::Reports>,
}

impl<S, M> Clone for Web<S, M> {
    fn clone(&self) -> Self {
        Web {
            store: self.store.clone(),
            sender: self.sender.clone(),
            config: self.config.clone(),
            limiter: self.limiter.clone(),
            gateway: self.gateway.clone(),
            templates: self.templates.clone(),
            reports: self.reports.clone(),
        }
    }
}

impl<S: WebStore, M: Sender + Send + 'static> Web<S, M> {
    pub fn new(store: S, sender: M, config: Config) -> Self {
        let templates = arflow_app::templates::default_templates()
            .ok()
            .map(|t| t.with_default_language(&config.strategy.tenant.language));
        Web {
            store: Arc::new(Mutex::new(store)),
            sender: Arc::new(Mutex::new(sender)),
            config: Arc::new(config),
            limiter: Arc::new(rate::Limiter::new(5, 15 * 60)),
            gateway: Arc::new(Mutex::new(Box::new(TestGateway))),
            templates: Arc::new(templates),
            reports: Arc::default(),
        }
    }

    /// Scheduled payments go through `gateway` (the default is
    /// [`TestGateway`], which moves no money).
    pub fn with_gateway(mut self, gateway: impl PaymentGateway + Send + 'static) -> Self {
        self.gateway = Arc::new(Mutex::new(Box::new(gateway)));
        self
    }

    /// The templates the dispute acknowledgement is rendered with at filing
    /// (the default is the built-in set).
    pub fn with_templates(mut self, templates: TemplateSet) -> Self {
        self.templates = Arc::new(Some(templates));
        self
    }

    fn now(&self) -> i64 {
        (self.config.clock)()
    }

    /// The store, even if a panicking handler poisoned the lock.
    fn store(&self) -> std::sync::MutexGuard<'_, S> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The portal and the API in one router.
pub fn router<S: WebStore, M: Sender + Send + 'static>(state: Web<S, M>) -> Router {
    Router::new()
        .route("/", get(auth::sign_in_page::<S, M>))
        .route("/sign-in", post(auth::sign_in::<S, M>))
        .route("/auth/{token}", get(auth::redeem::<S, M>))
        .route("/sign-out", post(auth::sign_out::<S, M>))
        .route("/invoices", get(pages::invoices::<S, M>))
        .route("/invoices/{id}", get(pages::invoice::<S, M>))
        .route(
            "/invoices/{id}/dispute",
            post(pages::dispute::dispute::<S, M>).layer(pages::dispute::body_limit()),
        )
        .route(
            "/invoices/{id}/schedule-payment",
            post(pages::plans::schedule_payment::<S, M>),
        )
        .route(
            "/payment-plans",
            get(pages::plans::plans_page::<S, M>).post(pages::plans::request_plan::<S, M>),
        )
        .route("/invoices/{id}/promise", post(pages::promise::<S, M>))
        .route("/payments", get(pages::payments::<S, M>))
        .route("/statement.csv", get(pages::statement_csv::<S, M>))
        .route("/statement", get(statement::statement::<S, M>))
        .route("/dashboard", get(dashboard::dashboard::<S, M>))
        .route(
            "/dashboard/sign-in",
            get(dashboard_auth::sign_in_page::<S, M>).post(dashboard_auth::sign_in::<S, M>),
        )
        .route(
            "/dashboard/sign-out",
            post(dashboard_auth::sign_out::<S, M>),
        )
        .route(
            "/preferences",
            get(pages::preferences::<S, M>).post(pages::save_preferences::<S, M>),
        )
        .nest("/api", api::routes::<S, M>())
        .with_state(state)
}
