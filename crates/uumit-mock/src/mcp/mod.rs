//! The platform's MCP server over the HTTP+SSE transport of protocol version 2024-11-05,
//! as the Python `mcp` package's `SseServerTransport` serves it.
//!
//! `GET /mcp/sse` opens a session: its event stream starts with an `endpoint` event
//! whose data is `/mcp/messages/?session_id=<32 lowercase hex>`, then carries every
//! reply as a `message` event, with a `: ping` comment every
//! [`MockConfig::mcp_ping_interval`](crate::MockConfig::mcp_ping_interval). Lines end in
//! CRLF. Clients POST JSON-RPC messages to the endpoint and get `202 Accepted` with an
//! empty body. rmcp runs the protocol, and [`tools`] defines the nine tools on top of
//! the same [`Store`](crate::Store) as the REST routes.

mod catalog;
mod session;
mod tools;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rmcp::model::ClientJsonRpcMessage;
use uuid::Uuid;

use crate::http::credentials;
use crate::server::AppState;

/// Path of the event stream.
const SSE_PATH: &str = "/mcp/sse";
/// Path clients POST their messages to, with `?session_id=`.
const MESSAGES_PATH: &str = "/mcp/messages/";

/// Builds the MCP routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(SSE_PATH, get(open_stream))
        .route(MESSAGES_PATH, post(post_message))
        .route("/mcp/messages", post(post_message))
}

/// State shared by the MCP sessions of one emulator.
#[derive(Clone, Debug)]
pub(crate) struct McpState {
    sessions: Arc<Mutex<HashMap<String, session::Session>>>,
    replays: Arc<Mutex<tools::Replays>>,
    ping_interval: Duration,
}

impl McpState {
    /// No sessions yet; the event streams send a `: ping` comment every `ping_interval`.
    pub(crate) fn new(ping_interval: Duration) -> Self {
        Self {
            sessions: Arc::default(),
            replays: Arc::default(),
            ping_interval,
        }
    }

    fn sessions(&self) -> std::sync::MutexGuard<'_, HashMap<String, session::Session>> {
        // A panic while the map was locked cannot leave it half-updated: every change
        // is a single insert or remove.
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `GET /mcp/sse`: authenticates the caller, starts an rmcp server for the session and
/// returns its event stream.
async fn open_stream(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let (api_key, user_id) = credentials(&headers, query.as_deref());
    let caller = match state.with(|s| s.authenticate(api_key.as_deref(), user_id.as_deref())) {
        Ok(caller) => caller,
        Err(fail) => return fail.into_response(),
    };

    let session_id = Uuid::new_v4().simple().to_string();
    let endpoint = format!("{MESSAGES_PATH}?session_id={session_id}");
    let body = session::open(state, caller, session_id, endpoint);

    let mut response = Response::new(Body::from_stream(body));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

/// `POST /mcp/messages/?session_id=`: hands one JSON-RPC message to its session.
async fn post_message(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let Some(raw_id) = query_value(query.as_deref(), "session_id") else {
        return plain(StatusCode::BAD_REQUEST, "session_id is required");
    };
    let Ok(session_id) = Uuid::parse_str(&raw_id) else {
        return plain(StatusCode::BAD_REQUEST, "Invalid session ID");
    };
    let session_id = session_id.simple().to_string();
    let Some(session) = state.mcp.sessions().get(&session_id).cloned() else {
        return plain(StatusCode::NOT_FOUND, "Could not find session");
    };
    if let Some(rejection) = reject_other_caller(&state, &headers, session.user) {
        return rejection;
    }

    let Ok(message) = serde_json::from_slice::<ClientJsonRpcMessage>(&body) else {
        return plain(StatusCode::BAD_REQUEST, "Could not parse message");
    };
    if session.incoming.send(message).await.is_err() {
        return plain(StatusCode::NOT_FOUND, "Could not find session");
    }
    StatusCode::ACCEPTED.into_response()
}

/// Rejects a POST whose credentials do not name the session's user. A POST needs no
/// credentials, because the session id went to the authenticated stream alone. Invalid
/// ones get 401, and another user's get the 404 of an unknown session.
fn reject_other_caller(state: &AppState, headers: &HeaderMap, owner: Uuid) -> Option<Response> {
    let (api_key, user_id) = credentials(headers, None);
    if api_key.is_none() && user_id.is_none() {
        return None;
    }
    match state.with(|s| s.authenticate(api_key.as_deref(), user_id.as_deref())) {
        Err(fail) => Some(fail.into_response()),
        Ok(caller) if caller != owner => {
            Some(plain(StatusCode::NOT_FOUND, "Could not find session"))
        }
        Ok(_) => None,
    }
}

fn query_value(query: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// Builds a `text/plain` response, as Starlette sends for these errors.
fn plain(status: StatusCode, text: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
}
