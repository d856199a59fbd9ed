//! Keys of the portal's items (see ARCHITECTURE.md, DynamoDB key design).
//!
//! | item | PK | SK |
//! | --- | --- | --- |
//! | dispute | `T#{t}#DSP` | `{dispute}` |
//! | promise to pay | `T#{t}#PTP` | `{promise}` |
//! | used sign-in nonce | `T#{t}#TOK` | `{nonce}` |
//! | contact preferences | `T#{t}#PRF` | `{customer}` |
//! | audit entry | `T#{t}#AUD` | `{at, offset:020}#{writer clock ns:020}#{random}` |
//! | payment plan | `T#{t}#PLN` | `{plan}` |
//! | dispute attachment | `T#{t}#ATT#{dispute}` | `META`, chunks `V#{version}#{i:04}` |
//! | strategy, latest | `T#{t}#STR` | `CURRENT` |
//! | strategy, each version | `T#{t}#STR` | `V#{version:010}` |
//! | API key name | `T#{t}#KEY` | `{name}` |
//! | API key | `KEY#{sha256(key)}` | `KEY` |
//! | session | `SES#{sha256(session id)}` | `SES` |
//!
//! Sessions and API keys are read by the hash of a secret alone (the
//! request carries nothing else), so they sit under the hash, as provider
//! message ids do: one strongly consistent GetItem, no GSI lag between
//! redeeming a link and the next page. The item holds the tenant; callers
//! check it. A key's name item makes names unique per tenant: both are
//! written in one transaction, each on condition it is new.

pub fn dispute_pk(tenant: &str) -> String {
    format!("T#{tenant}#DSP")
}

pub fn promise_pk(tenant: &str) -> String {
    format!("T#{tenant}#PTP")
}

pub fn token_pk(tenant: &str) -> String {
    format!("T#{tenant}#TOK")
}

pub fn prefs_pk(tenant: &str) -> String {
    format!("T#{tenant}#PRF")
}

pub fn audit_pk(tenant: &str) -> String {
    format!("T#{tenant}#AUD")
}

/// Sorts by `at` (negative seconds too), then by the writer's clock, with a
/// random tail so two writers never collide.
pub fn audit_sk(at: i64, writer_nanos: u128, random: &str) -> String {
    let offset = i128::from(at) - i128::from(i64::MIN);
    format!("{offset:020}#{writer_nanos:020}#{random}")
}

pub fn plan_pk(tenant: &str) -> String {
    format!("T#{tenant}#PLN")
}

pub fn attachment_pk(tenant: &str, dispute_id: &str) -> String {
    format!("T#{tenant}#ATT#{dispute_id}")
}

pub fn strategy_pk(tenant: &str) -> String {
    format!("T#{tenant}#STR")
}

pub const STRATEGY_CURRENT: &str = "CURRENT";

pub fn strategy_version_sk(version: u64) -> String {
    format!("V#{version:010}")
}

pub fn key_name_pk(tenant: &str) -> String {
    format!("T#{tenant}#KEY")
}

pub fn key_pk(key_hash: &str) -> String {
    format!("KEY#{key_hash}")
}

pub const KEY_SK: &str = "KEY";

pub fn session_pk(id_hash: &str) -> String {
    format!("SES#{id_hash}")
}

pub const SESSION_SK: &str = "SES";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_keys_sort_by_time_then_writer_clock() {
        let mut keys = [
            audit_sk(5, 1, "a"),
            audit_sk(-3, 9, "a"),
            audit_sk(5, 0, "z"),
            audit_sk(i64::MAX, 0, "a"),
            audit_sk(i64::MIN, 0, "a"),
        ];
        keys.sort();
        assert_eq!(
            keys,
            [
                audit_sk(i64::MIN, 0, "a"),
                audit_sk(-3, 9, "a"),
                audit_sk(5, 0, "z"),
                audit_sk(5, 1, "a"),
                audit_sk(i64::MAX, 0, "a"),
            ]
        );
    }

    #[test]
    fn tenant_items_start_with_the_tenant() {
        assert_eq!(dispute_pk("acme"), "T#acme#DSP");
        assert_eq!(key_name_pk("acme"), "T#acme#KEY");
        assert_eq!(session_pk("ab12"), "SES#ab12");
    }
}
