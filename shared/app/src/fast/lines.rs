//! Records and cells of a chunk without quotes, split exactly as the general
//! reader splits them, found eight bytes at a time.

/// The cells of one record, as offsets into the chunk's text.
pub(super) struct Cells<'a> {
    text: &'a str,
    start: usize,
    end: usize,
    /// Positions of the first commas of the record (at most `want` of them).
    commas: Vec<usize>,
    /// Commas in the record, recorded or not.
    count: usize,
}

impl<'a> Cells<'a> {
    /// Cell `i` of the record (0-based), None past its last cell.
    pub(super) fn get(&self, i: usize) -> Option<&'a str> {
        let from = match i {
            0 => self.start,
            _ => *self.commas.get(i - 1)? + 1,
        };
        let to = match self.commas.get(i) {
            Some(c) => *c,
            None if i == self.count => self.end,
            None => return None,
        };
        self.text.get(from..to)
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;

/// The high bit of each byte of `x` that is zero, and nothing else.
fn zero_bytes(x: u64) -> u64 {
    !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7)
}

/// Calls `on_record(k, line, cells)` for each record of `text`, a chunk
/// without quotes, where `k` is the 0-based line of the record in the chunk:
/// lines end at `\n` (a last line may lack it), lose one trailing `\r`, and
/// blank ones (only ASCII white space) are skipped; cells are split at
/// commas. Only cells `0..=want` can be asked for.
pub(super) fn for_each_record<'a>(
    text: &'a str,
    want: usize,
    mut on_record: impl FnMut(u64, &'a str, &Cells<'a>),
) {
    let bytes = text.as_bytes();
    let mut cells = Cells {
        text,
        start: 0,
        end: 0,
        commas: Vec::with_capacity(want + 1),
        count: 0,
    };
    let mut k = 0u64;
    let mut finish = |cells: &mut Cells<'a>, end: usize| {
        let mut stop = end;
        if stop > cells.start && bytes[stop - 1] == b'\r' {
            stop -= 1;
        }
        let line = &text[cells.start..stop];
        if !line.bytes().all(|b| b.is_ascii_whitespace()) {
            cells.end = stop;
            on_record(k, line, cells);
        }
        k += 1;
        cells.start = end + 1;
        cells.commas.clear();
        cells.count = 0;
    };
    let mut on_delimiter = |cells: &mut Cells<'a>, at: usize| {
        if bytes[at] == b',' {
            if cells.commas.len() <= want {
                cells.commas.push(at);
            }
            cells.count += 1;
        } else {
            finish(cells, at);
        }
    };
    let mut words = bytes.chunks_exact(8);
    let mut base = 0;
    for w in &mut words {
        let word = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        let mut mask = zero_bytes(word ^ (ONES * u64::from(b',')))
            | zero_bytes(word ^ (ONES * u64::from(b'\n')));
        while mask != 0 {
            on_delimiter(&mut cells, base + (mask.trailing_zeros() / 8) as usize);
            mask &= mask - 1;
        }
        base += 8;
    }
    for (i, b) in words.remainder().iter().enumerate() {
        if *b == b',' || *b == b'\n' {
            on_delimiter(&mut cells, base + i);
        }
    }
    if bytes.last() != Some(&b'\n') {
        finish(&mut cells, bytes.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &str, want: usize) -> Vec<(u64, String, Vec<Option<String>>)> {
        let mut out = Vec::new();
        for_each_record(text, want, |k, line, cells| {
            let got = (0..=want)
                .map(|i| cells.get(i).map(str::to_string))
                .collect();
            out.push((k, line.to_string(), got));
        });
        out
    }

    /// What the general reader does: split at newlines, then at commas.
    fn slow(text: &str, want: usize) -> Vec<(u64, String, Vec<Option<String>>)> {
        let mut lines: Vec<&str> = text.split('\n').collect();
        if text.ends_with('\n') {
            lines.pop();
        }
        lines
            .iter()
            .enumerate()
            .map(|(k, l)| (k as u64, l.strip_suffix('\r').unwrap_or(l)))
            .filter(|(_, l)| !l.bytes().all(|b| b.is_ascii_whitespace()))
            .map(|(k, l)| {
                let cells: Vec<&str> = l.split(',').collect();
                let got = (0..=want)
                    .map(|i| cells.get(i).map(|c| c.to_string()))
                    .collect();
                (k, l.to_string(), got)
            })
            .collect()
    }

    #[test]
    fn records_and_cells_match_a_plain_split() {
        for text in [
            "",
            "\n",
            "a,b,c\n",
            "a,b,c",
            "a,,\r\n \t\n\r\nx,y\rz,w\n,\n",
            "long line with no commas at all, then some,,,\né,ü,ß,日本\n",
            "1234567,12345678,123456789,\n\n\n",
        ] {
            for want in [0, 1, 2, 5] {
                assert_eq!(
                    records(text, want),
                    slow(text, want),
                    "{text:?} want {want}"
                );
            }
        }
    }

    #[test]
    fn zero_bytes_marks_exactly_the_zero_bytes() {
        for word in [0u64, u64::MAX, 0x0100_ff80_7f00_0001, 0x8000_0000_0000_0080] {
            let expect = word
                .to_le_bytes()
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == 0)
                .fold(0u64, |m, (i, _)| m | 0x80 << (8 * i));
            assert_eq!(zero_bytes(word), expect, "{word:#x}");
        }
    }
}
