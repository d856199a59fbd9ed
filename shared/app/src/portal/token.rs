//! Magic-link tokens: HMAC-SHA256 signed, expiring; single use is the store's
//! job ([`super::PortalStore::consume_token`]).
//!
//! A token is `hex(payload JSON) "." hex(HMAC-SHA256(secret, payload))`.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What a magic link says: who may sign in, until when, and its one-time id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MagicLink {
    #[serde(rename = "t")]
    pub tenant: String,
    #[serde(rename = "c")]
    pub customer_id: String,
    /// Seconds since the Unix epoch after which the link no longer works.
    #[serde(rename = "e")]
    pub expires_at: i64,
    /// Random, hex; recorded when the link is used so it works once.
    #[serde(rename = "n")]
    pub nonce: String,
}

/// Why a token was refused. Callers answer all of them with the same 401.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is malformed")]
    Malformed,
    #[error("the token's signature does not match")]
    BadSignature,
    #[error("the token has expired")]
    Expired,
    #[error("the token was already used")]
    Used,
}

/// HMAC-SHA256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| k.map(|b| b ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Equality that takes as long whatever the first difference.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The token for `link`.
pub fn sign_magic_link(secret: &[u8], link: &MagicLink) -> String {
    let payload = serde_json::to_vec(link).unwrap_or_default();
    format!("{}.{}", hex(&payload), hex(&hmac_sha256(secret, &payload)))
}

/// The link a token stands for, if it is well-formed, signed with `secret`
/// and not expired at `now`. (Whether it was used is the store's question.)
pub fn verify_magic_link(secret: &[u8], token: &str, now: i64) -> Result<MagicLink, TokenError> {
    let (payload, sig) = token.split_once('.').ok_or(TokenError::Malformed)?;
    let payload = unhex(payload).ok_or(TokenError::Malformed)?;
    let sig = unhex(sig).ok_or(TokenError::Malformed)?;
    if !constant_time_eq(&sig, &hmac_sha256(secret, &payload)) {
        return Err(TokenError::BadSignature);
    }
    let link: MagicLink = serde_json::from_slice(&payload).map_err(|_| TokenError::Malformed)?;
    if now > link.expires_at {
        return Err(TokenError::Expired);
    }
    Ok(link)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link() -> MagicLink {
        MagicLink {
            tenant: "acme".into(),
            customer_id: "C1".into(),
            expires_at: 1_000,
            nonce: "ab12".into(),
        }
    }

    #[test]
    fn hmac_sha256_matches_rfc_4231_test_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex(&mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn signed_link_verifies_until_it_expires() {
        let t = sign_magic_link(b"secret", &link());
        assert_eq!(verify_magic_link(b"secret", &t, 1_000), Ok(link()));
        assert_eq!(
            verify_magic_link(b"secret", &t, 1_001),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn tampered_or_foreign_tokens_are_refused() {
        let t = sign_magic_link(b"secret", &link());
        let mut other = link();
        other.customer_id = "C2".into();
        let forged_payload = sign_magic_link(b"secret", &other);
        let spliced = format!(
            "{}.{}",
            forged_payload.split_once('.').unwrap().0,
            t.split_once('.').unwrap().1
        );
        assert_eq!(
            verify_magic_link(b"secret", &spliced, 0),
            Err(TokenError::BadSignature)
        );
        assert_eq!(
            verify_magic_link(b"other", &t, 0),
            Err(TokenError::BadSignature)
        );
        assert_eq!(
            verify_magic_link(b"secret", "zz.zz", 0),
            Err(TokenError::Malformed)
        );
        assert_eq!(
            verify_magic_link(b"secret", "", 0),
            Err(TokenError::Malformed)
        );
    }
}
