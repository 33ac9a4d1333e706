//! [`Error`], the one error type of every call, and the rules that decide retries.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;

/// Result of a facade call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The category of a failure; [`Error`] has the details.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The platform returned a non-zero envelope `code`, over HTTP 200 or an error
    /// status. [`Error::code`] returns it.
    Api,
    /// The platform rejected the input with HTTP 422; see [`Error::validation_errors`].
    Validation,
    /// The server returned an error status and a body that is not an envelope
    /// (an HTML error page from a proxy, say).
    Http,
    /// The response body is not what the spec describes; see [`Error::decode_path`].
    Decode,
    /// The request could not be sent or the response not read.
    Transport,
    /// No response within the configured timeout.
    Timeout,
    /// The request was invalid before it was sent (a missing required parameter).
    InvalidRequest,
    /// The client is configured wrongly (a bad base URL, a key over plain HTTP).
    Config,
    /// A redirect was refused or went on too long.
    Redirect,
    /// A JSON-RPC call (A2A or MCP) returned an error object: [`Error::code`] is its
    /// `code`, for example -32602 for invalid params, and [`Error::data`] its `data`.
    JsonRpc,
    /// An event stream ended before the event that completes it, or kept dropping
    /// without delivering new events.
    StreamEnded,
}

/// One entry of a FastAPI validation error (`detail` of an HTTP 422 body).
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct ValidationDetail {
    /// The location of the bad value, for example `["body", "capability_id"]`.
    #[serde(default)]
    pub loc: Vec<serde_json::Value>,
    /// The reason the value is invalid.
    #[serde(default)]
    pub msg: String,
    /// FastAPI's error type, for example `missing` or `uuid_parsing`.
    #[serde(default, rename = "type")]
    pub kind: String,
}

impl ValidationDetail {
    /// The location joined with dots: `body.capability_id`.
    pub fn field_path(&self) -> String {
        let parts: Vec<String> = self
            .loc
            .iter()
            .map(|part| match part {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        parts.join(".")
    }
}

/// A failed call.
///
/// Every failure of a facade call is an `Error`: a platform error (a non-zero envelope
/// `code`, whatever the HTTP status), a validation error, a response that does not
/// decode, or a transport failure. Query it rather than matching on text:
/// [`kind`](Self::kind), [`code`](Self::code), [`status`](Self::status),
/// [`request_id`](Self::request_id), [`is_retryable`](Self::is_retryable) and
/// [`retry_after`](Self::retry_after).
///
/// # Retries
///
/// The client retries a call by itself, up to the policy's `max_retries` times (2 by
/// default), when the error [is retryable](Self::is_retryable): a connection failure or
/// timeout, or HTTP 408, 429, 500, 502, 503 or 504. A POST, PUT, PATCH or DELETE is
/// retried only when it carries an idempotency key, which the client adds to every such
/// call, so a retry never charges twice. The delay is the server's `Retry-After`
/// (seconds or an HTTP date) or `retry-after-ms` when present, and otherwise a full-jitter
/// exponential backoff. When the server requests a longer delay than the policy's cap,
/// the error is returned at once with [`retry_after`](Self::retry_after) set.
///
/// # Display
///
/// `Display` prints this error's own message; the underlying cause, if any, comes from
/// [`std::error::Error::source`], so a reporter that walks the chain prints it once.
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Default)]
struct Inner {
    kind: Option<ErrorKind>,
    operation: Option<&'static str>,
    status: Option<StatusCode>,
    code: Option<i64>,
    error_code: Option<String>,
    message: String,
    data: Option<serde_json::Value>,
    request_id: Option<String>,
    retry_after: Option<Duration>,
    validation: Vec<ValidationDetail>,
    decode_path: Option<String>,
    body_excerpt: Option<String>,
    idempotency_key: Option<String>,
    attempts: u32,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

/// Maximum length of the response-body excerpt kept in an error, in bytes.
const BODY_EXCERPT_BYTES: usize = 512;

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            inner: Box::new(Inner {
                kind: Some(kind),
                message: message.into(),
                ..Inner::default()
            }),
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config, message)
    }

    pub(crate) fn with_source(
        mut self,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        self.inner.source = Some(Box::new(source));
        self
    }

    pub(crate) fn with_status(mut self, status: StatusCode) -> Self {
        self.inner.status = Some(status);
        self
    }

    pub(crate) fn with_code(mut self, code: i64) -> Self {
        self.inner.code = Some(code);
        self
    }

    pub(crate) fn with_error_code(mut self, error_code: Option<String>) -> Self {
        self.inner.error_code = error_code;
        self
    }

    pub(crate) fn with_data(mut self, data: Option<serde_json::Value>) -> Self {
        self.inner.data = data.filter(|d| !d.is_null());
        self
    }

    pub(crate) fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.inner.request_id = request_id;
        self
    }

    pub(crate) fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.inner.retry_after = retry_after;
        self
    }

    pub(crate) fn with_validation(mut self, details: Vec<ValidationDetail>) -> Self {
        self.inner.validation = details;
        self
    }

    pub(crate) fn with_decode_path(mut self, path: String) -> Self {
        self.inner.decode_path = Some(path);
        self
    }

    pub(crate) fn with_body(mut self, body: &[u8]) -> Self {
        self.inner.body_excerpt = Some(excerpt(body));
        self
    }

    pub(crate) fn with_operation(mut self, operation: &'static str) -> Self {
        self.inner.operation.get_or_insert(operation);
        self
    }

    pub(crate) fn with_idempotency_key(mut self, key: Option<String>) -> Self {
        if key.is_some() {
            self.inner.idempotency_key = key;
        }
        self
    }

    pub(crate) fn with_attempts(mut self, attempts: u32) -> Self {
        self.inner.attempts = attempts;
        self
    }

    /// The broad category of the failure.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind.unwrap_or(ErrorKind::Transport)
    }

    /// The operation that failed, by its clean name (`create_transaction`).
    pub fn operation(&self) -> Option<&'static str> {
        self.inner.operation
    }

    /// The HTTP status of the response, if one arrived.
    pub fn status(&self) -> Option<StatusCode> {
        self.inner.status
    }

    /// The platform's envelope `code`, passed through as sent, known to
    /// [`ApiCode`](crate::ApiCode) or not.
    pub fn code(&self) -> Option<i64> {
        self.inner.code
    }

    /// The platform's code as an [`ApiCode`](crate::ApiCode).
    pub fn api_code(&self) -> Option<crate::ApiCode> {
        self.inner.code.map(crate::ApiCode::from)
    }

    /// The string `error_code` some error envelopes add, such as
    /// `DELIVERABLE_FORMAT_MISMATCH`.
    pub fn error_code(&self) -> Option<&str> {
        self.inner.error_code.as_deref()
    }

    /// The human-readable message: the envelope's `message` for platform errors. Show
    /// it; do not branch on it.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The error envelope's `data`, where the platform puts remediation.
    pub fn data(&self) -> Option<&serde_json::Value> {
        self.inner.data.as_ref()
    }

    /// The request id the server sent in `X-Request-Id`, for support tickets.
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }

    /// The delay the server asked for with `Retry-After` or `retry-after-ms`.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    /// The entries of an HTTP 422 body, each with its field path.
    pub fn validation_errors(&self) -> &[ValidationDetail] {
        &self.inner.validation
    }

    /// For a decode failure, the JSON path of the value that did not match, such as
    /// `data.items[3].price_ut`.
    pub fn decode_path(&self) -> Option<&str> {
        self.inner.decode_path.as_deref()
    }

    /// The start of the response body, for decode and HTTP failures (at most 512 bytes).
    pub fn body_excerpt(&self) -> Option<&str> {
        self.inner.body_excerpt.as_deref()
    }

    /// The idempotency key the failed call carried. Retry the call with the same key
    /// (see [`CallOptions::idempotency_key`](crate::CallOptions::idempotency_key)) to
    /// be sure it takes effect at most once.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.inner.idempotency_key.as_deref()
    }

    /// How many HTTP attempts the call made before giving up (0 if none was sent).
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    /// Whether sending the same call again may succeed: connection failures and
    /// timeouts, HTTP 408, 429 (except code 1010, the daily quota), 500, 502, 503
    /// and 504.
    pub fn is_retryable(&self) -> bool {
        match self.kind() {
            ErrorKind::Transport | ErrorKind::Timeout => true,
            ErrorKind::Api | ErrorKind::Http => {
                self.inner.code != Some(crate::ApiCode::DailyQuotaExceeded.value())
                    && self
                        .inner
                        .status
                        .is_some_and(|s| retryable_status(s.as_u16()))
            }
            _ => false,
        }
    }
}

/// Whether an HTTP status is worth a retry.
pub(crate) fn retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

fn excerpt(body: &[u8]) -> String {
    let cut = body.len().min(BODY_EXCERPT_BYTES);
    let mut text = String::from_utf8_lossy(&body[..cut]).into_owned();
    if body.len() > cut {
        text.push_str(&format!("… ({} bytes in all)", body.len()));
    }
    text
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(operation) = self.inner.operation {
            write!(f, "{operation}: ")?;
        }
        match self.kind() {
            ErrorKind::Api => {
                let code = self.inner.code.unwrap_or_default();
                write!(
                    f,
                    "platform error {code} ({})",
                    crate::ApiCode::from(code).description()
                )?;
                if !self.inner.message.is_empty() {
                    write!(f, ": {}", self.inner.message)?;
                }
            }
            ErrorKind::JsonRpc => {
                let code = self.inner.code.unwrap_or_default();
                write!(f, "JSON-RPC error {code}: {}", self.inner.message)?;
            }
            ErrorKind::Validation => {
                f.write_str("invalid input")?;
                for (index, detail) in self.inner.validation.iter().enumerate() {
                    let separator = if index == 0 { ": " } else { "; " };
                    write!(f, "{separator}{}: {}", detail.field_path(), detail.msg)?;
                }
            }
            _ => f.write_str(&self.inner.message)?,
        }
        if let Some(status) = self.inner.status {
            write!(f, " (HTTP {})", status.as_u16())?;
        }
        if let Some(path) = &self.inner.decode_path {
            write!(f, " at `{path}`")?;
        }
        if let Some(request_id) = &self.inner.request_id {
            write!(f, " [request id {request_id}]")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("Error");
        debug.field("kind", &self.kind());
        let inner = &self.inner;
        macro_rules! optional {
            ($($name:ident),*) => {$(
                if let Some(value) = &inner.$name {
                    debug.field(stringify!($name), value);
                }
            )*};
        }
        optional!(
            operation,
            status,
            code,
            error_code,
            request_id,
            retry_after,
            decode_path,
            idempotency_key
        );
        debug.field("message", &inner.message);
        if !inner.validation.is_empty() {
            debug.field("validation", &inner.validation);
        }
        optional!(body_excerpt, source);
        debug.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
