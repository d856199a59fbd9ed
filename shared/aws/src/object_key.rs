//! S3 object keys as events carry them (URL-encoded, `+` for space) and
//! what arflow reads from them: the tenant and the ledger's date.

use chrono::NaiveDate;

/// An S3 event key that is not valid percent-encoding or not UTF-8.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("object key '{key}' is not a valid URL-encoded key: {reason}")]
pub struct KeyError {
    pub key: String,
    pub reason: String,
}

/// Decodes a key from an S3 event: `+` is a space, `%XX` a byte, and the
/// bytes must be UTF-8.
pub fn decode_event_key(raw: &str) -> Result<String, KeyError> {
    let fail = |reason: &str| KeyError {
        key: raw.to_string(),
        reason: reason.to_string(),
    };
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .ok_or_else(|| fail("'%' not followed by two hex digits"))?;
                let text = std::str::from_utf8(hex)
                    .map_err(|_| fail("'%' not followed by two hex digits"))?;
                out.push(
                    u8::from_str_radix(text, 16)
                        .map_err(|_| fail("'%' not followed by two hex digits"))?,
                );
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| fail("decoded bytes are not UTF-8"))
}

/// An uploaded file's place: `incoming/{tenant}/{name}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncomingKey<'a> {
    pub tenant: &'a str,
    /// The rest of the key after the tenant (may contain `/`).
    pub name: &'a str,
}

impl<'a> IncomingKey<'a> {
    /// `None` for keys outside `incoming/{tenant}/…`.
    pub fn parse(key: &'a str) -> Option<IncomingKey<'a>> {
        let rest = key.strip_prefix("incoming/")?;
        let (tenant, name) = rest.split_once('/')?;
        (!tenant.is_empty() && !name.is_empty() && !name.ends_with('/'))
            .then_some(IncomingKey { tenant, name })
    }

    /// A customers file (its file name starts with "customers") rather than
    /// a ledger.
    pub fn is_customers(&self) -> bool {
        self.file_name()
            .to_ascii_lowercase()
            .starts_with("customers")
    }

    pub fn file_name(&self) -> &'a str {
        self.name.rsplit('/').next().unwrap_or(self.name)
    }

    /// JSON Lines by extension (`.jsonl`, `.ndjson`, `.json`, optionally
    /// `.gz`); CSV otherwise.
    pub fn is_jsonl(&self) -> bool {
        let lower = self.name.to_ascii_lowercase();
        let stem = lower.strip_suffix(".gz").unwrap_or(&lower);
        [".jsonl", ".ndjson", ".json"]
            .iter()
            .any(|e| stem.ends_with(e))
    }

    /// The first `YYYY-MM-DD` in the file name, the day the export describes.
    pub fn date(&self) -> Option<NaiveDate> {
        let name = self.file_name().as_bytes();
        (0..name.len().saturating_sub(9)).find_map(|i| {
            let s = std::str::from_utf8(&name[i..i + 10]).ok()?;
            let shaped = s.bytes().enumerate().all(|(j, b)| {
                if j == 4 || j == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
            if shaped { s.parse().ok() } else { None }
        })
    }

    /// Where the report of this upload goes: `reports/{tenant}/{name}` with
    /// the extension replaced by `suffix`.
    pub fn report_key(&self, suffix: &str) -> String {
        let name = self.name;
        let stem = match name.rfind('/') {
            Some(slash) => {
                &name[..slash
                    + 1
                    + name[slash + 1..]
                        .find('.')
                        .unwrap_or(name.len() - slash - 1)]
            }
            None => &name[..name.find('.').unwrap_or(name.len())],
        };
        format!("reports/{}/{stem}{suffix}", self.tenant)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_keys_are_url_decoded() {
        assert_eq!(
            decode_event_key("incoming/acme/Ledger+Jan+2024.csv").unwrap(),
            "incoming/acme/Ledger Jan 2024.csv"
        );
        assert_eq!(
            decode_event_key("incoming/acme/a%2Bb%20c.csv").unwrap(),
            "incoming/acme/a+b c.csv"
        );
        assert_eq!(
            decode_event_key("incoming/acme/M%C3%BCller.csv").unwrap(),
            "incoming/acme/Müller.csv"
        );
        assert!(decode_event_key("incoming/acme/bad%2").is_err());
        assert!(decode_event_key("incoming/acme/bad%zz").is_err());
        assert!(decode_event_key("incoming/acme/%ff").is_err());
    }

    #[test]
    fn incoming_keys_name_the_tenant() {
        let k = IncomingKey::parse("incoming/acme/2024/ledger-2024-01-31.csv.gz").unwrap();
        assert_eq!(
            (k.tenant, k.name),
            ("acme", "2024/ledger-2024-01-31.csv.gz")
        );
        assert_eq!(k.date(), "2024-01-31".parse().ok());
        assert!(!k.is_jsonl() && !k.is_customers());
        assert_eq!(
            k.report_key(".report.json"),
            "reports/acme/2024/ledger-2024-01-31.report.json"
        );
        for outside in [
            "reports/acme/x.csv",
            "incoming/acme/",
            "incoming//x.csv",
            "incoming/acme",
        ] {
            assert_eq!(IncomingKey::parse(outside), None, "{outside}");
        }
        let c = IncomingKey::parse("incoming/acme/Customers.jsonl").unwrap();
        assert!(c.is_customers() && c.is_jsonl());
        assert_eq!(c.date(), None);
        assert_eq!(
            c.report_key(".rejects.csv"),
            "reports/acme/Customers.rejects.csv"
        );
    }
}
