//! A tenant's configuration as arflow keeps it in AWS: strategy, column
//! mapping, sender identity, time zone, send hour, portal URL, and who gets
//! internal notifications. One item per tenant in the table.
//!
//! A stored configuration is read with `TenantConfig::from_stored`, which
//! checks every field and names the bad one: an operator editing the item by
//! hand gets an error on the next read, never a silent default.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use arflow_app::reader::ReadOptions;
use arflow_domain::columns::{CUSTOMER_COLUMNS, ColumnMapping, LEDGER_COLUMNS};
use arflow_domain::money::Currency;
use arflow_domain::row::ValueFormat;
use arflow_domain::strategy::{Strategy, default_strategy};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What a company configured. Written as JSON; read back only through
/// `from_stored`, so a configuration in hand has been checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TenantConfig {
    /// The tenant id: 1-64 letters, digits, `-` or `_` (it prefixes keys).
    pub tenant: String,
    /// The SES sender: `ar@acme.example` or `Acme AR <ar@acme.example>`.
    pub sender: String,
    /// IANA time zone of the daily run and of messages ("Europe/Berlin").
    /// Kept as the name (`zone()` parses it); `from_stored` and `validate`
    /// refuse a name that is not a zone.
    pub time_zone: String,
    /// Local hour (0-23) of the daily run and of sending.
    pub send_hour: u32,
    /// The customer portal's base URL, offered in messages.
    pub portal_url: String,
    /// The collection strategy (TOML); the shipped default when absent.
    pub strategy: Option<String>,
    /// Ledger column mapping, canonical → source (`invoice_id = "InvoiceNo"`).
    pub ledger_mapping: BTreeMap<String, String>,
    /// Customers file column mapping, canonical → source.
    pub customer_mapping: BTreeMap<String, String>,
    /// strftime format of dates in uploaded files (ISO is always accepted).
    pub date_format: Option<String>,
    /// Currency of amounts written without one (ISO 4217); USD when absent.
    pub currency: Option<String>,
    /// What an uploaded ledger says about invoices it does not list.
    pub ingest_mode: IngestMode,
    /// Internal notifications: role ("ar_team") → email address. Roles not
    /// named go to the alerts topic.
    pub roles: BTreeMap<String, String>,
    /// Plan the daily run as 64 shard jobs on the queue instead of in one
    /// invocation (for tenants with millions of invoices).
    pub fan_out: bool,
}

/// What an uploaded ledger says about invoices it does not list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IngestMode {
    /// An upload is every open item: an open invoice missing from it was
    /// settled on the as-of date.
    #[default]
    Snapshot,
    /// An upload holds changes only: missing invoices stay as they are.
    Delta,
}

impl IngestMode {
    pub fn as_str(self) -> &'static str {
        match self {
            IngestMode::Snapshot => "snapshot",
            IngestMode::Delta => "delta",
        }
    }
}

impl fmt::Display for IngestMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for IngestMode {
    type Err = String;

    fn from_str(s: &str) -> Result<IngestMode, String> {
        match s {
            "snapshot" => Ok(IngestMode::Snapshot),
            "delta" => Ok(IngestMode::Delta),
            other => Err(format!("'{other}' is neither snapshot nor delta")),
        }
    }
}

/// A configuration that cannot be used, with the field named.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("tenant '{tenant}': {field}: {message}")]
pub struct ConfigError {
    pub tenant: String,
    pub field: &'static str,
    pub message: String,
}

/// A stored configuration as its JSON gives it, each field still untyped
/// so that each converts with its own name in the error (serde's own
/// "unknown variant" or "invalid type" does not say which field). Absent
/// and `null` are alike. The field names are those `TenantConfig`
/// serializes; `a_full_config_reads_back_as_written` keeps them in step.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredConfig {
    tenant: Option<Value>,
    sender: Option<Value>,
    time_zone: Option<Value>,
    send_hour: Option<Value>,
    portal_url: Option<Value>,
    strategy: Option<Value>,
    ledger_mapping: Option<Value>,
    customer_mapping: Option<Value>,
    date_format: Option<Value>,
    currency: Option<Value>,
    ingest_mode: Option<Value>,
    roles: Option<Value>,
    fan_out: Option<Value>,
}

/// Converts the stored fields of one tenant's configuration.
struct FieldReader<'a> {
    tenant: &'a str,
}

impl FieldReader<'_> {
    fn error(&self, field: &'static str, message: impl Into<String>) -> ConfigError {
        ConfigError {
            tenant: self.tenant.to_string(),
            field,
            message: message.into(),
        }
    }

    fn optional<T: DeserializeOwned>(
        &self,
        field: &'static str,
        value: Option<Value>,
    ) -> Result<Option<T>, ConfigError> {
        value
            .map(|v| serde_json::from_value(v).map_err(|e| self.error(field, e.to_string())))
            .transpose()
    }

    fn required<T: DeserializeOwned>(
        &self,
        field: &'static str,
        value: Option<Value>,
    ) -> Result<T, ConfigError> {
        self.optional(field, value)?
            .ok_or_else(|| self.error(field, "missing"))
    }

    fn or_default<T: DeserializeOwned + Default>(
        &self,
        field: &'static str,
        value: Option<Value>,
    ) -> Result<T, ConfigError> {
        Ok(self.optional(field, value)?.unwrap_or_default())
    }
}

impl TenantConfig {
    /// A configuration with defaults around the required fields.
    pub fn new(tenant: &str, sender: &str, time_zone: &str, send_hour: u32) -> TenantConfig {
        TenantConfig {
            tenant: tenant.to_string(),
            sender: sender.to_string(),
            time_zone: time_zone.to_string(),
            send_hour,
            portal_url: String::new(),
            strategy: None,
            ledger_mapping: BTreeMap::new(),
            customer_mapping: BTreeMap::new(),
            date_format: None,
            currency: None,
            ingest_mode: IngestMode::Snapshot,
            roles: BTreeMap::new(),
            fan_out: false,
        }
    }

    /// Reads the stored JSON of the configuration of `tenant` (the tenant
    /// its item is keyed by) and checks it as `validate` does. A bad field
    /// is an error naming it and the tenant, never a default: a typo in
    /// `ingest_mode` must not make a delta upload close every invoice it
    /// does not list.
    pub fn from_stored(tenant: &str, json: &str) -> Result<TenantConfig, ConfigError> {
        let read = FieldReader { tenant };
        let stored: StoredConfig =
            serde_json::from_str(json).map_err(|e| read.error("doc", e.to_string()))?;
        let StoredConfig {
            tenant: stored_tenant,
            sender,
            time_zone,
            send_hour,
            portal_url,
            strategy,
            ledger_mapping,
            customer_mapping,
            date_format,
            currency,
            ingest_mode,
            roles,
            fan_out,
        } = stored;
        let stored_tenant: String = read.required("tenant", stored_tenant)?;
        if stored_tenant != tenant {
            return Err(read.error(
                "tenant",
                format!("the item is keyed '{tenant}' but its doc names '{stored_tenant}'"),
            ));
        }
        let ingest_mode = match read.optional::<String>("ingest_mode", ingest_mode)? {
            Some(text) => text.parse().map_err(|e| read.error("ingest_mode", e))?,
            None => IngestMode::default(),
        };
        let config = TenantConfig {
            tenant: stored_tenant,
            sender: read.required("sender", sender)?,
            time_zone: read.required("time_zone", time_zone)?,
            send_hour: read.required("send_hour", send_hour)?,
            portal_url: read.or_default("portal_url", portal_url)?,
            strategy: read.optional("strategy", strategy)?,
            ledger_mapping: read.or_default("ledger_mapping", ledger_mapping)?,
            customer_mapping: read.or_default("customer_mapping", customer_mapping)?,
            date_format: read.optional("date_format", date_format)?,
            currency: read.optional("currency", currency)?,
            ingest_mode,
            roles: read.or_default("roles", roles)?,
            fan_out: read.or_default("fan_out", fan_out)?,
        };
        config.validate()?;
        Ok(config)
    }

    fn error(&self, field: &'static str, message: impl Into<String>) -> ConfigError {
        ConfigError {
            tenant: self.tenant.clone(),
            field,
            message: message.into(),
        }
    }

    /// Checks every field; the first problem is returned.
    pub fn validate(&self) -> Result<(), ConfigError> {
        crate::dynamo::check_tenant(&self.tenant)
            .map_err(|e| self.error("tenant", e.to_string()))?;
        if !self.sender.contains('@') {
            return Err(self.error(
                "sender",
                format!("'{}' is not an email address", self.sender),
            ));
        }
        self.zone()?;
        if self.send_hour > 23 {
            return Err(self.error(
                "send_hour",
                format!("{} is not an hour (0-23)", self.send_hour),
            ));
        }
        if let Some(format) = &self.date_format {
            let bad = chrono::format::StrftimeItems::new(format)
                .any(|item| matches!(item, chrono::format::Item::Error));
            if bad {
                return Err(self.error(
                    "date_format",
                    format!("'{format}' is not a strftime format"),
                ));
            }
        }
        if let Some((role, address)) = self.roles.iter().find(|(_, a)| !a.contains('@')) {
            return Err(self.error(
                "roles",
                format!("{role}: '{address}' is not an email address"),
            ));
        }
        self.read_options()?;
        self.strategy()?;
        Ok(())
    }

    pub fn zone(&self) -> Result<chrono_tz::Tz, ConfigError> {
        self.time_zone.parse().map_err(|_| {
            self.error(
                "time_zone",
                format!("'{}' is not an IANA time zone", self.time_zone),
            )
        })
    }

    /// Read options for (ledger, customers) files.
    pub fn read_options(&self) -> Result<(ReadOptions, ReadOptions), ConfigError> {
        let currency = match &self.currency {
            Some(c) => Currency::parse(c).map_err(|e| self.error("currency", e.to_string()))?,
            None => Currency::USD,
        };
        let format = ValueFormat {
            date_format: self.date_format.clone(),
            default_currency: currency,
        };
        let mapping = |pairs: &BTreeMap<String, String>, known: &[&str], field| {
            let mut m = ColumnMapping::default();
            for (k, v) in pairs {
                m.insert_pair(&format!("{k}={v}"), known)
                    .map_err(|e| self.error(field, e.to_string()))?;
            }
            Ok::<_, ConfigError>(m)
        };
        Ok((
            ReadOptions {
                mapping: mapping(&self.ledger_mapping, &LEDGER_COLUMNS, "ledger_mapping")?,
                format: format.clone(),
            },
            ReadOptions {
                mapping: mapping(
                    &self.customer_mapping,
                    &CUSTOMER_COLUMNS,
                    "customer_mapping",
                )?,
                format,
            },
        ))
    }

    /// The strategy, with this configuration's time zone, send hour and
    /// portal URL in its tenant section.
    pub fn strategy(&self) -> Result<Strategy, ConfigError> {
        let mut strategy = match &self.strategy {
            Some(text) => Strategy::from_toml(text, &format!("{}/strategy.toml", self.tenant)),
            None => default_strategy(),
        }
        .map_err(|e| self.error("strategy", e.to_string()))?;
        let (name, email) = self.sender_parts();
        strategy.tenant.company.email = Some(email.to_string());
        if !name.is_empty() {
            strategy.tenant.company.name = name.to_string();
        }
        strategy.tenant.timezone.clone_from(&self.time_zone);
        strategy.tenant.send_hour = self.send_hour;
        if !self.portal_url.is_empty() {
            strategy.tenant.portal_url = Some(self.portal_url.clone());
        }
        Ok(strategy)
    }

    /// The sender as (display name, address): `Acme AR <ar@acme.example>`
    /// gives ("Acme AR", "ar@acme.example"); a bare address has no name.
    pub fn sender_parts(&self) -> (&str, &str) {
        match (self.sender.find('<'), self.sender.rfind('>')) {
            (Some(open), Some(close)) if open < close => (
                self.sender[..open].trim().trim_matches('"'),
                self.sender[open + 1..close].trim(),
            ),
            _ => ("", self.sender.trim()),
        }
    }

    /// The EventBridge Scheduler expression of the daily run.
    pub fn schedule_expression(&self) -> String {
        format!("cron(0 {} * * ? *)", self.send_hour)
    }
}

#[cfg(test)]
mod tests;
