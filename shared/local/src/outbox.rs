//! A directory as an outbox: one RFC 5322 `.eml` file per message
//! (multipart/alternative, text + HTML, quoted-printable, CRLF), named after
//! the action id so a message is never written twice.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub use arflow_app::dispatch::{EmailMessage, TextMessage};
use arflow_app::dispatch::{SendError, Sender};
use arflow_domain::ledger::Channel;
use arflow_domain::strategy::action::channel_str;

/// A directory of `.eml` files (and `.{channel}.txt` files for text messages).
#[derive(Clone, Debug)]
pub struct Outbox {
    dir: PathBuf,
}

/// Separates the parts; `=_` never occurs in quoted-printable text.
const BOUNDARY: &str = "=_arflow_alternative";

impl Outbox {
    pub fn new(dir: impl Into<PathBuf>) -> Outbox {
        Outbox { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file a message with this action id is (or would be) in.
    pub fn path_for(&self, action_id: &str) -> PathBuf {
        self.dir.join(format!("{}.eml", file_stem(action_id)))
    }

    /// The file a text message with this action id is (or would be) in.
    pub fn text_path_for(&self, action_id: &str, channel: Channel) -> PathBuf {
        self.dir.join(format!(
            "{}.{}.txt",
            file_stem(action_id),
            channel_str(channel)
        ))
    }

    /// Whether a message for this action id is already in the outbox.
    pub fn contains(&self, action_id: &str) -> bool {
        self.path_for(action_id).exists()
            || [Channel::Sms, Channel::Whatsapp]
                .into_iter()
                .any(|c| self.text_path_for(action_id, c).exists())
    }

    /// Writes `msg` as `{action id}.eml` and returns its path. When the file
    /// already exists nothing is written (the first message for an action id
    /// wins); the file appears whole or not at all (temp file + link).
    pub fn write_email(&self, msg: &EmailMessage) -> io::Result<PathBuf> {
        let path = self.path_for(&msg.action_id);
        if path.exists() {
            return Ok(path);
        }
        let bytes = render_eml(msg)?;
        self.write_once(&path, &bytes)
    }

    /// Writes a text message as `{action id}.{channel}.txt` (To, Date, then
    /// the body), once per action id like [`Outbox::write_email`].
    pub fn write_text(&self, msg: &TextMessage) -> io::Result<PathBuf> {
        let path = self.text_path_for(&msg.action_id, msg.channel);
        if path.exists() {
            return Ok(path);
        }
        if msg.to.iter().any(|t| t.contains(['\r', '\n'])) {
            return Err(invalid(format!(
                "message {} has a line break in a recipient",
                msg.action_id
            )));
        }
        let text = format!(
            "To: {}\nDate: {}\n\n{}",
            msg.to.join(", "),
            msg.date.to_rfc3339(),
            msg.body
        );
        self.write_once(&path, text.as_bytes())
    }

    fn write_once(&self, path: &Path, bytes: &[u8]) -> io::Result<PathBuf> {
        fs::create_dir_all(&self.dir)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = self.dir.join(format!(".{name}.{}.tmp", std::process::id()));
        {
            let mut f = fs::File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
        }
        // A hard link never replaces an existing file, unlike rename.
        let linked = match fs::hard_link(&tmp, path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
            Err(_) if !path.exists() => fs::rename(&tmp, path),
            Err(_) => Ok(()),
        };
        if let Err(e) = fs::remove_file(&tmp) {
            // The message is written; only a temporary file is left over.
            eprintln!("warning: could not remove {}: {e}", tmp.display());
        }
        linked.map(|()| path.to_path_buf())
    }
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

/// A file-name-safe, injective form of an action id (`%XX` for anything
/// but ASCII letters, digits, `-` and `_`).
fn file_stem(action_id: &str) -> String {
    let mut out = String::with_capacity(action_id.len());
    for b in action_id.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if out.is_empty() {
        out.push_str("%00");
    }
    out
}

/// The complete message, CRLF line endings.
pub fn render_eml(msg: &EmailMessage) -> io::Result<Vec<u8>> {
    if msg.to.is_empty() {
        return Err(invalid(format!(
            "message {} has no recipient",
            msg.action_id
        )));
    }
    let from = mailbox(&msg.from)?;
    let to = msg
        .to
        .iter()
        .map(|t| mailbox(t))
        .collect::<io::Result<Vec<_>>>()?;
    let domain = from
        .1
        .rsplit_once('@')
        .map(|(_, d)| d.to_string())
        .unwrap_or_else(|| "arflow.invalid".to_string());

    let mut out = String::new();
    let mut header = |name: &str, value: &str| {
        out.push_str(name);
        out.push_str(": ");
        out.push_str(value);
        out.push_str("\r\n");
    };
    header("From", &from.0);
    header(
        "To",
        &fold_list(&to.iter().map(|t| t.0.as_str()).collect::<Vec<_>>()),
    );
    header(
        "Subject",
        &encode_unstructured(&single_line(&msg.subject), "Subject".len()),
    );
    header("Date", &msg.date.to_rfc2822());
    header(
        "Message-ID",
        &format!("<{}@{domain}>", message_id_local(&msg.action_id)),
    );
    header(
        "X-Arflow-Action-Id",
        &encode_unstructured(&msg.action_id, 18),
    );
    header("MIME-Version", "1.0");
    header(
        "Content-Type",
        &format!("multipart/alternative;\r\n boundary=\"{BOUNDARY}\""),
    );
    out.push_str("\r\nThis is a multi-part message in MIME format.\r\n");
    for (kind, body) in [("plain", &msg.text), ("html", &msg.html)] {
        out.push_str(&format!("\r\n--{BOUNDARY}\r\n"));
        out.push_str(&format!("Content-Type: text/{kind}; charset=\"utf-8\"\r\n"));
        out.push_str("Content-Transfer-Encoding: quoted-printable\r\n\r\n");
        out.push_str(&quoted_printable(body));
    }
    out.push_str(&format!("\r\n--{BOUNDARY}--\r\n"));
    Ok(out.into_bytes())
}

/// Parses `addr` or `Name <addr>` into (header form, bare address).
fn mailbox(raw: &str) -> io::Result<(String, String)> {
    if raw.contains(['\r', '\n']) {
        return Err(invalid(format!("address {raw:?} contains a line break")));
    }
    let raw = raw.trim();
    let (name, addr) = match raw.rsplit_once('<') {
        Some((name, rest)) => {
            let addr = rest
                .strip_suffix('>')
                .ok_or_else(|| invalid(format!("address {raw:?} has '<' but no closing '>'")))?;
            (name.trim().trim_matches('"').trim(), addr.trim())
        }
        None => ("", raw),
    };
    let valid = addr.split('@').count() == 2
        && addr.split('@').all(|p| !p.is_empty())
        && addr
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"<>(),;:\\\"[]".contains(&b));
    if !valid {
        return Err(invalid(format!("{addr:?} is not an e-mail address")));
    }
    let shown = if name.is_empty() {
        addr.to_string()
    } else if !name.is_ascii() {
        // The address goes on a folded line of its own: encoded-word lines
        // must stay within 76 characters.
        format!("{}\r\n <{addr}>", encoded_words(name, 70))
    } else if name.bytes().any(|b| b"()<>[]:;@\\,.\"".contains(&b)) {
        let quoted = name.replace('\\', "\\\\").replace('"', "\\\"");
        format!("\"{quoted}\" <{addr}>")
    } else {
        format!("{name} <{addr}>")
    };
    Ok((shown, addr.to_string()))
}

/// Joins header items with commas, folding before an item whose first
/// line would push the current line past 76 characters.
fn fold_list(items: &[&str]) -> String {
    let mut out = String::new();
    let mut line_len = 4; // "To: "
    for (i, item) in items.iter().enumerate() {
        let first_line = item.split("\r\n").next().unwrap_or("");
        if i > 0 {
            out.push(',');
            line_len += 1;
            if line_len + 1 + first_line.len() > 76 {
                out.push_str("\r\n");
                line_len = 0;
            }
            out.push(' ');
            line_len += 1;
        }
        out.push_str(item);
        line_len = match item.rsplit_once("\r\n") {
            Some((_, last)) => last.len(),
            None => line_len + item.len(),
        };
    }
    out
}

fn single_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An unstructured header value: plain ASCII folded at spaces, or RFC 2047
/// encoded words when it holds anything else.
fn encode_unstructured(value: &str, name_len: usize) -> String {
    let printable = value.bytes().all(|b| b == b' ' || b.is_ascii_graphic());
    let short_words = value.split(' ').all(|w| w.len() < 900);
    if printable && short_words && !value.contains("=?") {
        let mut out = String::new();
        let mut line_len = name_len + 2;
        for (i, word) in value.split(' ').enumerate() {
            if i > 0 {
                if line_len + 1 + word.len() > 76 {
                    out.push_str("\r\n");
                    line_len = 0;
                }
                out.push(' ');
                line_len += 1;
            }
            out.push_str(word);
            line_len += word.len();
        }
        return out;
    }
    encoded_words(value, 76 - (name_len + 2))
}

/// `=?UTF-8?B?…?=` words split on character boundaries, folded one per
/// line, so that each line stays within 76 characters: the first has
/// `first_room` characters left, later ones start with a space.
fn encoded_words(value: &str, first_room: usize) -> String {
    // A word is 12 framing characters plus 4 base64 characters per 3 bytes.
    let max_bytes = |room: usize| (3 * (room.saturating_sub(12) / 4)).max(6);
    let mut words = Vec::new();
    let mut chunk = String::new();
    let mut limit = max_bytes(first_room);
    for c in value.chars() {
        if !chunk.is_empty() && chunk.len() + c.len_utf8() > limit {
            words.push(format!("=?UTF-8?B?{}?=", base64(chunk.as_bytes())));
            chunk.clear();
            limit = max_bytes(75);
        }
        chunk.push(c);
    }
    if !chunk.is_empty() || words.is_empty() {
        words.push(format!("=?UTF-8?B?{}?=", base64(chunk.as_bytes())));
    }
    words.join("\r\n ")
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The Message-ID's left part: the action id with anything outside
/// letters, digits, `-` and `_` written as `=XX`.
fn message_id_local(action_id: &str) -> String {
    let mut out = String::from("arflow.");
    for b in action_id.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("={b:02X}"));
        }
    }
    out
}

/// Quoted-printable (RFC 2045) of UTF-8 text: line breaks become CRLF,
/// encoded lines stay within 76 characters using soft breaks.
fn quoted_printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let normalized = text.replace("\r\n", "\n").replace('\r', "\n");
    for line in normalized.split_inclusive('\n') {
        let (body, newline) = match line.strip_suffix('\n') {
            Some(b) => (b, true),
            None => (line, false),
        };
        let bytes = body.as_bytes();
        let mut len = 0;
        for (i, &b) in bytes.iter().enumerate() {
            let last = i + 1 == bytes.len();
            let literal = (b == b' ' || b == b'\t') && !last || b.is_ascii_graphic() && b != b'=';
            let token = if literal {
                char::from(b).to_string()
            } else {
                format!("={b:02X}")
            };
            // Keep room for a soft break "=" within 76 characters.
            let room = if last { 76 } else { 75 };
            if len + token.len() > room {
                out.push_str("=\r\n");
                len = 0;
            }
            out.push_str(&token);
            len += token.len();
        }
        if newline {
            out.push_str("\r\n");
        }
    }
    if !out.ends_with("\r\n") {
        out.push_str("=\r\n");
    }
    out
}

#[cfg(test)]
mod tests;

/// The outbox as the local [`Sender`]: a message is "sent" when its file is
/// written; a second send of the same action id writes nothing. It stands
/// in for e-mail and SMS; WhatsApp has no local provider (a task instead).
impl Sender for Outbox {
    fn supports(&self, channel: Channel) -> bool {
        matches!(channel, Channel::Email | Channel::Sms)
    }

    fn send_email(&mut self, message: &EmailMessage) -> Result<String, SendError> {
        self.write_email(message)
            .map(|p| p.display().to_string())
            .map_err(|e| SendError {
                detail: format!(
                    "writing {}: {e}",
                    self.path_for(&message.action_id).display()
                ),
                transient: false,
                maybe_sent: false,
            })
    }

    fn send_text(&mut self, message: &TextMessage) -> Result<String, SendError> {
        self.write_text(message)
            .map(|p| p.display().to_string())
            .map_err(|e| SendError {
                detail: format!(
                    "writing message {} to {}: {e}",
                    message.action_id,
                    self.dir.display()
                ),
                transient: false,
                maybe_sent: false,
            })
    }

    fn was_delivered(&self, action_id: &str) -> Option<bool> {
        Some(self.contains(action_id))
    }
}
