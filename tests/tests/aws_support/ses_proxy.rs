//! A fault-injecting HTTP proxy in front of the emulator: SESv2 SendEmail
//! requests to chosen recipients are answered with an SES error (throttling
//! or a permanent rejection) instead of being forwarded; everything else
//! goes to the emulator unchanged. Counts SendEmail attempts per recipient.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// What to answer for one recipient.
#[derive(Clone, Copy, Debug)]
pub enum Fault {
    /// `TooManyRequestsException` (429) for the next `n` attempts.
    Throttle(u32),
    /// `MessageRejected` (400), always.
    Reject,
    /// The request goes to the emulator (the e-mail is sent), then the
    /// answer is a 500 `InternalFailure`: the case where a retry would
    /// send twice.
    AcceptThenFail,
}

#[derive(Default)]
struct State {
    faults: HashMap<String, Fault>,
    attempts: HashMap<String, u32>,
}

/// A running proxy; it stops with the test's runtime.
#[derive(Clone)]
pub struct SesProxy {
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl SesProxy {
    /// Starts a proxy forwarding to `upstream` (`http://host:port`).
    pub async fn start(upstream: &str) -> SesProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let upstream = upstream.trim_start_matches("http://").to_string();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                tokio::spawn(serve(conn, upstream.clone(), shared.clone()));
            }
        });
        SesProxy { url, state }
    }

    pub fn fault(&self, recipient: &str, fault: Fault) {
        let mut s = self.state.lock().expect("proxy state");
        s.faults.insert(recipient.to_string(), fault);
    }

    /// SendEmail requests seen for `recipient` (failed or forwarded).
    pub fn attempts(&self, recipient: &str) -> u32 {
        let s = self.state.lock().expect("proxy state");
        s.attempts.get(recipient).copied().unwrap_or(0)
    }
}

fn decide(state: &Mutex<State>, body: &str) -> Option<Fault> {
    let json: serde_json::Value = serde_json::from_str(body).ok()?;
    let to: Vec<String> = json["Destination"]["ToAddresses"]
        .as_array()?
        .iter()
        .filter_map(|a| a.as_str().map(str::to_string))
        .collect();
    let mut s = state.lock().expect("proxy state");
    let mut answer = None;
    for r in &to {
        *s.attempts.entry(r.clone()).or_default() += 1;
        match s.faults.get_mut(r) {
            Some(Fault::Throttle(n)) if *n > 0 => {
                *n -= 1;
                answer = Some(Fault::Throttle(*n));
            }
            Some(Fault::Reject) => answer = Some(Fault::Reject),
            Some(Fault::AcceptThenFail) => answer = Some(Fault::AcceptThenFail),
            _ => {}
        }
    }
    answer
}

/// One client connection: requests in turn, each answered with a fault or
/// with the emulator's response (one upstream connection a request).
async fn serve(conn: TcpStream, upstream: String, state: Arc<Mutex<State>>) {
    let (read, mut write) = conn.into_split();
    let mut read = BufReader::new(read);
    loop {
        let mut head = Vec::new();
        loop {
            let mut line = Vec::new();
            match read.read_until(b'\n', &mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let end = line == b"\r\n";
            head.extend_from_slice(&line);
            if end {
                break;
            }
        }
        let text = String::from_utf8_lossy(&head).to_string();
        let length: usize = text
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.trim()
                    .eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse().ok())?
            })
            .unwrap_or(0);
        let mut body = vec![0; length];
        if read.read_exact(&mut body).await.is_err() {
            return;
        }
        let request_line = text.lines().next().unwrap_or("");
        let send_email = request_line.starts_with("POST /v2/email/outbound-emails");
        let fault = if send_email {
            decide(&state, &String::from_utf8_lossy(&body))
        } else {
            None
        };
        let response = match fault {
            Some(Fault::Throttle(_)) => error_response(
                429,
                "Too Many Requests",
                "TooManyRequestsException",
                "Maximum sending rate exceeded.",
            ),
            Some(Fault::Reject) => error_response(
                400,
                "Bad Request",
                "MessageRejected",
                "Email address is not verified.",
            ),
            Some(Fault::AcceptThenFail) => {
                if forward(&upstream, &text, &body).await.is_none() {
                    return;
                }
                error_response(
                    500,
                    "Internal Server Error",
                    "InternalFailure",
                    "The request processing has failed because of an unknown error.",
                )
            }
            None => match forward(&upstream, &text, &body).await {
                Some(r) => r,
                None => return,
            },
        };
        if write.write_all(&response).await.is_err() {
            return;
        }
    }
}

fn error_response(status: u16, reason: &str, code: &str, message: &str) -> Vec<u8> {
    let body = format!(r#"{{"message":"{message}"}}"#);
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nx-amzn-ErrorType: {code}\r\nx-amzn-RequestId: proxy-fault\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Sends the request upstream with `Connection: close` and returns the
/// whole response.
async fn forward(upstream: &str, head: &str, body: &[u8]) -> Option<Vec<u8>> {
    let mut conn = TcpStream::connect(upstream).await.ok()?;
    let mut out = String::new();
    for line in head.split("\r\n").filter(|l| !l.is_empty()) {
        if !line.to_ascii_lowercase().starts_with("connection:") {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str("Connection: close\r\n\r\n");
    conn.write_all(out.as_bytes()).await.ok()?;
    conn.write_all(body).await.ok()?;
    let mut response = Vec::new();
    conn.read_to_end(&mut response).await.ok()?;
    Some(response)
}
