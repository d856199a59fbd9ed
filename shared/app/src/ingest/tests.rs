//! The ingest flow on an in-memory store: bounded batches, strict mode,
//! a failure midway, and the events.
use std::collections::BTreeMap;

use arflow_domain::ledger::InvoiceStatus;
use arflow_domain::money::Currency;
use arflow_domain::sent::SentRecord;

use super::*;
use crate::store::{ChangeKind, Task};

/// A ledger in memory that records the size of every write and can be
/// made to fail the n-th one.
#[derive(Default)]
struct MemStore {
    invoices: BTreeMap<String, Invoice>,
    customers: BTreeMap<String, Customer>,
    writes: Vec<usize>,
    fail_write: Option<usize>,
}

impl LedgerStore for MemStore {
    fn current_invoices(&self, _: &str, visit: &mut dyn FnMut(Invoice)) -> Result<(), StoreError> {
        self.invoices.values().cloned().for_each(visit);
        Ok(())
    }
    fn invoices_as_of(
        &self,
        t: &str,
        _: NaiveDate,
        v: &mut dyn FnMut(Invoice),
    ) -> Result<(), StoreError> {
        self.current_invoices(t, v)
    }
    fn apply_changes(
        &mut self,
        _: &str,
        changes: &[InvoiceChange],
        customers: &[Customer],
    ) -> Result<(), StoreError> {
        if self.fail_write == Some(self.writes.len()) {
            return Err(StoreError::Backend {
                operation: "writing".into(),
                detail: "injected".into(),
            });
        }
        self.writes.push(changes.len());
        for c in changes {
            let known = self.invoices.contains_key(&c.invoice.invoice_id);
            assert_eq!(known, c.kind != ChangeKind::New, "{c:?}");
            self.invoices
                .insert(c.invoice.invoice_id.clone(), c.invoice.clone());
        }
        for c in customers {
            self.customers.insert(c.customer_id.clone(), c.clone());
        }
        Ok(())
    }
    fn customers(&self, _: &str) -> Result<Vec<Customer>, StoreError> {
        Ok(self.customers.values().cloned().collect())
    }
    fn sent_log(&self, _: &str) -> Result<Vec<SentRecord>, StoreError> {
        Ok(Vec::new())
    }
    fn record_sent(&mut self, _: &str, r: &[SentRecord]) -> Result<usize, StoreError> {
        Ok(r.len())
    }
    fn insert_tasks(&mut self, _: &str, t: &[Task]) -> Result<usize, StoreError> {
        Ok(t.len())
    }
    fn tasks(&self, _: &str) -> Result<Vec<Task>, StoreError> {
        Ok(Vec::new())
    }
    fn complete_task(&mut self, _: &str, _: &str, _: &str) -> Result<bool, StoreError> {
        Ok(false)
    }
    fn is_ingested(&self, _: &str, _: &str, _: &str) -> Result<bool, StoreError> {
        Ok(false)
    }
    fn mark_ingested(&mut self, _: &str, _: &str, _: &str) -> Result<bool, StoreError> {
        Ok(true)
    }
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn inv(id: &str, paid: Option<&str>) -> Invoice {
    Invoice {
        invoice_id: id.into(),
        customer_id: "C1".into(),
        invoice_date: d("2024-01-01"),
        due_date: d("2024-01-31"),
        amount: 100,
        currency: Currency::USD,
        paid_amount: if paid.is_some() { 100 } else { 0 },
        paid_date: paid.map(d),
        disputed: false,
        status: InvoiceStatus::Open,
    }
}

fn opts(as_of: &str, strict: bool) -> IngestOptions {
    IngestOptions {
        tenant: "acme".into(),
        as_of: d(as_of),
        mode: IngestMode::Snapshot,
        strict,
    }
}

fn source(ledger: Vec<Invoice>, customers: Vec<Customer>) -> IngestSource<'static> {
    IngestSource {
        ledger: Some(Box::new(move |sink: &mut dyn FnMut(Invoice)| {
            let rows = ledger.len() as u64;
            ledger.into_iter().for_each(sink);
            Ok(ReadSummary {
                rows,
                accepted: rows,
                rejects: Vec::new(),
            })
        })),
        customers: (!customers.is_empty()).then(|| -> ReadWith<'static, Customer> {
            Box::new(move |sink: &mut dyn FnMut(Customer)| {
                customers.into_iter().for_each(sink);
                Ok(ReadSummary::default())
            })
        }),
    }
}

fn run(
    store: &mut MemStore,
    ledger: Vec<Invoice>,
    as_of: &str,
    batch: usize,
) -> (Result<IngestReport, IngestError>, Vec<IngestEvent>) {
    let mut events = Vec::new();
    let r = ingest_batched(
        store,
        source(ledger, Vec::new()),
        &opts(as_of, false),
        &mut |e| events.push(e),
        batch,
    );
    (r, events)
}

fn ledger(n: usize) -> Vec<Invoice> {
    (0..n).map(|i| inv(&format!("INV-{i}"), None)).collect()
}

#[test]
fn changes_are_written_in_bounded_batches_as_the_ledger_streams() {
    let mut store = MemStore::default();
    let (r, events) = run(&mut store, ledger(5), "2024-02-01", 2);
    assert_eq!(r.unwrap().summary.new, 5);
    assert_eq!(store.writes, [2, 2, 1]);
    assert_eq!(events.len(), 5);

    let (r, events) = run(&mut store, ledger(5), "2024-02-01", 2);
    assert_eq!(r.unwrap().summary.unchanged, 5);
    assert_eq!(store.writes, [2, 2, 1], "an unchanged file writes nothing");
    assert!(events.is_empty());
}

#[test]
fn strict_mode_holds_every_change_for_one_write() {
    let mut store = MemStore::default();
    let r = ingest_batched(
        &mut store,
        source(ledger(5), Vec::new()),
        &opts("2024-02-01", true),
        &mut |_| {},
        2,
    );
    assert_eq!(r.unwrap().summary.new, 5);
    assert_eq!(store.writes, [5]);
}

#[test]
fn a_write_failing_midway_fails_the_ingest_and_a_rerun_writes_the_rest() {
    let mut store = MemStore {
        fail_write: Some(1),
        ..MemStore::default()
    };
    let (r, events) = run(&mut store, ledger(5), "2024-02-01", 2);
    assert!(matches!(r, Err(IngestError::Store(_))), "{r:?}");
    assert_eq!(store.invoices.len(), 2);
    assert_eq!(events.len(), 2, "events only for what was written");
    store.fail_write = None;
    let (r, _) = run(&mut store, ledger(5), "2024-02-01", 2);
    let s = r.unwrap().summary;
    assert_eq!((s.new, s.unchanged), (3, 2));
    assert_eq!(store.invoices.len(), 5);
}

#[test]
fn events_name_new_invoices_payments_closes_and_new_customers() {
    let mut store = MemStore::default();
    run(&mut store, ledger(3), "2024-02-01", 10).0.unwrap();
    // INV-0 paid in the file, INV-1 missing from the snapshot (closed),
    // INV-2 unchanged, INV-9 new; C1 a new customer, C0 known.
    store.customers.insert(
        "C0".into(),
        Customer {
            customer_id: "C0".into(),
            ..Customer::default()
        },
    );
    let file = vec![
        inv("INV-0", Some("2024-02-03")),
        inv("INV-2", None),
        inv("INV-9", None),
    ];
    let customers = vec![
        Customer {
            customer_id: "C0".into(),
            ..Customer::default()
        },
        Customer {
            customer_id: "C1".into(),
            name: "New".into(),
            ..Customer::default()
        },
    ];
    let mut events = Vec::new();
    let r = ingest_batched(
        &mut store,
        source(file, customers),
        &opts("2024-02-05", false),
        &mut |e| events.push(e),
        10,
    )
    .unwrap();
    let mut ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            "acme/customer_created/C1",
            "acme/invoice_created/INV-9",
            "acme/invoice_paid/INV-0/2024-02-03",
            "acme/invoice_paid/INV-1/2024-02-05",
        ]
    );
    assert_eq!(
        (
            r.events.invoice_created,
            r.events.invoice_paid,
            r.events.customer_created
        ),
        (1, 2, 1)
    );
}
