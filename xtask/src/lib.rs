//! Library side of `cargo xtask`: the spec workflow, callable from tests.
//!
//! - [`spec::fetch`] stores the platform's OpenAPI document as `openapi.json`.
//! - [`spec::check`] lists what the build step would rewrite or reject.
//! - [`spec::run`] dispatches `cargo xtask spec …` and `cargo xtask regenerate`.

use std::path::{Path, PathBuf};

pub mod spec;

/// Returns the workspace root: the directory above `xtask/`.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}
