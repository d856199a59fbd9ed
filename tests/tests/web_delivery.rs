//! The portal's immediate messages go through the one delivery use case on
//! the API host too: a dispute acknowledgement the strategy sends by
//! WhatsApp, with no WhatsApp provider, becomes a task for the AR team
//! under the acknowledgement's id — never a message on another channel.

mod web_support;

use arflow_app::portal::PortalStore;
use arflow_app::store::LedgerStore;
use arflow_domain::strategy::{DEFAULT_STRATEGY, Strategy};
use web_support::*;

#[tokio::test]
async fn a_whatsapp_dispute_acknowledgement_without_a_provider_is_a_task_on_the_api_host() {
    let mut store = arflow_local::SqliteStore::open_in_memory().unwrap();
    seed(&mut store);
    let mut a = customer("A", "Alpha Ltd", "a@example.com");
    a.phone = Some("+15550101".into());
    store.apply_changes(TENANT, &[], &[a]).unwrap();
    let text = DEFAULT_STRATEGY.replace(
        "[events.dispute]\nack_template",
        "[events.dispute]\nchannel = \"whatsapp\"\nack_template",
    );
    let strategy = Strategy::from_toml(&text, "whatsapp-ack.toml").expect("strategy loads");
    assert_eq!(
        strategy.events.dispute.as_ref().map(|d| d.channel),
        Some(arflow_domain::ledger::Channel::Whatsapp)
    );
    let app = app_with_strategy(store, strategy);
    let (cookie, token) = sign_in(&app, "a%40example.com").await;
    let before = app.web.sender.lock().unwrap().0.len();
    let r = post_form(
        &app.router,
        "/invoices/INV-A1/dispute",
        &cookie,
        &format!("csrf={token}&reason=Wrong+amount&amount=100.00&message=price"),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let mails = app.web.sender.lock().unwrap().0.clone();
    assert!(
        mails[before..].iter().all(|m| m.to != ["a@example.com"]),
        "nothing to the customer on another channel: {mails:#?}"
    );
    let store = app.web.store.lock().unwrap();
    let ack = store
        .sent_log(TENANT)
        .unwrap()
        .into_iter()
        .find(|r| r.rule == "event:dispute_ack")
        .expect("the acknowledgement is recorded (as a task)");
    assert_eq!(ack.channel, Some(arflow_domain::ledger::Channel::Whatsapp));
    let tasks = store.tasks(TENANT).unwrap();
    let task = tasks
        .iter()
        .find(|t| t.id == ack.action_id)
        .unwrap_or_else(|| panic!("the AR team's task: {tasks:#?}"));
    assert_eq!(task.assignee, "ar_team");
    assert!(
        task.title.contains("whatsapp") && task.title.contains("+15550101"),
        "{}",
        task.title
    );
    let audit: Vec<String> = store
        .audit_log(TENANT)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(audit.contains(&"dispute.ack_task".to_string()), "{audit:?}");
}
