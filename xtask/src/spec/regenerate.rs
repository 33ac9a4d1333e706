//! `cargo xtask regenerate`: fetch the platform's spec, show what changes for callers,
//! replace `openapi.json`, rebuild the raw client and run the API-surface snapshots.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use serde_json::Value;

use super::fetch::write_atomically;
use super::{Failure, Source, check, read_document, write_document};

const REVIEW: &str = "review the snapshot changes with `cargo insta review` (from `cargo install cargo-insta`), \
or accept them with `INSTA_UPDATE=always cargo test -p uumit-api --test surface` \
and read `git diff tests/snapshots`";

/// Runs the whole regeneration from `source`.
///
/// `openapi.json` is replaced only by a document that the normalizer accepts, through a
/// temporary file and a rename. If the raw client then fails to build, the previous
/// file is put back and the fetched one is kept under `target/spec/` for inspection.
///
/// # Errors
///
/// [`Failure`] when the fetch, the check, the build or the snapshot tests fail.
pub fn regenerate(source: &Source) -> Result<ExitCode, Failure> {
    let root = crate::workspace_root();
    let spec = root.join("openapi.json");
    let fetched = read_document(source).map_err(Failure::task)?;
    let previous = std::fs::read(&spec)
        .map_err(|e| Failure::task(format!("cannot read {}: {e}", spec.display())))?;
    reject_ungeneratable(&fetched, source)?;
    let summary = print_diff(&previous, &fetched);
    if uumit_codegen::to_canonical_json(&fetched).as_bytes() == previous.as_slice() {
        println!("openapi.json already matches {source}; nothing to regenerate");
        return Ok(ExitCode::SUCCESS);
    }
    write_document(&fetched, &spec).map_err(Failure::task)?;
    println!(
        "replaced {} with the document from {source}",
        spec.display()
    );
    build_or_restore(&root, &spec, &previous, &fetched)?;
    run_snapshots(&root, &summary)?;
    println!(
        "openapi.json changed ({summary}) and the generated API surface did not; \
         read `git diff openapi.json` and commit"
    );
    Ok(ExitCode::SUCCESS)
}

fn reject_ungeneratable(fetched: &Value, source: &Source) -> Result<(), Failure> {
    let report = check(fetched);
    if report.is_ok() {
        return Ok(());
    }
    print!("{}", report.render_text(&source.to_string()));
    Err(Failure::task(format!(
        "the document from {source} cannot be generated; openapi.json is left unchanged"
    )))
}

/// Prints the change report against the current file and returns its summary line.
fn print_diff(previous: &[u8], fetched: &Value) -> String {
    let old = serde_json::from_slice::<Value>(previous)
        .ok()
        .and_then(|d| uumit_codegen::normalize(&d).ok());
    let new = uumit_codegen::normalize(fetched).ok();
    let (Some(old), Some(new)) = (old, new) else {
        let note = "the current openapi.json cannot be normalized, so there is no change report";
        println!("{note}");
        return note.to_owned();
    };
    let report = uumit_codegen::diff(&old, &new);
    println!("Changes against the current openapi.json:\n");
    print!("{}", report.render_text());
    println!();
    report.summary()
}

fn build_or_restore(
    root: &Path,
    spec: &Path,
    previous: &[u8],
    fetched: &Value,
) -> Result<(), Failure> {
    let Err(build_error) = cargo(root, &["build", "-p", "uumit-api"]) else {
        return Ok(());
    };
    let kept = keep_rejected(root, fetched);
    write_atomically(previous, spec).map_err(Failure::task)?;
    Err(Failure::task(format!(
        "{build_error}: the raw client does not build from the new document, so openapi.json \
         is restored; the fetched document is at {kept}"
    )))
}

/// Stores the fetched document under `target/spec/` and returns where, for messages.
fn keep_rejected(root: &Path, fetched: &Value) -> String {
    let path: PathBuf = root.join("target/spec/openapi.fetched.json");
    let stored = path
        .parent()
        .map(std::fs::create_dir_all)
        .transpose()
        .map_err(|e| e.to_string())
        .and_then(|_| write_document(fetched, &path));
    match stored {
        Ok(()) => path.display().to_string(),
        Err(e) => format!("nowhere ({e})"),
    }
}

fn run_snapshots(root: &Path, summary: &str) -> Result<(), Failure> {
    let tested = cargo(root, &["test", "-p", "uumit-api", "--test", "surface"]);
    tested.map_err(|e| {
        Failure::task(format!(
            "{e}.\nopenapi.json is replaced ({summary}) and the generated API surface \
             drifted from the snapshots under tests/snapshots: {REVIEW}"
        ))
    })
}

/// Runs cargo with `args` in `root`, its output going straight to the terminal.
fn cargo(root: &Path, args: &[&str]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!("xtask: $ cargo {}", args.join(" "));
    let status = Command::new(&cargo)
        .args(args)
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot run {cargo}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed with {status}", args.join(" ")))
    }
}
