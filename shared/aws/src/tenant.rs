//! A tenant's configuration as arflow keeps it in AWS: strategy, column
//! mapping, sender identity, time zone, send hour, portal URL, and who gets
//! internal notifications. One item per tenant in the table.

use std::collections::BTreeMap;

use arflow_app::reader::ReadOptions;
use arflow_domain::columns::{CUSTOMER_COLUMNS, ColumnMapping, LEDGER_COLUMNS};
use arflow_domain::money::Currency;
use arflow_domain::row::ValueFormat;
use arflow_domain::strategy::{Strategy, default_strategy};
use serde::{Deserialize, Serialize};

/// What a company configured.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantConfig {
    /// The tenant id: 1-64 letters, digits, `-` or `_` (it prefixes keys).
    pub tenant: String,
    /// The SES sender: `ar@acme.example` or `Acme AR <ar@acme.example>`.
    pub sender: String,
    /// IANA time zone of the daily run and of messages ("Europe/Berlin").
    pub time_zone: String,
    /// Local hour (0-23) of the daily run and of sending.
    pub send_hour: u32,
    /// The customer portal's base URL, offered in messages.
    #[serde(default)]
    pub portal_url: String,
    /// The collection strategy (TOML); the shipped default when absent.
    #[serde(default)]
    pub strategy: Option<String>,
    /// Ledger column mapping, canonical → source (`invoice_id = "InvoiceNo"`).
    #[serde(default)]
    pub ledger_mapping: BTreeMap<String, String>,
    /// Customers file column mapping, canonical → source.
    #[serde(default)]
    pub customer_mapping: BTreeMap<String, String>,
    /// strftime format of dates in uploaded files (ISO is always accepted).
    #[serde(default)]
    pub date_format: Option<String>,
    /// Currency of amounts written without one (ISO 4217); USD when absent.
    #[serde(default)]
    pub currency: Option<String>,
    /// `snapshot` (an upload is every open item) or `delta` (changes only).
    #[serde(default = "snapshot")]
    pub ingest_mode: String,
    /// Internal notifications: role ("ar_team") → email address. Roles not
    /// named go to the alerts topic.
    #[serde(default)]
    pub roles: BTreeMap<String, String>,
    /// Plan the daily run as 64 shard jobs on the queue instead of in one
    /// invocation (for tenants with millions of invoices).
    #[serde(default)]
    pub fan_out: bool,
}

fn snapshot() -> String {
    "snapshot".to_string()
}

/// A configuration that cannot be used, with the field named.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("tenant '{tenant}': {field}: {message}")]
pub struct ConfigError {
    pub tenant: String,
    pub field: &'static str,
    pub message: String,
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
            ingest_mode: snapshot(),
            roles: BTreeMap::new(),
            fan_out: false,
        }
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
        if !matches!(self.ingest_mode.as_str(), "snapshot" | "delta") {
            return Err(self.error(
                "ingest_mode",
                format!("'{}' is neither snapshot nor delta", self.ingest_mode),
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
mod tests {
    use super::*;

    fn config() -> TenantConfig {
        TenantConfig::new("acme", "ar@acme.example", "Europe/Berlin", 9)
    }

    #[test]
    fn a_plain_config_is_valid_and_uses_the_default_strategy() {
        let c = config();
        c.validate().unwrap();
        let s = c.strategy().unwrap();
        assert_eq!(
            (s.tenant.timezone.as_str(), s.tenant.send_hour),
            ("Europe/Berlin", 9)
        );
        assert_eq!(c.schedule_expression(), "cron(0 9 * * ? *)");
        assert_eq!(s.tenant.company.email.as_deref(), Some("ar@acme.example"));
    }

    #[test]
    fn the_sender_name_and_address_are_split() {
        let mut c = config();
        c.sender = "\"Acme AR\" <ar@acme.example>".into();
        assert_eq!(c.sender_parts(), ("Acme AR", "ar@acme.example"));
        assert_eq!(c.strategy().unwrap().tenant.company.name, "Acme AR");
    }

    #[test]
    fn each_bad_field_is_named() {
        type Breaker = fn(&mut TenantConfig);
        let cases: [(&str, Breaker); 5] = [
            ("time_zone", |c| c.time_zone = "Mars/Olympus".into()),
            ("send_hour", |c| c.send_hour = 24),
            ("sender", |c| c.sender = "nobody".into()),
            ("ledger_mapping", |c| {
                c.ledger_mapping.insert("invoice_number".into(), "X".into());
            }),
            ("strategy", |c| c.strategy = Some("not = [toml".into())),
        ];
        for (field, break_it) in cases {
            let mut c = config();
            break_it(&mut c);
            let err = c.validate().unwrap_err();
            assert_eq!(err.field, field, "{err}");
        }
    }

    #[test]
    fn the_mapping_reaches_the_read_options() {
        let mut c = config();
        c.ledger_mapping
            .insert("invoice_id".into(), "InvoiceNo".into());
        c.date_format = Some("%m/%d/%Y".into());
        let (ledger, _) = c.read_options().unwrap();
        assert_eq!(ledger.mapping.source_for("invoice_id"), "InvoiceNo");
        assert_eq!(ledger.format.date_format.as_deref(), Some("%m/%d/%Y"));
    }
}
