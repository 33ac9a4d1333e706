//! The HTTP+SSE transport of MCP protocol version 2024-11-05, client side, as an rmcp
//! [`Transport`]. A GET opens an event stream whose first `endpoint` event names the URL
//! to POST messages to. Every reply comes back on the stream as a `message` event.

use std::collections::VecDeque;
use std::future::Future;
use std::time::Duration;

use futures::{Stream, StreamExt};
use http::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{StatusCode, Url};
use rmcp::RoleClient;
use rmcp::model::ServerJsonRpcMessage;
use rmcp::service::{RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;
use tokio::sync::mpsc;

use crate::error::{Error, ErrorKind};
use crate::sse::{Decoder, Event};

/// Replies buffered between the event stream and the rmcp service.
const REPLY_CAPACITY: usize = 32;

/// An open HTTP+SSE session: the event stream is read by a background task, messages
/// go out as POSTs to the announced endpoint. Dropping it closes the stream.
#[derive(Debug)]
pub struct SseClientTransport {
    http: reqwest::Client,
    endpoint: Url,
    headers: HeaderMap,
    replies: mpsc::Receiver<ServerJsonRpcMessage>,
    reader: tokio::task::JoinHandle<()>,
}

impl SseClientTransport {
    /// Opens the event stream at `url` and waits up to `endpoint_timeout` for its
    /// `endpoint` event. `headers` go with the GET and with every POST.
    ///
    /// # Errors
    ///
    /// The GET failing or returning anything but 200 with `text/event-stream`, the
    /// stream ending or `endpoint_timeout` passing before the `endpoint` event, and an
    /// endpoint that is not a valid URI or lies on another origin than `url`.
    pub async fn connect(
        http: reqwest::Client,
        url: Url,
        headers: HeaderMap,
        endpoint_timeout: Duration,
    ) -> Result<Self, Error> {
        let response = http
            .get(url.clone())
            .headers(headers.clone())
            .header(ACCEPT, "text/event-stream")
            .send()
            .await
            .map_err(|e| failed_request("open the MCP event stream at", &url, e))?;
        let response = check_stream_response(response, &url).await?;

        let mut events = decode(response).boxed();
        let endpoint = tokio::time::timeout(endpoint_timeout, read_endpoint(&mut events, &url))
            .await
            .map_err(|_| {
                Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "the MCP server at {} sent no endpoint event within {endpoint_timeout:?}; is this an HTTP+SSE (2024-11-05) MCP endpoint?",
                        redacted(&url)
                    ),
                )
            })??;

        let (sender, replies) = mpsc::channel(REPLY_CAPACITY);
        let reader = tokio::spawn(forward_messages(events, sender));
        tracing::debug!(endpoint = %redacted(&endpoint), "MCP session open");
        Ok(Self {
            http,
            endpoint,
            headers,
            replies,
            reader,
        })
    }

    /// The URL messages are POSTed to, as the server announced it.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }
}

impl Drop for SseClientTransport {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl Transport<RoleClient> for SseClientTransport {
    type Error = Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleClient>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let request = self
            .http
            .post(self.endpoint.clone())
            .headers(self.headers.clone())
            .json(&item);
        let endpoint = self.endpoint.clone();
        async move {
            let response = request
                .send()
                .await
                .map_err(|e| failed_request("POST an MCP message to", &endpoint, e))?;
            if response.status() == StatusCode::ACCEPTED {
                return Ok(());
            }
            Err(rejected_message(response, &endpoint).await)
        }
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleClient>> {
        self.replies.recv().await
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        self.reader.abort();
        self.replies.close();
        Ok(())
    }
}

/// Decodes the response body into SSE events with [`crate::sse::Decoder`].
fn decode(response: reqwest::Response) -> impl Stream<Item = Result<Event, Error>> + Send {
    let state = (
        response.bytes_stream().boxed(),
        Decoder::new(),
        VecDeque::<Event>::new(),
    );
    futures::stream::unfold(state, |(mut body, mut decoder, mut ready)| async move {
        loop {
            if let Some(event) = ready.pop_front() {
                return Some((Ok(event), (body, decoder, ready)));
            }
            let outcome = match body.next().await? {
                Ok(chunk) => decoder.push(&chunk).map_err(|e| {
                    Error::new(
                        ErrorKind::Transport,
                        format!("the MCP event stream is invalid: {e}"),
                    )
                }),
                Err(e) => Err(
                    Error::new(ErrorKind::Transport, "the MCP event stream broke").with_source(e),
                ),
            };
            match outcome {
                Ok(events) => ready.extend(events),
                Err(error) => {
                    // The stream cannot be decoded further: report once, then end.
                    let ended = futures::stream::empty().boxed();
                    return Some((Err(error), (ended, decoder, ready)));
                }
            }
        }
    })
}

async fn check_stream_response(
    response: reqwest::Response,
    url: &Url,
) -> Result<reqwest::Response, Error> {
    let status = response.status();
    if status != StatusCode::OK {
        let headers = response.headers().clone();
        let body = response.bytes().await.unwrap_or_default();
        let error = crate::transport::classify(status, &headers, &body).unwrap_or_else(|| {
            Error::new(ErrorKind::Http, format!("unexpected HTTP {status}")).with_status(status)
        });
        return Err(error.with_operation("mcp_connect"));
    }
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !content_type.starts_with("text/event-stream") {
        return Err(Error::new(
            ErrorKind::Http,
            format!(
                "the MCP endpoint {} answered with content type {content_type:?}, not text/event-stream; is it an HTTP+SSE (2024-11-05) MCP endpoint?",
                redacted(url)
            ),
        )
        .with_status(status));
    }
    Ok(response)
}

/// Reads events until `endpoint`, then resolves its data against `url` (RFC 3986, the
/// endpoint's query kept) and checks that it stays on `url`'s origin.
async fn read_endpoint(
    events: &mut (impl Stream<Item = Result<Event, Error>> + Unpin),
    url: &Url,
) -> Result<Url, Error> {
    while let Some(event) = events.next().await {
        let event = event?;
        if event.event != "endpoint" {
            tracing::debug!(event = %event.event, "MCP event before the endpoint event ignored");
            continue;
        }
        return resolve_endpoint(url, event.data.trim());
    }
    Err(Error::new(
        ErrorKind::Transport,
        format!(
            "the MCP server at {} closed the event stream before sending its endpoint event",
            redacted(url)
        ),
    ))
}

/// `reference` resolved against `base`, refused unless it has `base`'s scheme, host
/// and port, so credentials never go to another origin.
pub(crate) fn resolve_endpoint(base: &Url, reference: &str) -> Result<Url, Error> {
    let endpoint = base.join(reference).map_err(|e| {
        Error::new(
            ErrorKind::Transport,
            format!("the MCP server announced an invalid endpoint {reference:?}: {e}"),
        )
    })?;
    if endpoint.origin() != base.origin() {
        return Err(Error::new(
            ErrorKind::Transport,
            format!(
                "refusing the MCP endpoint {}: it is on another origin than the event stream {}, and the credentials must not leave that origin",
                redacted(&endpoint),
                base.origin().ascii_serialization()
            ),
        ));
    }
    Ok(endpoint)
}

/// Hands every `message` event to the rmcp service until the stream ends or the
/// service stops listening.
async fn forward_messages(
    mut events: impl Stream<Item = Result<Event, Error>> + Unpin,
    replies: mpsc::Sender<ServerJsonRpcMessage>,
) {
    while let Some(event) = events.next().await {
        let event = match event {
            Ok(event) => event,
            Err(error) => {
                tracing::debug!(%error, "MCP event stream ended with an error");
                return;
            }
        };
        if event.event != "message" {
            tracing::debug!(event = %event.event, "unexpected MCP event ignored");
            continue;
        }
        match serde_json::from_str::<ServerJsonRpcMessage>(&event.data) {
            Ok(message) => {
                if replies.send(message).await.is_err() {
                    return;
                }
            }
            Err(error) => tracing::debug!(%error, "MCP message that is not JSON-RPC ignored"),
        }
    }
    tracing::debug!("MCP event stream closed by the server");
}

async fn rejected_message(response: reqwest::Response, endpoint: &Url) -> Error {
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    let hint = if status == StatusCode::NOT_FOUND {
        "; the session is gone (the server restarted or closed it), connect again"
    } else {
        ""
    };
    Error::new(
        ErrorKind::Http,
        format!(
            "the MCP server rejected a message POSTed to {} with HTTP {status} (expected 202 Accepted): {}{hint}",
            redacted(endpoint),
            body.trim()
        ),
    )
    .with_status(status)
    .with_body(body.as_bytes())
}

fn failed_request(action: &str, url: &Url, error: reqwest::Error) -> Error {
    let kind = if error.is_timeout() {
        ErrorKind::Timeout
    } else {
        ErrorKind::Transport
    };
    Error::new(kind, format!("cannot {action} {}", redacted(url))).with_source(error)
}

/// `url` without its query, which may carry an API key or a session id.
pub(crate) fn redacted(url: &Url) -> String {
    let mut printable = url.clone();
    printable.set_query(None);
    printable.set_fragment(None);
    let _ = printable.set_password(None);
    printable.to_string()
}

/// Marks credential header values sensitive so they stay out of debug output.
pub(crate) fn sensitive(value: &str) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(value).ok()?;
    value.set_sensitive(true);
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(base: &str, reference: &str) -> Result<String, Error> {
        resolve_endpoint(&Url::parse(base).unwrap(), reference).map(|u| u.to_string())
    }

    #[test]
    fn endpoint_absolute_path_keeps_query() {
        let resolved = resolve(
            "http://127.0.0.1:8080/mcp/sse?api_key=k",
            "/mcp/messages/?session_id=0a1b",
        );
        assert_eq!(
            resolved.unwrap(),
            "http://127.0.0.1:8080/mcp/messages/?session_id=0a1b"
        );
    }

    #[test]
    fn endpoint_relative_path_resolves_against_stream() {
        let resolved = resolve("http://127.0.0.1:8080/prefix/sse", "messages/?session_id=1");
        assert_eq!(
            resolved.unwrap(),
            "http://127.0.0.1:8080/prefix/messages/?session_id=1"
        );
    }

    #[test]
    fn endpoint_on_other_origin_is_refused() {
        let base = "http://127.0.0.1:8080/mcp/sse";
        for reference in [
            "//localhost:8080/mcp/messages/",
            "https://127.0.0.1:8080/mcp/messages/",
            "http://127.0.0.1:8081/mcp/messages/",
        ] {
            let error = resolve(base, reference).unwrap_err();
            assert!(
                error.message().contains("another origin"),
                "{reference}: {error}"
            );
        }
    }
}
