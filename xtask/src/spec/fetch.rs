//! `cargo xtask spec fetch`: reads the platform's OpenAPI document from a URL or a file,
//! checks that it is one, and stores it in the form the repository keeps.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

/// Where the platform publishes its OpenAPI document.
pub const DEFAULT_URL: &str = "https://api.uumit.com/openapi.json";

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const TIMEOUT: Duration = Duration::from_secs(60);

/// Where to read the document from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// An `http` or `https` URL, fetched with a GET request.
    Url(String),
    /// A file saved earlier.
    File(PathBuf),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Url(url) => f.write_str(url),
            Self::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// Reads the document from `source`, checks it, and writes it to `destination` in the
/// repository's form (see [`write_document`]). Returns the document.
///
/// # Errors
///
/// A message naming the source and what to do when the source cannot be read, is not
/// an OpenAPI 3.x document, or the file cannot be written. `destination` is then left
/// as it was.
pub fn fetch(source: &Source, destination: &Path) -> Result<Value, String> {
    let document = read_document(source)?;
    write_document(&document, destination)?;
    Ok(document)
}

/// Reads the document from `source` and checks it with [`parse_document`].
///
/// # Errors
///
/// A message naming the source: unreachable, timed out, an HTTP error status, HTML,
/// not JSON, an enveloped document, or not an OpenAPI 3.x document.
pub fn read_document(source: &Source) -> Result<Value, String> {
    match source {
        Source::Url(url) => parse_document(&download(url)?, url),
        Source::File(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            parse_document(&text, &path.display().to_string())
        }
    }
}

fn download(url: &str) -> Result<String, String> {
    let client = reqwest::blocking::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(TIMEOUT)
        .user_agent(concat!("uumit-rs-xtask/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot set up an HTTP client: {}", chain(&e)))?;
    let response = client
        .get(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .map_err(|e| request_error(url, &e))?;
    let status = response.status();
    let text = response
        .text()
        .map_err(|e| format!("reading the body from {url} failed: {}", chain(&e)))?;
    if !status.is_success() {
        return Err(format!(
            "{url} returned HTTP {status}{}: check the URL, or save the document and pass --file PATH",
            excerpt(&text)
        ));
    }
    Ok(text)
}

fn request_error(url: &str, error: &reqwest::Error) -> String {
    let what = if error.is_timeout() {
        format!(
            "fetching {url} timed out (connect limit {} s, whole request {} s)",
            CONNECT_TIMEOUT.as_secs(),
            TIMEOUT.as_secs()
        )
    } else if error.is_connect() {
        format!("cannot connect to {url}: {}", causes(error))
    } else {
        format!("fetching {url} failed: {}", causes(error))
    };
    format!("{what}; check the URL and the network, or save the document and pass --file PATH")
}

/// Formats the causes below reqwest's own "error sending request for url (…)", which
/// repeats the URL that the message already names.
fn causes(error: &reqwest::Error) -> String {
    match std::error::Error::source(error) {
        Some(cause) => chain(cause),
        None => error.to_string(),
    }
}

/// Formats an error with its causes, each once: `a: b: c`.
fn chain(error: &dyn std::error::Error) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

/// Shortens a body to its start, on one line, for an error message.
fn excerpt(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.is_empty() {
        return String::new();
    }
    let cut: String = flat.chars().take(120).collect();
    let more = if cut.len() < flat.len() { "…" } else { "" };
    format!(" ({cut}{more})")
}

/// Parses `text` from `origin` (a URL or a path, for messages) and checks that it is an
/// OpenAPI 3.x document: a JSON object with an `openapi` version string `3.x`, an
/// `info` object and a `paths` object.
///
/// # Errors
///
/// A message naming `origin` and what to do for an HTML page, text that is not JSON,
/// the platform's `{code, message, data, timestamp}` envelope around the document, or
/// JSON that is not an OpenAPI 3.x document.
pub fn parse_document(text: &str, origin: &str) -> Result<Value, String> {
    let start = text.trim_start();
    if start.starts_with('<') {
        return Err(format!(
            "{origin} is an HTML page, not JSON (a login, proxy or error page?){}: point it at the JSON document itself, such as {DEFAULT_URL}",
            excerpt(text)
        ));
    }
    let document: Value = serde_json::from_str(text).map_err(|e| {
        format!(
            "{origin} is not valid JSON ({e}){}: check that it is the OpenAPI document",
            excerpt(text)
        )
    })?;
    check_envelope(&document, origin)?;
    check_openapi(&document, origin)?;
    Ok(document)
}

fn check_envelope(document: &Value, origin: &str) -> Result<(), String> {
    let is_envelope = document.get("openapi").is_none()
        && ["code", "message", "data"]
            .iter()
            .all(|k| document.get(k).is_some());
    if !is_envelope {
        return Ok(());
    }
    let code = &document["code"];
    let message = document["message"].as_str().unwrap_or_default();
    Err(format!(
        "{origin} returned the platform's {{code, message, data, timestamp}} envelope \
         (code {code}, message {message:?}) instead of the bare OpenAPI document: \
         fetch the document's own URL, or save its `data` member to a file and pass --file PATH"
    ))
}

fn check_openapi(document: &Value, origin: &str) -> Result<(), String> {
    let Some(object) = document.as_object() else {
        return Err(format!(
            "{origin} is JSON but not an OpenAPI document: expected an object at the top"
        ));
    };
    match object.get("openapi").and_then(Value::as_str) {
        Some(version) if version.starts_with("3.") => {}
        Some(version) => {
            return Err(format!(
                "{origin} is OpenAPI {version:?}; the SDK is generated from OpenAPI 3.x documents"
            ));
        }
        None => {
            return Err(format!(
                "{origin} has no `openapi` version string: it is JSON but not an OpenAPI document"
            ));
        }
    }
    for member in ["info", "paths"] {
        if !object.get(member).is_some_and(Value::is_object) {
            return Err(format!(
                "{origin} has no `{member}` object, which every OpenAPI document has"
            ));
        }
    }
    Ok(())
}

/// Writes `document` to `destination` in the repository's form
/// ([`uumit_codegen::to_canonical_json`]): first to a temporary file in the same
/// directory, then renamed over `destination`, so a failure never leaves half a file.
///
/// # Errors
///
/// A message naming the file when writing or renaming fails.
pub fn write_document(document: &Value, destination: &Path) -> Result<(), String> {
    write_atomically(
        uumit_codegen::to_canonical_json(document).as_bytes(),
        destination,
    )
}

/// Writes `bytes` to a temporary file next to `destination` and renames it over it.
pub(crate) fn write_atomically(bytes: &[u8], destination: &Path) -> Result<(), String> {
    let directory = destination
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = destination
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "openapi.json".to_owned());
    let temporary = directory.join(format!(".{name}.{}.tmp", std::process::id()));
    let written =
        std::fs::write(&temporary, bytes).and_then(|()| std::fs::rename(&temporary, destination));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        format!("cannot write {}: {e}", destination.display())
    })
}
