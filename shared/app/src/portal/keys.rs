//! AR team API keys: per tenant, with scopes, stored only as a SHA-256 hash.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::token::hex;

/// What a key may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Read customers, invoices, aging, KPIs, actions, disputes, tasks, audit.
    Read,
    /// Change disputes and tasks.
    Write,
}

impl Scope {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        match s.trim() {
            "read" => Some(Self::Read),
            "write" => Some(Self::Write),
            _ => None,
        }
    }

    /// "read,write" → scopes; an unknown name is an error naming it.
    pub fn parse_list(s: &str) -> Result<Vec<Scope>, String> {
        s.split(',')
            .filter(|p| !p.trim().is_empty())
            .map(|p| {
                Scope::parse(p).ok_or_else(|| format!("unknown scope '{}' (read, write)", p.trim()))
            })
            .collect()
    }
}

/// A stored API key: never the key itself, only its hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    pub tenant: String,
    pub name: String,
    /// `hash_secret(key)`.
    pub key_hash: String,
    pub scopes: Vec<Scope>,
    pub created_at: i64,
}

impl ApiKey {
    pub fn allows(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }
}

/// SHA-256 of a secret (an API key, a session id), hex: what the store keeps.
pub fn hash_secret(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_lists_parse_and_unknown_scopes_are_named() {
        assert_eq!(
            Scope::parse_list("read, write"),
            Ok(vec![Scope::Read, Scope::Write])
        );
        assert_eq!(
            Scope::parse_list("read,admin"),
            Err("unknown scope 'admin' (read, write)".to_string())
        );
    }

    #[test]
    fn secret_hash_is_sha256_hex_and_not_the_secret() {
        let h = hash_secret("abc");
        assert_eq!(
            h,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
