//! Event sequences of the strategy file: onboarding, invoice notification,
//! thank-you, disputes, month-end statements, credit control, white glove.
//!
//! Each sequence is optional; a segment's `events` table replaces the
//! strategy-wide sequence of the same name, and `enabled = false` switches
//! one off for that segment.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ledger::Channel;

use super::model::{ChannelName, Role, default_channel};

/// All event sequences; absent ones do not run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Events {
    /// A new customer (first invoice issued): welcome message, optional call task.
    #[serde(default)]
    pub onboarding: Option<Onboarding>,
    /// A new invoice: sent on its invoice date.
    #[serde(default)]
    pub invoice_notification: Option<MessageEvent>,
    /// An invoice paid: a thank-you on its paid date.
    #[serde(default)]
    pub thank_you: Option<MessageEvent>,
    /// A disputed invoice: acknowledgement, escalation if unresolved, resolution notice.
    #[serde(default)]
    pub dispute: Option<DisputeSequence>,
    /// Month end: a statement of all open items on the last business day of the month.
    #[serde(default)]
    pub statement: Option<MessageEvent>,
    /// Credit hold, release and the annual credit review.
    #[serde(default)]
    pub credit: Option<CreditPolicy>,
    /// Touch-base tasks that replace automated messages for white-glove customers.
    #[serde(default)]
    pub white_glove: Option<WhiteGlove>,
    /// Approved payment plans (customer portal): a reminder before each instalment.
    #[serde(default)]
    pub instalment_reminder: Option<InstalmentReminder>,
    /// A promise to pay broken (its date and grace passed, the invoice still open): notify once.
    #[serde(default)]
    pub broken_promise: Option<BrokenPromise>,
    /// An approved payment plan behind on an instalment (its date and grace passed): notify once.
    #[serde(default)]
    pub missed_instalment: Option<MissedInstalment>,
}

impl Events {
    /// These sequences with `fallback`'s filling the ones not set here.
    pub fn or(&self, fallback: &Events) -> Events {
        Events {
            onboarding: self
                .onboarding
                .clone()
                .or_else(|| fallback.onboarding.clone()),
            invoice_notification: (self.invoice_notification.clone())
                .or_else(|| fallback.invoice_notification.clone()),
            thank_you: self
                .thank_you
                .clone()
                .or_else(|| fallback.thank_you.clone()),
            dispute: self.dispute.clone().or_else(|| fallback.dispute.clone()),
            statement: self
                .statement
                .clone()
                .or_else(|| fallback.statement.clone()),
            credit: self.credit.clone().or_else(|| fallback.credit.clone()),
            white_glove: self
                .white_glove
                .clone()
                .or_else(|| fallback.white_glove.clone()),
            instalment_reminder: (self.instalment_reminder.clone())
                .or_else(|| fallback.instalment_reminder.clone()),
            broken_promise: (self.broken_promise.clone())
                .or_else(|| fallback.broken_promise.clone()),
            missed_instalment: (self.missed_instalment.clone())
                .or_else(|| fallback.missed_instalment.clone()),
        }
    }
}

fn hundred() -> u32 {
    100
}

impl CreditPolicy {
    /// The share of the limit (percent) a hold for credit use ends below.
    pub fn release_pct(&self) -> u32 {
        self.release_below_pct
            .unwrap_or(self.hold_above_pct.saturating_sub(10))
    }
}

fn yes() -> bool {
    true
}

/// A single customer message triggered by an event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageEvent {
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default = "default_channel")]
    #[schemars(with = "ChannelName")]
    pub channel: Channel,
    pub template: String,
}

/// Welcome a new customer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Onboarding {
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default = "default_channel")]
    #[schemars(with = "ChannelName")]
    pub channel: Channel,
    pub template: String,
    /// Also give this role a welcome call task.
    #[serde(default)]
    pub call_task: Option<Role>,
    /// Template of the welcome call script (needed with call_task).
    #[serde(default)]
    pub call_script: Option<String>,
}

/// What happens while an invoice is disputed (it gets no dunning meanwhile).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DisputeSequence {
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default = "default_channel")]
    #[schemars(with = "ChannelName")]
    pub channel: Channel,
    /// Sent to the customer once per disputed invoice.
    pub ack_template: String,
    /// Notify `escalate_to` when still disputed this many days after the acknowledgement.
    #[serde(default)]
    pub escalate_after_days: Option<u32>,
    #[serde(default)]
    pub escalate_to: Vec<Role>,
    #[serde(default)]
    pub escalation_template: Option<String>,
    /// Sent to the customer once the invoice is no longer disputed.
    #[serde(default)]
    pub resolved_template: Option<String>,
}

/// Credit control: hold when over the limit or too late, release when it clears.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditPolicy {
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Hold when outstanding (in the limit's currency) exceeds
    /// `hold_above_pct` of the credit limit.
    #[serde(default = "yes")]
    pub hold_over_limit: bool,
    /// The share of the credit limit (percent) above which a customer goes
    /// on hold; default 100.
    #[serde(default = "hundred")]
    pub hold_above_pct: u32,
    /// A hold for credit use ends only when outstanding falls below this
    /// share of the limit (percent; default 10 points under
    /// `hold_above_pct`), so a balance moving around the threshold does not
    /// switch the hold on and off.
    #[serde(default)]
    pub release_below_pct: Option<u32>,
    /// Hold when the oldest undisputed open invoice is more than this many days past due.
    #[serde(default)]
    pub hold_after_dpd: Option<i64>,
    /// Roles told about a hold or release (e.g. sales_manager, operations).
    pub notify: Vec<Role>,
    pub hold_template: String,
    pub release_template: String,
    /// A yearly credit review task, on the anniversary of the first invoice.
    #[serde(default)]
    pub annual_review: Option<CreditReview>,
}

/// The annual credit review task.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditReview {
    pub role: Role,
    pub template: String,
}

/// Touch-base tasks for the account manager of a white-glove customer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WhiteGlove {
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default = "account_manager")]
    pub role: Role,
    /// First touch this many days from the oldest open invoice's due date.
    #[serde(default)]
    pub start_dpd: i64,
    /// Then every this many days while something is open.
    pub every_days: u32,
    pub template: String,
}

fn account_manager() -> Role {
    Role::AccountManager
}

/// A reminder to the customer before each instalment of an approved payment plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InstalmentReminder {
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default = "default_channel")]
    #[schemars(with = "ChannelName")]
    pub channel: Channel,
    /// Sent this many days before the instalment's date (still sent up to the date itself).
    #[serde(default = "three")]
    pub days_before: u32,
    pub template: String,
}

fn three() -> u32 {
    3
}

/// Tell people when a customer's promise to pay is broken.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BrokenPromise {
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default = "ar_team")]
    pub notify: Vec<Role>,
    pub template: String,
}

fn ar_team() -> Vec<Role> {
    vec![Role::ArTeam]
}

/// Days after an instalment's date before a plan behind on it counts as missed,
/// when the strategy has no `[events.missed_instalment]`.
pub const DEFAULT_INSTALMENT_GRACE_DAYS: u32 = 3;

fn instalment_grace() -> u32 {
    DEFAULT_INSTALMENT_GRACE_DAYS
}

/// Tell people when an approved payment plan misses an instalment: the
/// plan's invoices have received less than the instalments due up to a date
/// whose grace days have passed. Dunning on them resumes either way.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MissedInstalment {
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Days after the instalment's date before it counts as missed.
    #[serde(default = "instalment_grace")]
    pub grace_days: u32,
    #[serde(default = "ar_team")]
    pub notify: Vec<Role>,
    pub template: String,
}
