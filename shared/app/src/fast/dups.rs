//! Duplicate invoice ids, found by 64-bit hash and then settled exactly: the
//! first pass keeps only a hash per row; rows whose hash occurs more than
//! once are held back on a second pass and compared by their real ids.

use std::collections::{HashMap, HashSet};

use arflow_domain::ledger::Invoice;

use crate::reader::Reject;

/// Where a record sits: (chunk, record within the chunk), in file order.
pub(super) type Key = (u64, u64);

/// A row whose id hash is shared with another row, kept for the exact check.
pub(super) struct Held {
    pub key: Key,
    pub line: u64,
    pub invoice: Invoice,
    /// The record as the file has it, for the rejects file.
    pub record: String,
}

/// The hashes that occur more than once across `lists`, each sorted.
pub(super) fn colliding(lists: &[Vec<u64>]) -> HashSet<u64> {
    let mut heads = vec![0usize; lists.len()];
    let mut out = HashSet::new();
    let mut last = None;
    loop {
        let Some((i, h)) = lists
            .iter()
            .zip(&heads)
            .enumerate()
            .filter_map(|(i, (l, at))| l.get(*at).map(|h| (i, *h)))
            .min_by_key(|(_, h)| *h)
        else {
            return out;
        };
        if last == Some(h) {
            out.insert(h);
        }
        last = Some(h);
        heads[i] += 1;
    }
}

/// Settles held rows in file order: the first row with an id is accepted,
/// later ones are rejected naming its line (as `IdSet` records it).
/// Returns the accepted invoices and the rejects with their keys.
pub(super) fn settle(
    mut held: Vec<Held>,
    file: &str,
    column: &str,
) -> (Vec<Invoice>, Vec<(Key, Reject)>) {
    held.sort_unstable_by_key(|h| h.key);
    let mut first: HashMap<String, u64> = HashMap::new();
    let mut accepted = Vec::new();
    let mut rejects = Vec::new();
    for h in held {
        match first.get(&h.invoice.invoice_id) {
            Some(first) => rejects.push((
                h.key,
                duplicate(file, column, h.line, &h.invoice, *first, h.record),
            )),
            None => {
                first.insert(h.invoice.invoice_id.clone(), first_line(h.line));
                accepted.push(h.invoice);
            }
        }
    }
    (accepted, rejects)
}

/// A line as the id set records it (lines past `u32::MAX` saturate).
pub(super) fn first_line(line: u64) -> u64 {
    u64::from(u32::try_from(line).unwrap_or(u32::MAX))
}

/// The reject for `invoice` on `line` (`record` as the file has it), whose
/// id was first seen on `first`.
pub(super) fn duplicate(
    file: &str,
    column: &str,
    line: u64,
    invoice: &Invoice,
    first: u64,
    record: String,
) -> Reject {
    Reject {
        file: file.to_string(),
        line,
        column: column.to_string(),
        reason: format!(
            "duplicate invoice id '{}' (first seen on line {first})",
            invoice.invoice_id
        ),
        record,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colliding_finds_repeats_within_and_across_lists() {
        let got = colliding(&[vec![1, 3, 3, 9], vec![2, 9, 10], vec![], vec![4, 4, 4]]);
        assert_eq!(got, HashSet::from([3, 9, 4]));
        assert!(colliding(&[vec![1, 2], vec![3, 4]]).is_empty());
    }
}
