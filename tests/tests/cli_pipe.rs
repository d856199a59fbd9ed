//! A reader that stops early (`arflow demo | head -1`) ends the command
//! quietly, as it would any Unix filter: no panic, no error message.

use std::io::Read;
use std::process::Stdio;

use arflow_tests::arflow;

#[test]
fn closing_stdout_early_ends_the_command_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = arflow()
        .args(["demo", "--dir"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
}
