//! `ChangeStore` for `DynamoStore`: a portal or AR team change and its
//! audit item in one `TransactWriteItems`, each write on the condition the
//! change promises (new id, expected state, open task, expected strategy
//! version). A failed condition cancels the transaction: `Ok(false)`,
//! nothing written; any other failure writes nothing either.

use arflow_app::portal::{AuditEntry, Change, ChangeStore, ContactPrefs, Dispute, PaymentPlan};
use arflow_app::store::{StoreError, TaskStatus};
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};

use super::batch::key;
use super::codec::{Item, doc, n, s};
use super::portal::{unique_tail, wall_clock_nanos};
use super::portal_keys as pk;
use super::portal_strategy::{MAX_STRATEGY_BYTES, strategy_item};
use super::write::condition_failed;
use super::{DynamoStore, backend, check_tenant, keys};

/// The item of a dispute.
pub(super) fn dispute_item(tenant: &str, d: &Dispute) -> Item {
    let mut item = key(pk::dispute_pk(tenant), &d.id);
    item.insert("doc".into(), doc(d));
    item.insert("st".into(), s(d.state.as_str()));
    item
}

/// The item of a payment plan.
pub(super) fn plan_item(tenant: &str, p: &PaymentPlan) -> Item {
    let mut item = key(pk::plan_pk(tenant), &p.id);
    item.insert("doc".into(), doc(p));
    item.insert("st".into(), s(p.state.as_str()));
    item
}

/// The item of a customer's contact preferences.
pub(super) fn prefs_item(tenant: &str, customer_id: &str, prefs: &ContactPrefs) -> Item {
    let mut item = key(pk::prefs_pk(tenant), customer_id);
    item.insert("doc".into(), doc(prefs));
    item
}

/// The item of an audit entry, under a sort key no other writer takes.
pub(super) fn audit_item(tenant: &str, e: &AuditEntry) -> Item {
    let sk = pk::audit_sk(e.at, wall_clock_nanos(), &unique_tail());
    let mut item = key(pk::audit_pk(tenant), sk);
    item.insert("doc".into(), doc(e));
    item
}

const NEW: &str = "attribute_not_exists(PK)";
const IN_STATE: &str = "attribute_exists(PK) AND st = :expected";

fn put(
    table: &str,
    item: Item,
    condition: Option<&str>,
    values: &[(&str, AttributeValue)],
) -> Result<TransactWriteItem, StoreError> {
    let mut p = Put::builder().table_name(table).set_item(Some(item));
    if let Some(c) = condition {
        p = p.condition_expression(c);
    }
    for (name, value) in values {
        p = p.expression_attribute_values(*name, value.clone());
    }
    let p = p.build().map_err(|e| backend("building a change", e))?;
    Ok(TransactWriteItem::builder().put(p).build())
}

/// The writes of `change`, each on its condition.
fn writes(
    table: &str,
    tenant: &str,
    change: &Change,
) -> Result<Vec<TransactWriteItem>, StoreError> {
    Ok(match change {
        Change::OpenDispute(d) => vec![put(table, dispute_item(tenant, d), Some(NEW), &[])?],
        Change::MoveDispute { dispute, from } => vec![put(
            table,
            dispute_item(tenant, dispute),
            Some(IN_STATE),
            &[(":expected", s(from.as_str()))],
        )?],
        Change::Promise(p) => {
            let mut item = key(pk::promise_pk(tenant), &p.id);
            item.insert("doc".into(), doc(p));
            vec![put(table, item, Some(NEW), &[])?]
        }
        Change::RequestPlan(p) => vec![put(table, plan_item(tenant, p), Some(NEW), &[])?],
        Change::MovePlan { plan, from } => vec![put(
            table,
            plan_item(tenant, plan),
            Some(IN_STATE),
            &[(":expected", s(from.as_str()))],
        )?],
        Change::CompleteTask { id, outcome } => {
            let u = Update::builder()
                .table_name(table)
                .set_key(Some(key(keys::task_pk(tenant), id)))
                .update_expression("SET st = :done, outcome = :o")
                .condition_expression("attribute_exists(PK) AND st <> :done")
                .expression_attribute_values(":done", s(TaskStatus::Done.as_str()))
                .expression_attribute_values(":o", s(outcome))
                .build()
                .map_err(|e| backend("building a task completion", e))?;
            vec![TransactWriteItem::builder().update(u).build()]
        }
        Change::ContactPrefs { customer_id, prefs } => {
            vec![put(
                table,
                prefs_item(tenant, customer_id, prefs),
                None,
                &[],
            )?]
        }
        Change::Strategy { source, expected } => {
            if source.len() > MAX_STRATEGY_BYTES {
                return Err(StoreError::Backend {
                    operation: "storing a strategy".into(),
                    detail: format!(
                        "the strategy is {} bytes; at most {MAX_STRATEGY_BYTES} are stored",
                        source.len()
                    ),
                });
            }
            let version = expected.map_or(1, |v| v + 1);
            let current = strategy_item(tenant, pk::STRATEGY_CURRENT.into(), source, version);
            let current = match expected {
                None => put(table, current, Some(NEW), &[])?,
                Some(v) => put(
                    table,
                    current,
                    Some("ver = :expected"),
                    &[(":expected", n(v))],
                )?,
            };
            let history = strategy_item(tenant, pk::strategy_version_sk(version), source, version);
            vec![current, put(table, history, Some(NEW), &[])?]
        }
    })
}

impl ChangeStore for DynamoStore {
    fn commit(
        &mut self,
        tenant: &str,
        change: &Change,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        check_tenant(tenant)?;
        let mut items = writes(&self.table, tenant, change)?;
        items.push(put(&self.table, audit_item(tenant, audit), Some(NEW), &[])?);
        let count = items.len();
        let out = self.block(
            self.client
                .transact_write_items()
                .set_transact_items(Some(items))
                .send(),
        );
        match out {
            Ok(_) => {
                self.count_other_items(count);
                Ok(true)
            }
            Err(e) if condition_failed(&e) => Ok(false),
            Err(e) => Err(backend(&format!("storing {}", audit.action), e)),
        }
    }
}
