//! Support for the end-to-end tests in `tests/tests/`: finding and running the
//! `arflow` binary that the test command builds first.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `arflow` binary built beside this test binary (target/<profile>/arflow).
///
/// The test command (`scripts/test`) runs `cargo build --workspace` before the
/// tests, so the binary is there; a clear panic says so when it is not.
pub fn arflow_path() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .ancestors()
        .find(|p| p.join("arflow").is_file())
        .map(Path::to_path_buf);
    match profile_dir {
        Some(dir) => dir.join("arflow"),
        None => panic!(
            "the arflow binary is not built next to {}; run `cargo build -p arflow-cli` (scripts/test does) first",
            exe.display()
        ),
    }
}

/// A command running `arflow` with `args`.
pub fn arflow(args: &[&str]) -> Command {
    let mut c = Command::new(arflow_path());
    c.args(args);
    c
}

/// Runs `arflow` and returns its output, whatever the exit status.
pub fn run(args: &[&str]) -> Output {
    arflow(args).output().expect("arflow runs")
}

/// Runs `arflow`, requires success, and returns stdout as text.
pub fn run_ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "arflow {args:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// A file under tests/fixtures.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name)
}
