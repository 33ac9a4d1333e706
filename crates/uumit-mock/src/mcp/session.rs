//! One MCP session: the rmcp server behind it, the transport that links the server to
//! the message POSTs and the event stream, and the stream's wire format.

use std::convert::Infallible;
use std::future::Future;

use axum::body::Bytes;
use futures::Stream;
use rmcp::RoleServer;
use rmcp::model::ClientJsonRpcMessage;
use rmcp::service::{RxJsonRpcMessage, TxJsonRpcMessage};
use tokio::sync::mpsc;
use tokio::time::{Interval, MissedTickBehavior};
use uuid::Uuid;

use crate::mcp::tools::Tools;
use crate::server::AppState;

/// Messages a session buffers from POSTs before its server takes them.
const INCOMING_CAPACITY: usize = 32;
/// Replies a session buffers before its event stream sends them.
const OUTGOING_CAPACITY: usize = 32;

/// What the message endpoint needs to find a session.
#[derive(Clone, Debug)]
pub(super) struct Session {
    /// The user who opened the stream.
    pub(super) user: Uuid,
    /// Where POSTed messages go.
    pub(super) incoming: mpsc::Sender<ClientJsonRpcMessage>,
}

/// Registers a session, starts its rmcp server and returns the event stream's body.
/// Dropping the stream (the client went away) removes the session, which ends the
/// server.
pub(super) fn open(
    state: AppState,
    user: Uuid,
    session_id: String,
    endpoint: String,
) -> impl Stream<Item = Result<Bytes, Infallible>> + Send + 'static {
    let (incoming_tx, incoming_rx) = mpsc::channel(INCOMING_CAPACITY);
    let (outgoing_tx, outgoing_rx) = mpsc::channel(OUTGOING_CAPACITY);
    state.mcp.sessions().insert(
        session_id.clone(),
        Session {
            user,
            incoming: incoming_tx,
        },
    );

    let transport = SessionTransport {
        incoming: incoming_rx,
        outgoing: outgoing_tx,
    };
    let tools = Tools::new(state.clone(), user);
    tokio::spawn(run_server(tools, transport, session_id.clone()));

    let mut ping = tokio::time::interval_at(
        tokio::time::Instant::now() + state.mcp.ping_interval,
        state.mcp.ping_interval,
    );
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let stream = EventStream {
        endpoint: Some(endpoint),
        replies: outgoing_rx,
        ping,
        _guard: SessionGuard { state, session_id },
    };
    futures::stream::unfold(stream, |mut stream| async move {
        let chunk = stream.next_chunk().await?;
        Some((Ok(Bytes::from(chunk)), stream))
    })
}

async fn run_server(tools: Tools, transport: SessionTransport, session_id: String) {
    match rmcp::serve_server(tools, transport).await {
        Ok(running) => {
            let reason = running.waiting().await;
            tracing::debug!(%session_id, ?reason, "MCP session ended");
        }
        Err(error) => tracing::debug!(%session_id, %error, "MCP session ended before initialize"),
    }
}

/// The state of one event stream.
struct EventStream {
    endpoint: Option<String>,
    replies: mpsc::Receiver<String>,
    ping: Interval,
    _guard: SessionGuard,
}

impl EventStream {
    /// The next event or comment, or `None` when the server closed the session.
    async fn next_chunk(&mut self) -> Option<String> {
        if let Some(endpoint) = self.endpoint.take() {
            return Some(event("endpoint", &endpoint));
        }
        tokio::select! {
            reply = self.replies.recv() => reply.map(|data| event("message", &data)),
            _ = self.ping.tick() => Some(ping_comment()),
        }
    }
}

/// One SSE event with CRLF line endings; `data` never contains a line break here, since
/// it is a path or compact JSON.
fn event(name: &str, data: &str) -> String {
    format!("event: {name}\r\ndata: {data}\r\n\r\n")
}

/// The keep-alive comment, worded as sse-starlette words it.
fn ping_comment() -> String {
    let now = chrono::Utc::now().format("%Y-%m-%d %H:%M:%S%.6f+00:00");
    format!(": ping - {now}\r\n\r\n")
}

/// Removes the session from the registry when its stream is dropped; that drops the
/// last sender of its messages, so the server's transport ends and the server stops.
struct SessionGuard {
    state: AppState,
    session_id: String,
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        self.state.mcp.sessions().remove(&self.session_id);
    }
}

/// The rmcp transport of a session: messages from the POSTs in, replies to the event
/// stream out.
struct SessionTransport {
    incoming: mpsc::Receiver<ClientJsonRpcMessage>,
    outgoing: mpsc::Sender<String>,
}

/// The session's event stream is gone.
#[derive(Debug, thiserror::Error)]
#[error("the MCP session's event stream is closed")]
struct StreamClosed;

impl rmcp::transport::Transport<RoleServer> for SessionTransport {
    type Error = StreamClosed;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let outgoing = self.outgoing.clone();
        async move {
            let data = serde_json::to_string(&item).map_err(|error| {
                tracing::error!(%error, "cannot serialize an MCP reply");
                StreamClosed
            })?;
            outgoing.send(data).await.map_err(|_| StreamClosed)
        }
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        self.incoming.recv().await
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        self.incoming.close();
        Ok(())
    }
}
