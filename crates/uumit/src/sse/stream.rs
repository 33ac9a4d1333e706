//! [`EventStream`]: an event stream over HTTP that reconnects and resumes.

use std::collections::VecDeque;
use std::time::Duration;

use bytes::Bytes;
use http::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};

use uumit_api::ClientInfo;

use super::{Decoder, Event};
use crate::error::{Error, ErrorKind, Result};

/// Time allowed for a whole streamed response, which replaces the client's per-request
/// timeout: an open stream is bounded by the idle timeout instead.
const STREAM_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);
/// Largest error body read when a stream is refused, in bytes.
const MAX_ERROR_BODY: usize = 64 << 10;

/// The way a reconnect sends the server the id of the last event received.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resume {
    /// The standard `Last-Event-ID` header.
    Header,
    /// A query parameter of this name, such as the agent runtime's `last_event_id`.
    Query(String),
}

/// Settings of an [`EventStream`].
#[derive(Clone, Debug)]
#[must_use]
pub struct StreamOptions {
    reconnect: bool,
    max_reconnects: u32,
    initial_delay: Duration,
    max_delay: Duration,
    idle_timeout: Option<Duration>,
    resume: Resume,
    max_line_bytes: usize,
    max_event_bytes: usize,
}

impl Default for StreamOptions {
    fn default() -> Self {
        Self {
            reconnect: true,
            max_reconnects: 5,
            initial_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            idle_timeout: Some(Duration::from_secs(90)),
            resume: Resume::Header,
            max_line_bytes: super::DEFAULT_MAX_LINE_BYTES,
            max_event_bytes: super::DEFAULT_MAX_EVENT_BYTES,
        }
    }
}

impl StreamOptions {
    /// Options with every setting at its default.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a dropped connection is reopened. Default true.
    pub fn reconnect(mut self, reconnect: bool) -> Self {
        self.reconnect = reconnect;
        self
    }

    /// Reconnects in a row that may deliver no new event before the stream fails.
    /// Default 5.
    pub fn max_reconnects(mut self, attempts: u32) -> Self {
        self.max_reconnects = attempts;
        self
    }

    /// Delay before the first reconnect when the server sent no `retry:`; it doubles
    /// with each reconnect that brings no new event. Default 1 s.
    pub fn initial_delay(mut self, delay: Duration) -> Self {
        self.initial_delay = delay;
        self
    }

    /// Maximum delay between reconnects. Default 30 s.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// Maximum silence, in which not even a comment arrives, before the connection
    /// counts as dropped. Default 90 s; `None` waits forever.
    pub fn idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// How a reconnect names the last event received. Default [`Resume::Header`].
    pub fn resume(mut self, resume: Resume) -> Self {
        self.resume = resume;
        self
    }

    /// Limits of the decoder, in bytes: the longest line and the largest event data.
    /// Default 1 MiB and 8 MiB.
    pub fn limits(mut self, max_line_bytes: usize, max_event_bytes: usize) -> Self {
        self.max_line_bytes = max_line_bytes;
        self.max_event_bytes = max_event_bytes;
        self
    }
}

/// The request an [`EventStream`] opens, and reopens on reconnect.
#[derive(Clone, Debug)]
pub struct StreamRequest {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Option<Bytes>,
}

impl StreamRequest {
    /// A GET of `path`, relative to the client's base URL.
    pub fn get(path: impl Into<String>) -> Self {
        Self {
            method: Method::GET,
            path: path.into(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: None,
        }
    }

    /// A POST of `body` as JSON to `path`, relative to the client's base URL.
    ///
    /// # Errors
    ///
    /// An [`InvalidRequest`](ErrorKind::InvalidRequest) error when `body` does not
    /// serialize.
    pub fn post_json(path: impl Into<String>, body: &impl serde::Serialize) -> Result<Self> {
        let bytes = serde_json::to_vec(body).map_err(|e| {
            Error::new(
                ErrorKind::InvalidRequest,
                "the request body does not serialize",
            )
            .with_source(e)
        })?;
        let mut request = Self::get(path);
        request.method = Method::POST;
        request.body = Some(bytes.into());
        request
            .headers
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        Ok(request)
    }

    /// Adds a query parameter.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Adds a header; a value that is not a valid header value is skipped.
    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        if let Ok(value) = HeaderValue::from_str(value) {
            self.headers.insert(HeaderName::from_static(name), value);
        }
        self
    }

    fn build(
        &self,
        client: &crate::Client,
        options: &StreamOptions,
        last_event_id: &str,
    ) -> Result<reqwest::Request> {
        let mut url = client.base_url().join(&self.path).map_err(|e| {
            Error::new(
                ErrorKind::InvalidRequest,
                format!("invalid stream path {:?}: {e}", self.path),
            )
        })?;
        let mut query = self.query.clone();
        if let (Resume::Query(name), false) = (&options.resume, last_event_id.is_empty()) {
            query.retain(|(key, _)| key != name);
            query.push((name.clone(), last_event_id.to_owned()));
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(&query);
        }
        let http = client.raw().client();
        let mut builder = http
            .request(self.method.clone(), url)
            .headers(self.headers.clone())
            .header(ACCEPT, "text/event-stream")
            .header(CACHE_CONTROL, "no-cache")
            .timeout(STREAM_LIFETIME);
        if options.resume == Resume::Header && !last_event_id.is_empty() {
            builder = builder.header("last-event-id", last_event_id);
        }
        if let Some(body) = &self.body {
            builder = builder.body(body.clone());
        }
        let mut request = builder.build().map_err(|e| {
            Error::new(ErrorKind::InvalidRequest, "cannot build the stream request").with_source(e)
        })?;
        client.add_credentials(request.headers_mut());
        Ok(request)
    }
}

/// A `text/event-stream` response read event by event, reconnecting when the
/// connection drops.
///
/// On a reconnect it sends the last event id (see [`Resume`]), waits the server's
/// `retry:` time or a growing delay, and fails after
/// [`max_reconnects`](StreamOptions::max_reconnects) reconnects in a row that bring no
/// new event. HTTP 204 ends the stream cleanly. Any other status than 200, or a content
/// type other than `text/event-stream`, fails at once with the platform's error; while
/// reconnecting, a retryable failure (HTTP 429, 5xx, a refused connection) counts as
/// one more reconnect instead. Dropping the stream closes the connection.
///
/// ```no_run
/// # async fn run(client: uumit::Client) -> uumit::Result<()> {
/// use uumit::sse::{EventStream, Resume, StreamOptions, StreamRequest};
///
/// let request = StreamRequest::get("/api/v1/agent-runtime/connect");
/// let options = StreamOptions::new().resume(Resume::Query("last_event_id".into()));
/// let mut stream = EventStream::open(&client, request, options).await?;
/// while let Some(event) = stream.next().await {
///     let event = event?;
///     println!("{} {}", event.event, event.data);
/// }
/// # Ok(())
/// # }
/// ```
pub struct EventStream {
    client: crate::Client,
    request: StreamRequest,
    options: StreamOptions,
    decoder: Decoder,
    response: Option<reqwest::Response>,
    queue: VecDeque<Event>,
    /// Reconnects since the last new event.
    fruitless: u32,
    finished: bool,
}

impl std::fmt::Debug for EventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("request", &self.request)
            .field("last_event_id", &self.decoder.last_event_id())
            .field("connected", &self.response.is_some())
            .finish_non_exhaustive()
    }
}

impl EventStream {
    /// Opens the stream and waits for the response head.
    ///
    /// # Errors
    ///
    /// The platform's [`Error`] when the server returns a status other than 200
    /// or 204, a content type other than `text/event-stream`, or cannot be reached.
    pub async fn open(
        client: &crate::Client,
        request: StreamRequest,
        options: StreamOptions,
    ) -> Result<Self> {
        Self::open_after(client, request, options, "").await
    }

    /// Opens the stream resumed after the event with id `last_event_id`.
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open).
    pub async fn open_after(
        client: &crate::Client,
        request: StreamRequest,
        options: StreamOptions,
        last_event_id: &str,
    ) -> Result<Self> {
        let decoder = Decoder::with_limits(options.max_line_bytes, options.max_event_bytes)
            .resuming_after(last_event_id);
        let mut stream = Self {
            client: client.clone(),
            request,
            options,
            decoder,
            response: None,
            queue: VecDeque::new(),
            fruitless: 0,
            finished: false,
        };
        stream.response = stream.connect().await?;
        stream.finished = stream.response.is_none();
        Ok(stream)
    }

    /// Wraps a response that is already known to be an event stream; it is read to its
    /// end and never reopened.
    pub(crate) fn from_response(
        client: &crate::Client,
        response: reqwest::Response,
        options: StreamOptions,
    ) -> Self {
        let decoder = Decoder::with_limits(options.max_line_bytes, options.max_event_bytes);
        Self {
            client: client.clone(),
            request: StreamRequest::get(response.url().path()),
            options: options.reconnect(false),
            decoder,
            response: Some(response),
            queue: VecDeque::new(),
            fruitless: 0,
            finished: false,
        }
    }

    /// The id of the last event received, to resume from; empty before the first.
    pub fn last_event_id(&self) -> &str {
        self.decoder.last_event_id()
    }

    /// The next event, or `None` once the stream has ended cleanly.
    ///
    /// # Errors
    ///
    /// An [`Error`] when the stream cannot go on: the reconnects ran out
    /// ([`StreamEnded`](ErrorKind::StreamEnded)), the server refused a reconnect, or a
    /// line or event broke the decoder's limits ([`Decode`](ErrorKind::Decode)). The
    /// stream returns `None` after an error.
    pub async fn next(&mut self) -> Option<Result<Event>> {
        loop {
            if let Some(event) = self.queue.pop_front() {
                return Some(Ok(event));
            }
            if self.finished {
                return None;
            }
            let step = match self.response.as_mut() {
                Some(response) => read_chunk(response, self.options.idle_timeout).await,
                None => self.reconnect().await.map(|_| Chunk::Skip),
            };
            match step {
                Ok(Chunk::Data(bytes)) => {
                    if let Err(error) = self.decode(&bytes) {
                        self.finish();
                        return Some(Err(error));
                    }
                }
                Ok(Chunk::Skip) => {}
                Ok(Chunk::End(cause)) => self.connection_ended(cause),
                Err(error) => {
                    self.finish();
                    return Some(Err(error));
                }
            }
        }
    }

    /// Turns the stream into a [`futures::Stream`] of events.
    pub fn into_stream(self) -> impl futures::Stream<Item = Result<Event>> + Send + Unpin {
        Box::pin(futures::stream::unfold(self, |mut stream| async move {
            let item = stream.next().await?;
            Some((item, stream))
        }))
    }

    fn decode(&mut self, bytes: &[u8]) -> Result<()> {
        let before = self.queue.len();
        let mut events = Vec::new();
        self.decoder
            .push_into(bytes, &mut events)
            .map_err(|e| Error::new(ErrorKind::Decode, e.to_string()))?;
        self.queue.extend(events);
        if self.queue.len() > before {
            self.fruitless = 0;
        }
        Ok(())
    }

    fn connection_ended(&mut self, cause: Option<String>) {
        self.response = None;
        if self.decoder.is_mid_event() {
            tracing::debug!(
                last_event_id = self.last_event_id(),
                "event stream cut inside an event"
            );
        }
        self.decoder =
            Decoder::with_limits(self.options.max_line_bytes, self.options.max_event_bytes)
                .resuming_after(self.decoder.last_event_id())
                .with_retry(self.decoder.retry());
        if !self.options.reconnect {
            self.finished = true;
        }
        if let Some(cause) = cause {
            tracing::debug!(cause, "event stream connection dropped");
        }
    }

    fn finish(&mut self) {
        self.finished = true;
        self.response = None;
    }

    /// Waits, then reopens the connection; a failure that is worth another try counts
    /// against the bound instead of ending the stream.
    async fn reconnect(&mut self) -> Result<()> {
        loop {
            self.fruitless += 1;
            if self.fruitless > self.options.max_reconnects {
                return Err(Error::new(
                    ErrorKind::StreamEnded,
                    format!(
                        "the event stream dropped {} times in a row without a new event; giving up (raise StreamOptions::max_reconnects to try longer)",
                        self.fruitless - 1
                    ),
                ));
            }
            let delay = self.delay();
            tracing::debug!(
                attempt = self.fruitless,
                delay_ms = delay.as_millis() as u64,
                last_event_id = self.last_event_id(),
                "reconnecting event stream"
            );
            tokio::time::sleep(delay).await;
            match self.connect().await {
                Ok(Some(response)) => {
                    self.response = Some(response);
                    return Ok(());
                }
                Ok(None) => {
                    self.finished = true;
                    return Ok(());
                }
                Err(error) if error.is_retryable() => {
                    tracing::debug!(%error, "event stream reconnect failed");
                    if let Some(wait) = error.retry_after() {
                        tokio::time::sleep(wait.min(self.options.max_delay)).await;
                    }
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// The wait before reconnect number `fruitless`: the server's `retry:` time, or the
    /// initial delay, doubled for each reconnect that brought nothing, capped.
    fn delay(&self) -> Duration {
        let base = self.decoder.retry().unwrap_or(self.options.initial_delay);
        let exponent = self.fruitless.saturating_sub(1).min(16);
        base.saturating_mul(1 << exponent)
            .min(self.options.max_delay)
    }

    /// Sends the request; `Ok(None)` means HTTP 204, the server's way to say "stop".
    async fn connect(&self) -> Result<Option<reqwest::Response>> {
        let request =
            self.request
                .build(&self.client, &self.options, self.decoder.last_event_id())?;
        let response = self
            .client
            .raw()
            .client()
            .execute(request)
            .await
            .map_err(|e| connect_error(&self.client, e))?;
        accept(response).await
    }
}

/// Checks the response head of a stream: 200 with `text/event-stream`, or 204.
pub(crate) async fn accept(response: reqwest::Response) -> Result<Option<reqwest::Response>> {
    let status = response.status();
    if status == StatusCode::NO_CONTENT {
        return Ok(None);
    }
    if status != StatusCode::OK {
        return Err(refused(response).await);
    }
    if !is_event_stream(response.headers()) {
        let content_type = content_type(response.headers()).to_owned();
        let body = read_limited(response).await;
        return Err(Error::new(
            ErrorKind::Http,
            format!("expected a text/event-stream response, got content type {content_type:?}"),
        )
        .with_status(status)
        .with_body(&body));
    }
    Ok(Some(response))
}

/// The error a refused stream stands for, from its envelope when it has one.
pub(crate) async fn refused(response: reqwest::Response) -> Error {
    let status = response.status();
    let headers = response.headers().clone();
    let body = read_limited(response).await;
    crate::transport::classify(status, &headers, &body).unwrap_or_else(|| {
        Error::new(
            ErrorKind::Http,
            format!("unexpected HTTP {} for an event stream", status.as_u16()),
        )
        .with_status(status)
        .with_body(&body)
    })
}

pub(crate) fn content_type(headers: &HeaderMap) -> &str {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

pub(crate) fn is_event_stream(headers: &HeaderMap) -> bool {
    let essence = content_type(headers).split(';').next().unwrap_or("");
    essence.trim().eq_ignore_ascii_case("text/event-stream")
}

pub(crate) async fn read_limited(mut response: reqwest::Response) -> Vec<u8> {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        body.extend_from_slice(&chunk);
        if body.len() >= MAX_ERROR_BODY {
            break;
        }
    }
    body
}

pub(crate) fn connect_error(client: &crate::Client, error: reqwest::Error) -> Error {
    let origin = client.base_url().origin().ascii_serialization();
    let (kind, text) = if error.is_timeout() {
        (ErrorKind::Timeout, "timed out opening the event stream")
    } else {
        (ErrorKind::Transport, "could not open the event stream")
    };
    Error::new(kind, format!("{text} at {origin}")).with_source(error)
}

impl crate::Client {
    /// Adds `X-Api-Key` and `X-Platform-User-Id`, marked sensitive, to a request made
    /// outside the generated client.
    pub(crate) fn add_credentials(&self, headers: &mut HeaderMap) {
        let Some(credentials) = &self.config.credentials else {
            return;
        };
        if let Ok(mut key) = HeaderValue::from_str(credentials.api_key.expose()) {
            key.set_sensitive(true);
            headers.insert("x-api-key", key);
        }
        if let Ok(mut user) = HeaderValue::from_str(&credentials.user_id) {
            user.set_sensitive(true);
            headers.insert("x-platform-user-id", user);
        }
    }
}

enum Chunk {
    Data(Bytes),
    Skip,
    /// The connection ended, cleanly (`None`) or with the cause.
    End(Option<String>),
}

async fn read_chunk(response: &mut reqwest::Response, idle: Option<Duration>) -> Result<Chunk> {
    let read = response.chunk();
    let outcome = match idle {
        Some(limit) => match tokio::time::timeout(limit, read).await {
            Ok(outcome) => outcome,
            Err(_) => return Ok(Chunk::End(Some(format!("no data for {limit:?}")))),
        },
        None => read.await,
    };
    Ok(match outcome {
        Ok(Some(bytes)) => Chunk::Data(bytes),
        Ok(None) => Chunk::End(None),
        Err(error) => Chunk::End(Some(error.to_string())),
    })
}
