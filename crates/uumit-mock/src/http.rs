//! The platform's HTTP conventions: the envelope, FastAPI-shaped 422 bodies, the auth
//! headers and idempotency-key replay.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::server::AppState;
use crate::store::{Fail, StoredResponse};

/// Largest request body read, in bytes.
pub(crate) const MAX_BODY_BYTES: usize = 1 << 20;

/// Longest wait for a concurrent request with the same idempotency key to finish.
const IN_FLIGHT_WAIT: Duration = Duration::from_secs(30);

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Wraps `data` in a success envelope.
pub(crate) fn ok(data: impl Serialize) -> Response {
    let body = Envelope {
        code: 0,
        message: "success",
        data,
        timestamp: now(),
    };
    (StatusCode::OK, axum::Json(body)).into_response()
}

/// An envelope over HTTP 200 with a non-zero `code` and a `data` payload, for business
/// outcomes that still return data (a task saved as a draft, code 3004).
pub(crate) fn ok_with_code(code: i64, message: &str, data: impl Serialize) -> Response {
    let body = Envelope {
        code,
        message,
        data,
        timestamp: now(),
    };
    (StatusCode::OK, axum::Json(body)).into_response()
}

/// The envelope, serialized straight from `data` in the platform's field order without
/// an intermediate `Value`.
#[derive(Serialize)]
struct Envelope<'m, T> {
    code: i64,
    message: &'m str,
    data: T,
    timestamp: i64,
}

impl IntoResponse for Fail {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body =
            json!({"code": self.code, "message": self.message, "data": null, "timestamp": now()});
        (status, axum::Json(body)).into_response()
    }
}

/// A handler's result: data in a success envelope, or an error response.
pub(crate) type Reply = Result<Response, Response>;

impl From<Fail> for Response {
    fn from(fail: Fail) -> Self {
        fail.into_response()
    }
}

impl From<Invalid> for Response {
    fn from(invalid: Invalid) -> Self {
        invalid.into_response()
    }
}

/// A FastAPI validation error: HTTP 422 with `{"detail": [...]}`, not enveloped.
#[derive(Debug)]
pub(crate) struct Invalid(Vec<Value>);

impl Invalid {
    /// Returns the `detail` entries, to merge into another error.
    pub(crate) fn into_entries(self) -> Vec<Value> {
        self.0
    }

    /// Several `detail` entries at once.
    pub(crate) fn many(entries: Vec<Value>) -> Self {
        Self(entries)
    }

    pub(crate) fn one(loc: Vec<Value>, kind: &str, msg: impl Into<String>) -> Self {
        Self(vec![
            json!({"type": kind, "loc": loc, "msg": msg.into(), "input": null}),
        ])
    }
}

impl IntoResponse for Invalid {
    fn into_response(self) -> Response {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            axum::Json(json!({"detail": self.0})),
        )
            .into_response()
    }
}

/// Turns a serde error at `path` into one FastAPI `detail` entry under `root`.
fn detail(root: &str, path: &serde_path_to_error::Path, error: &str) -> Invalid {
    let mut loc = vec![json!(root)];
    for segment in path.iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => loc.push(json!(index)),
            serde_path_to_error::Segment::Map { key } => loc.push(json!(key)),
            serde_path_to_error::Segment::Enum { variant } => loc.push(json!(variant)),
            serde_path_to_error::Segment::Unknown => {}
        }
    }
    if let Some(field) = error
        .strip_prefix("missing field `")
        .and_then(|r| r.split('`').next())
    {
        loc.push(json!(field));
        return Invalid::one(loc, "missing", "Field required");
    }
    if let Some((kind, message)) = error.split_once(TYPE_SEPARATOR) {
        return Invalid::one(loc, kind, message);
    }
    let kind = if error.contains("UUID") || error.contains("uuid") {
        "uuid_parsing"
    } else if error.starts_with("unknown variant") {
        "enum"
    } else if error.starts_with("invalid type") {
        "type_error"
    } else {
        "value_error"
    };
    Invalid::one(loc, kind, error)
}

/// Separates a FastAPI error type from its message in a custom serde error, so
/// [`detail`] can report both: `"greater_than_equal\u{1f}Input should be ..."`.
pub(crate) const TYPE_SEPARATOR: char = '\u{1f}';

/// Builds a serde error that [`detail`] reports with the FastAPI error type `kind`.
pub(crate) fn typed_error<E: serde::de::Error>(kind: &str, message: impl std::fmt::Display) -> E {
    E::custom(format!("{kind}{TYPE_SEPARATOR}{message}"))
}

/// Reads an optional integer of at least 1, such as `booked_hours`.
pub(crate) fn positive_u32<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u32>, D::Error> {
    let Some(value) = Option::<i64>::deserialize(deserializer)? else {
        return Ok(None);
    };
    if value < 1 {
        return Err(typed_error(
            "greater_than_equal",
            "Input should be greater than or equal to 1",
        ));
    }
    u32::try_from(value).map(Some).map_err(|_| {
        typed_error(
            "less_than_equal",
            "Input should be less than or equal to 4294967295",
        )
    })
}

/// Reads an optional `idempotency_key` body field: a string of at most 128 characters.
pub(crate) fn idempotency_key_field<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    let key = Option::<String>::deserialize(deserializer)?;
    if key.as_ref().is_some_and(|k| k.chars().count() > 128) {
        return Err(typed_error(
            "string_too_long",
            "String should have at most 128 characters",
        ));
    }
    Ok(key)
}

/// HTTP 413 with an envelope, for a body over [`MAX_BODY_BYTES`].
pub(crate) fn too_large() -> Response {
    let message = format!("request body is over {MAX_BODY_BYTES} bytes; send a smaller one");
    Fail::new(413, 1001, message).into_response()
}

/// A JSON body, rejected FastAPI-style when it does not match `T`.
pub(crate) struct Body422<T>(pub(crate) T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body422<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes =
            Bytes::from_request(request, state)
                .await
                .map_err(|rejection| match rejection.status() {
                    StatusCode::PAYLOAD_TOO_LARGE => too_large(),
                    _ => Fail::new(400, 1001, rejection.body_text()).into_response(),
                })?;
        if bytes.len() > MAX_BODY_BYTES {
            return Err(too_large());
        }
        let text = if bytes.is_empty() {
            b"null".as_slice()
        } else {
            &bytes
        };
        let mut deserializer = serde_json::Deserializer::from_slice(text);
        match serde_path_to_error::deserialize(&mut deserializer) {
            Ok(value) => Ok(Self(value)),
            Err(error) if error.inner().is_syntax() || error.inner().is_eof() => {
                let position = json!(error.inner().column());
                Err(Invalid::one(
                    vec![json!("body"), position],
                    "json_invalid",
                    "JSON decode error",
                )
                .into_response())
            }
            Err(error) if bytes.is_empty() => {
                let _ = error;
                Err(Invalid::one(vec![json!("body")], "missing", "Field required").into_response())
            }
            Err(error) => {
                Err(detail("body", error.path(), &error.inner().to_string()).into_response())
            }
        }
    }
}

/// Query parameters, rejected FastAPI-style when they do not match `T`.
pub(crate) struct Query422<T>(pub(crate) T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query422<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded_parse(query));
        serde_path_to_error::deserialize(deserializer)
            .map(Self)
            .map_err(|error| {
                detail("query", error.path(), &error.inner().to_string()).into_response()
            })
    }
}

fn form_urlencoded_parse(query: &str) -> form_urlencoded::Parse<'_> {
    form_urlencoded::parse(query.as_bytes())
}

/// Parses a path segment as a UUID, FastAPI-style.
pub(crate) fn path_uuid(name: &str, value: &str) -> Result<Uuid, Invalid> {
    Uuid::parse_str(value).map_err(|e| {
        Invalid::one(
            vec![json!("path"), json!(name)],
            "uuid_parsing",
            format!("Input should be a valid UUID, {e}"),
        )
    })
}

/// The authenticated caller, from `X-Api-Key` and `X-Platform-User-Id`.
pub(crate) struct Caller(pub(crate) Uuid);

impl FromRequestParts<AppState> for Caller {
    type Rejection = Fail;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (key, user) = credentials(&parts.headers, parts.uri.query());
        state
            .with(|store| store.authenticate(key.as_deref(), user.as_deref()))
            .map(Caller)
    }
}

/// The API key and user id of a request: from the headers, or from the `api_key` and
/// `user_id` query parameters that the MCP endpoint also accepts.
pub(crate) fn credentials(
    headers: &HeaderMap,
    query: Option<&str>,
) -> (Option<String>, Option<String>) {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let from_query = |name: &str| {
        form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let key = header("x-api-key").or_else(|| from_query("api_key"));
    let user = header("x-platform-user-id").or_else(|| from_query("user_id"));
    (key, user)
}

/// Replays the first response stored for (user, `Idempotency-Key`) on POST, PUT, PATCH
/// and DELETE, whatever the new body. A second request that arrives while the first is
/// still running waits for it and gets its response, so concurrent retries cannot
/// charge twice. 5xx and 429 responses are not stored, since they did nothing.
pub(crate) async fn idempotency(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mutating = matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    let key = request
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (api_key, user) = credentials(request.headers(), request.uri().query());
    let caller = state
        .with(|store| store.authenticate(api_key.as_deref(), user.as_deref()))
        .ok();
    let (Some(caller), true) = (caller, mutating) else {
        return next.run(request).await;
    };
    let (request, key) = match key {
        Some(key) => (request, key),
        None => match body_key(request).await {
            Ok((request, Some(key))) => (request, key),
            Ok((request, None)) => return next.run(request).await,
            Err(response) => return response,
        },
    };
    let slot = (caller, key);
    let deadline = tokio::time::Instant::now() + IN_FLIGHT_WAIT;
    loop {
        let claimed = state.with(|store| match store.idempotency.get(&slot) {
            Some(stored) if stored.status == 0 => None,
            Some(stored) if !stored.is_expired() => Some(Err(stored.clone())),
            // No response yet, or one past the 24-hour window: this request runs.
            _ => {
                let running = StoredResponse {
                    status: 0,
                    body: Bytes::new(),
                    stored_at: std::time::Instant::now(),
                };
                store.idempotency.insert(slot.clone(), running);
                Some(Ok(()))
            }
        });
        match claimed {
            Some(Ok(())) => break,
            Some(Err(stored)) => return replay(stored),
            None if tokio::time::Instant::now() >= deadline => {
                return Fail::new(
                    409,
                    4091,
                    "a request with this Idempotency-Key is still in progress; retry later",
                )
                .into_response();
            }
            None => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
    let response = next.run(request).await;
    if is_event_stream(&response) {
        // A stream cannot be stored and replayed; release the key instead.
        state.with(|store| store.idempotency.remove(&slot));
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let status = parts.status.as_u16();
    state.with(|store| {
        if status >= 500 || status == 429 {
            store.idempotency.remove(&slot);
        } else {
            let stored = StoredResponse {
                status,
                body: bytes.clone(),
                stored_at: std::time::Instant::now(),
            };
            store.idempotency.insert(slot, stored);
            store.prune_idempotency();
        }
    });
    Response::from_parts(parts, Body::from(bytes))
}

/// Reads the `idempotency_key` field of a JSON body, which the transactions, invoke,
/// data-API call and purchase bodies accept instead of the header. Returns the request
/// with its body put back.
async fn body_key(request: Request) -> Result<(Request, Option<String>), Response> {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| too_large())?;
    let key = serde_json::from_slice::<Value>(&bytes)
        .ok()
        .and_then(|value| value.get("idempotency_key")?.as_str().map(str::to_owned))
        .filter(|key| !key.is_empty());
    Ok((Request::from_parts(parts, Body::from(bytes)), key))
}

fn replay(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = (status, stored.body).into_response();
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}

fn is_event_stream(response: &Response) -> bool {
    response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"))
}
