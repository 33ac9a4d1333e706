//! `cargo xtask`: the workspace's maintenance tasks.
//!
//! - `cargo xtask test`: the whole test suite, the command CI runs.
//! - `cargo xtask spec fetch|check|diff` and `cargo xtask regenerate`: following the
//!   platform's API when it changes (see the `xtask::spec` module).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

mod peers;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(),
        Some("spec") | Some("regenerate") => return xtask::spec::run(&args),
        Some("help") | Some("--help") | Some("-h") | None => {
            println!("usage: cargo xtask test               run the whole test suite");
            println!("{}", xtask::spec::USAGE);
            return ExitCode::SUCCESS;
        }
        Some(other) => Err(format!(
            "unknown task {other:?}; run `cargo xtask help` for the list"
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Returns the directory cargo builds into, which `CARGO_TARGET_DIR` or a cargo config
/// may move away from `target/` in the workspace root.
fn target_dir(cargo: &str) -> Result<PathBuf, String> {
    let output = command(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps", "--locked"])
        .output()
        .map_err(|e| format!("cannot run {cargo} metadata: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!("{cargo} metadata failed: {}", stderr.trim()));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("{cargo} metadata printed invalid JSON: {e}"))?;
    metadata["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .ok_or_else(|| format!("{cargo} metadata printed no target_directory"))
}

/// Builds a command for `program` that runs in the workspace root without the caller's `UUMIT_*`
/// variables, so no test or example picks up a real platform URL or real credentials.
fn command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut command = Command::new(program);
    command.current_dir(root());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("UUMIT_") {
            command.env_remove(name);
        }
    }
    command
}

/// Runs `program` with `args` in the workspace root and fails unless it exits 0.
fn run(program: &str, args: &[&str]) -> Result<(), String> {
    eprintln!("xtask: $ {program} {}", args.join(" "));
    let status = command(program)
        .args(args)
        .status()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{program} {}` failed with {status}",
            args.join(" ")
        ))
    }
}

/// The whole suite: every workspace test and doctest, the facade's tests with every
/// feature, its examples, a crate outside the workspace that uses the SDK as a user's
/// project would, and the checks against third-party peers.
fn test() -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let passed = run_counting(
        &cargo,
        &["test", "--workspace", "--all-targets", "--locked"],
    )?;
    let feature_passed = run_counting(
        &cargo,
        &["test", "-p", "uumit", "--all-features", "--locked"],
    )?;
    let doc_passed = run_counting(&cargo, &["test", "--workspace", "--doc", "--locked"])?;
    if passed == 0 || feature_passed == 0 || doc_passed == 0 {
        let counts =
            format!("{passed} tests, {feature_passed} with every feature, {doc_passed} doctests");
        return Err(format!(
            "cargo test ran {counts}; a suite that runs nothing is a failure"
        ));
    }
    for example in EXAMPLES {
        run(
            &cargo,
            &[
                "run",
                "--locked",
                "-p",
                "uumit",
                "--all-features",
                "--example",
                example,
            ],
        )?;
    }
    let target = target_dir(&cargo)?;
    let target = target.to_string_lossy();
    let manifest = "tests/external-user/Cargo.toml";
    run(
        &cargo,
        &[
            "run",
            "--locked",
            "--manifest-path",
            manifest,
            "--target-dir",
            &target,
        ],
    )?;
    peers::run_all(&cargo)?;
    eprintln!(
        "xtask: every check passed ({passed} tests, {doc_passed} doctests, the examples and the peer checks)"
    );
    Ok(())
}

/// The facade's examples; each runs against an in-process emulator and must exit 0.
const EXAMPLES: &[&str] = &[
    "community_stats",
    "list_capabilities",
    "create_transaction",
    "errors",
    "blocking",
];

/// Runs a cargo test command, echoing its output, and returns how many tests passed.
fn run_counting(program: &str, args: &[&str]) -> Result<u64, String> {
    eprintln!("xtask: $ {program} {}", args.join(" "));
    let output = command(program)
        .args(args)
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    print!("{stdout}");
    if !output.status.success() {
        return Err(format!(
            "`{program} {}` failed with {}",
            args.join(" "),
            output.status
        ));
    }
    Ok(stdout.lines().filter_map(passed_count).sum())
}

/// The passed count of a libtest summary line: `test result: ok. 12 passed; ...`.
fn passed_count(line: &str) -> Option<u64> {
    let rest = line.strip_prefix("test result: ")?;
    let passed = rest.split(". ").nth(1)?.split(' ').next()?;
    passed.parse().ok()
}
