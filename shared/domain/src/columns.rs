//! Canonical ledger and customer columns, and the mapping from an ERP's own
//! column names onto them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The canonical ledger columns, in the order of `LEDGER_COLUMNS`.
pub const LEDGER_COLUMNS: [&str; 10] = [
    "invoice_id",
    "customer_id",
    "invoice_date",
    "due_date",
    "amount",
    "currency",
    "paid_amount",
    "paid_date",
    "disputed",
    "status",
];
pub const LEDGER_REQUIRED: [&str; 5] = [
    "invoice_id",
    "customer_id",
    "invoice_date",
    "due_date",
    "amount",
];

/// The canonical customer columns.
pub const CUSTOMER_COLUMNS: [&str; 15] = [
    "customer_id",
    "name",
    "email",
    "phone",
    "type",
    "credit_limit",
    "currency",
    "timezone",
    "language",
    "white_glove",
    "opted_out",
    "account_manager",
    "sales_manager",
    "tags",
    "country",
];
pub const CUSTOMER_REQUIRED: [&str; 1] = ["customer_id"];

/// Which source column feeds each canonical column (`invoice_id=invoiceNumber`).
/// Canonical columns not named here are looked up under their own name.
/// Matching of source names ignores case and surrounding spaces.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnMapping {
    #[serde(flatten)]
    pub columns: BTreeMap<String, String>,
}

impl ColumnMapping {
    /// Adds `canonical=source`, checking the canonical name against `known`.
    pub fn insert_pair(&mut self, pair: &str, known: &[&str]) -> Result<(), MappingError> {
        let (canonical, source) = pair
            .split_once('=')
            .ok_or_else(|| MappingError::NotAPair(pair.to_string()))?;
        let canonical = canonical.trim().to_ascii_lowercase();
        if !known.contains(&canonical.as_str()) {
            return Err(MappingError::UnknownColumn {
                name: canonical,
                known: known.join(", "),
            });
        }
        self.columns.insert(canonical, source.trim().to_string());
        Ok(())
    }

    /// The source column name for a canonical one.
    pub fn source_for<'a>(&'a self, canonical: &'a str) -> &'a str {
        self.columns
            .get(canonical)
            .map_or(canonical, String::as_str)
    }
}

/// A `--map` value or mapping file entry that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error("'{0}' is not a mapping; write canonical=source, e.g. invoice_id=InvoiceNumber")]
    NotAPair(String),
    #[error("'{name}' is not a canonical column; known: {known}")]
    UnknownColumn { name: String, known: String },
}

/// Where each canonical column sits in a file's header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderIndex {
    /// For each canonical column (same order as the schema), its field index.
    pub positions: Vec<Option<usize>>,
    /// The source column name used for each canonical column.
    pub source_names: Vec<String>,
}

/// A header that lacks required columns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "missing required column(s): {}; the header has: {}. Map your own names with --map, e.g. --map {}=YourColumn",
    missing.join(", "), found.join(", "), missing.first().map_or("", |m| m.split(' ').next().unwrap_or(m))
)]
pub struct HeaderError {
    pub missing: Vec<String>,
    pub found: Vec<String>,
}

impl HeaderIndex {
    /// Finds the canonical `columns` in `header`, through `mapping`.
    pub fn resolve(
        header: &[&str],
        columns: &[&str],
        required: &[&str],
        mapping: &ColumnMapping,
    ) -> Result<HeaderIndex, HeaderError> {
        let clean: Vec<String> = header
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_ascii_lowercase())
            .collect();
        let mut positions = Vec::with_capacity(columns.len());
        let mut source_names = Vec::with_capacity(columns.len());
        let mut missing = Vec::new();
        for col in columns {
            let source = mapping.source_for(col);
            let pos = clean.iter().position(|h| *h == source.to_ascii_lowercase());
            if pos.is_none() && required.contains(col) {
                missing.push(if source == *col {
                    col.to_string()
                } else {
                    format!("{col} (mapped to '{source}')")
                });
            }
            positions.push(pos);
            source_names.push(source.to_string());
        }
        if missing.is_empty() {
            Ok(HeaderIndex {
                positions,
                source_names,
            })
        } else {
            Err(HeaderError {
                missing,
                found: header
                    .iter()
                    .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
                    .collect(),
            })
        }
    }
}

/// Parses a boolean in any case: true/false, yes/no, y/n, 1/0 (empty = false).
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "t" => Some(true),
        "false" | "no" | "n" | "0" | "f" | "" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_matching_ignores_case_bom_and_spaces() {
        let mut m = ColumnMapping::default();
        m.insert_pair("invoice_id=invoiceNumber", &LEDGER_COLUMNS)
            .unwrap();
        let h = [
            "\u{feff}InvoiceNumber",
            " Customer_ID ",
            "invoice_date",
            "DUE_DATE",
            "amount",
        ];
        let idx = HeaderIndex::resolve(&h, &LEDGER_COLUMNS, &LEDGER_REQUIRED, &m).unwrap();
        assert_eq!(
            &idx.positions[..5],
            &[Some(0), Some(1), Some(2), Some(3), Some(4)]
        );
        assert_eq!(idx.positions[5], None);
    }

    #[test]
    fn missing_required_columns_are_named_with_a_hint() {
        let h = ["invoiceNumber", "customer_id"];
        let err = HeaderIndex::resolve(
            &h,
            &LEDGER_COLUMNS,
            &LEDGER_REQUIRED,
            &ColumnMapping::default(),
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("invoice_id, invoice_date, due_date, amount"),
            "{msg}"
        );
        assert!(msg.contains("--map invoice_id=YourColumn"), "{msg}");
    }

    #[test]
    fn mapping_rejects_unknown_canonical_names() {
        let mut m = ColumnMapping::default();
        assert!(m.insert_pair("invoice=Foo", &LEDGER_COLUMNS).is_err());
        assert!(m.insert_pair("nonsense", &LEDGER_COLUMNS).is_err());
    }

    #[test]
    fn booleans_in_any_case() {
        for t in ["Yes", "Y", "TRUE", "1", "t"] {
            assert_eq!(parse_bool(t), Some(true));
        }
        for f in ["no", "N", "False", "0", ""] {
            assert_eq!(parse_bool(f), Some(false));
        }
        assert_eq!(parse_bool("maybe"), None);
    }
}
