//! Shared set-up for the portal and API tests: a store with two customers
//! (and a second tenant), a recording sender, a movable clock, and request
//! helpers that drive the router in-process.

#![allow(dead_code)] // each test file uses part of it

pub mod planning;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use arflow_app::dispatch::{EmailMessage, SendError, Sender, TextMessage};
use arflow_app::portal::{ApiKey, PortalStore, Scope, hash_secret};
use arflow_app::store::{ChangeKind, InvoiceChange, LedgerStore};
use arflow_domain::ledger::{Channel, Customer, Invoice, InvoiceStatus};
use arflow_domain::money::Currency;
use arflow_local::SqliteStore;
use arflow_web::{Config, Web, router};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, header};
use tower::ServiceExt;

/// 2024-01-31 12:00 UTC: INV-A1 is due today.
pub const NOON_JAN_31: i64 = 1_706_702_400;
pub const TENANT: &str = "acme";

#[derive(Default)]
pub struct Recorder(pub Vec<EmailMessage>);

impl Sender for Recorder {
    fn supports(&self, channel: Channel) -> bool {
        matches!(channel, Channel::Email | Channel::Sms)
    }
    fn send_email(&mut self, m: &EmailMessage) -> Result<String, SendError> {
        self.0.push(m.clone());
        Ok(format!("recorded-{}", self.0.len()))
    }
    fn send_text(&mut self, m: &TextMessage) -> Result<String, SendError> {
        Ok(format!("text-{}", m.action_id))
    }
}

pub fn invoice(id: &str, customer: &str, due: &str, amount: i64) -> Invoice {
    Invoice {
        invoice_id: id.into(),
        customer_id: customer.into(),
        invoice_date: "2024-01-01".parse().unwrap(),
        due_date: due.parse().unwrap(),
        amount,
        currency: Currency::USD,
        paid_amount: 0,
        paid_date: None,
        disputed: false,
        status: InvoiceStatus::Open,
    }
}

pub fn customer(id: &str, name: &str, email: &str) -> Customer {
    Customer {
        customer_id: id.into(),
        name: name.into(),
        emails: vec![email.into()],
        ..Customer::default()
    }
}

/// Customer A (a@example.com, INV-A1 and a `<script>` invoice id), customer
/// B (b@example.com, INV-B1), and tenant "other" with customer A's e-mail.
pub fn seed(store: &mut SqliteStore) {
    let new = |i: Invoice| InvoiceChange {
        kind: ChangeKind::New,
        effective: None,
        invoice: i,
    };
    store
        .apply_changes(
            TENANT,
            &[
                new(invoice("INV-A1", "A", "2024-01-31", 120_000)),
                new(invoice(
                    "<script>alert(2)</script>",
                    "A",
                    "2024-01-20",
                    5_000,
                )),
                new(invoice("INV-B1", "B", "2024-01-15", 70_000)),
            ],
            &[
                customer("A", "<script>alert(1)</script> Ltd", "a@example.com"),
                customer("B", "Bravo GmbH", "b@example.com"),
            ],
        )
        .unwrap();
    store
        .apply_changes(
            "other",
            &[new(invoice("INV-X1", "X", "2024-01-10", 1_000))],
            &[customer("X", "Other tenant's", "a@example.com")],
        )
        .unwrap();
}

pub struct App {
    pub web: Web<SqliteStore, Recorder>,
    pub router: Router,
    pub clock: Arc<AtomicI64>,
}

pub fn app_with(store: SqliteStore) -> App {
    app_with_strategy(store, arflow_domain::strategy::default_strategy().unwrap())
}

/// The router over `store` planning with `strategy` when none is stored.
pub fn app_with_strategy(store: SqliteStore, strategy: arflow_domain::strategy::Strategy) -> App {
    let clock = Arc::new(AtomicI64::new(NOON_JAN_31));
    let c = clock.clone();
    let config = Config {
        tenant: TENANT.into(),
        secret: b"test-secret-test-secret-test-secret".to_vec(),
        base_url: "http://portal.test".into(),
        from: "ar@acme.test".into(),
        strategy,
        identity: None,
        link_ttl: 900,
        session_ttl: 3600,
        clock: Arc::new(move || c.load(Ordering::SeqCst)),
    };
    let web = Web::new(store, Recorder::default(), config);
    App {
        router: router(web.clone()),
        web,
        clock,
    }
}

pub fn app() -> App {
    let mut store = SqliteStore::open_in_memory().unwrap();
    seed(&mut store);
    app_with(store)
}

pub struct Reply {
    pub status: u16,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

pub async fn send(router: &Router, req: Request<Body>) -> Reply {
    let r: Response<Body> = router.clone().oneshot(req).await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let bytes = axum::body::to_bytes(r.into_body(), 1 << 24).await.unwrap();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

pub async fn get(router: &Router, uri: &str, cookie: &str) -> Reply {
    let req = Request::get(uri)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    send(router, req).await
}

pub async fn post_form(router: &Router, uri: &str, cookie: &str, form: &str) -> Reply {
    let req = Request::post(uri)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form.to_string()))
        .unwrap();
    send(router, req).await
}

pub async fn api(router: &Router, method: &str, uri: &str, key: &str, json: &str) -> Reply {
    let mut b = Request::builder().method(method).uri(uri);
    if !key.is_empty() {
        b = b.header(header::AUTHORIZATION, format!("Bearer {key}"));
    }
    let req = b
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json.to_string()))
        .unwrap();
    send(router, req).await
}

/// The `name=value` of a Set-Cookie header for `name`.
pub fn set_cookie(r: &Reply, name: &str) -> Option<String> {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.to_string())
}

/// The value of the hidden `csrf` input of a page.
pub fn csrf(body: &str) -> String {
    let at = body.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    body[at..].split('"').next().unwrap().to_string()
}

/// Path of the sign-in link in the last e-mail sent.
pub fn link_path(app: &App) -> String {
    let sender = app.web.sender.lock().unwrap();
    let text = &sender.0.last().expect("an e-mail").text;
    let at = text.find("http://portal.test").unwrap() + "http://portal.test".len();
    text[at..].split_whitespace().next().unwrap().to_string()
}

/// Signs in as the owner of `email`; returns the session cookie and a CSRF token.
pub async fn sign_in(app: &App, email: &str) -> (String, String) {
    let page = get(&app.router, "/", "").await;
    let pre = set_cookie(&page, "arflow_pre").unwrap();
    let pre = pre.split(';').next().unwrap().to_string();
    let form = format!("email={email}&csrf={}", csrf(&page.body));
    let r = post_form(&app.router, "/sign-in", &pre, &form).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = get(&app.router, &link_path(app), "").await;
    assert_eq!(r.status, 303, "{}", r.body);
    let cookie = set_cookie(&r, "arflow_session").unwrap();
    let cookie = cookie.split(';').next().unwrap().to_string();
    let page = get(&app.router, "/invoices", &cookie).await;
    let token = csrf(&page.body);
    (cookie, token)
}

/// Creates an API key for `tenant` with `scopes`; returns the key.
pub fn api_key(app: &App, tenant: &str, name: &str, scopes: &[Scope]) -> String {
    let key = format!("arf_test_{tenant}_{name}");
    app.web
        .store
        .lock()
        .unwrap()
        .insert_api_key(&ApiKey {
            tenant: tenant.into(),
            name: name.into(),
            key_hash: hash_secret(&key),
            scopes: scopes.to_vec(),
            created_at: 0,
        })
        .unwrap();
    key
}
