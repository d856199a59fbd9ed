//! The fast path for commands that need every invoice (plan, simulate):
//! the ledger split and validated on worker threads as the aging path does,
//! handed out as owned invoices in file order with the same rejects as
//! [`crate::reader::read_ledger`].
//!
//! Unlike the aging path, the invoices are kept (the caller keeps them all
//! anyway), so duplicate ids are settled in memory: each worker keeps a
//! 64-bit hash of every good row's id, and only rows whose hash occurs more
//! than once are compared by their real ids, in file order. The raw text
//! of a repeat is not kept on the way: when there are repeats, the chunks
//! holding them are read once more for their records as the file has them.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

use arflow_domain::ledger::Invoice;

use super::dups::{self, Key};
use super::{Context, Good, canonical, resolve, walk_chunk};
use crate::csv_chunks::{Chunk, raw_text, run_chunks, workers};
use crate::idset::hash;
use crate::reader::{
    Progress, ReadError, ReadOptions, ReadSummary, Reject, open, read_ledger_from,
};

/// Reads the ledger at `path`, calling `on_invoice` for every good record in
/// file order: the same invoices and read summary (rows, accepted, rejects
/// in file order) as [`crate::reader::read_ledger_with_progress`], faster.
/// All invoices are held in memory until the file is read. JSON Lines files
/// take the general reader.
pub fn read_ledger_fast(
    path: &Path,
    opts: &ReadOptions,
    progress: Progress<'_>,
    on_invoice: &mut dyn FnMut(Invoice),
) -> Result<ReadSummary, ReadError> {
    let name = path.display().to_string();
    let (mut input, jsonl) = open(path, progress)?;
    if jsonl {
        return read_ledger_from(input, &name, true, opts, on_invoice);
    }
    let Some((header, index)) = resolve(&mut *input, &name, opts)? else {
        return Ok(ReadSummary::default());
    };
    let ctx = Context::new(&name, opts, index, false, None);
    let states = (0..workers()).map(|_| Part::default()).collect();
    let ((), parts) = run_chunks(
        input,
        header,
        &name,
        states,
        |part, chunk| read_chunk(part, chunk, &ctx),
        |mut part| {
            part.hashes.sort_unstable();
            part
        },
        || (),
    )?;
    let Delivered {
        rows,
        mut rejects,
        repeats,
    } = deliver(parts, &name, &ctx.index.source_names[0], on_invoice);
    if !repeats.is_empty() {
        let mut records = raw_records(path, opts, progress, &repeats)?;
        for (key, reject) in rejects.iter_mut().filter(|(key, _)| repeats.contains(key)) {
            reject.record = records.remove(key).ok_or_else(|| changed(&name))?;
        }
    }
    rejects.sort_unstable_by_key(|(key, _)| *key);
    let rejects: Vec<Reject> = rejects.into_iter().map(|(_, r)| r).collect();
    Ok(ReadSummary {
        rows,
        accepted: rows - rejects.len() as u64,
        rejects,
    })
}

fn changed(name: &str) -> ReadError {
    ReadError::Csv {
        file: name.to_string(),
        line: 0,
        message: "the file changed while it was read".into(),
    }
}

/// The records at `keys` as the file has them, read again from `path`
/// (only the chunks that hold one are parsed).
fn raw_records(
    path: &Path,
    opts: &ReadOptions,
    progress: Progress<'_>,
    keys: &HashSet<Key>,
) -> Result<HashMap<Key, String>, ReadError> {
    let name = path.display().to_string();
    let (mut input, _) = open(path, progress)?;
    let (header, index) = resolve(&mut *input, &name, opts)?.ok_or_else(|| changed(&name))?;
    let ctx = Context::new(&name, opts, index, false, None);
    let seqs: BTreeSet<u64> = keys.iter().map(|(seq, _)| *seq).collect();
    let states = (0..workers())
        .map(|_| (HashMap::new(), canonical::Dates::default()))
        .collect();
    let ((), found) = run_chunks(
        input,
        header,
        &name,
        states,
        |(found, dates), chunk| {
            if !seqs.contains(&chunk.seq) {
                return;
            }
            let (mut rows, mut rejects) = (0, Vec::new());
            walk_chunk(
                chunk,
                &ctx,
                dates,
                &mut rows,
                &mut rejects,
                |key, _, raw, _| {
                    if keys.contains(&key) {
                        found.insert(key, raw_text(raw));
                    }
                },
            );
        },
        |(found, _)| found,
        || (),
    )?;
    Ok(found.into_iter().flatten().collect())
}

/// One worker's share: its chunks' good invoices, id hashes and rejects.
#[derive(Default)]
struct Part {
    chunks: Vec<GoodChunk>,
    hashes: Vec<u64>,
    rejects: Vec<(Key, Reject)>,
    rows: u64,
    dates: canonical::Dates,
}

/// The good invoices of one chunk, each with its record number in the chunk
/// and its line.
struct GoodChunk {
    seq: u64,
    invoices: Vec<(u64, u64, Invoice)>,
}

fn read_chunk(part: &mut Part, chunk: &Chunk, ctx: &Context<'_>) {
    let Part {
        chunks,
        hashes,
        rejects,
        rows,
        dates,
    } = part;
    let mut invoices = Vec::new();
    walk_chunk(chunk, ctx, dates, rows, rejects, |(_, k), line, _, good| {
        let invoice = match good {
            Good::Row(row) => row.to_invoice(),
            Good::Invoice(invoice) => invoice,
        };
        hashes.push(hash(invoice.invoice_id.as_bytes()));
        invoices.push((k, line, invoice));
    });
    chunks.push(GoodChunk {
        seq: chunk.seq,
        invoices,
    });
}

/// What [`deliver`] handed out and held back.
struct Delivered {
    rows: u64,
    /// Every reject with its key, not yet in file order.
    rejects: Vec<(Key, Reject)>,
    /// The keys of the repeated ids among them, whose record is still empty.
    repeats: HashSet<Key>,
}

/// Hands out the invoices in file order and rejects repeated ids as the
/// general reader does.
fn deliver(
    parts: Vec<Part>,
    name: &str,
    column: &str,
    on_invoice: &mut dyn FnMut(Invoice),
) -> Delivered {
    let mut chunks = Vec::new();
    let mut rejects = Vec::new();
    let mut hashes = Vec::new();
    let mut rows = 0;
    for p in parts {
        chunks.extend(p.chunks);
        rejects.extend(p.rejects);
        hashes.push(p.hashes);
        rows += p.rows;
    }
    let colliding = dups::colliding(&hashes);
    drop(hashes);
    chunks.sort_unstable_by_key(|c| c.seq);
    let mut first: HashMap<String, u64> = HashMap::new();
    let mut repeats = HashSet::new();
    for chunk in chunks {
        for (k, line, invoice) in chunk.invoices {
            if !colliding.is_empty() && colliding.contains(&hash(invoice.invoice_id.as_bytes())) {
                if let Some(seen) = first.get(&invoice.invoice_id) {
                    let key = (chunk.seq, k);
                    let reject =
                        dups::duplicate(name, column, line, &invoice, *seen, String::new());
                    rejects.push((key, reject));
                    repeats.insert(key);
                    continue;
                }
                first.insert(invoice.invoice_id.clone(), dups::first_line(line));
            }
            on_invoice(invoice);
        }
    }
    Delivered {
        rows,
        rejects,
        repeats,
    }
}
