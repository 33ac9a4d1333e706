//! Findings of the normalizer, each tied to a JSON pointer into the source document.

use std::fmt;

/// One finding about the source document: where it is and what was done or must be done.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    /// JSON pointer (RFC 6901) into the source document, for example
    /// `/paths/~1api~1v1~1wallet/get/responses/200`.
    pub pointer: String,
    /// What was rewritten, or why the value is rejected and how to fix it.
    pub message: String,
}

impl Diagnostic {
    pub(crate) fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pointer, self.message)
    }
}

/// The document cannot be turned into a client without a change to the spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    /// Every value that blocks generation, sorted by pointer.
    pub errors: Vec<Diagnostic>,
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the OpenAPI document has {} construct(s) the client generator cannot take:",
            self.errors.len()
        )?;
        for error in &self.errors {
            write!(f, "\n  {error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Rejected {}

/// Escapes one reference token of a JSON pointer (RFC 6901 section 3).
pub(crate) fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Appends one token to a JSON pointer.
pub(crate) fn child(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", escape_token(token))
}
