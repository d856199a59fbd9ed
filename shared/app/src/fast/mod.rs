//! The aging command's fast path: a ledger file aged on worker threads
//! without building an ordered stream of owned invoices. Every record is
//! validated by the same code as [`crate::reader`] (`parse_invoice_row`), and
//! the report, the rejects and their order are the same as reading with
//! [`crate::reader::read_ledger`] and feeding an [`Aging`].
//!
//! Chunks are cut exactly as the general reader cuts them; a chunk with a
//! quote or with bytes that are not UTF-8 goes through the general chunk
//! parser. Each worker ages its own part and keeps a 64-bit hash of every
//! good row's id; if no hash occurs twice there is no duplicate id and the
//! parts are merged. Otherwise the file is read once more, rows with a
//! shared hash are held back and settled by their real ids in file order.
//!
//! [`read_ledger_fast`] (invoices.rs) reads the same way for commands that
//! need every invoice, handing them out in file order.

mod canonical;
mod dups;
mod invoices;
mod lines;

pub use invoices::read_ledger_fast;

use std::collections::HashSet;
use std::io::Read;
use std::path::Path;

use arflow_domain::aging::{Aging, AgingReport, Buckets};
use arflow_domain::columns::{HeaderIndex, LEDGER_COLUMNS, LEDGER_REQUIRED};
use arflow_domain::ledger::Invoice;
use arflow_domain::row::{InvoiceRow, parse_invoice, parse_invoice_row};
use chrono::NaiveDate;

use crate::csv_chunks::{Chunk, Header, parse_chunk, raw_text, read_header, run_chunks, workers};
use crate::idset::hash;
use crate::reader::{
    MAX_COLUMNS, Progress, ReadError, ReadOptions, ReadSummary, Reject, open, read_ledger_from,
};
use dups::{Held, Key};

/// What to age and how.
#[derive(Clone, Debug)]
pub struct AgingRequest {
    pub as_of: NaiveDate,
    pub buckets: Buckets,
    pub by_customer: bool,
}

impl AgingRequest {
    fn aging(&self) -> Aging {
        Aging::new(self.as_of, self.buckets.clone(), self.by_customer)
    }
}

/// Ages the ledger file at `path`: the same report and read summary (rows,
/// accepted, rejects in file order) as [`crate::reader::read_ledger`] fed
/// into an [`Aging`], faster. JSON Lines files take the general reader.
pub fn age_ledger(
    path: &Path,
    opts: &ReadOptions,
    progress: Progress<'_>,
    request: &AgingRequest,
) -> Result<(AgingReport, ReadSummary), ReadError> {
    let name = path.display().to_string();
    let (input, jsonl) = open(path, progress)?;
    if jsonl {
        let mut aging = request.aging();
        let summary = read_ledger_from(input, &name, true, opts, &mut |i| aging.add(&i))?;
        return Ok((aging.finish(), summary));
    }
    let Some(mut first) = scan(input, &name, opts, request, None)? else {
        return Ok((request.aging().finish(), ReadSummary::default()));
    };
    let hashes: Vec<Vec<u64>> = first
        .parts
        .iter_mut()
        .map(|p| std::mem::take(&mut p.hashes))
        .collect();
    let colliding = dups::colliding(&hashes);
    drop(hashes);
    let (parts, column) = if colliding.is_empty() {
        (first.parts, first.column)
    } else {
        drop(first);
        let (input, _) = open(path, progress)?;
        let again = scan(input, &name, opts, request, Some(&colliding))?;
        let again = again.ok_or_else(|| ReadError::Csv {
            file: name.clone(),
            line: 0,
            message: "the file changed while it was read".into(),
        })?;
        (again.parts, again.column)
    };
    Ok(merge(parts, request, &name, &column))
}

/// The workers' parts of one pass, and the id column's name in the file.
struct Scan {
    parts: Vec<Part>,
    column: String,
}

/// One worker's share of a pass.
struct Part {
    aging: Aging,
    /// Id hashes of its good rows (first pass only), sorted at the end.
    hashes: Vec<u64>,
    rejects: Vec<(Key, Reject)>,
    held: Vec<Held>,
    rows: u64,
    dates: canonical::Dates,
}

/// What every worker reads.
struct Context<'a> {
    name: &'a str,
    opts: &'a ReadOptions,
    index: HeaderIndex,
    /// The last cell a record needs.
    last_cell: usize,
    by_customer: bool,
    /// Second pass: rows with these id hashes are held back.
    colliding: Option<&'a HashSet<u64>>,
}

impl<'a> Context<'a> {
    fn new(
        name: &'a str,
        opts: &'a ReadOptions,
        index: HeaderIndex,
        by_customer: bool,
        colliding: Option<&'a HashSet<u64>>,
    ) -> Self {
        Context {
            name,
            opts,
            last_cell: index.positions.iter().flatten().copied().max().unwrap_or(0),
            index,
            by_customer,
            colliding,
        }
    }
}

fn scan(
    mut input: Box<dyn Read + Send + '_>,
    name: &str,
    opts: &ReadOptions,
    request: &AgingRequest,
    colliding: Option<&HashSet<u64>>,
) -> Result<Option<Scan>, ReadError> {
    let Some((header, index)) = resolve(&mut *input, name, opts)? else {
        return Ok(None);
    };
    let ctx = Context::new(name, opts, index, request.by_customer, colliding);
    let states = (0..workers())
        .map(|_| Part {
            aging: request.aging(),
            hashes: Vec::new(),
            rejects: Vec::new(),
            held: Vec::new(),
            rows: 0,
            dates: canonical::Dates::default(),
        })
        .collect();
    let ((), parts) = run_chunks(
        input,
        header,
        name,
        states,
        |part, chunk| age_chunk(part, chunk, &ctx),
        |mut part| {
            part.hashes.sort_unstable();
            part
        },
        || (),
    )?;
    Ok(Some(Scan {
        parts,
        column: ctx.index.source_names[0].clone(),
    }))
}

/// The header of a ledger CSV and its columns resolved; None for an empty
/// file.
fn resolve(
    input: &mut dyn Read,
    name: &str,
    opts: &ReadOptions,
) -> Result<Option<(Header, HeaderIndex)>, ReadError> {
    let Some(header) = read_header(input, name)? else {
        return Ok(None);
    };
    let names: Vec<&str> = header.fields.iter().map(String::as_str).collect();
    let index = HeaderIndex::resolve(&names, &LEDGER_COLUMNS, &LEDGER_REQUIRED, &opts.mapping)
        .map_err(|error| ReadError::Header {
            file: name.to_string(),
            error,
        })?;
    Ok(Some((header, index)))
}

fn age_chunk(part: &mut Part, chunk: &Chunk, ctx: &Context<'_>) {
    let Part {
        aging,
        hashes,
        rejects,
        held,
        rows,
        dates,
    } = part;
    let mut sink = Sink {
        aging,
        hashes,
        held,
    };
    walk_chunk(
        chunk,
        ctx,
        dates,
        rows,
        rejects,
        |key, line, raw, good| match good {
            Good::Row(row) => sink.accept_row(ctx, key, line, raw, &row),
            Good::Invoice(invoice) => sink.accept_invoice(ctx, key, line, raw, invoice),
        },
    );
}

/// Where a worker's good rows go on the aging path.
struct Sink<'p> {
    aging: &'p mut Aging,
    hashes: &'p mut Vec<u64>,
    held: &'p mut Vec<Held>,
}

/// A good record of a chunk: borrowed cells read on the fast path, or an
/// owned invoice from the general chunk parser.
enum Good<'a> {
    Row(InvoiceRow<'a>),
    Invoice(Invoice),
}

/// Splits and validates every record of `chunk`, in order: counts it in
/// `rows`, pushes a bad one to `rejects` and hands a good one to `on_good`
/// with its key, line and raw bytes (as the file has them, line end left
/// out).
fn walk_chunk<'c>(
    chunk: &'c Chunk,
    ctx: &Context<'_>,
    dates: &mut canonical::Dates,
    rows: &mut u64,
    rejects: &mut Vec<(Key, Reject)>,
    mut on_good: impl FnMut(Key, u64, &'c [u8], Good<'c>),
) {
    let text = match memchr::memchr(b'"', &chunk.bytes) {
        None => std::str::from_utf8(&chunk.bytes).ok(),
        Some(_) => None,
    };
    let Some(text) = text else {
        let parse = |f: &[Option<&str>], index: &HeaderIndex, _line: u64| {
            parse_invoice(f, index, &ctx.opts.format)
        };
        for (k, record) in parse_chunk(chunk, ctx.name, &ctx.index, &parse)
            .into_iter()
            .enumerate()
        {
            let key = (chunk.seq, k as u64);
            *rows += 1;
            match record.parsed {
                Ok((invoice, line)) => {
                    let raw = chunk.bytes.get(record.raw).unwrap_or_default();
                    on_good(key, line, raw, Good::Invoice(invoice))
                }
                Err(reject) => rejects.push((key, reject)),
            }
        }
        return;
    };
    let n = ctx.index.positions.len();
    let mut k = 0u64;
    lines::for_each_record(text, ctx.last_cell, |at, line, cells| {
        let key = (chunk.seq, k);
        k += 1;
        *rows += 1;
        let mut fields: [Option<&str>; MAX_COLUMNS] = [None; MAX_COLUMNS];
        for (slot, pos) in fields.iter_mut().zip(&ctx.index.positions) {
            *slot = pos
                .and_then(|p| cells.get(p))
                .filter(|s| !canonical::blank(s));
        }
        let line_no = chunk.first_line + at;
        let fields = &fields[..n];
        let row = match canonical::invoice(fields, &ctx.opts.format, dates) {
            Some(row) => Ok(row),
            None => parse_invoice_row(fields, &ctx.index, &ctx.opts.format),
        };
        match row {
            Ok(row) => on_good(key, line_no, line.as_bytes(), Good::Row(row)),
            Err(e) => rejects.push((
                key,
                Reject {
                    file: ctx.name.to_string(),
                    line: line_no,
                    column: e.column,
                    reason: e.reason,
                    record: line.to_string(),
                },
            )),
        }
    });
}

impl Sink<'_> {
    /// Counts a good row, or holds it back when its id hash is shared.
    fn accept_row(
        &mut self,
        ctx: &Context<'_>,
        key: Key,
        line: u64,
        raw: &[u8],
        row: &InvoiceRow<'_>,
    ) {
        let h = hash(row.invoice_id.as_bytes());
        match ctx.colliding {
            Some(c) if c.contains(&h) => {
                self.held.push(Held {
                    key,
                    line,
                    invoice: row.to_invoice(),
                    record: raw_text(raw),
                });
                return;
            }
            Some(_) => {}
            None => self.hashes.push(h),
        }
        let customer = if ctx.by_customer {
            row.customer_id.to_string()
        } else {
            String::new()
        };
        self.aging.add(&row.with_ids(String::new(), customer));
    }

    fn accept_invoice(
        &mut self,
        ctx: &Context<'_>,
        key: Key,
        line: u64,
        raw: &[u8],
        invoice: Invoice,
    ) {
        let h = hash(invoice.invoice_id.as_bytes());
        match ctx.colliding {
            Some(c) if c.contains(&h) => {
                self.held.push(Held {
                    key,
                    line,
                    invoice,
                    record: raw_text(raw),
                });
                return;
            }
            Some(_) => {}
            None => self.hashes.push(h),
        }
        self.aging.add(&invoice);
    }
}

fn merge(
    parts: Vec<Part>,
    request: &AgingRequest,
    name: &str,
    column: &str,
) -> (AgingReport, ReadSummary) {
    let mut aging = request.aging();
    let mut rejects = Vec::new();
    let mut held = Vec::new();
    let mut rows = 0;
    for p in parts {
        aging.merge(p.aging);
        rejects.extend(p.rejects);
        held.extend(p.held);
        rows += p.rows;
    }
    let (accepted, duplicates) = dups::settle(held, name, column);
    for invoice in &accepted {
        aging.add(invoice);
    }
    rejects.extend(duplicates);
    rejects.sort_unstable_by_key(|(key, _)| *key);
    let rejects: Vec<Reject> = rejects.into_iter().map(|(_, r)| r).collect();
    let summary = ReadSummary {
        rows,
        accepted: rows - rejects.len() as u64,
        rejects,
    };
    (aging.finish(), summary)
}
