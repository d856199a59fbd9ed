//! Reading ledger and customer files: CSV with a header or JSON Lines, plain
//! or gzip, streamed record by record. Bad records become [`Reject`]s that
//! name the file, line, column and reason; good records still flow.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use arflow_domain::columns::{
    CUSTOMER_COLUMNS, CUSTOMER_REQUIRED, ColumnMapping, HeaderError, HeaderIndex, LEDGER_COLUMNS,
    LEDGER_REQUIRED,
};
use arflow_domain::ledger::{Customer, Invoice};
use arflow_domain::row::{FieldError, ValueFormat, parse_customer, parse_invoice};
use flate2::read::MultiGzDecoder;
use serde_json::value::RawValue;

use crate::csv_chunks::{ParseFn, Parsed, parse_records, raw_text, read_header};
use crate::idset::IdSet;

/// How to read a file: column mapping and value formats.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    pub mapping: ColumnMapping,
    pub format: ValueFormat,
}

/// One rejected record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reject {
    pub file: String,
    /// 1-based line where the record starts (the header is line 1 in CSV).
    pub line: u64,
    pub column: String,
    pub reason: String,
    /// The record as the file has it: from its first byte to its line end
    /// (not included), quotes and a quoted field's line breaks kept.
    pub record: String,
}

impl std::fmt::Display for Reject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.file, self.line, self.column, self.reason
        )
    }
}

/// What a read saw.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadSummary {
    /// Records read (not counting the header or blank lines).
    pub rows: u64,
    pub accepted: u64,
    pub rejects: Vec<Reject>,
}

/// A file that cannot be read at all (as opposed to a bad record).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{file}: {error}")]
    Io { file: String, error: io::Error },
    #[error("{file}: {error}")]
    Header { file: String, error: HeaderError },
    #[error("{file}:{line}: {message}")]
    Csv {
        file: String,
        line: u64,
        message: String,
    },
}

/// Reports progress as (bytes read so far, total bytes of the file).
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Sync);

/// Reads a ledger, calling `on_invoice` for every good record.
pub fn read_ledger(
    path: &Path,
    opts: &ReadOptions,
    on_invoice: &mut dyn FnMut(Invoice),
) -> Result<ReadSummary, ReadError> {
    read_ledger_with_progress(path, opts, &|_, _| {}, on_invoice)
}

/// [`read_ledger`] with a progress callback.
pub fn read_ledger_with_progress(
    path: &Path,
    opts: &ReadOptions,
    progress: Progress<'_>,
    on_invoice: &mut dyn FnMut(Invoice),
) -> Result<ReadSummary, ReadError> {
    let (input, jsonl) = open(path, progress)?;
    read_ledger_from(input, &path.display().to_string(), jsonl, opts, on_invoice)
}

/// Reads a ledger from any reader (`name` is used in messages).
pub fn read_ledger_from(
    input: impl Read + Send,
    name: &str,
    jsonl: bool,
    opts: &ReadOptions,
    on_invoice: &mut dyn FnMut(Invoice),
) -> Result<ReadSummary, ReadError> {
    let schema = Schema {
        columns: &LEDGER_COLUMNS,
        required: &LEDGER_REQUIRED,
    };
    let mut seen = IdSet::default();
    let parse =
        |f: &[Option<&str>], index: &HeaderIndex, _line: u64| parse_invoice(f, index, &opts.format);
    read_records(
        input,
        name,
        jsonl,
        schema,
        opts,
        &parse,
        &mut |item, raw, summary, index| match item {
            Ok((invoice, line)) => match seen.insert(&invoice.invoice_id, line) {
                None => {
                    summary.accepted += 1;
                    on_invoice(invoice);
                }
                Some(first) => summary.rejects.push(Reject {
                    file: name.to_string(),
                    line,
                    column: index.source_names[0].clone(),
                    reason: format!(
                        "duplicate invoice id '{}' (first seen on line {first})",
                        invoice.invoice_id
                    ),
                    record: raw_text(raw),
                }),
            },
            Err(reject) => summary.rejects.push(reject),
        },
    )
}

/// Reads a customers file, calling `on_customer` for every good record.
pub fn read_customers(
    path: &Path,
    opts: &ReadOptions,
    on_customer: &mut dyn FnMut(Customer),
) -> Result<ReadSummary, ReadError> {
    let (input, jsonl) = open(path, &|_, _| {})?;
    let name = path.display().to_string();
    let schema = Schema {
        columns: &CUSTOMER_COLUMNS,
        required: &CUSTOMER_REQUIRED,
    };
    let mut seen = IdSet::default();
    let parse = |f: &[Option<&str>], index: &HeaderIndex, _line: u64| {
        parse_customer(f, index, &opts.format)
    };
    read_records(
        input,
        &name,
        jsonl,
        schema,
        opts,
        &parse,
        &mut |item, raw, summary, index| match item {
            Ok((customer, line)) => match seen.insert(&customer.customer_id, line) {
                None => {
                    summary.accepted += 1;
                    on_customer(customer);
                }
                Some(first) => summary.rejects.push(Reject {
                    file: name.clone(),
                    line,
                    column: index.source_names[0].clone(),
                    reason: format!(
                        "duplicate customer id '{}' (first seen on line {first})",
                        customer.customer_id
                    ),
                    record: raw_text(raw),
                }),
            },
            Err(reject) => summary.rejects.push(reject),
        },
    )
}

/// Writes rejects as CSV (file, line, column, reason, record).
pub fn write_rejects(path: &Path, rejects: &[Reject]) -> io::Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record(["file", "line", "column", "reason", "record"])?;
    for r in rejects {
        w.write_record([
            r.file.as_str(),
            &r.line.to_string(),
            &r.column,
            &r.reason,
            &r.record,
        ])?;
    }
    w.flush()
}

#[derive(Clone, Copy)]
struct Schema {
    columns: &'static [&'static str],
    required: &'static [&'static str],
}

/// The most canonical columns a schema has.
pub(crate) const MAX_COLUMNS: usize = 16;

pub(crate) fn open<'a>(
    path: &Path,
    progress: Progress<'a>,
) -> Result<(Box<dyn Read + Send + 'a>, bool), ReadError> {
    let io_err = |error| ReadError::Io {
        file: path.display().to_string(),
        error,
    };
    let file = File::open(path).map_err(io_err)?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut buf = BufReader::with_capacity(
        1 << 16,
        Counting {
            inner: file,
            read: 0,
            next_report: 0,
            total,
            progress,
        },
    );
    let gz = buf.fill_buf().map_err(io_err)?.starts_with(&[0x1f, 0x8b]);
    let lower = path.to_string_lossy().to_ascii_lowercase();
    let stem = lower.strip_suffix(".gz").unwrap_or(&lower);
    let by_name = [".jsonl", ".ndjson", ".json"]
        .iter()
        .any(|e| stem.ends_with(e));
    let mut input: Box<dyn Read + Send + 'a> = if gz {
        Box::new(BufReader::with_capacity(1 << 16, MultiGzDecoder::new(buf)))
    } else {
        Box::new(buf)
    };
    let jsonl =
        by_name || (!stem.ends_with(".csv") && starts_with_brace(&mut input).map_err(io_err)?);
    Ok((input, jsonl))
}

/// Peeks whether the content starts with `{` (after BOM and blanks).
fn starts_with_brace<'a>(input: &mut Box<dyn Read + Send + 'a>) -> io::Result<bool> {
    let mut head = Vec::new();
    input.by_ref().take(4096).read_to_end(&mut head)?;
    let answer = head
        .strip_prefix("\u{feff}".as_bytes())
        .unwrap_or(&head)
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        == Some(&b'{');
    let rest = std::mem::replace(input, Box::new(io::empty()));
    *input = Box::new(io::Cursor::new(head).chain(rest));
    Ok(answer)
}

/// Receives each parsed record (or reject) and its raw bytes, in file order.
type Sink<'a, T> = dyn FnMut(Parsed<T>, &[u8], &mut ReadSummary, &HeaderIndex) + 'a;

fn read_records<T: Send>(
    input: impl Read + Send,
    name: &str,
    jsonl: bool,
    schema: Schema,
    opts: &ReadOptions,
    parse: ParseFn<'_, T>,
    sink: &mut Sink<'_, T>,
) -> Result<ReadSummary, ReadError> {
    if jsonl {
        return read_jsonl(input, name, schema, opts, parse, sink);
    }
    let mut input: Box<dyn Read + Send + '_> = Box::new(input);
    let mut summary = ReadSummary::default();
    let Some(header) = read_header(&mut *input, name)? else {
        return Ok(summary);
    };
    let names: Vec<&str> = header.fields.iter().map(String::as_str).collect();
    let index = HeaderIndex::resolve(&names, schema.columns, schema.required, &opts.mapping)
        .map_err(|source| ReadError::Header {
            file: name.to_string(),
            error: source,
        })?;
    summary.rows = parse_records(input, header, name, &index, parse, &mut |item, raw| {
        sink(item, raw, &mut summary, &index)
    })?;
    Ok(summary)
}

fn read_jsonl<T>(
    input: impl Read,
    name: &str,
    schema: Schema,
    opts: &ReadOptions,
    parse: ParseFn<'_, T>,
    sink: &mut Sink<'_, T>,
) -> Result<ReadSummary, ReadError> {
    let index = HeaderIndex {
        positions: (0..schema.columns.len()).map(Some).collect(),
        source_names: schema
            .columns
            .iter()
            .map(|c| opts.mapping.source_for(c).to_string())
            .collect(),
    };
    let wanted: Vec<String> = index
        .source_names
        .iter()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    let mut summary = ReadSummary::default();
    let mut reader = BufReader::new(input);
    let mut raw = Vec::new();
    let mut line_no = 0u64;
    loop {
        raw.clear();
        let n = reader
            .read_until(b'\n', &mut raw)
            .map_err(|source| ReadError::Io {
                file: name.to_string(),
                error: source,
            })?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let record = without_line_end(&raw);
        let record = record.strip_prefix("\u{feff}".as_bytes()).unwrap_or(record);
        let text = String::from_utf8_lossy(record);
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        summary.rows += 1;
        let result = json_fields(text, &wanted).and_then(|values| {
            let fields: Vec<Option<&str>> = values
                .iter()
                .map(|v| v.as_deref().filter(|s| !s.trim().is_empty()))
                .collect();
            parse(&fields, &index, line_no)
        });
        let item = result.map(|v| (v, line_no)).map_err(|e| Reject {
            file: name.to_string(),
            line: line_no,
            column: e.column,
            reason: e.reason,
            record: raw_text(record),
        });
        sink(item, record, &mut summary, &index);
    }
    Ok(summary)
}

/// A line without its line end (`\n` or `\r\n`).
fn without_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Pulls the wanted keys (matched without case) out of one JSON object, as
/// text: strings unquoted, numbers exactly as written, booleans as words.
fn json_fields(text: &str, wanted: &[String]) -> Result<Vec<Option<String>>, FieldError> {
    let object: HashMap<String, &RawValue> =
        serde_json::from_str(text).map_err(|e| FieldError {
            column: "record".into(),
            reason: format!("not a JSON object: {e}"),
        })?;
    let by_lower: HashMap<String, &RawValue> = object
        .into_iter()
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v))
        .collect();
    wanted
        .iter()
        .map(|key| match by_lower.get(key).map(|v| v.get()) {
            None | Some("null") => Ok(None),
            Some(v) if v.starts_with('"') => {
                serde_json::from_str::<String>(v)
                    .map(Some)
                    .map_err(|e| FieldError {
                        column: key.clone(),
                        reason: e.to_string(),
                    })
            }
            Some(v) if v.starts_with(['{', '[']) => Err(FieldError {
                column: key.clone(),
                reason: "expected a single value, found an object or list".into(),
            }),
            Some(v) => Ok(Some(v.to_string())),
        })
        .collect()
}

/// A reader that reports how far into the file it is.
struct Counting<'a, R> {
    inner: R,
    read: u64,
    next_report: u64,
    total: u64,
    progress: Progress<'a>,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read >= self.next_report || n == 0 {
            (self.progress)(self.read, self.total);
            self.next_report = self.read + (1 << 20);
        }
        Ok(n)
    }
}
