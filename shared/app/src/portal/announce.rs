//! Everything filing a dispute sends at once, and the audit of each send:
//! the strategy's acknowledgement ([`acknowledge_dispute`]) and the AR
//! team's notice ([`notify_dispute_filed`]). The dispute is already filed;
//! a failure here is logged and left to the next run, never undone.

use arflow_domain::ledger::Invoice;
use arflow_domain::template::TemplateSet;

use super::{AuditEntry, Dispute, PortalStore, acknowledge_dispute, notify_dispute_filed};
use crate::delivery::Delivered;
use crate::dispatch::{RunStore, Sender};
use crate::planning::StrategyDefaults;

/// A dispute just filed, with what its messages show.
#[derive(Clone, Copy, Debug)]
pub struct Filed<'a> {
    pub tenant: &'a str,
    pub dispute: &'a Dispute,
    pub invoice: &'a Invoice,
    pub customer_name: &'a str,
    /// The attachment's file name, when there is one.
    pub attachment: Option<&'a str>,
}

/// Sends the acknowledgement (when the planner plans it today and the host
/// has templates) and the AR notice, each audited as "system"; true when
/// the acknowledgement went out.
pub fn announce_filing<S: RunStore + PortalStore + ?Sized>(
    store: &mut S,
    sender: &mut dyn Sender,
    f: Filed<'_>,
    defaults: &StrategyDefaults,
    templates: Option<&TemplateSet>,
    now: i64,
) -> bool {
    let (tenant, d) = (f.tenant, f.dispute);
    let target = format!("dispute:{}", d.id);
    let log = |store: &mut S, action: &str, detail: String| {
        let entry = AuditEntry {
            at: now,
            actor: "system".into(),
            action: action.into(),
            target: target.clone(),
            detail,
        };
        if let Err(e) = store.append_audit(tenant, &entry) {
            tracing::error!(tenant, dispute = %d.id, action, "audit entry not written: {e}");
        }
    };
    let day = chrono::DateTime::from_timestamp(now, 0)
        .unwrap_or_default()
        .date_naive();
    let acked = match templates {
        None => false,
        Some(templates) => {
            match acknowledge_dispute(store, sender, tenant, d, defaults, templates, day, now) {
                Ok(Some(Delivered::Sent { channel, .. })) => {
                    let by = arflow_domain::strategy::action::channel_str(channel);
                    log(store, "dispute.ack_sent", format!("by {by}"));
                    true
                }
                Ok(Some(Delivered::Task)) => {
                    // No provider for the strategy's channel: the AR team sends it.
                    log(
                        store,
                        "dispute.ack_task",
                        "no provider for the channel: a task for the AR team".into(),
                    );
                    false
                }
                Ok(other) => {
                    tracing::info!(tenant, dispute = %d.id, ?other, "acknowledgement left to the next run");
                    false
                }
                Err(e) => {
                    tracing::warn!(tenant, dispute = %d.id, "acknowledgement not sent now: {e}");
                    false
                }
            }
        }
    };
    match notify_dispute_filed(
        store,
        sender,
        tenant,
        d,
        f.invoice,
        f.customer_name,
        f.attachment,
        now,
    ) {
        Ok(done) => log(store, "dispute.ar_notified", format!("{done:?}")),
        Err(e) => tracing::error!(tenant, dispute = %d.id, "AR team not notified: {e}"),
    }
    acked
}
