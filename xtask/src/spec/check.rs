//! `cargo xtask spec check`: what the build step's normalizer rewrites lossily and what
//! it rejects, grouped by operation and schema, before progenitor ever runs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::{Value, json};
use uumit_codegen::Diagnostic;

use super::{Failure, Source, read_document};

/// The normalizer's findings about one document.
#[derive(Clone, Debug)]
pub struct CheckReport {
    /// Operations the client gets, or `None` when the document is rejected.
    pub operations: Option<usize>,
    /// Lossy rewrites, by JSON pointer.
    pub rewritten: Vec<Diagnostic>,
    /// Constructs that block generation, by JSON pointer.
    pub rejected: Vec<Diagnostic>,
}

/// Runs the normalizer on `document` and collects its findings.
pub fn check(document: &Value) -> CheckReport {
    match uumit_codegen::normalize(document) {
        Ok(normalized) => CheckReport {
            operations: Some(normalized.operations.len()),
            rewritten: normalized.warnings,
            rejected: Vec::new(),
        },
        Err(rejected) => CheckReport {
            operations: None,
            rewritten: Vec::new(),
            rejected: rejected.errors,
        },
    }
}

impl CheckReport {
    /// Whether the client can be generated from the document.
    pub fn is_ok(&self) -> bool {
        self.rejected.is_empty()
    }

    /// Renders the findings as text, rejections first, grouped by operation or schema, ending
    /// with a summary line that names `file`.
    pub fn render_text(&self, file: &str) -> String {
        let mut out = String::new();
        if !self.rejected.is_empty() {
            out.push_str(&format!(
                "Rejected ({}): generation fails until the spec changes\n",
                self.rejected.len()
            ));
            out.push_str(&render_groups(&self.rejected));
        }
        if !self.rewritten.is_empty() {
            out.push_str(&format!(
                "Rewritten lossily ({}): the client is generated without these details\n",
                self.rewritten.len()
            ));
            out.push_str(&render_groups(&self.rewritten));
        }
        out.push_str(&match self.operations {
            Some(count) => format!(
                "{file}: {count} operations generate; {} lossy rewrite(s)\n",
                self.rewritten.len()
            ),
            None => format!(
                "{file} cannot be generated: {} construct(s) rejected\n",
                self.rejected.len()
            ),
        });
        out
    }

    /// Returns the findings as JSON: `ok`, `operations`, `rejected` and `rewritten`, each finding
    /// with its `pointer`, `group` and `message`.
    pub fn to_json(&self) -> Value {
        let list = |items: &[Diagnostic]| -> Vec<Value> {
            items
                .iter()
                .map(|d| json!({"pointer": d.pointer, "group": group_of(&d.pointer).0, "message": d.message}))
                .collect()
        };
        json!({
            "ok": self.is_ok(),
            "operations": self.operations,
            "rejected": list(&self.rejected),
            "rewritten": list(&self.rewritten),
        })
    }
}

fn render_groups(diagnostics: &[Diagnostic]) -> String {
    let mut groups: BTreeMap<String, Vec<(String, &str)>> = BTreeMap::new();
    for diagnostic in diagnostics {
        let (group, rest) = group_of(&diagnostic.pointer);
        groups
            .entry(group)
            .or_default()
            .push((rest, &diagnostic.message));
    }
    let mut out = String::new();
    for (group, findings) in groups {
        out.push_str(&format!("  {group}\n"));
        for (rest, message) in findings {
            let at = if rest.is_empty() { "(here)" } else { &rest };
            out.push_str(&format!("    {at}: {message}\n"));
        }
    }
    out.push('\n');
    out
}

/// Splits a JSON pointer into a readable group (`GET /api/v1/wallet`, `schema Money`)
/// and the pointer's remainder below that group.
fn group_of(pointer: &str) -> (String, String) {
    let raw: Vec<&str> = pointer.split('/').skip(1).collect();
    let token = |i: usize| raw.get(i).map(|t| t.replace("~1", "/").replace("~0", "~"));
    let rest = |from: usize| {
        raw.get(from..)
            .filter(|r| !r.is_empty())
            .map(|r| format!("/{}", r.join("/")))
            .unwrap_or_default()
    };
    match (token(0).as_deref(), token(1), token(2)) {
        (Some("paths"), Some(path), Some(method)) if is_method(&method) => {
            (format!("{} {path}", method.to_ascii_uppercase()), rest(3))
        }
        (Some("paths"), Some(path), _) => (format!("path {path}"), rest(2)),
        (Some("components"), Some(kind), Some(name)) => {
            let kind = kind.strip_suffix('s').unwrap_or(&kind).to_owned();
            (format!("{kind} {name}"), rest(3))
        }
        _ => ("document".to_owned(), pointer.to_owned()),
    }
}

fn is_method(token: &str) -> bool {
    matches!(
        token,
        "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace"
    )
}

/// `cargo xtask spec check [FILE] [--json]`: exit 0 when the client generates, 1 when
/// the normalizer rejects the document, 2 when it cannot be read.
pub(super) fn run(file: Option<PathBuf>, json: bool) -> Result<ExitCode, Failure> {
    let path = file.unwrap_or_else(|| crate::workspace_root().join("openapi.json"));
    let document = read_document(&Source::File(path.clone())).map_err(Failure::input)?;
    let report = check(&document);
    print_report(&report, &path, json);
    if report.is_ok() {
        Ok(ExitCode::SUCCESS)
    } else {
        Ok(ExitCode::FAILURE)
    }
}

fn print_report(report: &CheckReport, path: &Path, json: bool) {
    if json {
        println!("{:#}", report.to_json());
    } else {
        print!("{}", report.render_text(&path.display().to_string()));
    }
}
