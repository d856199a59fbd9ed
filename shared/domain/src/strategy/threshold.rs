//! Money thresholds in the strategy file: exact decimals with an optional currency.
//!
//! Written as a string, "1000000.00" (the tenant currency) or "1,000,000.00 EUR",
//! or as a whole TOML integer. Floats are refused: money is never a float.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::money::{Currency, Money, MoneyError, format_minor, parse_minor};

/// An exact amount, `mantissa × 10^-scale`, in `currency` (the tenant's when None).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Threshold {
    mantissa: i64,
    scale: u32,
    currency: Option<Currency>,
}

impl Threshold {
    /// Parses "1000000.00", "1,000,000 USD", "250.5 eur".
    pub fn parse(text: &str) -> Result<Threshold, String> {
        let text = text.trim();
        let (amount, currency) = match text.rsplit_once(char::is_whitespace) {
            Some((a, c)) => (
                a.trim(),
                Some(Currency::parse(c).map_err(|e| e.to_string())?),
            ),
            None => (text, None),
        };
        let scale = amount.split_once('.').map_or(0, |(_, f)| f.len()) as u32;
        if scale > 18 {
            return Err(format!("'{text}' has too many decimal places"));
        }
        let mantissa = parse_minor(amount, scale).map_err(|e| e.to_string())?;
        Ok(Threshold {
            mantissa,
            scale,
            currency,
        })
    }

    /// The currency it is in, given the tenant's.
    pub fn currency_or(&self, tenant: Currency) -> Currency {
        self.currency.unwrap_or(tenant)
    }

    /// The exact amount in minor units of its currency (the tenant's when unset);
    /// an error when that currency has fewer decimals than the text.
    pub fn to_money(&self, tenant: Currency) -> Result<Money, MoneyError> {
        let currency = self.currency_or(tenant);
        let exp = currency.exponent();
        let too_many = || MoneyError::TooManyDecimals {
            value: self.to_string(),
            given: self.scale as usize,
            currency_digits: exp,
        };
        let overflow = || MoneyError::Overflow(self.to_string());
        let minor = if self.scale <= exp {
            let factor = 10i64.checked_pow(exp - self.scale).ok_or_else(overflow)?;
            self.mantissa.checked_mul(factor).ok_or_else(overflow)?
        } else {
            let divisor = 10i64.checked_pow(self.scale - exp).ok_or_else(overflow)?;
            if self.mantissa % divisor != 0 {
                return Err(too_many());
            }
            self.mantissa / divisor
        };
        Ok(Money::new(minor, currency))
    }
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_minor(self.mantissa, self.scale, false))?;
        if let Some(c) = self.currency {
            write!(f, " {c}")?;
        }
        Ok(())
    }
}

impl Serialize for Threshold {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Threshold {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Threshold;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an amount as a string (\"1000000.00\" or \"1000000.00 EUR\") or a whole number")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Threshold, E> {
                Threshold::parse(v).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Threshold, E> {
                Ok(Threshold {
                    mantissa: v,
                    scale: 0,
                    currency: None,
                })
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Threshold, E> {
                let v = i64::try_from(v).map_err(|_| E::custom("amount is too large"))?;
                self.visit_i64(v)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Threshold, E> {
                Err(E::custom(format!(
                    "write amounts as a string (\"{v}\"), never a float, so they stay exact"
                )))
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl JsonSchema for Threshold {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Threshold".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "An exact amount: \"1000000.00\" (tenant currency) or \"1000000.00 EUR\", or a whole number.",
            "type": ["string", "integer"],
            "pattern": "^\\s*[0-9][0-9,]*(\\.[0-9]+)?(\\s+[A-Za-z]{3})?\\s*$"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_currency_applies_when_none_is_written() {
        let t = Threshold::parse("1,000,000.00").unwrap();
        assert_eq!(
            t.to_money(Currency::USD).unwrap(),
            Money::new(100_000_000, Currency::USD)
        );
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(t.to_money(jpy).unwrap(), Money::new(1_000_000, jpy));
    }

    #[test]
    fn explicit_currency_wins_and_is_exact() {
        let t = Threshold::parse("250.5 eur").unwrap();
        assert_eq!(
            t.to_money(Currency::USD).unwrap(),
            Money::new(25050, Currency::EUR)
        );
        assert_eq!(t.to_string(), "250.5 EUR");
    }

    #[test]
    fn amounts_needing_rounding_are_refused() {
        let t = Threshold::parse("10.005").unwrap();
        assert!(matches!(
            t.to_money(Currency::USD),
            Err(MoneyError::TooManyDecimals { .. })
        ));
        assert!(Threshold::parse("ten").is_err());
        assert!(Threshold::parse("10 EURO").is_err());
    }

    #[test]
    fn floats_in_toml_are_refused_but_integers_are_fine() {
        #[derive(Deserialize)]
        struct T {
            a: Threshold,
        }
        assert!(toml::from_str::<T>("a = 10.5").is_err());
        let t: T = toml::from_str("a = 1000").unwrap();
        assert_eq!(t.a.to_money(Currency::USD).unwrap().minor, 100_000);
    }
}
