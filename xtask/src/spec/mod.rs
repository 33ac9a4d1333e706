//! `cargo xtask spec fetch|check|diff` and `cargo xtask regenerate`: following the
//! platform's API when it changes.

mod check;
mod compare;
mod fetch;
mod regenerate;

use std::path::PathBuf;
use std::process::ExitCode;

pub use check::{CheckReport, check};
pub use compare::{DiffError, diff_files};
pub use fetch::{DEFAULT_URL, Source, fetch, parse_document, read_document, write_document};
pub use regenerate::regenerate;

/// Usage of the spec tasks, printed by `cargo xtask help`.
pub const USAGE: &str = "       cargo xtask spec fetch [--url URL | --file PATH]
                                      store the platform's spec as openapi.json
       cargo xtask spec check [FILE] [--json]
                                      list what the build step rewrites or rejects
       cargo xtask spec diff OLD NEW [--json]
                                      list changes; exit 1 if any breaks callers
       cargo xtask regenerate [--url URL | --file PATH]
                                      fetch, diff, replace openapi.json, rebuild, test";

/// Runs `cargo xtask spec <args>` or, with `regenerate` first, `cargo xtask regenerate`.
///
/// Exit status: 0 on success, 1 when the task fails (a rejected spec, a breaking diff, a
/// failed fetch or build), 2 on a usage or input error.
pub fn run(args: &[String]) -> ExitCode {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["spec", "fetch", rest @ ..] => source_option(rest).and_then(run_fetch),
        ["spec", "check", rest @ ..] => check_options(rest).and_then(|(f, j)| check::run(f, j)),
        ["spec", "diff", rest @ ..] => {
            diff_options(rest).and_then(|(o, n, j)| compare::run(o, n, j))
        }
        ["regenerate", rest @ ..] => source_option(rest).and_then(|s| regenerate(&s)),
        _ => Err(usage_error("unknown spec task")),
    };
    match result {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("xtask: {}", failure.message);
            ExitCode::from(failure.status)
        }
    }
}

/// A failed task: the message for stderr and the exit status.
#[derive(Debug)]
pub struct Failure {
    /// What failed and what to do.
    pub message: String,
    /// 1 for a failed task, 2 for a usage or input error.
    pub status: u8,
}

impl Failure {
    /// Creates the failure of a task (exit status 1).
    pub fn task(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            status: 1,
        }
    }

    /// Creates a usage or input error (exit status 2).
    pub fn input(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            status: 2,
        }
    }
}

fn usage_error(what: &str) -> Failure {
    Failure::input(format!("{what}; usage:\n{USAGE}"))
}

fn run_fetch(source: Source) -> Result<ExitCode, Failure> {
    let destination = crate::workspace_root().join("openapi.json");
    let before = std::fs::read(&destination).ok();
    let document = fetch(&source, &destination).map_err(Failure::task)?;
    let after = std::fs::read(&destination).ok();
    let paths = document["paths"].as_object().map_or(0, |p| p.len());
    let state = if before == after {
        "unchanged"
    } else {
        "updated: `git diff openapi.json` shows the change"
    };
    println!(
        "{} from {source}: {paths} paths, {state}",
        destination.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Parses `[--url URL | --file PATH]`; the default is the platform's URL.
fn source_option(args: &[&str]) -> Result<Source, Failure> {
    match args {
        [] => Ok(Source::Url(DEFAULT_URL.to_owned())),
        ["--url", url] => Ok(Source::Url((*url).to_owned())),
        ["--file", path] => Ok(Source::File(PathBuf::from(path))),
        _ => Err(usage_error(&format!(
            "expected `--url URL` or `--file PATH`, got {args:?}"
        ))),
    }
}

fn split_json_flag<'a>(args: &[&'a str]) -> (Vec<&'a str>, bool) {
    let json = args.contains(&"--json");
    let rest = args.iter().copied().filter(|a| *a != "--json").collect();
    (rest, json)
}

fn check_options(args: &[&str]) -> Result<(Option<PathBuf>, bool), Failure> {
    match split_json_flag(args) {
        (rest, json) if rest.is_empty() => Ok((None, json)),
        (rest, json) if rest.len() == 1 && !rest[0].starts_with("--") => {
            Ok((Some(PathBuf::from(rest[0])), json))
        }
        (rest, _) => Err(usage_error(&format!(
            "`spec check` takes one FILE and `--json`, got {rest:?}"
        ))),
    }
}

fn diff_options(args: &[&str]) -> Result<(PathBuf, PathBuf, bool), Failure> {
    match split_json_flag(args) {
        (rest, json) if rest.len() == 2 && rest.iter().all(|a| !a.starts_with("--")) => {
            Ok((PathBuf::from(rest[0]), PathBuf::from(rest[1]), json))
        }
        (rest, _) => Err(usage_error(&format!(
            "`spec diff` takes OLD and NEW files and `--json`, got {rest:?}"
        ))),
    }
}
