//! A stand-in for the Lambda Runtime API, so a test can run a built handler
//! binary the way Lambda does: the binary polls `/invocation/next`, gets one
//! event and posts its response (or error) back.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

/// A built binary beside the test executable (scripts/test builds the
/// workspace first).
pub fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    let dir = exe
        .parent()
        .and_then(|p| p.parent())
        .expect("target/<profile>");
    let bin = dir.join(name);
    assert!(
        bin.is_file(),
        "{} is not built; run `cargo build -p arflow-fn-{name}` (scripts/test does)",
        bin.display()
    );
    bin
}

/// One HTTP request: (method, path, body).
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(String, String, String)> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_string(), parts.next()?.to_string());
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((k, v)) = header.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((method, path, String::from_utf8_lossy(&body).into_owned()))
}

/// A stand-in Lambda Runtime API serving one invocation of `payload` to
/// the function named `function`; sends ("response"|"error", body).
pub fn runtime_api(
    listener: TcpListener,
    function: &str,
    payload: String,
    done: mpsc::Sender<(String, String)>,
) {
    let mut served = false;
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let mut writer = stream.try_clone().expect("clone stream");
        let mut reader = BufReader::new(stream);
        while let Some((method, path, body)) = read_request(&mut reader) {
            if method == "GET" && path.ends_with("/invocation/next") {
                if served {
                    // Keep the runtime waiting, as Lambda does between events.
                    std::thread::sleep(Duration::from_secs(600));
                    return;
                }
                served = true;
                let deadline = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .expect("clock")
                    .as_millis()
                    + 120_000;
                let _ = write!(
                    writer,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: req-1\r\n\
                     Lambda-Runtime-Deadline-Ms: {deadline}\r\n\
                     Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:{function}\r\n\
                     Lambda-Runtime-Trace-Id: Root=1-5759e988-bd862e3fe1be46a994272793\r\n\
                     Content-Length: {}\r\n\r\n{payload}",
                    payload.len()
                );
            } else {
                let kind = if path.contains("/response") {
                    "response"
                } else {
                    "error"
                };
                let _ = write!(
                    writer,
                    "HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{{}}"
                );
                let _ = done.send((kind.to_string(), body));
            }
        }
    }
}
