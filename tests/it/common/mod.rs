//! Helpers shared by the integration tests: the small ones here (a command's
//! stderr, waiting for a condition, the tools a test needs), the rest by area.

// Each test module uses only some of these helpers.
#![allow(dead_code)]

pub mod bundle;
pub mod faults;
pub mod generated;
pub mod history;
pub mod http;
pub mod online;
pub mod runner;
pub mod terminal;
pub mod windows;

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// What a finished command wrote on stderr, as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Polls until `ready` holds; after a minute the test fails, naming `what`.
pub fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether every one of `tools` is on PATH. One missing fails `test` under
/// CI (env `CI` set to anything but `false`, `0` or nothing): there a test
/// never passes by not running. Elsewhere the test says why it is skipped.
pub fn require_tools(test: &str, tools: &[&str]) -> bool {
    let ci = std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"));
    for tool in tools {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            assert!(
                !ci,
                "{test}: {tool} is required under CI (.ci/run installs it)"
            );
            eprintln!("{test}: skipped, {tool} is not installed");
            return false;
        }
    }
    true
}
