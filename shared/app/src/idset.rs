//! An exact, compact set of ids seen so far, remembering the line of each:
//! duplicate detection for million-row ledgers in a few tens of megabytes.

/// Ids stored back to back in one arena, indexed by an open-addressing table.
pub struct IdSet {
    arena: Vec<u8>,
    entries: Vec<Entry>,
    /// Per slot: the high 32 bits of the id's hash, then entry index + 1
    /// (0 = empty). Comparing the hash half first skips most id compares.
    /// Length is a power of two.
    table: Vec<u64>,
}

struct Entry {
    start: usize,
    len: u32,
    line: u32,
}

impl Default for IdSet {
    fn default() -> Self {
        IdSet::with_capacity(1024)
    }
}

impl IdSet {
    pub fn with_capacity(n: usize) -> IdSet {
        IdSet {
            arena: Vec::with_capacity(n * 12),
            entries: Vec::with_capacity(n),
            table: vec![0; (n * 2).next_power_of_two().max(16)],
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds `id` seen on `line`; if it was already there, returns the line
    /// where it was first seen and leaves the set unchanged.
    pub fn insert(&mut self, id: &str, line: u64) -> Option<u64> {
        if (self.entries.len() + 1) * 2 > self.table.len() {
            self.grow();
        }
        let mask = self.table.len() - 1;
        let h = hash(id.as_bytes());
        let tag = h & 0xffff_ffff_0000_0000;
        let mut slot = h as usize & mask;
        loop {
            match self.table[slot] {
                0 => break,
                e if e & 0xffff_ffff_0000_0000 == tag => {
                    let entry = &self.entries[(e as u32) as usize - 1];
                    if &self.arena[entry.start..entry.start + entry.len as usize] == id.as_bytes() {
                        return Some(u64::from(entry.line));
                    }
                }
                _ => {}
            }
            slot = (slot + 1) & mask;
        }
        self.entries.push(Entry {
            start: self.arena.len(),
            len: id.len() as u32,
            line: u32::try_from(line).unwrap_or(u32::MAX),
        });
        self.arena.extend_from_slice(id.as_bytes());
        self.table[slot] = tag | self.entries.len() as u64;
        None
    }

    fn grow(&mut self) {
        let size = self.table.len() * 2;
        let mask = size - 1;
        let mut table = vec![0u64; size];
        for old in self.table.iter().filter(|e| **e != 0) {
            let e = &self.entries[(*old as u32) as usize - 1];
            let mut slot = hash(&self.arena[e.start..e.start + e.len as usize]) as usize & mask;
            while table[slot] != 0 {
                slot = (slot + 1) & mask;
            }
            table[slot] = *old;
        }
        self.table = table;
    }
}

/// A fast, well-mixed 64-bit hash of a short byte string: every input bit
/// reaches every output bit (a folded 128-bit multiply per word), so ids
/// that differ in one byte, like `INV-0000123` and `INV-0001123`, do not
/// collide; the aging fast path relies on that for duplicate detection.
pub(crate) fn hash(bytes: &[u8]) -> u64 {
    const K1: u64 = 0x9e37_79b9_7f4a_7c15;
    const K2: u64 = 0xbf58_476d_1ce4_e5b9;
    let mut h: u64 = (bytes.len() as u64) ^ K2;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = fold_mul(h ^ w, K1);
    }
    let mut tail = 0u64;
    for (i, b) in chunks.remainder().iter().enumerate() {
        tail |= u64::from(*b) << (8 * i);
    }
    h = fold_mul(h ^ tail, K1);
    fold_mul(h, K2)
}

/// The high and low halves of the 128-bit product, xor-ed.
fn fold_mul(a: u64, b: u64) -> u64 {
    let m = u128::from(a) * u128::from(b);
    (m as u64) ^ ((m >> 64) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_duplicate_with_its_first_line_across_growth() {
        let mut s = IdSet::with_capacity(4);
        for i in 0..10_000u64 {
            assert_eq!(s.insert(&format!("INV-{i}"), i + 2), None);
        }
        for i in (0..10_000u64).step_by(7) {
            assert_eq!(s.insert(&format!("INV-{i}"), 99_999), Some(i + 2));
        }
        assert_eq!(s.len(), 10_000);
        assert_eq!(s.insert("", 1), None);
        assert_eq!(s.insert("", 5), Some(1));
    }

    #[test]
    fn ids_that_share_prefixes_or_lengths_are_distinct() {
        let mut s = IdSet::default();
        for id in ["A", "AA", "A\0", "ABCDEFGH", "ABCDEFGHI", "ABCDEFGI"] {
            assert_eq!(s.insert(id, 1), None, "{id:?}");
        }
    }

    #[test]
    fn a_million_sequential_ids_have_distinct_hashes() {
        let mut hashes: Vec<u64> = (1..=1_000_000u32)
            .map(|i| hash(format!("INV-{i:07}").as_bytes()))
            .collect();
        hashes.sort_unstable();
        hashes.dedup();
        assert_eq!(hashes.len(), 1_000_000);
    }
}
