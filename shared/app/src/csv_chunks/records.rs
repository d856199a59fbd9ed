//! The records of one chunk: split (a fast comma split without quotes, the
//! `csv` crate with them), numbered by the physical line each starts on,
//! parsed, and located in the chunk so a reject keeps the record exactly as
//! the file has it.

use std::ops::Range;

use arflow_domain::columns::HeaderIndex;
use arflow_domain::row::FieldError;

use super::{Chunk, ParseFn, Parsed};
use crate::reader::{MAX_COLUMNS, Reject};

/// One record of a chunk: parsed (or rejected), and where its raw text sits
/// in the chunk's bytes — from its first byte to its line end, the line end
/// itself (`\n` or `\r\n`) left out, so quotes and the line breaks inside a
/// quoted field are as in the file.
pub(crate) struct ChunkRecord<T> {
    pub parsed: Parsed<T>,
    pub raw: Range<usize>,
}

pub(crate) fn parse_chunk<T>(
    chunk: &Chunk,
    name: &str,
    index: &HeaderIndex,
    parse: ParseFn<'_, T>,
) -> Vec<ChunkRecord<T>> {
    if memchr::memchr(b'"', &chunk.bytes).is_some() {
        return parse_quoted(chunk, name, index, parse);
    }
    let mut out = Vec::with_capacity(chunk.bytes.len() / 48);
    let mut start = 0;
    let mut cells: Vec<&[u8]> = Vec::with_capacity(32);
    let bytes = &chunk.bytes[..];
    let ends = memchr::memchr_iter(b'\n', bytes)
        .chain((bytes.last() != Some(&b'\n')).then_some(bytes.len()));
    for (this_line, end) in (chunk.first_line..).zip(ends) {
        let from = start;
        start = end + 1;
        let mut stop = end;
        if stop > from && bytes[stop - 1] == b'\r' {
            stop -= 1;
        }
        let line = &bytes[from..stop];
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        cells.clear();
        let mut at = 0;
        for comma in memchr::memchr_iter(b',', line) {
            cells.push(&line[at..comma]);
            at = comma + 1;
        }
        cells.push(&line[at..]);
        out.push(ChunkRecord {
            parsed: parse_cells(&cells, this_line, name, index, parse, line),
            raw: from..stop,
        });
    }
    out
}

fn parse_quoted<T>(
    chunk: &Chunk,
    name: &str,
    index: &HeaderIndex,
    parse: ParseFn<'_, T>,
) -> Vec<ChunkRecord<T>> {
    let bytes = &chunk.bytes[..];
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    let mut out = Vec::new();
    let mut lines = RecordLines::new(bytes, chunk.first_line);
    loop {
        let from = rdr.position().byte();
        // The csv crate is infallible on in-memory bytes read as ByteRecords.
        let Ok(true) = rdr.read_byte_record(&mut record) else {
            break;
        };
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        let (line, start) = lines.record_from(from);
        let raw = start..record_stop(bytes, start, rdr.position().byte());
        let cells: Vec<&[u8]> = record.iter().collect();
        out.push(ChunkRecord {
            parsed: parse_cells(&cells, line, name, index, parse, &bytes[raw.clone()]),
            raw,
        });
    }
    out
}

/// Where the raw text of a record that starts at `start` ends, given where
/// the csv crate's read of it stopped (`end`): before the line end it read
/// (the crate stops after the CR of a CRLF, after a lone LF, or at the end).
fn record_stop(bytes: &[u8], start: usize, end: u64) -> usize {
    let mut stop = usize::try_from(end).map_or(bytes.len(), |e| e.min(bytes.len()));
    if stop > start && bytes[stop - 1] == b'\n' {
        stop -= 1;
    }
    if stop > start && bytes[stop - 1] == b'\r' {
        stop -= 1;
    }
    stop.max(start)
}

/// Physical line numbers of the records the csv crate reads from a chunk.
///
/// The crate's own record position is where its reader stood when the read
/// began, not where the record starts: it ends a record at the CR of a CRLF
/// and skips the LF, and any blank lines, only as the next read begins, so
/// its line is one too low after every CRLF and more after blank lines. A
/// record starts at the first byte of its read that is not a line end, on
/// the chunk's first line plus the newlines before that byte.
struct RecordLines<'a> {
    bytes: &'a [u8],
    /// The newlines before this offset are counted in `line`.
    counted: usize,
    line: u64,
}

impl<'a> RecordLines<'a> {
    fn new(bytes: &'a [u8], first_line: u64) -> Self {
        RecordLines {
            bytes,
            counted: 0,
            line: first_line,
        }
    }

    /// The line and first byte of the record whose read began at byte
    /// `from`; reads come in file order.
    fn record_from(&mut self, from: u64) -> (u64, usize) {
        let len = self.bytes.len();
        let from = usize::try_from(from).map_or(len, |f| f.min(len));
        let ends = self.bytes[from..]
            .iter()
            .take_while(|b| matches!(b, b'\r' | b'\n'))
            .count();
        let start = from + ends;
        if start > self.counted {
            let newlines = memchr::memchr_iter(b'\n', &self.bytes[self.counted..start]).count();
            self.line += newlines as u64;
            self.counted = start;
        }
        (self.line, start)
    }
}

/// Parses one record's cells; a reject carries `raw`, the record as the
/// file has it.
pub(crate) fn parse_cells<T>(
    cells: &[&[u8]],
    line: u64,
    name: &str,
    index: &HeaderIndex,
    parse: ParseFn<'_, T>,
    raw: &[u8],
) -> Parsed<T> {
    let mut fields: [Option<&str>; MAX_COLUMNS] = [None; MAX_COLUMNS];
    let mut result = Ok(());
    for (k, (slot, pos)) in fields.iter_mut().zip(&index.positions).enumerate() {
        let Some(cell) = pos.and_then(|i| cells.get(i)) else {
            continue;
        };
        match std::str::from_utf8(cell) {
            Ok(s) if !s.trim().is_empty() => *slot = Some(s),
            Ok(_) => {}
            Err(_) => {
                result = Err(FieldError {
                    column: index.source_names[k].clone(),
                    reason: "not valid UTF-8 text".into(),
                });
                break;
            }
        }
    }
    result
        .and_then(|()| parse(&fields[..index.positions.len()], index, line))
        .map(|v| (v, line))
        .map_err(|e| Reject {
            file: name.to_string(),
            line,
            column: e.column,
            reason: e.reason,
            record: raw_text(raw),
        })
}

/// A record's raw bytes as text for the rejects file (bytes that are not
/// UTF-8 become U+FFFD: that is as far as a text file can keep them).
pub(crate) fn raw_text(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw).into_owned()
}
