//! Support for the end-to-end tests in `tests/tests/`: finding and running the
//! `arflow` binary that the test command builds first.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `arflow` binary: `$ARFLOW_BIN` when set, else the one built beside
/// this test binary (target/<profile>/arflow).
///
/// The test command (`scripts/test`) runs `cargo build --workspace` before the
/// tests, so the binary is there; a clear panic says so when it is not.
pub fn arflow_path() -> PathBuf {
    if let Some(bin) = std::env::var_os("ARFLOW_BIN") {
        return PathBuf::from(bin);
    }
    let exe = std::env::current_exe().expect("test binary path");
    let name = format!("arflow{}", std::env::consts::EXE_SUFFIX);
    match exe.ancestors().find(|p| p.join(&name).is_file()) {
        Some(dir) => dir.join(name),
        None => panic!(
            "the arflow binary is not built next to {}; run `cargo build -p arflow-cli` (scripts/test does) first",
            exe.display()
        ),
    }
}

/// A command running `arflow` (add the arguments).
pub fn arflow() -> Command {
    Command::new(arflow_path())
}

/// Runs `arflow` and returns its output, whatever the exit status.
pub fn run(args: &[&str]) -> Output {
    arflow().args(args).output().expect("arflow runs")
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
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// The default strategy with the established segment's due-today reminder
/// sent by WhatsApp (which no host has a provider for yet).
pub fn whatsapp_strategy() -> String {
    let from = r#"{ name = "due today", offset_days = 0, channel = "email", template = "due_today", tone = "neutral" }"#;
    let text = arflow_domain::strategy::DEFAULT_STRATEGY;
    assert!(text.contains(from), "the default strategy changed");
    let text = text.replace(
        from,
        r#"{ name = "due today", offset_days = 0, channel = "whatsapp", template = "due_today", tone = "neutral" }"#,
    );
    if let Err(e) = arflow_domain::strategy::Strategy::from_toml(&text, "whatsapp.toml") {
        panic!("the WhatsApp strategy loads: {e}");
    }
    text
}
