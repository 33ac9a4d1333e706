//! Running the `uumit` binary in tests: a clean environment, and stdout and stderr kept
//! apart for snapshots.

#![allow(
    dead_code,
    reason = "each test file uses a different part of the helpers"
)]

use std::path::Path;
use std::process::Command;

/// What one run of the binary printed, and its exit status.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Builds the binary's command with no UUMIT_* variables from the caller's environment, and a config
/// directory of its own so no stored profile leaks in.
pub fn uumit(config_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_uumit"));
    for name in [
        "UUMIT_BASE_URL",
        "UUMIT_API_KEY",
        "UUMIT_USER_ID",
        "UUMIT_PROFILE",
        "UUMIT_LOG",
    ] {
        command.env_remove(name);
    }
    command.env("UUMIT_CONFIG_DIR", config_dir);
    command
}

/// Runs the command and collects its output.
pub fn run(command: &mut Command) -> Run {
    let output = command.output().expect("the uumit binary runs");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Points the command at a server with the given credentials.
pub fn against(command: &mut Command, base_url: &str, api_key: &str, user_id: &str) {
    command
        .env("UUMIT_BASE_URL", base_url)
        .env("UUMIT_API_KEY", api_key)
        .env("UUMIT_USER_ID", user_id);
}

/// Filters for what varies between runs: loopback ports and generated keys.
pub fn filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
        (r"\d{4}-\d\d-\d\dT[0-9:.]+Z", "[time]"),
        (r"demo-[0-9a-f]{8}-[0-9a-f-]{27}", "demo-[key]"),
        (
            r"Idempotency-Key [0-9a-f]{8}-[0-9a-f-]{27}",
            "Idempotency-Key [key]",
        ),
        (
            r"--idempotency-key [0-9a-f]{8}-[0-9a-f-]{27}",
            "--idempotency-key [key]",
        ),
    ]
}
