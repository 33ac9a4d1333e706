//! The A2A JSON-RPC 2.0 client of `POST /a2a`: `tasks/send`, `tasks/get`,
//! `tasks/cancel` and `tasks/sendSubscribe`.
//!
//! Each call is one JSON-RPC request in one POST; replies are bare JSON-RPC, never the
//! platform's envelope. A JSON-RPC error comes back as an [`Error`] of kind
//! [`JsonRpc`](ErrorKind::JsonRpc) whose [`code`](Error::code) is the JSON-RPC code
//! ([`RpcErrorCode::of`] names it) and whose [`data`](Error::data) is the error's `data`.
//! Bad credentials are HTTP 401 with a platform envelope, as on every other route.
//!
//! ```no_run
//! # async fn run(client: uumit::Client, capability_id: &str) -> uumit::Result<()> {
//! use uumit::a2a::{SendParams, TaskState};
//!
//! let a2a = client.a2a();
//! let task = a2a.send(SendParams::new(capability_id)).await?;
//! println!("task {} is {}", task.id, task.status.state);
//!
//! let mut updates = a2a.subscribe(&task.id).await?;
//! while let Some(task) = updates.next().await? {
//!     println!("now {}", task.status.state);
//! }
//! // `next` returned Ok(None): the last task seen had a terminal state.
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::time::Duration;

use http::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uumit_api::ClientInfo;

use crate::error::{Error, ErrorKind, Result};
use crate::sse::{EventStream, StreamOptions};

/// Path of the JSON-RPC endpoint.
const A2A_PATH: &str = "/a2a";
/// Time allowed for one subscription, which replaces the client's per-request timeout.
const SUBSCRIPTION_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// Largest JSON-RPC reply read, in bytes.
const MAX_REPLY_BYTES: usize = 8 << 20;

/// A JSON-RPC request id. Numbers and strings stay apart, as JSON-RPC requires, but a
/// reply id matches a request id that differs only in that (`0` and `"0"`), because
/// some servers echo numbers as strings.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Id {
    /// A numeric id.
    Number(i64),
    /// A string id.
    String(String),
}

impl Id {
    /// Reports whether a reply with id `self` is the reply to the request with id `request`.
    pub fn answers(&self, request: &Id) -> bool {
        match (self, request) {
            (Id::Number(a), Id::Number(b)) => a == b,
            (Id::String(a), Id::String(b)) => a == b,
            (Id::Number(n), Id::String(s)) | (Id::String(s), Id::Number(n)) => *s == n.to_string(),
        }
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Id::Number(n) => write!(f, "{n}"),
            Id::String(s) => write!(f, "{s:?}"),
        }
    }
}

impl From<i64> for Id {
    fn from(n: i64) -> Self {
        Id::Number(n)
    }
}

impl From<&str> for Id {
    fn from(s: &str) -> Self {
        Id::String(s.to_owned())
    }
}

/// The JSON-RPC and A2A error codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RpcErrorCode {
    /// -32700: the request is not valid JSON.
    ParseError,
    /// -32600: the request is not a JSON-RPC request.
    InvalidRequest,
    /// -32601: no such method.
    MethodNotFound,
    /// -32602: the params are invalid; `data.detail` explains why.
    InvalidParams,
    /// -32603: the server failed.
    InternalError,
    /// -32001: no task with that id.
    TaskNotFound,
    /// -32002: the task's state does not allow cancelling it.
    TaskNotCancelable,
    /// -32003: push notifications are not supported.
    PushNotificationNotSupported,
    /// -32004: the operation is not supported.
    UnsupportedOperation,
    /// -32005: the content type is not supported.
    ContentTypeNotSupported,
    /// Any other code, kept as sent.
    Other(i64),
}

impl RpcErrorCode {
    /// The code as sent on the wire.
    pub fn value(self) -> i64 {
        match self {
            Self::ParseError => -32700,
            Self::InvalidRequest => -32600,
            Self::MethodNotFound => -32601,
            Self::InvalidParams => -32602,
            Self::InternalError => -32603,
            Self::TaskNotFound => -32001,
            Self::TaskNotCancelable => -32002,
            Self::PushNotificationNotSupported => -32003,
            Self::UnsupportedOperation => -32004,
            Self::ContentTypeNotSupported => -32005,
            Self::Other(code) => code,
        }
    }

    /// The JSON-RPC code of an error of kind [`JsonRpc`](ErrorKind::JsonRpc).
    pub fn of(error: &Error) -> Option<Self> {
        (error.kind() == ErrorKind::JsonRpc)
            .then(|| error.code())
            .flatten()
            .map(Self::from)
    }
}

impl From<i64> for RpcErrorCode {
    fn from(code: i64) -> Self {
        match code {
            -32700 => Self::ParseError,
            -32600 => Self::InvalidRequest,
            -32601 => Self::MethodNotFound,
            -32602 => Self::InvalidParams,
            -32603 => Self::InternalError,
            -32001 => Self::TaskNotFound,
            -32002 => Self::TaskNotCancelable,
            -32003 => Self::PushNotificationNotSupported,
            -32004 => Self::UnsupportedOperation,
            -32005 => Self::ContentTypeNotSupported,
            other => Self::Other(other),
        }
    }
}

/// The A2A state of a task.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskState {
    /// Created, funds not yet frozen (`pending_freeze`).
    Submitted,
    /// Frozen or accepted by the seller.
    Working,
    /// Delivered; the buyer must confirm.
    InputRequired,
    /// Settled: the seller was paid.
    Completed,
    /// Rejected by the seller.
    Failed,
    /// Cancelled by the buyer.
    Canceled,
    /// A state this client does not know, kept as sent.
    Unknown(String),
}

impl TaskState {
    /// The state's wire name.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Submitted => "submitted",
            Self::Working => "working",
            Self::InputRequired => "input-required",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Canceled => "canceled",
            Self::Unknown(other) => other,
        }
    }

    /// Whether the task can change no more: completed, failed or canceled, and the
    /// A2A states `rejected` and `cancelled`.
    pub fn is_terminal(&self) -> bool {
        match self {
            Self::Completed | Self::Failed | Self::Canceled => true,
            Self::Unknown(other) => matches!(other.as_str(), "rejected" | "cancelled"),
            _ => false,
        }
    }
}

impl From<&str> for TaskState {
    fn from(name: &str) -> Self {
        match name {
            "submitted" => Self::Submitted,
            "working" => Self::Working,
            "input-required" => Self::InputRequired,
            "completed" => Self::Completed,
            "failed" => Self::Failed,
            "canceled" => Self::Canceled,
            other => Self::Unknown(other.to_owned()),
        }
    }
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TaskState {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Ok(Self::from(name.as_str()))
    }
}

/// A task's status: the platform sends a bare state name, standard A2A servers an
/// object `{state, message?, timestamp?}`; both read into this.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskStatus {
    /// The state.
    pub state: TaskState,
    /// The status message, as sent.
    pub message: Option<Value>,
    /// When the state was entered, as sent (ISO-8601).
    pub timestamp: Option<String>,
}

impl<'de> Deserialize<'de> for TaskStatus {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Wire {
            Name(TaskState),
            Object {
                state: TaskState,
                #[serde(default)]
                message: Option<Value>,
                #[serde(default)]
                timestamp: Option<String>,
            },
        }
        Ok(match Wire::deserialize(deserializer)? {
            Wire::Name(state) => TaskStatus {
                state,
                message: None,
                timestamp: None,
            },
            Wire::Object {
                state,
                message,
                timestamp,
            } => TaskStatus {
                state,
                message,
                timestamp,
            },
        })
    }
}

/// A task: the A2A view of a transaction.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Task {
    /// The task id, which is the transaction id.
    pub id: String,
    /// The A2A status.
    pub status: TaskStatus,
    /// The platform's transaction status (`pending_freeze`, `frozen`, ...), as sent.
    #[serde(default)]
    pub transaction_status: Option<String>,
    /// The capability bought.
    #[serde(default)]
    pub capability_id: Option<String>,
    /// The price in UT.
    #[serde(default)]
    pub price_ut: Option<crate::Money>,
    /// Creation time, ISO-8601.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Time of the last change, ISO-8601.
    #[serde(default)]
    pub updated_at: Option<String>,
    /// The seller's deliverables, as sent.
    #[serde(default)]
    pub artifacts: Option<Vec<Value>>,
}

/// Params of `tasks/send`.
#[derive(Clone, Debug, Default, Serialize)]
#[must_use]
pub struct SendParams {
    capability_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    booked_hours: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    demand_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    context_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<Value>,
    #[serde(skip)]
    idempotency_key: Option<String>,
    #[serde(skip)]
    resend_after_write: bool,
}

impl SendParams {
    /// A purchase of the capability `capability_id`.
    pub fn new(capability_id: impl Into<String>) -> Self {
        Self {
            capability_id: capability_id.into(),
            ..Self::default()
        }
    }

    /// Hours booked, for `per_hour` capabilities. Default none.
    pub fn booked_hours(mut self, hours: u32) -> Self {
        self.booked_hours = Some(hours);
        self
    }

    /// The demand the purchase fulfils. Default none.
    pub fn demand_id(mut self, id: impl Into<String>) -> Self {
        self.demand_id = Some(id.into());
        self
    }

    /// The conversation context. Default none.
    pub fn context_id(mut self, id: impl Into<String>) -> Self {
        self.context_id = Some(id.into());
        self
    }

    /// A text message to the seller, sent as `{parts: [{type: "text", text}]}`.
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.message = Some(json!({"parts": [{"type": "text", "text": text.into()}]}));
        self
    }

    /// Extra metadata; the idempotency key is added under `uuagent`.
    pub fn metadata(mut self, metadata: Value) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// The idempotency key, sent in `metadata.uuagent.idempotency_key` and the
    /// `Idempotency-Key` header. Default: a new UUID per call.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Sends the request again after a failure that may have happened once the server
    /// read it. Default false: only a request that never left is sent again. The
    /// idempotency key makes a repeat safe on the platform.
    pub fn resend_after_write(mut self, resend: bool) -> Self {
        self.resend_after_write = resend;
        self
    }

    fn into_wire(mut self, key: &str) -> Value {
        let mut metadata = match self.metadata.take() {
            Some(Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        };
        let uuagent = metadata.entry("uuagent").or_insert_with(|| json!({}));
        if let Value::Object(fields) = uuagent {
            fields.insert("idempotency_key".into(), json!(key));
        }
        self.metadata = Some(Value::Object(metadata));
        serde_json::to_value(&self).unwrap_or(Value::Null)
    }
}

/// When a call may be sent again after a failure.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Resend {
    /// After any retryable failure (reads).
    Always,
    /// Only when the request never reached the server (a refused connection).
    BeforeWrite,
}

/// The A2A client; get one from [`Client::a2a`](crate::Client::a2a).
#[derive(Clone, Debug)]
pub struct A2aClient {
    client: crate::Client,
}

impl crate::Client {
    /// The A2A JSON-RPC client, sharing this client's connections and credentials.
    pub fn a2a(&self) -> A2aClient {
        A2aClient {
            client: self.clone(),
        }
    }
}

impl A2aClient {
    /// `tasks/send`: buys a capability and returns the new task. Funds are not frozen
    /// yet; the task starts `submitted`.
    ///
    /// # Errors
    ///
    /// A [`JsonRpc`](ErrorKind::JsonRpc) error from the server, or a transport or
    /// decode failure.
    pub async fn send(&self, params: SendParams) -> Result<Task> {
        let key = params
            .idempotency_key
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        // A key the header cannot carry fails here, before anything is sent.
        crate::transport::idempotency_header(&key)?;
        let resend = if params.resend_after_write {
            Resend::Always
        } else {
            Resend::BeforeWrite
        };
        let wire = params.into_wire(&key);
        self.call("tasks/send", wire, Some(&key), resend).await
    }

    /// `tasks/get`: the task's current state. Retried on transient failures.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send); [`RpcErrorCode::TaskNotFound`] for an unknown id.
    pub async fn get(&self, id: &str) -> Result<Task> {
        self.call("tasks/get", json!({"id": id}), None, Resend::Always)
            .await
    }

    /// `tasks/cancel`: cancels a task that is still submitted or working (frozen).
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send); [`RpcErrorCode::TaskNotCancelable`] once the seller
    /// has accepted.
    pub async fn cancel(&self, id: &str) -> Result<Task> {
        self.call("tasks/cancel", json!({"id": id}), None, Resend::BeforeWrite)
            .await
    }

    /// `tasks/sendSubscribe`: follows a task until its state is terminal.
    ///
    /// # Errors
    ///
    /// The JSON-RPC error when the server returns JSON instead of an event
    /// stream, or the platform's error for any other refusal.
    pub async fn subscribe(&self, id: &str) -> Result<Subscription> {
        let request_id = Id::String(format!("sub-{}", uuid::Uuid::new_v4()));
        let body = request_body(&request_id, "tasks/sendSubscribe", json!({"id": id}));
        let request = self
            .request(&body, None)?
            .header(ACCEPT, "text/event-stream")
            .timeout(SUBSCRIPTION_LIFETIME)
            .build()
            .map_err(build_error)?;
        let response = self.execute(request).await?;
        let status = response.status();
        if status == StatusCode::OK && crate::sse::is_event_stream(response.headers()) {
            let options = StreamOptions::new().reconnect(false).idle_timeout(None);
            let events = EventStream::from_response(&self.client, response, options);
            return Ok(Subscription {
                events,
                request_id,
                last: None,
            });
        }
        if status == StatusCode::OK {
            let body = crate::sse::read_limited(response).await;
            let error = match parse_reply(&body, &request_id) {
                Err(error) => error,
                Ok(_) => Error::new(
                    ErrorKind::Http,
                    "tasks/sendSubscribe answered a JSON result instead of an event stream",
                )
                .with_body(&body),
            };
            return Err(error.with_status(status));
        }
        Err(crate::sse::refused(response).await)
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: &'static str,
        params: Value,
        key: Option<&str>,
        resend: Resend,
    ) -> Result<T> {
        // The platform replays the first response stored for an idempotency key, with
        // the first request's id; deriving the id from the key keeps a replay matching.
        let id = match key {
            Some(key) => Id::String(format!("{method}:{key}")),
            None => Id::String(uuid::Uuid::new_v4().to_string()),
        };
        let body = request_body(&id, method, params);
        let policy = self.client.config.retry.clone();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let error = match self.attempt(&body, &id, key).await {
                Ok(result) => {
                    // A reply that does not decode may follow a purchase, so its error
                    // keeps the key too.
                    return decode_result(result, method).map_err(|error| {
                        let key = key.map(str::to_owned);
                        error.with_attempts(attempt).with_idempotency_key(key)
                    });
                }
                Err(error) => error,
            };
            let may_resend = match resend {
                Resend::Always => error.is_retryable(),
                Resend::BeforeWrite => error.kind() == ErrorKind::Transport && is_connect(&error),
            };
            let delay = crate::retry::delay(&policy, attempt, error.retry_after());
            match delay {
                Some(delay) if may_resend && attempt <= policy.max_retries => {
                    tracing::debug!(method, attempt, %error, "retrying JSON-RPC call");
                    tokio::time::sleep(delay).await;
                }
                _ => {
                    let key = key.map(str::to_owned);
                    return Err(error.with_attempts(attempt).with_idempotency_key(key));
                }
            }
        }
    }

    async fn attempt(&self, body: &Value, id: &Id, key: Option<&str>) -> Result<Value> {
        let request = self
            .request(body, key)?
            .header(ACCEPT, "application/json")
            .build()
            .map_err(build_error)?;
        let response = self
            .client
            .raw()
            .client()
            .execute(request)
            .await
            .map_err(|e| {
                crate::transport::exchange_failure(&e, self.client.base_url()).with_source(e)
            })?;
        let status = response.status();
        if status.is_success() && status != StatusCode::OK {
            let body = crate::sse::read_limited(response).await;
            let message = format!(
                "unexpected HTTP {} for a JSON-RPC call, which expects 200",
                status.as_u16()
            );
            return Err(Error::new(ErrorKind::Http, message)
                .with_status(status)
                .with_body(&body));
        }
        if status != StatusCode::OK {
            return Err(crate::sse::refused(response).await);
        }
        let bytes = read_reply(response).await?;
        parse_reply(&bytes, id).map_err(|e| e.with_status(status))
    }

    fn request(&self, body: &Value, key: Option<&str>) -> Result<reqwest::RequestBuilder> {
        let url = self.client.base_url().join(A2A_PATH).map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!("cannot join {A2A_PATH} to the base URL: {e}"),
            )
        })?;
        let bytes = serde_json::to_vec(body).map_err(|e| {
            Error::new(
                ErrorKind::InvalidRequest,
                "the JSON-RPC params do not serialize",
            )
            .with_source(e)
        })?;
        let mut headers = http::HeaderMap::new();
        self.client.add_credentials(&mut headers);
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(key) = key {
            let value = crate::transport::idempotency_header(key)?;
            headers.insert("idempotency-key", value);
        }
        Ok(self
            .client
            .raw()
            .client()
            .post(url)
            .headers(headers)
            .body(bytes))
    }

    async fn execute(&self, request: reqwest::Request) -> Result<reqwest::Response> {
        self.client
            .raw()
            .client()
            .execute(request)
            .await
            .map_err(|e| crate::sse::connect_error(&self.client, e))
    }
}

/// Whether a transport error happened before the request was written: the connection
/// was never made.
fn is_connect(error: &Error) -> bool {
    std::error::Error::source(error)
        .and_then(|s| s.downcast_ref::<reqwest::Error>())
        .is_some_and(reqwest::Error::is_connect)
}

fn build_error(error: reqwest::Error) -> Error {
    Error::new(
        ErrorKind::InvalidRequest,
        "cannot build the JSON-RPC request",
    )
    .with_source(error)
}

fn request_body(id: &Id, method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

async fn read_reply(mut response: reqwest::Response) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) if body.len() + chunk.len() > MAX_REPLY_BYTES => {
                return Err(Error::new(
                    ErrorKind::Decode,
                    format!("the JSON-RPC reply exceeds {MAX_REPLY_BYTES} bytes"),
                ));
            }
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) => return Ok(body),
            Err(error) => {
                return Err(Error::new(
                    ErrorKind::Transport,
                    "the connection closed before the whole JSON-RPC reply arrived",
                )
                .with_source(error));
            }
        }
    }
}

fn decode_result<T: serde::de::DeserializeOwned>(result: Value, method: &str) -> Result<T> {
    serde_path_to_error::deserialize(result).map_err(|e| {
        let path = e.path().to_string();
        Error::new(
            ErrorKind::Decode,
            format!("the {method} result does not match the A2A task shape"),
        )
        .with_decode_path(format!("result.{path}"))
        .with_source(e.into_inner())
    })
}

/// Parses one JSON-RPC reply to the request `id`: its `result`, or its `error` as an
/// [`Error`] of kind [`JsonRpc`](ErrorKind::JsonRpc).
///
/// # Errors
///
/// The JSON-RPC error, or a [`Decode`](ErrorKind::Decode) error when the reply is not
/// JSON, is not a JSON-RPC 2.0 response, has both or neither of `result` and `error`, or
/// answers another id.
pub fn parse_reply(bytes: &[u8], id: &Id) -> Result<Value> {
    let invalid = |why: &str| {
        Error::new(ErrorKind::Decode, format!("invalid JSON-RPC reply: {why}")).with_body(bytes)
    };
    let reply: Value = serde_json::from_slice(bytes).map_err(|_| invalid("not JSON"))?;
    let Value::Object(mut fields) = reply else {
        return Err(invalid("not a JSON object"));
    };
    if fields.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(invalid("`jsonrpc` is not \"2.0\""));
    }
    let reply_id: Option<Id> = fields
        .get("id")
        .cloned()
        .and_then(|v| serde_json::from_value(v).ok());
    match (fields.remove("result"), fields.remove("error")) {
        (Some(_), Some(_)) => Err(invalid("it has both `result` and `error`")),
        (None, None) => Err(invalid("it has neither `result` nor `error`")),
        (Some(result), None) => match reply_id {
            Some(reply_id) if reply_id.answers(id) => Ok(result),
            _ => Err(invalid(&format!(
                "its id does not match the request id {id}"
            ))),
        },
        (None, Some(error)) => Err(rpc_error(error, reply_id.as_ref(), id, &invalid)),
    }
}

/// Turns a JSON-RPC error object into an [`Error`]. A null id is allowed, since a
/// server that could not read the request cannot know it.
fn rpc_error(
    error: Value,
    reply_id: Option<&Id>,
    id: &Id,
    invalid: &dyn Fn(&str) -> Error,
) -> Error {
    if reply_id.is_some_and(|r| !r.answers(id)) {
        return invalid(&format!("its id does not match the request id {id}"));
    }
    let code = error.get("code").and_then(Value::as_i64);
    let message = error.get("message").and_then(Value::as_str);
    let (Some(code), Some(message)) = (code, message) else {
        return invalid("`error` lacks an integer `code` or a string `message`");
    };
    Error::new(ErrorKind::JsonRpc, message)
        .with_code(code)
        .with_data(error.get("data").cloned())
}

/// The updates of a task from `tasks/sendSubscribe`.
#[derive(Debug)]
pub struct Subscription {
    events: EventStream,
    request_id: Id,
    last: Option<Task>,
}

impl Subscription {
    /// The next state of the task, or `Ok(None)` after a terminal one.
    ///
    /// # Errors
    ///
    /// The JSON-RPC error an event carries; a [`Decode`](ErrorKind::Decode) error for
    /// an event that is not a JSON-RPC reply to the subscription; a
    /// [`StreamEnded`](ErrorKind::StreamEnded) error when the stream ends before a
    /// terminal state.
    pub async fn next(&mut self) -> Result<Option<Task>> {
        if self
            .last
            .as_ref()
            .is_some_and(|t| t.status.state.is_terminal())
        {
            return Ok(None);
        }
        let Some(event) = self.events.next().await else {
            let state = self.last.as_ref().map(|t| t.status.state.as_str());
            return Err(Error::new(
                ErrorKind::StreamEnded,
                format!(
                    "the task subscription ended before a terminal state (last state: {})",
                    state.unwrap_or("none received")
                ),
            ));
        };
        let event = event?;
        let result = parse_reply(event.data.as_bytes(), &self.request_id)?;
        let task: Task = decode_result(result, "tasks/sendSubscribe")?;
        self.last = Some(task.clone());
        Ok(Some(task))
    }

    /// Reads to the end and returns the terminal task.
    ///
    /// # Errors
    ///
    /// As [`next`](Self::next).
    pub async fn finish(mut self) -> Result<Task> {
        while self.next().await?.is_some() {}
        self.last.ok_or_else(|| {
            Error::new(
                ErrorKind::StreamEnded,
                "the task subscription delivered no task",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_keep_kinds_apart_but_match_echoes() {
        let number: Id = serde_json::from_str("0").unwrap();
        let string: Id = serde_json::from_str("\"0\"").unwrap();
        assert_eq!(number, Id::Number(0));
        assert_eq!(string, Id::String("0".into()));
        assert_ne!(number, string);
        assert!(string.answers(&number));
        assert!(number.answers(&string));
        assert!(!Id::String("01".into()).answers(&Id::Number(1)));
    }

    #[test]
    fn reply_with_result_and_error_is_invalid() {
        let id = Id::Number(1);
        let both = br#"{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"x"}}"#;
        assert_eq!(
            parse_reply(both, &id).unwrap_err().kind(),
            ErrorKind::Decode
        );
        let neither = br#"{"jsonrpc":"2.0","id":1}"#;
        assert_eq!(
            parse_reply(neither, &id).unwrap_err().kind(),
            ErrorKind::Decode
        );
        let wrong_id = br#"{"jsonrpc":"2.0","id":2,"result":{}}"#;
        assert_eq!(
            parse_reply(wrong_id, &id).unwrap_err().kind(),
            ErrorKind::Decode
        );
        let echoed = br#"{"jsonrpc":"2.0","id":"1","result":{"a":1}}"#;
        assert_eq!(parse_reply(echoed, &id).unwrap()["a"], 1);
    }

    #[test]
    fn error_codes_typed_and_unknown_kept() {
        let id = Id::Number(7);
        let body = br#"{"jsonrpc":"2.0","id":7,"error":{"code":-32602,"message":"bad","data":{"detail":"id missing"}}}"#;
        let error = parse_reply(body, &id).unwrap_err();
        assert_eq!(RpcErrorCode::of(&error), Some(RpcErrorCode::InvalidParams));
        assert_eq!(error.data().unwrap()["detail"], "id missing");
        let body =
            br#"{"jsonrpc":"2.0","id":null,"error":{"code":-31999,"message":"new","data":[1,2]}}"#;
        let error = parse_reply(body, &id).unwrap_err();
        assert_eq!(RpcErrorCode::of(&error), Some(RpcErrorCode::Other(-31999)));
        assert_eq!(error.data().unwrap(), &json!([1, 2]));
        for code in [
            -32700, -32600, -32601, -32603, -32001, -32002, -32003, -32004, -32005,
        ] {
            assert_eq!(RpcErrorCode::from(code).value(), code);
            assert!(!matches!(RpcErrorCode::from(code), RpcErrorCode::Other(_)));
        }
    }

    #[test]
    fn status_as_string_or_object() {
        let plain: Task = serde_json::from_value(json!({"id": "t", "status": "working"})).unwrap();
        assert_eq!(plain.status.state, TaskState::Working);
        let object: Task = serde_json::from_value(json!({
            "id": "t",
            "status": {"state": "input-required", "message": {"parts": []}, "timestamp": "2026-01-01T00:00:00Z"}
        }))
        .unwrap();
        assert_eq!(object.status.state, TaskState::InputRequired);
        assert_eq!(
            object.status.timestamp.as_deref(),
            Some("2026-01-01T00:00:00Z")
        );
        let unknown: Task =
            serde_json::from_value(json!({"id": "t", "status": "auth-required"})).unwrap();
        assert_eq!(
            unknown.status.state,
            TaskState::Unknown("auth-required".into())
        );
        assert!(!unknown.status.state.is_terminal());
    }

    #[test]
    fn send_params_carry_key_in_metadata() {
        let wire = SendParams::new("cap")
            .metadata(json!({"trace": "t1"}))
            .booked_hours(2)
            .into_wire("k-1");
        assert_eq!(wire["metadata"]["uuagent"]["idempotency_key"], "k-1");
        assert_eq!(wire["metadata"]["trace"], "t1");
        assert_eq!(wire["booked_hours"], 2);
        assert!(wire.get("demand_id").is_none());
    }

    /// A fixed-budget fuzz loop over the reply parser: arbitrary bytes, and mutations of
    /// valid replies, must give a value or an error and never panic.
    #[test]
    fn fuzz_reply_parser_never_panics() {
        let seeds: [&[u8]; 3] = [
            br#"{"jsonrpc":"2.0","id":1,"result":{"id":"t","status":"working"}}"#,
            br#"{"jsonrpc":"2.0","id":"1","error":{"code":-32001,"message":"x","data":null}}"#,
            br#"{"jsonrpc":"2.0","id":null,"error":{"code":1e400,"message":[]}}"#,
        ];
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let id = Id::Number(1);
        for round in 0..30_000 {
            let mut bytes = seeds[round % seeds.len()].to_vec();
            for _ in 0..(next() % 6) {
                let at = next() as usize % (bytes.len() + 1);
                match next() % 3 {
                    0 if at < bytes.len() => bytes[at] = next() as u8,
                    1 => bytes.insert(at, next() as u8),
                    _ => bytes.truncate(at),
                }
            }
            if round % 5 == 0 {
                bytes = (0..next() % 64).map(|_| next() as u8).collect();
            }
            if let Ok(result) = parse_reply(&bytes, &id) {
                let _ = decode_result::<Task>(result, "tasks/get");
            }
        }
    }
}
