//! `cargo xtask spec diff`: the breaking-change report between two spec files.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use uumit_codegen::{DiffReport, Normalized};

use super::{Failure, Source, read_document};

/// Why two files could not be compared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiffError {
    /// A file is missing or is not an OpenAPI 3.x document.
    Unreadable(String),
    /// The normalizer rejects a document, so there is no client to compare.
    Rejected {
        /// The rejected file.
        file: PathBuf,
        /// The normalizer's findings.
        errors: Vec<String>,
    },
}

impl fmt::Display for DiffError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unreadable(message) => f.write_str(message),
            Self::Rejected { file, errors } => {
                write!(
                    f,
                    "{} cannot be generated, so it cannot be compared; `cargo xtask spec check {}` lists:",
                    file.display(),
                    file.display()
                )?;
                for error in errors {
                    write!(f, "\n  {error}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for DiffError {}

/// Reads, checks and normalizes both files, then compares them.
///
/// # Errors
///
/// [`DiffError`] when a file cannot be read or the normalizer rejects it.
pub fn diff_files(old: &Path, new: &Path) -> Result<DiffReport, DiffError> {
    let old = normalized(old)?;
    let new = normalized(new)?;
    Ok(uumit_codegen::diff(&old, &new))
}

fn normalized(path: &Path) -> Result<Normalized, DiffError> {
    let document =
        read_document(&Source::File(path.to_path_buf())).map_err(DiffError::Unreadable)?;
    uumit_codegen::normalize(&document).map_err(|rejected| DiffError::Rejected {
        file: path.to_path_buf(),
        errors: rejected.errors.iter().map(ToString::to_string).collect(),
    })
}

/// `cargo xtask spec diff OLD NEW [--json]`: exit 0 when nothing breaks, 1 when
/// something does, 2 when a file cannot be compared.
pub(super) fn run(old: PathBuf, new: PathBuf, json: bool) -> Result<ExitCode, Failure> {
    let report = diff_files(&old, &new).map_err(|e| Failure::input(e.to_string()))?;
    if json {
        println!("{:#}", report.to_json());
    } else {
        print!("{}", report.render_text());
    }
    if report.is_breaking() {
        Ok(ExitCode::FAILURE)
    } else {
        Ok(ExitCode::SUCCESS)
    }
}
