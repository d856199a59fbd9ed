//! The strategy file's shape: tenant settings, segments and their dunning steps.
//!
//! These are the serde types the TOML is read into (unknown keys are errors),
//! and the source of the published JSON Schema. Event sequences (onboarding,
//! statements, disputes, credit, white glove) live in `events.rs`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ledger::{Channel, CustomerType};
use crate::money::{Currency, Money};
use crate::template::{AnnualRate, DayCount, FeePolicy};

use super::contact::ContactBudget;
use super::events::Events;
pub use super::holiday::Holiday;
use super::threshold::Threshold;

/// A whole collection strategy: who gets what, when.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Strategy {
    /// Company-wide settings: currency, time zone, send hour, guards, calendar.
    pub tenant: Tenant,
    /// Event sequences for every segment; a segment's own `events` override
    /// them one sequence at a time.
    #[serde(default)]
    pub events: Events,
    /// Escalations that apply in every segment, next to the segment's own.
    #[serde(default)]
    pub escalations: Vec<Escalation>,
    /// Ordered: the first segment whose `when` matches a customer applies.
    pub segments: Vec<Segment>,
}

/// Company-wide settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tenant {
    /// The tenant currency (ISO 4217): amounts written without a currency are in it.
    #[schemars(with = "String")]
    pub currency: Currency,
    /// IANA time zone used when a customer has none ("Europe/Berlin").
    #[serde(default = "default_timezone")]
    pub timezone: String,
    /// Template language used when a customer has none.
    #[serde(default = "default_language")]
    pub language: String,
    /// Local hour (0-23) at which messages are scheduled.
    #[serde(default = "default_send_hour")]
    pub send_hour: u32,
    /// A step whose day has passed is still sent if at most this many days late.
    #[serde(default = "default_catch_up_days")]
    pub catch_up_days: u32,
    /// Minimum days between two dunning messages to one customer.
    #[serde(default = "default_min_gap_days")]
    pub min_gap_days: u32,
    /// The contact budget: dunning messages per customer in any 7 days,
    /// send days, missed steps, notifications riding along.
    #[serde(default)]
    pub contact: ContactBudget,
    /// Base URL of the customer portal, offered in messages.
    #[serde(default)]
    pub portal_url: Option<String>,
    /// Business days: steps falling on a weekend day or holiday move to the next business day.
    #[serde(default)]
    pub calendar: CalendarSpec,
    /// Company details shown in messages.
    #[serde(default)]
    pub company: Company,
    /// Late-payment interest and a dunning fee, shown on the notices named.
    #[serde(default)]
    pub fees: Option<Fees>,
}

/// Late-payment charges: interest at a yearly rate on each overdue invoice for
/// its days past due, and/or a fixed fee per notice. Shown (never collected)
/// on the notices whose templates are listed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Fees {
    /// Percent a year as an exact decimal string ("8.5").
    #[serde(default)]
    pub annual_rate: Option<String>,
    /// A fixed fee per notice, exact decimal string in the tenant currency ("25.00").
    #[serde(default)]
    pub fixed_fee: Option<String>,
    /// "actual/365" (the default) or "actual/360".
    #[serde(default)]
    pub day_count: Option<String>,
    /// Templates of the notices that show the charges ("final_notice", …).
    pub on_templates: Vec<String>,
}

impl Fees {
    /// The fee policy in `currency` (the tenant currency), or why it is invalid.
    pub fn policy(&self, currency: Currency) -> Result<FeePolicy, String> {
        let annual_rate = self
            .annual_rate
            .as_deref()
            .map(AnnualRate::parse)
            .transpose()
            .map_err(|e| format!("annual_rate: {e}"))?;
        let fixed_fee = self
            .fixed_fee
            .as_deref()
            .map(|f| Money::parse(f, currency))
            .transpose()
            .map_err(|e| format!("fixed_fee: {e}"))?;
        let day_count = match self.day_count.as_deref().map(str::trim) {
            None | Some("actual/365") => DayCount::Actual365,
            Some("actual/360") => DayCount::Actual360,
            Some(other) => {
                return Err(format!(
                    "day_count: '{other}' is not actual/365 or actual/360"
                ));
            }
        };
        Ok(FeePolicy {
            annual_rate,
            fixed_fee,
            day_count,
        })
    }

    /// Whether notices rendered with `template` show the charges.
    pub fn applies_to(&self, template: &str) -> bool {
        self.on_templates.iter().any(|t| t == template)
    }
}

fn default_timezone() -> String {
    "UTC".into()
}
fn default_language() -> String {
    "en".into()
}
fn default_send_hour() -> u32 {
    9
}
fn default_catch_up_days() -> u32 {
    5
}
fn default_min_gap_days() -> u32 {
    3
}

/// Weekend days and holidays.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    /// Days of the week nothing is sent ("saturday", "sunday").
    #[serde(default)]
    pub weekend: Vec<WeekdayName>,
    /// Days nothing is sent: public-holiday calendars by ISO 3166 code
    /// ("US", "GB", "GB-SCT", "DE", "DE-BY", "FR", "IN", …) and single
    /// dates ("YYYY-MM-DD" strings or TOML dates), e.g. `["US", "2024-12-24"]`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub holidays: Vec<Holiday>,
}

/// A day of the week.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WeekdayName {
    #[serde(alias = "mon")]
    Monday,
    #[serde(alias = "tue")]
    Tuesday,
    #[serde(alias = "wed")]
    Wednesday,
    #[serde(alias = "thu")]
    Thursday,
    #[serde(alias = "fri")]
    Friday,
    #[serde(alias = "sat")]
    Saturday,
    #[serde(alias = "sun")]
    Sunday,
}

impl WeekdayName {
    pub fn weekday(self) -> chrono::Weekday {
        use chrono::Weekday::*;
        match self {
            Self::Monday => Mon,
            Self::Tuesday => Tue,
            Self::Wednesday => Wed,
            Self::Thursday => Thu,
            Self::Friday => Fri,
            Self::Saturday => Sat,
            Self::Sunday => Sun,
        }
    }
}

/// Who is writing: shown in messages.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Company {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    /// How to pay: bank details or a payment link, as the notices print them.
    #[serde(default)]
    pub payment_instructions: Option<String>,
}

/// A group of customers with its own dunning.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Segment {
    pub name: String,
    /// Conditions over the customer, all of which must hold; empty matches everyone.
    #[serde(default)]
    pub when: Conditions,
    /// Per-invoice reminder steps at offsets from the due date.
    #[serde(default)]
    pub reminders: Vec<ReminderStep>,
    /// Repeating reminders over ranges of days past due.
    #[serde(default)]
    pub cadences: Vec<Cadence>,
    /// Internal escalations (in addition to the strategy-wide ones).
    #[serde(default)]
    pub escalations: Vec<Escalation>,
    /// The last automated message about an invoice, sent once.
    #[serde(default)]
    pub final_notice: Option<FinalNotice>,
    /// Event sequences that replace the strategy-wide ones for this segment.
    #[serde(default)]
    pub events: Events,
    /// This segment's own contact budget (the tenant's when absent).
    #[serde(default)]
    pub contact: Option<ContactBudget>,
}

/// Conditions a customer must meet to fall in a segment; absent ones always hold.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    /// Any of these customer types.
    #[serde(default)]
    #[schemars(with = "Vec<CustomerTypeName>")]
    pub customer_type: Vec<CustomerType>,
    /// Any of these tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Total outstanding in the threshold's currency at least this ("50000.00" or "50000.00 EUR").
    #[serde(default)]
    pub min_outstanding: Option<Threshold>,
    /// Total outstanding in the threshold's currency at most this.
    #[serde(default)]
    pub max_outstanding: Option<Threshold>,
    /// Oldest undisputed open invoice at least this many days past due.
    #[serde(default)]
    pub min_days_past_due: Option<i64>,
    /// Oldest undisputed open invoice at most this many days past due.
    #[serde(default)]
    pub max_days_past_due: Option<i64>,
    /// Outstanding as a share of the credit limit, in percent, at least this.
    #[serde(default)]
    pub min_credit_used_pct: Option<u32>,
    /// Outstanding as a share of the credit limit, in percent, at most this.
    #[serde(default)]
    pub max_credit_used_pct: Option<u32>,
    /// Any of these risk bands; a customer without a band never matches.
    #[serde(default)]
    pub risk_band: Vec<String>,
}

impl Conditions {
    /// Whether no condition is set (the segment catches every customer).
    pub fn is_empty(&self) -> bool {
        self == &Conditions::default()
    }
}

/// Schema-only mirror of `CustomerType`.
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum CustomerTypeName {
    Strategic,
    Established,
    New,
}

/// Schema-only mirror of `Channel`.
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub(crate) enum ChannelName {
    Email,
    Sms,
    Whatsapp,
}

/// How a step reaches someone: a message to the customer, or an internal action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepChannel {
    Email,
    Sms,
    Whatsapp,
    /// A phone-call task for a person (the step's `role`, AR team by default).
    CallTask,
    /// An internal notification to the step's `role`.
    Notify,
}

impl StepChannel {
    /// The customer-facing channel, or None for internal actions.
    pub fn external(self) -> Option<Channel> {
        match self {
            Self::Email => Some(Channel::Email),
            Self::Sms => Some(Channel::Sms),
            Self::Whatsapp => Some(Channel::Whatsapp),
            Self::CallTask | Self::Notify => None,
        }
    }
}

/// How a message sounds; templates may branch on it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    Friendly,
    #[default]
    Neutral,
    Firm,
    Urgent,
}

impl Tone {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Friendly => "friendly",
            Self::Neutral => "neutral",
            Self::Firm => "firm",
            Self::Urgent => "urgent",
        }
    }
}

/// An internal role that receives notifications and tasks.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    ArTeam,
    ArManager,
    CollectionsTeam,
    FinanceDirector,
    AccountManager,
    SalesManager,
    Operations,
    /// An outside agency: a hand-over task with the case file.
    CollectionAgency,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ArTeam => "ar_team",
            Self::ArManager => "ar_manager",
            Self::CollectionsTeam => "collections_team",
            Self::FinanceDirector => "finance_director",
            Self::AccountManager => "account_manager",
            Self::SalesManager => "sales_manager",
            Self::Operations => "operations",
            Self::CollectionAgency => "collection_agency",
        }
    }
}

/// One reminder about an invoice at an offset from its due date.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReminderStep {
    /// Names the rule ("reminder:<name>"); unique within the segment.
    pub name: String,
    /// Days from the due date; negative = before it.
    pub offset_days: i64,
    pub channel: StepChannel,
    pub template: String,
    #[serde(default)]
    pub tone: Tone,
    /// Who gets a call task or notification (AR team when absent).
    #[serde(default)]
    pub role: Option<Role>,
}

/// "Every N days while between `from_dpd` and `to_dpd` days past due."
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cadence {
    /// Names the rule ("cadence:<name>"), e.g. "31-60 weekly".
    pub name: String,
    pub from_dpd: i64,
    /// Inclusive.
    pub to_dpd: i64,
    pub every_days: u32,
    /// At most one customer channel, plus call_task and/or notify.
    pub channels: Vec<StepChannel>,
    /// Template of the customer message (needed with a customer channel).
    #[serde(default)]
    pub template: Option<String>,
    #[serde(default)]
    pub tone: Tone,
    /// Template of the call script (needed with call_task).
    #[serde(default)]
    pub call_script: Option<String>,
    /// Template of the internal notification (needed with notify).
    #[serde(default)]
    pub notify_template: Option<String>,
    /// Who gets the call task or notification (AR team when absent).
    #[serde(default)]
    pub role: Option<Role>,
}

/// `when days_past_due >= min_dpd [and amount >= X] [and customer outstanding >= Y]`
/// → notify roles and/or hand the invoice over; fired once per invoice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Escalation {
    /// Names the rule ("escalation:<name>"); an invoice meets each name once.
    pub name: String,
    pub min_dpd: i64,
    /// The invoice amount, in the threshold's currency, at least this.
    #[serde(default)]
    pub min_amount: Option<Threshold>,
    /// The customer's total outstanding, in the threshold's currency, at least this.
    #[serde(default)]
    pub min_customer_outstanding: Option<Threshold>,
    /// Roles notified.
    #[serde(default)]
    pub notify: Vec<Role>,
    /// Template of the notification.
    #[serde(default)]
    pub template: Option<String>,
    /// A role (or `collection_agency`) the invoice is handed to, as a task with the case file.
    #[serde(default)]
    pub hand_over_to: Option<Role>,
    /// Template of the hand-over task.
    #[serde(default)]
    pub handover_template: Option<String>,
}

/// The final notice: one message, once, at an offset from the due date.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FinalNotice {
    pub offset_days: i64,
    #[serde(default = "default_channel")]
    #[schemars(with = "ChannelName")]
    pub channel: Channel,
    pub template: String,
    #[serde(default = "urgent")]
    pub tone: Tone,
}

pub(crate) fn default_channel() -> Channel {
    Channel::Email
}
fn urgent() -> Tone {
    Tone::Urgent
}
