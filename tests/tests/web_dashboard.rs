//! The AR dashboard and the printable statement, driven in-process: signing
//! in with an API key (CSRF, scope, HttpOnly cookie), refused and forged
//! cookies, tenant isolation, what the dashboard shows, and the statement's
//! content.

mod web_support;

use arflow_app::portal::{Dispute, DisputeState, PortalStore, Scope};
use arflow_app::store::{LedgerStore, Task, TaskStatus};
use arflow_domain::strategy::ActionKind;
use web_support::*;

/// Signs in to the dashboard with `key`; returns the reply to the POST.
async fn dashboard_sign_in(app: &App, key: &str) -> Reply {
    let page = get(&app.router, "/dashboard/sign-in", "").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let pre = set_cookie(&page, "arflow_dashboard_pre").unwrap();
    let pre = pre.split(';').next().unwrap().to_string();
    let form = format!("api_key={key}&csrf={}", csrf(&page.body));
    post_form(&app.router, "/dashboard/sign-in", &pre, &form).await
}

/// The `name=value` part of the dashboard cookie after signing in with `key`.
async fn dashboard_cookie(app: &App, key: &str) -> String {
    let r = dashboard_sign_in(app, key).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let c = set_cookie(&r, "arflow_dashboard").unwrap();
    c.split(';').next().unwrap().to_string()
}

#[tokio::test]
async fn dashboard_without_a_session_redirects_to_the_sign_in_form() {
    let app = app();
    let r = get(&app.router, "/dashboard", "").await;
    assert_eq!(r.status, 303);
    assert_eq!(r.headers["location"], "/dashboard/sign-in");
    let (customer, _) = sign_in(&app, "a%40example.com").await;
    let r = get(&app.router, "/dashboard", &customer).await;
    assert_eq!(r.status, 303, "a customer's portal session is not enough");
    let value = customer.split_once('=').unwrap().1;
    let r = get(
        &app.router,
        "/dashboard",
        &format!("arflow_dashboard={value}"),
    )
    .await;
    assert_eq!(r.status, 303, "nor is its value in the dashboard cookie");
}

#[tokio::test]
async fn api_key_signs_in_with_an_httponly_cookie_scoped_to_the_dashboard() {
    let app = app();
    let key = api_key(&app, TENANT, "ops", &[Scope::Read]);
    let r = dashboard_sign_in(&app, &key).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.headers["location"], "/dashboard");
    let cookie = set_cookie(&r, "arflow_dashboard").unwrap();
    for attr in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/dashboard"] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    assert!(
        !cookie.contains(&key),
        "the key itself is not in the cookie"
    );
    let cookie = cookie.split(';').next().unwrap();
    let page = get(&app.router, "/dashboard?as_of=2024-01-31", cookie).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("Tenant <strong>acme</strong>"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn dashboard_sign_in_refuses_missing_csrf_wrong_keys_and_keys_without_read() {
    let app = app();
    let read = api_key(&app, TENANT, "ops", &[Scope::Read]);
    let write_only = api_key(&app, TENANT, "bot", &[Scope::Write]);
    let r = post_form(
        &app.router,
        "/dashboard/sign-in",
        "",
        &format!("api_key={read}"),
    )
    .await;
    assert_eq!(r.status, 403, "no CSRF token");
    assert!(set_cookie(&r, "arflow_dashboard").is_none());
    let r = dashboard_sign_in(&app, "arf_not_a_key").await;
    assert_eq!(r.status, 401);
    assert!(set_cookie(&r, "arflow_dashboard").is_none());
    let r = dashboard_sign_in(&app, &write_only).await;
    assert_eq!(r.status, 401, "{}", r.body);
}

#[tokio::test]
async fn tampered_dashboard_cookies_are_refused() {
    let app = app();
    let key = api_key(&app, TENANT, "ops", &[Scope::Read]);
    let cookie = dashboard_cookie(&app, &key).await;
    let value = cookie.split_once('=').unwrap().1;
    let (expires, rest) = value.split_once('.').unwrap();
    let later = expires.parse::<i64>().unwrap() + 1_000_000;
    let forged = format!("arflow_dashboard={later}.{rest}");
    assert_eq!(get(&app.router, "/dashboard", &forged).await.status, 303);
    let mut flipped = cookie.clone().into_bytes();
    let last = flipped.len() - 1;
    flipped[last] = if flipped[last] == b'0' { b'1' } else { b'0' };
    let flipped = String::from_utf8(flipped).unwrap();
    assert_eq!(get(&app.router, "/dashboard", &flipped).await.status, 303);
    app.clock
        .fetch_add(3601, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(
        get(&app.router, "/dashboard", &cookie).await.status,
        303,
        "expired"
    );
}

#[tokio::test]
async fn another_tenants_key_sees_only_its_own_tenant() {
    let app = app();
    let other = api_key(&app, "other", "ops", &[Scope::Read]);
    let cookie = dashboard_cookie(&app, &other).await;
    let page = get(&app.router, "/dashboard?as_of=2024-01-31", &cookie).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Tenant <strong>other</strong>"));
    assert!(page.body.contains("Other tenant&#39;s"), "{}", page.body);
    for acme in ["Bravo GmbH", "INV-A1", "INV-B1", "700.00"] {
        assert!(!page.body.contains(acme), "{acme} leaked: {}", page.body);
    }
}

#[tokio::test]
async fn dashboard_shows_aging_chart_kpi_trend_top_overdue_tasks_and_disputes() {
    let app = app();
    {
        let mut store = app.web.store.lock().unwrap();
        store
            .insert_tasks(
                TENANT,
                &[Task {
                    id: "t-call-b".into(),
                    customer_id: "B".into(),
                    invoice_ids: vec!["INV-B1".into()],
                    kind: ActionKind::CallTask,
                    assignee: "collector".into(),
                    title: "Call Bravo GmbH about INV-B1".into(),
                    body: "Ask whether INV-B1 reached accounts payable & when it will be paid."
                        .into(),
                    due_on: "2024-01-31".parse().unwrap(),
                    status: TaskStatus::Open,
                    outcome: None,
                }],
            )
            .unwrap();
        for (id, state) in [("D-1", DisputeState::Open), ("D-2", DisputeState::Resolved)] {
            store
                .insert_dispute(
                    TENANT,
                    &Dispute {
                        id: id.into(),
                        customer_id: "B".into(),
                        invoice_id: "INV-B1".into(),
                        reason: "Wrong amount".into(),
                        amount: 10_000,
                        message: String::new(),
                        state,
                        owner: None,
                        notes: vec![],
                        opened_at: 0,
                        updated_at: 0,
                    },
                )
                .unwrap();
        }
    }
    let key = api_key(&app, TENANT, "ops", &[Scope::Read]);
    let cookie = dashboard_cookie(&app, &key).await;
    let page = get(&app.router, "/dashboard?as_of=2024-01-31", &cookie).await;
    assert_eq!(page.status, 200);
    let b = &page.body;
    // Aging as of 2024-01-31: INV-A1 (1,200.00) current; INV-B1 (700.00) and
    // the <script> invoice (50.00) in 1-30.
    assert!(b.contains("<svg class=\"chart\" role=\"img\""), "{b}");
    assert!(
        b.contains("current: 1,200.00 USD in 1 invoice; 1-30: 750.00 USD in 2 invoices"),
        "{b}"
    );
    // KPIs as of the six month ends before, then the as-of date.
    for d in ["2023-07-31", "2023-12-31", "2024-01-31"] {
        assert!(
            b.contains(&format!("<th scope=\"row\">{d}</th>")),
            "{d}: {b}"
        );
    }
    // Top overdue: Bravo (700.00 past due) before A (50.00), escaped.
    let bravo = b.find("Bravo GmbH <small>").expect("Bravo listed");
    let alpha = b
        .find("&lt;script&gt;alert(1)&lt;/script&gt; Ltd <small>")
        .expect("A listed");
    assert!(bravo < alpha);
    assert!(!b.contains("<script>"));
    // Today's task with its call script; disputes counted by state.
    assert!(b.contains("Call Bravo GmbH about INV-B1"));
    assert!(b.contains("<details open><summary>Call script</summary>"));
    assert!(b.contains("accounts payable &amp; when"));
    assert!(b.contains("<tr><th scope=\"row\">open</th><td class=\"num\">1</td></tr>"));
    assert!(b.contains("<tr><th scope=\"row\">resolved</th><td class=\"num\">1</td></tr>"));
    assert!(b.contains("<tr><th scope=\"row\">escalated</th><td class=\"num\">0</td></tr>"));
    assert!(
        b.contains("<td>D-1</td>") && !b.contains("<td>D-2</td>"),
        "only active ones listed"
    );
}

#[tokio::test]
async fn dashboard_sign_out_needs_its_csrf_token_and_clears_the_cookie() {
    let app = app();
    let key = api_key(&app, TENANT, "ops", &[Scope::Read]);
    let cookie = dashboard_cookie(&app, &key).await;
    let page = get(&app.router, "/dashboard", &cookie).await;
    let r = post_form(&app.router, "/dashboard/sign-out", &cookie, "csrf=wrong").await;
    assert_eq!(r.status, 403);
    let r = post_form(
        &app.router,
        "/dashboard/sign-out",
        &cookie,
        &format!("csrf={}", csrf(&page.body)),
    )
    .await;
    assert_eq!(r.status, 303);
    assert!(
        set_cookie(&r, "arflow_dashboard")
            .unwrap()
            .contains("Max-Age=0")
    );
}

#[tokio::test]
async fn statement_lists_open_items_totals_and_aging_ready_to_print() {
    let app = app();
    assert_eq!(get(&app.router, "/statement", "").await.status, 303);
    let (cookie, _) = sign_in(&app, "a%40example.com").await;
    let r = get(&app.router, "/statement", &cookie).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let b = &r.body;
    assert!(b.contains("Statement of account"));
    assert!(b.contains("Print / save as PDF"));
    assert!(b.contains("@media print"), "print CSS");
    assert!(
        b.contains("&lt;script&gt;alert(1)&lt;/script&gt; Ltd (A)"),
        "{b}"
    );
    assert!(
        b.contains("<td>INV-A1</td><td>2024-01-01</td><td>2024-01-31</td>"),
        "{b}"
    );
    assert!(b.contains("&lt;script&gt;alert(2)&lt;/script&gt;"));
    assert!(
        !b.contains("INV-B1") && !b.contains("700.00"),
        "only A's items"
    );
    assert!(
        b.contains("<tr><th scope=\"row\">USD</th><td class=\"num\">1,250.00 USD</td></tr>"),
        "total: {b}"
    );
    // Aging of A on 2024-01-31: 1,200.00 current, 50.00 in 1-30.
    assert!(
        b.contains(
            "<tr><th scope=\"row\">USD</th><td class=\"num\">1,200.00 USD</td><td class=\"num\">50.00 USD</td><td class=\"num\">0.00 USD</td>"
        ),
        "aging: {b}"
    );
}

#[tokio::test]
async fn the_invoice_list_reads_the_customers_invoices_after_an_ingest() {
    let app = app();
    let (cookie, _) = sign_in(&app, "a%40example.com").await;
    app.web
        .store
        .lock()
        .unwrap()
        .apply_changes(
            TENANT,
            &[arflow_app::store::InvoiceChange {
                kind: arflow_app::store::ChangeKind::New,
                effective: None,
                invoice: invoice("INV-A2", "A", "2024-02-15", 30_000),
            }],
            &[],
        )
        .unwrap();
    let page = get(&app.router, "/invoices", &cookie).await;
    assert!(
        page.body.contains("INV-A2") && page.body.contains("1,550.00 USD"),
        "{}",
        page.body
    );
}
