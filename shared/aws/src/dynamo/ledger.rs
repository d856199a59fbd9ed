//! `LedgerStore` for `DynamoStore`: reads shard by shard, conditional writes
//! for everything that must happen once.

use std::collections::HashMap;

use arflow_app::store::{InvoiceChange, LedgerStore, StoreError, Task, TaskStatus};
use arflow_domain::ledger::{Customer, Invoice};
use arflow_domain::sent::SentRecord;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use chrono::NaiveDate;

use super::batch::{key, query_all};
use super::codec::{Item, StoredInvoice, doc, from_doc, invoice_from, opt_s, s};
use super::keys::{self, SHARDS, shard};
use super::{DynamoStore, backend, check_tenant};

impl DynamoStore {
    /// Every item of the tenant's shards of one kind.
    pub(crate) async fn query_shards(
        &self,
        pk_of: impl Fn(u32) -> String,
        visit: &mut dyn FnMut(Item) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        for sh in 0..SHARDS {
            query_all(&self.client, &self.table, None, &pk_of(sh), visit).await?;
        }
        Ok(())
    }

    /// Puts `item` unless its key exists; true when it was put.
    pub(crate) async fn put_if_absent(
        &self,
        item: Item,
        operation: &str,
    ) -> Result<bool, StoreError> {
        self.put_if(item, "attribute_not_exists(PK)", &[], operation)
            .await
    }

    pub(crate) async fn get(
        &self,
        pk: String,
        sk: String,
        operation: &str,
    ) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| backend(operation, e))?;
        Ok(out.item)
    }

    async fn invoices_as_of_async(
        &self,
        tenant: &str,
        as_of: NaiveDate,
        visit: &mut dyn FnMut(Invoice),
    ) -> Result<(), StoreError> {
        let holds = |v: &StoredInvoice| v.effective.is_none_or(|d| d <= as_of);
        for sh in 0..SHARDS {
            let mut best: HashMap<String, StoredInvoice> = HashMap::new();
            query_all(
                &self.client,
                &self.table,
                None,
                &keys::history_pk(tenant, sh),
                &mut |item| {
                    let v = invoice_from(&item)?;
                    if holds(&v) {
                        match best.get(&v.invoice.invoice_id) {
                            Some(b) if b.version > v.version => {}
                            _ => {
                                best.insert(v.invoice.invoice_id.clone(), v);
                            }
                        }
                    }
                    Ok(())
                },
            )
            .await?;
            query_all(
                &self.client,
                &self.table,
                None,
                &keys::invoice_pk(tenant, sh),
                &mut |item| {
                    let current = invoice_from(&item)?;
                    let earlier = best.remove(&current.invoice.invoice_id);
                    if holds(&current) {
                        visit(current.invoice);
                    } else if let Some(e) = earlier {
                        visit(e.invoice);
                    }
                    Ok(())
                },
            )
            .await?;
        }
        Ok(())
    }
}

/// A task's status and outcome live beside its document so that completing
/// it is one conditional update.
fn task_from(item: &Item) -> Result<Task, StoreError> {
    let mut task: Task = from_doc(item, "task")?;
    if let Some(st) = opt_s(item, "st") {
        task.status = TaskStatus::parse(st)
            .ok_or_else(|| super::codec::corrupt("task", format!("status '{st}'")))?;
    }
    task.outcome = opt_s(item, "outcome").map(str::to_string).or(task.outcome);
    Ok(task)
}

impl LedgerStore for DynamoStore {
    fn current_invoices(
        &self,
        tenant: &str,
        visit: &mut dyn FnMut(Invoice),
    ) -> Result<(), StoreError> {
        check_tenant(tenant)?;
        self.block(
            self.query_shards(|sh| keys::invoice_pk(tenant, sh), &mut |item| {
                visit(invoice_from(&item)?.invoice);
                Ok(())
            }),
        )
    }

    fn invoices_as_of(
        &self,
        tenant: &str,
        as_of: NaiveDate,
        visit: &mut dyn FnMut(Invoice),
    ) -> Result<(), StoreError> {
        check_tenant(tenant)?;
        self.block(self.invoices_as_of_async(tenant, as_of, visit))
    }

    fn apply_changes(
        &mut self,
        tenant: &str,
        changes: &[InvoiceChange],
        customers: &[Customer],
    ) -> Result<(), StoreError> {
        self.block(self.apply_async(tenant, changes, customers))
    }

    fn customers(&self, tenant: &str) -> Result<Vec<Customer>, StoreError> {
        check_tenant(tenant)?;
        let mut out: Vec<Customer> = Vec::new();
        self.block(
            self.query_shards(|sh| keys::customer_pk(tenant, sh), &mut |item| {
                out.push(from_doc(&item, "customer")?);
                Ok(())
            }),
        )?;
        out.sort_by(|a, b| a.customer_id.cmp(&b.customer_id));
        Ok(out)
    }

    fn sent_log(&self, tenant: &str) -> Result<Vec<SentRecord>, StoreError> {
        check_tenant(tenant)?;
        let mut out: Vec<SentRecord> = Vec::new();
        self.block(
            self.query_shards(|sh| keys::sent_pk(tenant, sh), &mut |item| {
                out.push(from_doc(&item, "sent record")?);
                Ok(())
            }),
        )?;
        out.sort_by(|a, b| (a.sent_on, &a.action_id).cmp(&(b.sent_on, &b.action_id)));
        Ok(out)
    }

    fn record_sent(&mut self, tenant: &str, records: &[SentRecord]) -> Result<usize, StoreError> {
        check_tenant(tenant)?;
        self.block(async {
            let mut new = 0;
            for r in records {
                if self
                    .put_if_absent(sent_item(tenant, r), "recording a send")
                    .await?
                {
                    new += 1;
                }
            }
            Ok(new)
        })
    }

    fn insert_tasks(&mut self, tenant: &str, tasks: &[Task]) -> Result<usize, StoreError> {
        check_tenant(tenant)?;
        self.block(async {
            let mut new = 0;
            for t in tasks {
                let mut item = key(keys::task_pk(tenant), &t.id);
                item.insert("doc".into(), doc(t));
                item.insert("st".into(), s(t.status.as_str()));
                if self.put_if_absent(item, "adding a task").await? {
                    new += 1;
                }
            }
            Ok(new)
        })
    }

    fn tasks(&self, tenant: &str) -> Result<Vec<Task>, StoreError> {
        check_tenant(tenant)?;
        let mut out: Vec<Task> = Vec::new();
        self.block(query_all(
            &self.client,
            &self.table,
            None,
            &keys::task_pk(tenant),
            &mut |item| {
                out.push(task_from(&item)?);
                Ok(())
            },
        ))?;
        out.sort_by(|a, b| (a.due_on, &a.id).cmp(&(b.due_on, &b.id)));
        Ok(out)
    }

    fn complete_task(&mut self, tenant: &str, id: &str, outcome: &str) -> Result<bool, StoreError> {
        check_tenant(tenant)?;
        let out = self.block(
            self.client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(key(keys::task_pk(tenant), id)))
                .update_expression("SET st = :done, outcome = :o")
                .condition_expression("attribute_exists(PK)")
                .expression_attribute_values(":done", s(TaskStatus::Done.as_str()))
                .expression_attribute_values(":o", s(outcome))
                .send(),
        );
        match out {
            Ok(_) => {
                self.count_other_items(1);
                Ok(true)
            }
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(UpdateItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                Ok(false)
            }
            Err(e) => Err(backend("completing a task", e)),
        }
    }

    fn is_ingested(
        &self,
        tenant: &str,
        object_key: &str,
        digest: &str,
    ) -> Result<bool, StoreError> {
        check_tenant(tenant)?;
        let pk = keys::object_pk(tenant);
        Ok(self
            .block(self.get(
                pk,
                keys::object_sk(object_key, digest),
                "checking an ingested object",
            ))?
            .is_some())
    }

    fn mark_ingested(
        &mut self,
        tenant: &str,
        object_key: &str,
        digest: &str,
    ) -> Result<bool, StoreError> {
        check_tenant(tenant)?;
        let mut item = key(keys::object_pk(tenant), keys::object_sk(object_key, digest));
        item.insert("obj".into(), s(object_key));
        self.block(self.put_if_absent(item, "recording an ingested object"))
    }
}

pub(crate) fn sent_item(tenant: &str, r: &SentRecord) -> Item {
    let mut item = key(keys::sent_pk(tenant, shard(&r.customer_id)), &r.action_id);
    item.insert("doc".into(), doc(r));
    item
}
