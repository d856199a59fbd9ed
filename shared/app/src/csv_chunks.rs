//! Parallel CSV parsing: the input is cut into chunks at record boundaries
//! (newlines outside quotes), each chunk is parsed on a worker thread
//! (`records`), and the results come back in file order.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

use arflow_domain::columns::HeaderIndex;
use arflow_domain::row::FieldError;

use crate::reader::{ReadError, Reject};

mod records;

pub(crate) use records::{ChunkRecord, parse_chunk, raw_text};

const CHUNK: usize = 1 << 20;

/// A parsed record, or why it was rejected.
pub(crate) type Parsed<T> = Result<(T, u64), Reject>;

/// Parses one record's canonical fields.
pub(crate) type ParseFn<'a, T> =
    &'a (dyn Fn(&[Option<&str>], &HeaderIndex, u64) -> Result<T, FieldError> + Sync);

/// What the header looked like, and the bytes after it.
pub(crate) struct Header {
    pub fields: Vec<String>,
    /// Line of the first record after the header.
    pub next_line: u64,
    pub rest: Vec<u8>,
}

/// Reads up to the end of the first non-blank record (the header).
/// Returns None for an input with no header at all (empty or blank).
pub(crate) fn read_header(input: &mut dyn Read, name: &str) -> Result<Option<Header>, ReadError> {
    let mut buf = Vec::new();
    let mut line = 1u64;
    let mut eof = false;
    loop {
        if let Some(end) = record_end(&buf, 0).filter(|_| !buf.is_empty()) {
            let rec = &buf[..end];
            let newlines = memchr::memchr_iter(b'\n', rec).count() as u64;
            if rec.iter().all(u8::is_ascii_whitespace) {
                buf.drain(..end);
                line += newlines;
                continue;
            }
            let fields = parse_header_record(rec);
            let rest = buf[end..].to_vec();
            return Ok(Some(Header {
                fields,
                next_line: line + newlines,
                rest,
            }));
        }
        if eof {
            if buf.iter().all(u8::is_ascii_whitespace) {
                return Ok(None);
            }
            let fields = parse_header_record(&buf);
            return Ok(Some(Header {
                fields,
                next_line: line + 1,
                rest: Vec::new(),
            }));
        }
        eof = fill(input, &mut buf, 64 * 1024).map_err(|source| ReadError::Io {
            file: name.to_string(),
            error: source,
        })?;
    }
}

fn parse_header_record(rec: &[u8]) -> Vec<String> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(rec);
    let mut r = csv::ByteRecord::new();
    match rdr.read_byte_record(&mut r) {
        Ok(true) => r
            .iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect(),
        _ => Vec::new(),
    }
}

/// Index just past the first newline outside quotes at or after `from`
/// (quote state starts closed at 0).
fn record_end(buf: &[u8], from: usize) -> Option<usize> {
    let mut quoted = false;
    for (i, b) in buf.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted && i >= from => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// Index just past the last newline outside quotes, if any.
fn last_record_end(buf: &[u8]) -> Option<usize> {
    if memchr::memchr(b'"', buf).is_none() {
        return memchr::memrchr(b'\n', buf).map(|i| i + 1);
    }
    let mut quoted = false;
    let mut last = None;
    for (i, b) in buf.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => last = Some(i + 1),
            _ => {}
        }
    }
    last
}

/// Appends up to `want` bytes; true at end of input.
fn fill(input: &mut dyn Read, buf: &mut Vec<u8>, want: usize) -> std::io::Result<bool> {
    let start = buf.len();
    buf.resize(start + want, 0);
    let mut got = 0;
    while got < want {
        match input.read(&mut buf[start + got..]) {
            Ok(0) => {
                buf.truncate(start + got);
                return Ok(true);
            }
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                buf.truncate(start + got);
                return Err(e);
            }
        }
    }
    Ok(false)
}

/// A run of whole records, cut from the input by [`run_chunks`].
pub(crate) struct Chunk {
    /// 0, 1, 2… in file order.
    pub seq: u64,
    /// Line of the first byte.
    pub first_line: u64,
    pub bytes: Vec<u8>,
}

/// Cuts the input after `header` into chunks of about [`CHUNK`] bytes at
/// record boundaries on a reader thread, and runs `work` on each on worker
/// threads, one per state in `states` (see [`workers`]); `finish` turns each
/// worker's state into its result when the input is done. Meanwhile
/// `on_main` runs on the calling thread. Every reader (general or aging
/// fast path) cuts the same input into the same chunks.
pub(crate) fn run_chunks<S: Send, R: Send, M>(
    mut input: Box<dyn Read + Send + '_>,
    header: Header,
    name: &str,
    states: Vec<S>,
    work: impl Fn(&mut S, &Chunk) + Sync,
    finish: impl Fn(S) -> R + Sync,
    on_main: impl FnOnce() -> M,
) -> Result<(M, Vec<R>), ReadError> {
    let workers = states.len();
    let (work_tx, work_rx) = sync_channel::<Chunk>(workers * 2);
    let work_rx = Arc::new(Mutex::new(work_rx));
    // Buffers come back for reuse: fresh megabytes cost page faults.
    let (spare_tx, spare_rx) = sync_channel::<Vec<u8>>(workers * 2 + 2);
    std::thread::scope(|s| {
        let reader = s.spawn(move || cut_chunks(&mut *input, header, name, &work_tx, &spare_rx));
        let handles: Vec<_> = states
            .into_iter()
            .map(|mut state| {
                let rx = Arc::clone(&work_rx);
                let spare = spare_tx.clone();
                let (work, finish) = (&work, &finish);
                s.spawn(move || {
                    while let Some(chunk) = next(&rx) {
                        work(&mut state, &chunk);
                        // A full pool frees the buffer instead of keeping it.
                        if let Err(full) = spare.try_send(chunk.bytes) {
                            drop(full);
                        }
                    }
                    finish(state)
                })
            })
            .collect();
        drop(spare_tx);
        let main = on_main();
        let failed = || ReadError::Csv {
            file: name.to_string(),
            line: 0,
            message: "reader thread failed".into(),
        };
        let results = handles
            .into_iter()
            .map(|h| h.join().map_err(|_| failed()))
            .collect::<Result<Vec<R>, _>>()?;
        reader.join().unwrap_or_else(|_| Err(failed()))?;
        Ok((main, results))
    })
}

/// How many worker threads parse chunks.
pub(crate) fn workers() -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 4)
}

fn cut_chunks(
    input: &mut dyn Read,
    header: Header,
    name: &str,
    tx: &SyncSender<Chunk>,
    spare: &Receiver<Vec<u8>>,
) -> Result<(), ReadError> {
    let io = |source| ReadError::Io {
        file: name.to_string(),
        error: source,
    };
    let mut buf = header.rest;
    let mut line = header.next_line;
    let mut seq = 0;
    let mut eof = false;
    while !eof || !buf.is_empty() {
        if !eof && buf.len() < CHUNK {
            let want = CHUNK - buf.len();
            eof = fill(input, &mut buf, want).map_err(io)?;
            continue;
        }
        let cut = if eof {
            buf.len()
        } else {
            last_record_end(&buf).unwrap_or(0)
        };
        if cut == 0 {
            // One record longer than a chunk: read more before cutting.
            eof = fill(input, &mut buf, CHUNK).map_err(io)?;
            continue;
        }
        let mut rest = spare.try_recv().unwrap_or_default();
        rest.clear();
        rest.reserve(CHUNK);
        rest.extend_from_slice(&buf[cut..]);
        buf.truncate(cut);
        let bytes = std::mem::replace(&mut buf, rest);
        let lines = memchr::memchr_iter(b'\n', &bytes).count() as u64;
        if tx
            .send(Chunk {
                seq,
                first_line: line,
                bytes,
            })
            .is_err()
        {
            break;
        }
        seq += 1;
        line += lines;
    }
    Ok(())
}

/// Parses the records after the header on worker threads and calls `sink`
/// with each result and the record's raw bytes, in file order. Returns the
/// number of records.
pub(crate) fn parse_records<T: Send>(
    input: Box<dyn Read + Send + '_>,
    header: Header,
    name: &str,
    index: &HeaderIndex,
    parse: ParseFn<'_, T>,
    sink: &mut dyn FnMut(Parsed<T>, &[u8]),
) -> Result<u64, ReadError> {
    type Done<T> = (u64, Vec<ChunkRecord<T>>, Vec<u8>);
    let (done_tx, done_rx) = sync_channel::<Done<T>>(8);
    let senders = (0..workers()).map(|_| done_tx.clone()).collect();
    drop(done_tx);
    let (rows, _) = run_chunks(
        input,
        header,
        name,
        senders,
        |tx, chunk| {
            // The bytes travel with the results: a record found bad only
            // in file order (a repeated id) is written as the file has it.
            let parsed = parse_chunk(chunk, name, index, parse);
            if tx.send((chunk.seq, parsed, chunk.bytes.clone())).is_err() {
                // The collector stopped (an earlier error ended the read).
                tracing::debug!("chunk {} parsed after the read ended", chunk.seq);
            }
        },
        drop,
        || {
            let mut pending = BTreeMap::new();
            let mut want = 0u64;
            let mut rows = 0u64;
            for (seq, parsed, bytes) in done_rx {
                pending.insert(seq, (parsed, bytes));
                while let Some((batch, bytes)) = pending.remove(&want) {
                    rows += batch.len() as u64;
                    for r in batch {
                        sink(r.parsed, bytes.get(r.raw).unwrap_or_default());
                    }
                    want += 1;
                }
            }
            rows
        },
    )?;
    Ok(rows)
}

fn next(rx: &Mutex<Receiver<Chunk>>) -> Option<Chunk> {
    rx.lock().ok()?.recv().ok()
}

#[cfg(test)]
mod tests;
