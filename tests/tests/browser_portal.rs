//! The portal and the dashboard in headless Chromium (Debian's `chromium`
//! driven through `chromedriver`, both installed by scripts/test): a
//! customer signs in through the magic link read from the outbox, sees the
//! invoices, files a dispute and promises to pay, and the next
//! `arflow plan --db` stops dunning those invoices; the AR team signs in to
//! the dashboard with an API key. Screenshots of each page on a phone-size
//! and a desktop viewport go to target/test-artifacts/screenshots/.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use arflow_app::store::{ChangeKind, InvoiceChange, LedgerStore, Task, TaskStatus};
use arflow_domain::ledger::{Customer, Invoice, InvoiceStatus};
use arflow_domain::money::Currency;
use arflow_domain::strategy::ActionKind;
use arflow_local::SqliteStore;
use chrono::{Days, NaiveDate, Utc};
use fantoccini::{Client, ClientBuilder, Locator};

const TENANT: &str = "acme";
const PHONE: (u32, u32) = (390, 1100);
const DESKTOP: (u32, u32) = (1280, 1000);

/// Kills the processes it holds when the test ends, however it ends.
struct Procs(Vec<Child>);

impl Drop for Procs {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16, what: &str) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{what} did not listen on port {port} within 20 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn require(binary: &str) {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(binary).is_file()))
        .unwrap_or(false);
    assert!(
        found,
        "`{binary}` is not installed: scripts/test installs it (apt-get install -y chromium chromium-driver)"
    );
}

fn screenshots_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("test-artifacts/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn invoice(id: &str, due: NaiveDate, amount: i64) -> InvoiceChange {
    InvoiceChange {
        kind: ChangeKind::New,
        effective: None,
        invoice: Invoice {
            invoice_id: id.into(),
            customer_id: id[4..5].into(),
            invoice_date: due - Days::new(30),
            due_date: due,
            amount,
            currency: Currency::USD,
            paid_amount: 0,
            paid_date: None,
            disputed: false,
            status: InvoiceStatus::Open,
        },
    }
}

fn customer(id: &str, name: &str, email: &str) -> Customer {
    Customer {
        customer_id: id.into(),
        name: name.into(),
        emails: vec![email.into()],
        ..Customer::default()
    }
}

/// Customer A with two past-due invoices and one not yet due, customer B
/// with one long overdue, and a call task due today.
fn seed(db: &Path, today: NaiveDate) {
    let mut store = SqliteStore::open(db).unwrap();
    store
        .apply_changes(
            TENANT,
            &[
                invoice("INV-A1", today - Days::new(10), 120_000),
                invoice("INV-A2", today - Days::new(7), 35_000),
                invoice("INV-A3", today + Days::new(15), 8_000),
                invoice("INV-B1", today - Days::new(48), 70_000),
            ],
            &[
                customer("A", "Alpha Ltd", "a@example.com"),
                customer("B", "Bravo GmbH", "b@example.com"),
            ],
        )
        .unwrap();
    store
        .insert_tasks(
            TENANT,
            &[Task {
                id: "call-b".into(),
                customer_id: "B".into(),
                invoice_ids: vec!["INV-B1".into()],
                kind: ActionKind::CallTask,
                assignee: "collector".into(),
                title: "Call Bravo GmbH about INV-B1 (48 days late)".into(),
                body: "Hello, this is Acme's accounts team about invoice INV-B1 of 700.00 USD.\n\
                       1. Confirm it reached accounts payable.\n\
                       2. Ask for a payment date and note it as a promise to pay."
                    .into(),
                due_on: today,
                status: TaskStatus::Open,
                outcome: None,
            }],
        )
        .unwrap();
}

/// The rules `arflow plan --db` plans today for an invoice.
fn planned(db: &Path, today: NaiveDate, invoice: &str) -> Vec<String> {
    let out = arflow_tests::run_ok(&[
        "plan",
        "--db",
        db.to_str().unwrap(),
        "--tenant",
        TENANT,
        "--as-of",
        &today.to_string(),
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .filter(|a| {
            a["invoice_ids"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i == invoice)
        })
        .map(|a| a["rule"].as_str().unwrap().to_string())
        .collect()
}

/// Undoes quoted-printable (soft breaks and =XX escapes).
fn unquote(qp: &str) -> String {
    let s = qp.replace("=\r\n", "").replace("=\n", "");
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match hex.map(|h| u8::from_str_radix(h, 16)) {
            Some(Ok(v)) if b[i] == b'=' => {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The sign-in link in the outbox.
fn link_from_outbox(outbox: &Path, base: &str) -> String {
    let start = Instant::now();
    loop {
        for e in std::fs::read_dir(outbox).into_iter().flatten().flatten() {
            let text = unquote(&std::fs::read_to_string(e.path()).unwrap_or_default());
            if let Some(at) = text.find(&format!("{base}/auth/")) {
                let link: String = text[at..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || ":/._-".contains(*c))
                    .collect();
                return link;
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no sign-in e-mail in {}",
            outbox.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

async fn wait_title(c: &Client, want: &str) {
    let start = Instant::now();
    loop {
        let t = c.title().await.unwrap();
        if t == want {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "page title stayed '{t}', wanted '{want}':\n{}",
            c.source().await.unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn shoot(c: &Client, name: &str, sizes: &[(u32, u32)]) {
    let dir = screenshots_dir();
    for &(w, h) in sizes {
        c.set_window_size(w, h).await.unwrap();
        let png = c.screenshot().await.unwrap();
        assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
        let label = if w < 600 { "phone" } else { "desktop" };
        std::fs::write(dir.join(format!("{name}-{label}.png")), png).unwrap();
    }
    c.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();
}

async fn click(c: &Client, xpath: &str) {
    c.find(Locator::XPath(xpath))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn body_text(c: &Client) -> String {
    c.find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn customer_disputes_and_promises_in_chromium_and_dunning_pauses_then_the_dashboard_shows_it()
{
    require("chromium");
    require("chromedriver");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("arflow.db");
    let outbox = dir.path().join("outbox");
    let today = Utc::now().date_naive();
    seed(&db, today);
    let key = arflow_tests::run_ok(&[
        "serve",
        "--db",
        db.to_str().unwrap(),
        "--tenant",
        TENANT,
        "--create-api-key",
        "ar-team",
        "--scopes",
        "read",
    ])
    .trim()
    .to_string();
    let before_a1 = planned(&db, today, "INV-A1");
    let before_a2 = planned(&db, today, "INV-A2");
    assert!(
        !before_a1.is_empty() && !before_a2.is_empty(),
        "both are past due: dunning is planned ({before_a1:?}, {before_a2:?})"
    );

    let (driver_port, web_port) = (free_port(), free_port());
    let mut procs = Procs(vec![]);
    procs.0.push(
        Command::new("chromedriver")
            .arg(format!("--port={driver_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    procs.0.push(
        arflow_tests::arflow()
            .args(["serve", "--db", db.to_str().unwrap(), "--tenant", TENANT])
            .args(["--addr", &format!("127.0.0.1:{web_port}")])
            .args(["--outbox", outbox.to_str().unwrap()])
            .env(
                "ARFLOW_WEB_SECRET",
                "browser-test-secret-browser-test-secret",
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("arflow serve starts"),
    );
    wait_for_port(driver_port, "chromedriver");
    wait_for_port(web_port, "arflow serve");
    let base = format!("http://127.0.0.1:{web_port}");

    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", "--hide-scrollbars", "--window-size=1280,1000"],
        }),
    );
    let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{driver_port}"))
        .await
        .expect("a Chromium session");

    // Sign in through the e-mailed link.
    c.goto(&format!("{base}/")).await.unwrap();
    wait_title(&c, "Sign in").await;
    shoot(&c, "01-sign-in", &[PHONE]).await;
    c.find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys("a@example.com")
        .await
        .unwrap();
    click(&c, "//button[text()='Send me a sign-in link']").await;
    wait_title(&c, "Check your e-mail").await;
    let link = link_from_outbox(&outbox, &base);
    c.goto(&link).await.unwrap();
    wait_title(&c, "Your open invoices").await;
    let text = body_text(&c).await;
    for want in ["INV-A1", "INV-A2", "INV-A3", "1,630.00 USD"] {
        assert!(text.contains(want), "{want} in:\n{text}");
    }
    assert!(!text.contains("INV-B1"), "another customer's invoice");
    shoot(&c, "02-invoices", &[PHONE, DESKTOP]).await;

    // Dispute INV-A1.
    c.goto(&format!("{base}/invoices/INV-A1")).await.unwrap();
    wait_title(&c, "Invoice INV-A1").await;
    shoot(&c, "03-invoice", &[PHONE]).await;
    c.find(Locator::Id("reason"))
        .await
        .unwrap()
        .select_by_label("Wrong amount")
        .await
        .unwrap();
    c.find(Locator::Id("amount"))
        .await
        .unwrap()
        .send_keys("100.00")
        .await
        .unwrap();
    c.find(Locator::Id("message"))
        .await
        .unwrap()
        .send_keys("We were charged the old price.")
        .await
        .unwrap();
    click(&c, "//button[text()='File dispute']").await;
    wait_title(&c, "Dispute filed").await;
    shoot(&c, "04-dispute-filed", &[PHONE]).await;

    // Promise to pay INV-A2 in five days.
    c.goto(&format!("{base}/invoices/INV-A2")).await.unwrap();
    wait_title(&c, "Invoice INV-A2").await;
    let promised = (today + Days::new(5)).to_string();
    c.execute(
        "document.getElementById('date').value = arguments[0];",
        vec![serde_json::json!(promised)],
    )
    .await
    .unwrap();
    c.find(Locator::Id("pamount"))
        .await
        .unwrap()
        .send_keys("350.00")
        .await
        .unwrap();
    click(&c, "//button[text()='Promise to pay']").await;
    wait_title(&c, "Promise noted").await;
    assert!(body_text(&c).await.contains(&promised));

    // The printable statement.
    c.goto(&format!("{base}/statement")).await.unwrap();
    wait_title(&c, "Statement of account").await;
    assert!(body_text(&c).await.contains("Print / save as PDF"));
    shoot(&c, "05-statement", &[PHONE, DESKTOP]).await;

    // The AR team's dashboard: sign in with the API key.
    c.goto(&format!("{base}/dashboard")).await.unwrap();
    wait_title(&c, "AR dashboard: sign in").await;
    c.find(Locator::Id("api_key"))
        .await
        .unwrap()
        .send_keys(&key)
        .await
        .unwrap();
    click(&c, "//button[text()='Sign in']").await;
    wait_title(&c, "AR dashboard").await;
    let text = body_text(&c).await;
    for want in [
        "Aging as of",
        "Bravo GmbH",
        "Call Bravo GmbH about INV-B1",
        "Wrong amount",
    ] {
        assert!(text.contains(want), "{want} in:\n{text}");
    }
    assert_eq!(
        c.find_all(Locator::Css("svg.chart")).await.unwrap().len(),
        1,
        "one aging chart (USD)"
    );
    shoot(&c, "06-dashboard", &[PHONE, (1280, 1900)]).await;
    c.close().await.unwrap();
    drop(procs);

    // The next plan: no dunning for the disputed or the promised invoice.
    let after_a1 = planned(&db, today, "INV-A1");
    let after_a2 = planned(&db, today, "INV-A2");
    assert!(
        before_a1.iter().all(|r| !after_a1.contains(r)),
        "INV-A1 before {before_a1:?} after {after_a1:?}"
    );
    assert!(
        !after_a1.iter().any(|r| r.starts_with("reminder")),
        "no reminders for a disputed invoice: {after_a1:?}"
    );
    assert!(after_a2.is_empty(), "INV-A2 is promised: {after_a2:?}");
}
