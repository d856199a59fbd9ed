//! The payment-gateway port a scheduled payment goes through, and
//! [`TestGateway`], its documented test adapter (no real card processing).

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use super::hex;

/// A payment a customer schedules for a date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentRequest {
    pub tenant: String,
    pub customer_id: String,
    pub invoice_id: String,
    /// Minor units of `currency`.
    pub amount: i64,
    /// ISO 4217 code.
    pub currency: String,
    pub date: NaiveDate,
}

/// Why a gateway would not schedule a payment; the message is shown to the
/// customer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatewayError {
    #[error("the payment was declined: {0}")]
    Declined(String),
    #[error("the payment service is unavailable; please try again later")]
    Unavailable,
}

/// Authorizes and schedules payments with a payment provider.
pub trait PaymentGateway {
    /// Schedules `request`; the provider's payment reference.
    fn schedule(&mut self, request: &PaymentRequest) -> Result<String, GatewayError>;
}

/// A gateway for tests and local use that moves no money.
///
/// - The reference is `TEST-` and 16 hex digits of SHA-256 over the tenant,
///   customer, invoice, amount, currency and date: the same request always
///   gets the same reference.
/// - An amount whose minor units end in 13 (12.13, 0.13, 1,000.13) is
///   declined ("test card declined"), so the failure path can be exercised.
#[derive(Clone, Debug, Default)]
pub struct TestGateway;

impl PaymentGateway for TestGateway {
    fn schedule(&mut self, r: &PaymentRequest) -> Result<String, GatewayError> {
        if r.amount.rem_euclid(100) == 13 {
            return Err(GatewayError::Declined(
                "test card declined (the test gateway declines amounts ending in 13 cents)".into(),
            ));
        }
        let mut h = Sha256::new();
        for part in [
            r.tenant.as_str(),
            &r.customer_id,
            &r.invoice_id,
            &r.amount.to_string(),
            &r.currency,
            &r.date.to_string(),
        ] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        Ok(format!("TEST-{}", &hex(&h.finalize())[..16]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(amount: i64) -> PaymentRequest {
        PaymentRequest {
            tenant: "t".into(),
            customer_id: "C1".into(),
            invoice_id: "INV-1".into(),
            amount,
            currency: "USD".into(),
            date: "2024-02-10".parse().unwrap(),
        }
    }

    #[test]
    fn test_gateway_gives_the_same_request_the_same_reference() {
        let mut g = TestGateway;
        let a = g.schedule(&req(10_000)).unwrap();
        assert_eq!(a, g.schedule(&req(10_000)).unwrap());
        assert!(a.starts_with("TEST-") && a.len() == 21, "{a}");
        assert_ne!(a, g.schedule(&req(10_001)).unwrap());
    }

    #[test]
    fn test_gateway_declines_amounts_ending_in_13_cents() {
        let mut g = TestGateway;
        for amount in [13, 1_213, 100_013] {
            let e = g.schedule(&req(amount)).unwrap_err();
            assert!(e.to_string().contains("declined"), "{e}");
        }
        assert!(g.schedule(&req(1_300)).is_ok());
    }
}
