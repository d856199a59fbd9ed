use super::*;

#[test]
fn record_ends_ignore_newlines_inside_quotes() {
    assert_eq!(record_end(b"a,\"x\ny\"\nb\n", 0), Some(8));
    assert_eq!(last_record_end(b"a\nb,\"c\nd"), Some(2));
    assert_eq!(last_record_end(b"abc"), None);
}

fn record_lines(first_line: u64, bytes: &[u8]) -> Vec<u64> {
    let index = HeaderIndex {
        positions: vec![Some(0)],
        source_names: vec!["id".into()],
    };
    let chunk = Chunk {
        seq: 0,
        first_line,
        bytes: bytes.to_vec(),
    };
    let parse = |_: &[Option<&str>], _: &HeaderIndex, _: u64| Ok(());
    parse_chunk(&chunk, "f", &index, &parse)
        .into_iter()
        .map(|r| r.parsed.map_or(0, |(_, line)| line))
        .collect()
}

/// The raw text of each record of a chunk, as the rejects file keeps it.
fn raw_records(bytes: &[u8]) -> Vec<String> {
    let index = HeaderIndex {
        positions: vec![Some(0)],
        source_names: vec!["id".into()],
    };
    let chunk = Chunk {
        seq: 0,
        first_line: 2,
        bytes: bytes.to_vec(),
    };
    let parse = |_: &[Option<&str>], _: &HeaderIndex, _: u64| Ok(());
    parse_chunk(&chunk, "f", &index, &parse)
        .into_iter()
        .map(|r| raw_text(&chunk.bytes[r.raw]))
        .collect()
}

#[test]
fn a_records_raw_text_is_as_in_the_file_without_its_line_end() {
    let crlf = b"a,\"x\r\ny\"\r\n\r\nb, \"q\"\"\" \r\nc";
    assert_eq!(raw_records(crlf), ["a,\"x\r\ny\"", "b, \"q\"\"\" ", "c"]);
    let lf = b"a,\"x\ny\"\n\nb,\"q\"\n";
    assert_eq!(raw_records(lf), ["a,\"x\ny\"", "b,\"q\""]);
    let unquoted = b"a,x \r\n\r\nb,y\nc,z";
    assert_eq!(raw_records(unquoted), ["a,x ", "b,y", "c,z"]);
}

#[test]
fn quoted_records_are_numbered_by_the_line_they_start_on() {
    // 10, 11 blank; 12-13 one record; 14; 15 blank; 16 white space; 17.
    let crlf = b"\r\n\r\na,\"x\r\ny\"\r\nb\r\n\r\n  \r\n\"c\"";
    assert_eq!(record_lines(10, crlf), [12, 14, 17]);
    let lf = b"\n\na,\"x\ny\"\nb\n\n  \n\"c\"\n";
    assert_eq!(record_lines(10, lf), [12, 14, 17]);
    let unquoted = b"\r\n\r\na,x\r\ny\r\nb\r\n\r\n  \r\nc";
    assert_eq!(record_lines(10, unquoted), [12, 13, 14, 17]);
}
