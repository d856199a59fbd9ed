//! A fanned-out daily run on the emulator: the scheduler event becomes one
//! job per planning shard (64, read through GSI1), the shard jobs enqueue
//! exactly the actions the whole-tenant planner plans, each once; a repeated
//! run, a redelivered shard job and a new run after dispatch enqueue nothing.

mod aws_support;

use std::collections::{BTreeMap, BTreeSet};

use arflow_app::planning::{Scope, plan_day};
use arflow_aws::daily::strategy_defaults;
use arflow_aws::dynamo::keys::{PLAN_SHARDS, plan_shard};
use arflow_aws::wire::{ActionWire, QueueMessage};
use arflow_domain::strategy::ActionKind;
use aws_lambda_events::event::sqs::SqsEvent;
use aws_support::world::{Setup, World, customer, failures, invoice, redelivered, world_with};

/// Hands every record to dispatch, ten a batch; no message may fail.
async fn dispatch_all(w: &World, event: &SqsEvent) {
    for chunk in event.records.chunks(10) {
        let batch = SqsEvent {
            records: chunk.to_vec(),
        };
        let response = w.dispatch.handle(batch).await.expect("dispatch");
        assert!(failures(&response).is_empty(), "{response:?}");
    }
}

/// (shard jobs, actions) of the messages in the event.
fn split(event: &SqsEvent) -> (Vec<u32>, Vec<ActionWire>) {
    let (mut shards, mut actions) = (Vec::new(), Vec::new());
    for r in &event.records {
        match serde_json::from_str(r.body.as_deref().unwrap_or("")).expect("queue message") {
            QueueMessage::PlanShard { shard, .. } => shards.push(shard),
            QueueMessage::Action { action, .. } => actions.push(*action),
        }
    }
    (shards, actions)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fanned_out_run_enqueues_every_planned_action_exactly_once() {
    let customers: Vec<_> = (0..40)
        .map(|i| customer(&format!("C{i:02}"), &format!("ap@c{i}.example")))
        .collect();
    let mut invoices = Vec::new();
    for i in 0..40 {
        let c = format!("C{i:02}");
        invoices.push(invoice(
            &format!("INV-{i:02}-A"),
            &c,
            "2024-01-02",
            "2024-02-01",
            10_000,
        ));
        if i % 3 == 0 {
            invoices.push(invoice(
                &format!("INV-{i:02}-B"),
                &c,
                "2023-11-02",
                "2023-12-02",
                5_000,
            ));
        }
    }
    let w = world_with(
        &customers,
        &invoices,
        Setup {
            fan_out: true,
            ..Setup::default()
        },
    )
    .await;
    let as_of = "2024-02-01".parse().expect("date");
    let store = w.aws.store();
    let config = (store.tenant_config("acme").await)
        .expect("config read")
        .expect("config");
    let defaults = strategy_defaults(&config).expect("defaults");
    let whole = plan_day(&store, "acme", as_of, Scope::Tenant, &defaults)
        .expect("whole-tenant plan")
        .actions;
    let expected: BTreeMap<String, ActionWire> = whole
        .iter()
        .map(|a| (a.id.clone(), ActionWire::from(a)))
        .collect();
    assert_eq!(expected.len(), whole.len());
    let shards: BTreeSet<u32> = whole.iter().map(|a| plan_shard(&a.customer_id)).collect();
    assert!(
        shards.len() >= 16,
        "the plan spans many planning shards: {shards:?}"
    );

    let run = w.run_daily("exec-1", None).await;
    assert!(run.fanned_out && !run.skipped, "{run:?}");
    assert_eq!(run.messages, PLAN_SHARDS as usize);
    let jobs = w.drain().await;
    let (job_shards, none) = split(&jobs);
    assert!(none.is_empty());
    assert_eq!(
        job_shards.iter().copied().collect::<BTreeSet<u32>>(),
        (0..PLAN_SHARDS).collect(),
        "one job per planning shard"
    );

    dispatch_all(&w, &jobs).await;
    let planned = w.drain().await;
    let (more_jobs, enqueued) = split(&planned);
    assert!(more_jobs.is_empty());
    let unique: BTreeMap<String, ActionWire> =
        enqueued.iter().map(|a| (a.id.clone(), a.clone())).collect();
    assert_eq!(unique.len(), enqueued.len(), "no action enqueued twice");
    assert_eq!(
        unique, expected,
        "the shards enqueue exactly the whole-tenant plan (recipients and all)"
    );

    // The schedule fires again, and SQS redelivers every shard job.
    let again = w.run_daily("exec-1", None).await;
    assert!(again.skipped && again.messages == 0, "{again:?}");
    dispatch_all(&w, &redelivered(&jobs, 2)).await;
    assert!(
        w.drain().await.records.is_empty(),
        "a redelivered shard job enqueues nothing"
    );

    // Dispatching the actions sends each e-mail once; a new run of the same
    // day then finds nothing left to do in any shard.
    dispatch_all(&w, &planned).await;
    let emails = whole.iter().filter(|a| a.kind == ActionKind::Email).count();
    assert_eq!(w.mail().len(), emails);
    let rerun = w.run_daily("exec-2", None).await;
    assert_eq!(rerun.messages, PLAN_SHARDS as usize);
    let jobs = w.drain().await;
    dispatch_all(&w, &jobs).await;
    assert!(
        w.drain().await.records.is_empty(),
        "every planned action is recorded as done"
    );
    assert_eq!(w.mail().len(), emails);
}

/// Portal holds in the AWS daily run, whole-tenant and fanned out: a
/// promise to pay kept in the tenant's `PortalStore` (DynamoDB) keeps its
/// invoice out of the plan, an open dispute plans its invoice as disputed
/// (the dispute sequence instead of a reminder), and the other customer is
/// reminded as usual.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_promises_and_disputes_pause_dunning_in_the_daily_run() {
    use arflow_app::portal::{Dispute, DisputeState, PortalStore, PromiseToPay};

    for fan_out in [false, true] {
        let w = world_with(
            &[
                customer("C1", "ap@promised.example"),
                customer("C2", "ap@disputing.example"),
                customer("C3", "ap@plain.example"),
            ],
            &[
                invoice("INV-1", "C1", "2024-01-02", "2024-02-01", 10_000),
                invoice("INV-2", "C2", "2024-01-02", "2024-02-01", 20_000),
                invoice("INV-3", "C3", "2024-01-02", "2024-02-01", 30_000),
            ],
            Setup {
                fan_out,
                ..Setup::default()
            },
        )
        .await;
        let mut portal = w.aws.store();
        let promise = PromiseToPay {
            id: "P1".into(),
            customer_id: "C1".into(),
            invoice_id: "INV-1".into(),
            promised_date: "2024-02-06".parse().expect("date"),
            amount: 10_000,
            grace_days: 2,
            reference: None,
            created_at: 0,
        };
        let dispute = Dispute {
            id: "D1".into(),
            customer_id: "C2".into(),
            invoice_id: "INV-2".into(),
            reason: "pricing".into(),
            amount: 20_000,
            message: "wrong unit price".into(),
            state: DisputeState::Open,
            owner: None,
            notes: Vec::new(),
            opened_at: 0,
            updated_at: 0,
        };
        tokio::task::block_in_place(|| {
            portal.insert_promise("acme", &promise).expect("promise");
            portal.insert_dispute("acme", &dispute).expect("dispute");
        });

        w.run_daily("exec-1", None).await;
        let mut batch = w.drain().await;
        if fan_out {
            dispatch_all(&w, &batch).await;
            batch = w.drain().await;
        }
        let (_, actions) = split(&batch);
        let emailed: Vec<&ActionWire> = actions
            .iter()
            .filter(|a| a.kind == ActionKind::Email)
            .collect();
        let names = |inv: &str| {
            emailed
                .iter()
                .any(|a| a.invoice_ids.iter().any(|i| i == inv))
        };
        assert!(
            !names("INV-1"),
            "promised: no reminder ({fan_out}): {emailed:#?}"
        );
        let disputed: Vec<&&ActionWire> = emailed
            .iter()
            .filter(|a| a.invoice_ids.iter().any(|i| i == "INV-2"))
            .collect();
        assert!(
            !disputed.is_empty() && disputed.iter().all(|a| a.rule.starts_with("event:dispute")),
            "disputed: the dispute sequence instead of a reminder ({fan_out}): {disputed:#?}"
        );
        assert!(names("INV-3"), "the other customer is reminded ({fan_out})");
        assert!(
            actions
                .iter()
                .all(|a| !a.invoice_ids.iter().any(|i| i == "INV-1")),
            "nothing at all is planned for a promised invoice ({fan_out}): {actions:#?}"
        );
    }
}
