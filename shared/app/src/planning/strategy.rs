//! Which strategy a day is planned with: a file the user named, else the
//! tenant's stored strategy (`PUT /api/strategy`), else the host's default —
//! with the tenant's identity (sender, time zone, send hour, portal URL) on
//! top when the host has one (the AWS tenant configuration).

use arflow_domain::strategy::Strategy;

use crate::strategy_store::{StoredStrategyError, parse_stored};

/// What a host's configuration says about a tenant's strategy.
#[derive(Clone, Debug)]
pub struct StrategyDefaults {
    /// Named explicitly (`--strategy FILE`): used instead of the stored one.
    pub forced: Option<Strategy>,
    /// Used when nothing is stored.
    pub fallback: Strategy,
    /// Applied to whichever strategy is in force.
    pub identity: Option<TenantIdentity>,
}

impl StrategyDefaults {
    /// The stored strategy when there is one, else `fallback`.
    pub fn stored_or(fallback: Strategy) -> StrategyDefaults {
        StrategyDefaults {
            forced: None,
            fallback,
            identity: None,
        }
    }

    /// The strategy in force and the stored version it came from (None for
    /// a forced or fallback strategy).
    pub fn resolve(
        &self,
        tenant: &str,
        stored: Option<&(String, u64)>,
    ) -> Result<(Strategy, Option<u64>), StoredStrategyError> {
        let (mut strategy, version) = match (&self.forced, stored) {
            (Some(s), _) => (s.clone(), None),
            (None, Some((source, version))) => {
                (parse_stored(tenant, source, *version)?, Some(*version))
            }
            (None, None) => (self.fallback.clone(), None),
        };
        if let Some(id) = &self.identity {
            id.apply(&mut strategy);
        }
        Ok((strategy, version))
    }
}

/// The tenant facts a deployment fixes whatever the strategy says: who
/// sends (the verified SES identity), when (the scheduler's time zone and
/// hour) and where the portal is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TenantIdentity {
    pub company_name: Option<String>,
    pub company_email: Option<String>,
    pub timezone: Option<String>,
    pub send_hour: Option<u32>,
    pub portal_url: Option<String>,
}

impl TenantIdentity {
    pub fn apply(&self, strategy: &mut Strategy) {
        let t = &mut strategy.tenant;
        if let Some(name) = self.company_name.as_ref().filter(|n| !n.is_empty()) {
            t.company.name.clone_from(name);
        }
        if let Some(email) = &self.company_email {
            t.company.email = Some(email.clone());
        }
        if let Some(zone) = &self.timezone {
            t.timezone.clone_from(zone);
        }
        if let Some(hour) = self.send_hour {
            t.send_hour = hour;
        }
        if let Some(url) = self.portal_url.as_ref().filter(|u| !u.is_empty()) {
            t.portal_url = Some(url.clone());
        }
    }
}
