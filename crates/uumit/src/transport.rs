//! The facade's [`Transport`](uumit_api::Transport): every request the generated client
//! builds passes through here once per logical call. It adds credentials and the
//! idempotency key, follows redirects, retries, reads the whole body, classifies the
//! response, and logs one DEBUG event per HTTP exchange.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, ResponseBuilderExt, StatusCode, Url};

use crate::call::{CALL, CallState};
use crate::config::{Config, is_loopback};
use crate::error::{Error, ErrorKind, ValidationDetail};
use crate::retry;

// Header names as constants: a `&str` name is parsed and checked on every use.
const API_KEY_HEADER: HeaderName = HeaderName::from_static("x-api-key");
const USER_ID_HEADER: HeaderName = HeaderName::from_static("x-platform-user-id");
const IDEMPOTENCY_HEADER: HeaderName = HeaderName::from_static("idempotency-key");
const REQUEST_ID_HEADERS: [HeaderName; 2] = [
    HeaderName::from_static("x-request-id"),
    HeaderName::from_static("x-correlation-id"),
];
/// Headers that identify the caller; they never go to another origin.
const CREDENTIAL_HEADERS: [HeaderName; 4] = [
    API_KEY_HEADER,
    USER_ID_HEADER,
    http::header::AUTHORIZATION,
    http::header::COOKIE,
];

pub(crate) struct FacadeTransport {
    config: Arc<Config>,
}

impl FacadeTransport {
    pub(crate) fn new(config: Arc<Config>) -> Self {
        Self { config }
    }
}

impl uumit_api::Transport for FacadeTransport {
    fn execute<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        operation: &'static str,
    ) -> uumit_api::TransportFuture<'a> {
        let state = CALL
            .try_with(Arc::clone)
            .unwrap_or_else(|_| Arc::new(CallState::default()));
        Box::pin(async move {
            let exchange = Exchange {
                config: &self.config,
                client,
                operation,
                state: &state,
            };
            exchange.run(request).await
        })
    }
}

/// The outcome of one attempt.
// Short-lived and moved once, so boxing the large variant would only add an allocation.
#[allow(clippy::large_enum_variant)]
enum Attempt {
    Response {
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
        url: Url,
    },
    Failed(Error, Option<reqwest::Error>),
}

struct Exchange<'a> {
    config: &'a Config,
    client: &'a reqwest::Client,
    operation: &'static str,
    state: &'a CallState,
}

impl Exchange<'_> {
    async fn run(&self, mut request: reqwest::Request) -> reqwest::Result<reqwest::Response> {
        self.add_credentials(&mut request);
        let key = match self.add_idempotency_key(&mut request) {
            Ok(key) => key,
            Err(error) => {
                // Nothing was sent: a retry without the key could charge twice.
                self.state.record_error(self.finish(error, 0, &None));
                let url = request.url().clone();
                return Ok(synthesize(
                    StatusCode::BAD_REQUEST,
                    HeaderMap::new(),
                    Bytes::new(),
                    url,
                ));
            }
        };
        self.state.record_key(key.clone());
        let policy = self.state.retry_policy(&self.config.retry);
        if let Some(timeout) = self.state.timeout() {
            *request.timeout_mut() = Some(timeout);
        }
        let can_retry = key.is_some() || !is_mutating(request.method());
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let outcome = self.attempt(&request, attempt).await;
            let error = match outcome {
                Attempt::Response {
                    status,
                    headers,
                    body,
                    url,
                } => match classify_failure(status, &headers, &body) {
                    // A 2xx body is decoded once, by the generated client; the caller
                    // checks its envelope code (see `business_error`).
                    None => {
                        let id = request_id(&headers);
                        self.state.record_success(status, id, attempt, body.clone());
                        return Ok(synthesize(status, headers, body, url));
                    }
                    Some(error) => (error, Some((status, headers, body, url))),
                },
                Attempt::Failed(error, cause) => {
                    let error = match cause {
                        Some(cause) => error.with_source(cause),
                        None => error,
                    };
                    (error, None)
                }
            };
            let (error, response) = error;
            let delay = retry::delay(&policy, attempt, error.retry_after());
            let retry = error.is_retryable() && can_retry && attempt <= policy.max_retries;
            match delay {
                Some(delay) if retry => {
                    tracing::debug!(operation = self.operation, attempt, delay_ms = delay.as_millis() as u64, error = %error, "retrying");
                    tokio::time::sleep(delay).await;
                }
                _ => {
                    self.state.record_error(self.finish(error, attempt, &key));
                    let (status, headers, body, url) = response.unwrap_or_else(|| {
                        let url = request.url().clone();
                        (StatusCode::BAD_GATEWAY, HeaderMap::new(), Bytes::new(), url)
                    });
                    return Ok(synthesize(status, headers, body, url));
                }
            }
        }
    }

    fn finish(&self, error: Error, attempts: u32, key: &Option<String>) -> Error {
        error
            .with_operation(self.operation)
            .with_attempts(attempts)
            .with_idempotency_key(key.clone())
    }

    fn add_credentials(&self, request: &mut reqwest::Request) {
        if let Some((key, user)) = &self.config.credential_headers {
            let headers = request.headers_mut();
            headers.insert(API_KEY_HEADER, key.clone());
            headers.insert(USER_ID_HEADER, user.clone());
        }
    }

    /// Picks the call's idempotency key for a mutating request and puts it in the header
    /// and, for operations whose body has the field, in the body's `idempotency_key`.
    /// A key from the call options wins, then one already in the header, then one in the
    /// body; otherwise a new UUID is made. A key that cannot be sent as it is fails the
    /// call before anything is sent.
    fn add_idempotency_key(&self, request: &mut reqwest::Request) -> Result<Option<String>, Error> {
        if !is_mutating(request.method()) {
            return Ok(None);
        }
        let meta = uumit_api::OperationMeta::find(self.operation);
        let body_field = meta.is_some_and(|m| m.body_idempotency_key);
        let mut body = body_field.then(|| json_body(request)).flatten();
        // Lossy, so that a header that is not ASCII text fails the check below instead of
        // being replaced by a new key.
        let from_header = request
            .headers()
            .get(&IDEMPOTENCY_HEADER)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let from_body = body
            .as_ref()
            .and_then(|b| b.get("idempotency_key"))
            .and_then(|k| k.as_str())
            .map(str::to_owned);
        let key = self
            .state
            .requested_key()
            .or(from_header)
            .or(from_body)
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        request
            .headers_mut()
            .insert(IDEMPOTENCY_HEADER, idempotency_header(&key)?);
        if let Some(serde_json::Value::Object(fields)) = body.as_mut() {
            fields.insert(
                "idempotency_key".into(),
                serde_json::Value::String(key.clone()),
            );
            if let Ok(bytes) = serde_json::to_vec(&fields) {
                *request.body_mut() = Some(bytes.into());
            }
        }
        Ok(Some(key))
    }

    async fn attempt(&self, request: &reqwest::Request, attempt: u32) -> Attempt {
        let Some(mut current) = request.try_clone() else {
            let message =
                "the request body is a stream and cannot be sent through the retrying transport";
            return Attempt::Failed(Error::new(ErrorKind::InvalidRequest, message), None);
        };
        // The slot is held until the body is read, when the connection is free again.
        // The semaphore is never closed, so `acquire` does not fail.
        let _slot = self.config.in_flight.acquire().await.ok();
        // The logged duration starts once the request has a slot, so it leaves out the
        // queueing.
        let started = Instant::now();
        let mut hops = 0;
        loop {
            let mut response = match self.client.execute(current).await {
                Ok(response) => response,
                Err(error) => return self.transport_failure(error, request, attempt, started),
            };
            let status = response.status();
            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                hops += 1;
                match self.follow(request, &response, hops) {
                    Ok(next) => {
                        current = next;
                        continue;
                    }
                    Err(error) => return Attempt::Failed(error.with_status(status), None),
                }
            }
            let headers = std::mem::take(response.headers_mut());
            let url = response.url().clone();
            let body = match read_body(response, self.config.max_response_bytes).await {
                Ok(body) => body,
                Err(failure) => return failure,
            };
            tracing::debug!(
                operation = self.operation,
                method = %request.method(),
                path = request.url().path(),
                status = status.as_u16(),
                duration_ms = started.elapsed().as_millis() as u64,
                attempt,
                request_id = request_id(&headers).as_deref().unwrap_or(""),
                "http exchange"
            );
            tracing::trace!(
                operation = self.operation,
                body = %String::from_utf8_lossy(&body[..body.len().min(1024)]),
                "response body"
            );
            return Attempt::Response {
                status,
                headers,
                body,
                url,
            };
        }
    }

    fn transport_failure(
        &self,
        error: reqwest::Error,
        request: &reqwest::Request,
        attempt: u32,
        started: Instant,
    ) -> Attempt {
        let (method, path) = (request.method(), request.url().path());
        tracing::debug!(operation = self.operation, method = %method, path, attempt, duration_ms = started.elapsed().as_millis() as u64, error = %error, "http exchange failed");
        let facade = exchange_failure(&error, &self.config.base_url);
        Attempt::Failed(facade, Some(error))
    }

    /// Builds the request a redirect points to from the call's original request.
    /// Same-origin 307 and 308 keep method and body; 301, 302 and 303 are followed only
    /// for GET and HEAD. A target outside the original origin gets no credential
    /// headers, whatever hops came before.
    fn follow(
        &self,
        original: &reqwest::Request,
        response: &reqwest::Response,
        hops: usize,
    ) -> Result<reqwest::Request, Error> {
        let status = response.status();
        if hops > self.config.max_redirects {
            let message = format!("stopped after {} redirects", self.config.max_redirects);
            return Err(Error::new(ErrorKind::Redirect, message));
        }
        let mut request = original.try_clone().ok_or_else(|| {
            Error::new(
                ErrorKind::Redirect,
                "cannot repeat a streamed body for a redirect",
            )
        })?;
        let location = response
            .headers()
            .get(http::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Redirect,
                    format!(
                        "HTTP {} redirect without a Location header",
                        status.as_u16()
                    ),
                )
            })?;
        let target = response.url().join(location).map_err(|e| {
            Error::new(
                ErrorKind::Redirect,
                format!("invalid redirect Location {location:?}: {e}"),
            )
        })?;
        let keeps_method = matches!(
            status,
            StatusCode::TEMPORARY_REDIRECT | StatusCode::PERMANENT_REDIRECT
        );
        if !keeps_method && !matches!(*request.method(), Method::GET | Method::HEAD) {
            return Err(Error::new(
                ErrorKind::Redirect,
                format!(
                    "HTTP {} redirect of a {} to {target} would drop its body; refusing",
                    status.as_u16(),
                    request.method()
                ),
            ));
        }
        if target.origin() != request.url().origin() {
            for name in &CREDENTIAL_HEADERS {
                request.headers_mut().remove(name);
            }
            if target.scheme() == "http" && !is_loopback(&target) {
                request.headers_mut().remove(IDEMPOTENCY_HEADER);
            }
        }
        *request.url_mut() = target;
        Ok(request)
    }
}

/// Builds the error for a request to `base_url` that failed before a whole response arrived; the
/// caller attaches `error` as the source.
pub(crate) fn exchange_failure(error: &reqwest::Error, base_url: &Url) -> Error {
    let (kind, text) = if error.is_timeout() {
        (ErrorKind::Timeout, "timed out waiting for the server")
    } else if error.is_connect() {
        (ErrorKind::Transport, "could not connect to the server")
    } else {
        (
            ErrorKind::Transport,
            "the connection failed before a complete response arrived",
        )
    };
    let origin = base_url.origin().ascii_serialization();
    Error::new(kind, format!("{text} at {origin}"))
}

/// Maximum length of an idempotency key the platform accepts, in characters.
pub(crate) const MAX_IDEMPOTENCY_KEY_LEN: usize = 128;

/// Checks an idempotency key and returns it as a header value. The key must be 1 to 128
/// printable ASCII characters without spaces at either end, because the header carries it
/// as it is and servers trim the spaces around a header value.
pub(crate) fn idempotency_header(key: &str) -> Result<HeaderValue, Error> {
    let fix = "use 1 to 128 printable ASCII characters, such as a UUID or `order-42`";
    let problem = if key.is_empty() {
        Some("is empty")
    } else if !key.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        Some("has a character outside printable ASCII")
    } else if key.len() > MAX_IDEMPOTENCY_KEY_LEN {
        Some("is longer than 128 characters")
    } else if key.starts_with(' ') || key.ends_with(' ') {
        Some("starts or ends with a space")
    } else {
        None
    };
    let invalid = |problem: &str| {
        let excerpt: String = key.chars().take(MAX_IDEMPOTENCY_KEY_LEN).collect();
        Error::new(
            ErrorKind::InvalidRequest,
            format!("the idempotency key {excerpt:?} {problem}; {fix}"),
        )
    };
    if let Some(problem) = problem {
        return Err(invalid(problem));
    }
    HeaderValue::from_str(key).map_err(|_| invalid("is not a valid header value"))
}

fn is_mutating(method: &Method) -> bool {
    matches!(
        *method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    )
}

fn json_body(request: &reqwest::Request) -> Option<serde_json::Value> {
    let bytes = request.body()?.as_bytes()?;
    serde_json::from_slice(bytes).ok()
}

async fn read_body(mut response: reqwest::Response, limit: usize) -> Result<Bytes, Attempt> {
    if response
        .content_length()
        .is_some_and(|length| length <= limit as u64)
    {
        // One read, no copy: the length is known and within the limit.
        return response.bytes().await.map_err(|error| {
            let facade = Error::new(
                ErrorKind::Transport,
                "the connection closed before the whole response body arrived",
            );
            Attempt::Failed(facade, Some(error))
        });
    }
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > limit {
                    let error = Error::new(
                        ErrorKind::Decode,
                        format!("the response body exceeds the limit of {limit} bytes"),
                    )
                    .with_status(response.status());
                    return Err(Attempt::Failed(error, None));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body.into()),
            Err(error) => {
                let facade = Error::new(
                    ErrorKind::Transport,
                    "the connection closed before the whole response body arrived",
                )
                .with_status(response.status());
                return Err(Attempt::Failed(facade, Some(error)));
            }
        }
    }
}

pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    REQUEST_ID_HEADERS
        .iter()
        .find_map(|name| headers.get(name))
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Only the envelope's code: the cheap first look at a success response, which skips the
/// data without building it.
#[derive(serde::Deserialize)]
struct CodeOnly {
    code: Option<i64>,
}

/// The platform's envelope, read loosely: only what classification needs.
#[derive(serde::Deserialize)]
struct EnvelopeHead {
    code: Option<i64>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    data: Option<serde_json::Value>,
    #[serde(default)]
    error_code: Option<String>,
}

#[derive(serde::Deserialize)]
struct ValidationBody {
    detail: Vec<ValidationDetail>,
}

/// The error a non-2xx response stands for; `None` for a 2xx.
fn classify_failure(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Option<Error> {
    if status.is_success() {
        None
    } else {
        classify(status, headers, body)
    }
}

/// The platform error in a 2xx body: an envelope with a non-zero code, which the
/// platform sends over HTTP 200 for business failures such as code 3001.
pub(crate) fn business_error(body: &[u8]) -> Option<Error> {
    let code = serde_json::from_slice::<CodeOnly>(body)
        .ok()?
        .code
        .filter(|c| *c != 0)?;
    let envelope = serde_json::from_slice::<EnvelopeHead>(body).ok()?;
    Some(api_error(code, envelope))
}

/// Returns the error a response stands for, or `None` for a success that the generated
/// client should decode: a 2xx whose body is not an envelope with a non-zero code.
pub(crate) fn classify(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Option<Error> {
    let retry_after = crate::retry::retry_after(headers);
    let with_context = |error: Error| {
        error
            .with_status(status)
            .with_request_id(request_id(headers))
            .with_retry_after(retry_after)
    };
    if status.is_success() {
        return business_error(body).map(with_context);
    }
    if status == StatusCode::UNPROCESSABLE_ENTITY
        && let Ok(validation) = serde_json::from_slice::<ValidationBody>(body)
    {
        return Some(with_context(
            Error::new(ErrorKind::Validation, "invalid input").with_validation(validation.detail),
        ));
    }
    match serde_json::from_slice::<EnvelopeHead>(body).ok() {
        Some(envelope) if envelope.code.is_some() => {
            let code = envelope.code.unwrap_or_default();
            Some(with_context(api_error(code, envelope)))
        }
        _ => {
            let reason = status.canonical_reason().unwrap_or("error");
            let message = format!(
                "the server answered HTTP {} {reason} without a platform envelope",
                status.as_u16()
            );
            Some(with_context(
                Error::new(ErrorKind::Http, message).with_body(body),
            ))
        }
    }
}

fn api_error(code: i64, envelope: EnvelopeHead) -> Error {
    Error::new(ErrorKind::Api, envelope.message.unwrap_or_default())
        .with_code(code)
        .with_error_code(envelope.error_code)
        .with_data(envelope.data)
}

/// Rebuilds a response for the generated client from the parts already read. Giving it
/// the URL spares reqwest from parsing a placeholder URL for every response.
fn synthesize(status: StatusCode, headers: HeaderMap, body: Bytes, url: Url) -> reqwest::Response {
    let mut response = match http::Response::builder().url(url).body(()) {
        Ok(head) => head.map(|()| body),
        // The builder fails only on an invalid status or header, and none is set here.
        Err(_) => http::Response::new(body),
    };
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    reqwest::Response::from(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn success_envelope_is_not_an_error() {
        let body = br#"{"code":0,"message":"success","data":{},"timestamp":1}"#;
        assert!(classify(StatusCode::OK, &HeaderMap::new(), body).is_none());
    }

    #[test]
    fn http_200_with_code_is_api_error() {
        let body = br#"{"code":3001,"message":"insufficient","data":null,"timestamp":1}"#;
        let error = classify(StatusCode::OK, &headers(&[("x-request-id", "r1")]), body).unwrap();
        assert_eq!(error.kind(), ErrorKind::Api);
        assert_eq!(error.code(), Some(3001));
        assert_eq!(error.request_id(), Some("r1"));
        assert!(!error.is_retryable());
    }

    #[test]
    fn unknown_code_passes_through() {
        let body = br#"{"code":7777,"message":"new","data":{"guidance":"x"},"error_code":"NEW_THING","timestamp":1}"#;
        let error = classify(StatusCode::BAD_REQUEST, &HeaderMap::new(), body).unwrap();
        assert_eq!(error.code(), Some(7777));
        assert_eq!(error.error_code(), Some("NEW_THING"));
        assert_eq!(error.data().unwrap()["guidance"], "x");
    }

    #[test]
    fn validation_body_keeps_field_paths() {
        let body = br#"{"detail":[{"loc":["body","capability_id"],"msg":"Field required","type":"missing"}]}"#;
        let error = classify(StatusCode::UNPROCESSABLE_ENTITY, &HeaderMap::new(), body).unwrap();
        assert_eq!(error.kind(), ErrorKind::Validation);
        assert_eq!(
            error.validation_errors()[0].field_path(),
            "body.capability_id"
        );
        assert!(
            error
                .to_string()
                .contains("body.capability_id: Field required")
        );
    }

    #[test]
    fn html_error_page_is_http_error_with_excerpt() {
        let error = classify(
            StatusCode::BAD_GATEWAY,
            &headers(&[("retry-after", "3")]),
            b"<html>bad gateway</html>",
        )
        .unwrap();
        assert_eq!(error.kind(), ErrorKind::Http);
        assert!(error.is_retryable());
        assert_eq!(error.retry_after(), Some(Duration::from_secs(3)));
        assert_eq!(error.body_excerpt(), Some("<html>bad gateway</html>"));
    }

    #[test]
    fn daily_quota_is_not_retryable() {
        let body = br#"{"code":1010,"message":"quota","data":null,"timestamp":1}"#;
        let error = classify(StatusCode::TOO_MANY_REQUESTS, &HeaderMap::new(), body).unwrap();
        assert!(!error.is_retryable());
        let body = br#"{"code":1009,"message":"slow down","data":null,"timestamp":1}"#;
        let error = classify(StatusCode::TOO_MANY_REQUESTS, &HeaderMap::new(), body).unwrap();
        assert!(error.is_retryable());
    }
}
