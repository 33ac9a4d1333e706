//! Fault injection: failures a client must survive, on request or at random.
//!
//! Nothing fails unless asked. A fault comes from one of three places, first match wins:
//!
//! 1. the request header `X-Mock-Fault`, for one logical call;
//! 2. [`MockConfig::fault`](crate::MockConfig::fault) (flag `--fault`), for every request;
//! 3. [`MockConfig::fault_rate`](crate::MockConfig::fault_rate) (flag `--fault-rate`), a
//!    random fault on that share of requests, drawn from a generator seeded with
//!    [`MockConfig::fault_seed`](crate::MockConfig::fault_seed) so a run can be repeated.
//!
//! Paths under `/_mock/` are never faulted, so tests can always drive the emulator.
//!
//! # The spec
//!
//! `;`-separated `key=value` pairs, for example
//! `X-Mock-Fault: status=503; retry_after=2; times=1; id=abc`. One action:
//!
//! | action | effect |
//! | --- | --- |
//! | `status=N` | HTTP N with an error envelope (429: code 1009; others: 9999); the handler does not run |
//! | `html=N` | HTTP N with an HTML error page, as a proxy in front of the platform sends |
//! | `close=before` | the connection closes before the response head; the handler does not run |
//! | `close=after` | the handler runs (a charge happens) and the connection closes before the response |
//! | `truncate` | the handler runs and the body stops halfway, below its `Content-Length` |
//! | `delay_ms=N` | the response comes N milliseconds late; may be combined with any action |
//! | `sse_cut=N` | for streams: the stream stops in the middle of event N+1 |
//! | `rpc_error=N` | for JSON-RPC streams: a JSON-RPC error with code N instead of the stream |
//!
//! Options: `retry_after=` seconds (`2`), an HTTP date N seconds ahead (`date:2`), a huge
//! number of seconds (`huge`) or text no client can parse (`garbage`); `times=N` applies
//! the fault to the first N matching requests only; `id=` names the counter. Retries of
//! one logical call resend the same headers, so `times` counts per `id`, else per
//! `Idempotency-Key`, else per header text.
//!
//! # Streams and JSON-RPC
//!
//! The HTTP-level actions are applied by [`inject`], the middleware. `sse_cut` and
//! `rpc_error` are left to the handler: [`inject`] stores the fault in the request's
//! extensions, and a streaming handler reads it with [`Fault::of`], then asks
//! [`Fault::sse_cut_after`] or [`Fault::rpc_error`]. A stream cut should write part of
//! the next event and then end the body with an error, so the client sees the
//! connection drop mid-event.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use futures::StreamExt;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use crate::seed::SeedRng;
use crate::server::AppState;
use crate::store::Fail;

/// The request header that requests a fault.
pub const FAULT_HEADER: &str = "x-mock-fault";

/// What an injected fault does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultAction {
    /// An error status with an envelope; the handler does not run.
    Status(u16),
    /// An error status with an HTML page; the handler does not run.
    Html(u16),
    /// The connection closes before the response head; the handler does not run.
    CloseBefore,
    /// The handler runs, then the connection closes before the response head.
    CloseAfter,
    /// The handler runs and the body stops halfway.
    Truncate,
    /// Only the delay: the response is normal but late.
    Slow,
    /// A stream stops in the middle of the event after this many whole events.
    SseCut(u32),
    /// A JSON-RPC error with this code instead of a stream.
    RpcError(i64),
}

/// How a fault's `Retry-After` header reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RetryAfter {
    /// Whole seconds.
    Seconds(u64),
    /// An HTTP date this many seconds ahead.
    DateIn(u64),
    /// A number of seconds too large to wait for.
    Huge,
    /// Text that is neither seconds nor a date.
    Garbage,
}

/// One fault: its action and options, parsed from the spec described in the module docs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    /// What happens.
    pub action: FaultAction,
    /// The `Retry-After` header to send with a status, if any.
    pub retry_after: Option<RetryAfter>,
    /// How many matching requests get the fault; all of them when `None`.
    pub times: Option<u32>,
    /// The counter `times` counts on.
    pub id: Option<String>,
    /// Delay before the response.
    pub delay: Option<Duration>,
}

impl std::str::FromStr for Fault {
    type Err = String;

    /// Parses `key=value; key=value`, naming the first bad pair and the fix.
    fn from_str(spec: &str) -> Result<Self, String> {
        let mut fault = Fault {
            action: FaultAction::Slow,
            retry_after: None,
            times: None,
            id: None,
            delay: None,
        };
        let mut has_action = false;
        for pair in spec.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let (key, value) = (key.trim(), value.trim());
            if let Some(action) = parse_action(key, value)? {
                fault.action = action;
                has_action = true;
                continue;
            }
            parse_option(&mut fault, key, value)?;
        }
        if !has_action && fault.delay.is_none() {
            return Err(format!(
                "fault {spec:?} names no action; add one of status=N, html=N, close=before, \
                 close=after, truncate, delay_ms=N, sse_cut=N, rpc_error=N"
            ));
        }
        Ok(fault)
    }
}

fn number<T: std::str::FromStr>(key: &str, value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("fault option {key}={value:?} needs a number"))
}

fn parse_action(key: &str, value: &str) -> Result<Option<FaultAction>, String> {
    let action = match (key, value) {
        ("status", _) => FaultAction::Status(status_code(key, value)?),
        ("html", _) => FaultAction::Html(status_code(key, value)?),
        ("close", "before") => FaultAction::CloseBefore,
        ("close", "after") => FaultAction::CloseAfter,
        ("close", _) => return Err(format!("close={value:?}: use close=before or close=after")),
        ("truncate", _) => FaultAction::Truncate,
        ("sse_cut", _) => FaultAction::SseCut(number(key, value)?),
        ("rpc_error", _) => FaultAction::RpcError(number(key, value)?),
        _ => return Ok(None),
    };
    Ok(Some(action))
}

fn status_code(key: &str, value: &str) -> Result<u16, String> {
    let code: u16 = number(key, value)?;
    if !(400..=599).contains(&code) {
        return Err(format!("{key}={code}: use an error status from 400 to 599"));
    }
    Ok(code)
}

fn parse_option(fault: &mut Fault, key: &str, value: &str) -> Result<(), String> {
    match key {
        "retry_after" => fault.retry_after = Some(parse_retry_after(value)?),
        "times" => fault.times = Some(number(key, value)?),
        "id" => fault.id = Some(value.to_owned()),
        "delay_ms" => fault.delay = Some(Duration::from_millis(number(key, value)?)),
        _ => {
            return Err(format!(
                "unknown fault key {key:?}; use status, html, close, truncate, delay_ms, \
                 sse_cut, rpc_error, retry_after, times or id"
            ));
        }
    }
    Ok(())
}

fn parse_retry_after(value: &str) -> Result<RetryAfter, String> {
    match value {
        "huge" => Ok(RetryAfter::Huge),
        "garbage" => Ok(RetryAfter::Garbage),
        _ => match value.strip_prefix("date:") {
            Some(seconds) => Ok(RetryAfter::DateIn(number("retry_after", seconds)?)),
            None => Ok(RetryAfter::Seconds(number("retry_after", value)?)),
        },
    }
}

impl RetryAfter {
    fn header_value(&self) -> String {
        match self {
            Self::Seconds(seconds) => seconds.to_string(),
            Self::DateIn(seconds) => {
                httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(*seconds))
            }
            Self::Huge => "999999999999".to_owned(),
            Self::Garbage => "soon, probably".to_owned(),
        }
    }
}

impl Fault {
    /// The fault [`inject`] stored for this request, if one was asked for.
    pub fn of(extensions: &axum::http::Extensions) -> Option<&Fault> {
        extensions.get::<Fault>()
    }

    /// For `sse_cut=N`: the number of whole events to send before cutting the stream.
    pub fn sse_cut_after(&self) -> Option<u32> {
        match self.action {
            FaultAction::SseCut(events) => Some(events),
            _ => None,
        }
    }

    /// For `rpc_error=N`: the JSON-RPC error code to return instead of a stream.
    pub fn rpc_error(&self) -> Option<i64> {
        match self.action {
            FaultAction::RpcError(code) => Some(code),
            _ => None,
        }
    }
}

/// Faults chosen when the emulator starts, and the `times` counters.
pub(crate) struct Faults {
    run: Option<Fault>,
    random: Option<Mutex<(SeedRng, f64)>>,
    counts: Mutex<HashMap<String, u32>>,
}

impl Faults {
    /// Faults for a run: `run` on every request, and random ones at `rate` (0 to 1).
    pub(crate) fn new(run: Option<Fault>, rate: f64, seed: u64) -> Self {
        let random = (rate > 0.0).then(|| Mutex::new((SeedRng::new(seed), rate.min(1.0))));
        Self {
            run,
            random,
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// The fault for a request with `headers`, counting it against `times`. A header
    /// that does not parse is ignored with a warning, so a typo fails no test silently
    /// by breaking the emulator.
    pub(crate) fn pick(&self, headers: &HeaderMap) -> Option<Fault> {
        let header = headers.get(FAULT_HEADER).and_then(|v| v.to_str().ok());
        if let Some(text) = header {
            match text.parse::<Fault>() {
                Ok(fault) => return self.count(fault, headers, text),
                Err(error) => tracing::warn!(%error, "ignored the X-Mock-Fault header"),
            }
        }
        if let Some(fault) = self.run.clone() {
            return self.count(fault, headers, "run");
        }
        self.random_fault()
    }

    fn count(&self, fault: Fault, headers: &HeaderMap, fallback: &str) -> Option<Fault> {
        let Some(times) = fault.times else {
            return Some(fault);
        };
        let idempotency = headers.get("idempotency-key").and_then(|v| v.to_str().ok());
        let key = fault
            .id
            .as_deref()
            .or(idempotency)
            .unwrap_or(fallback)
            .to_owned();
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let seen = counts.entry(key).or_insert(0);
        *seen = seen.saturating_add(1);
        (*seen <= times).then_some(fault)
    }

    fn random_fault(&self) -> Option<Fault> {
        let random = self.random.as_ref()?;
        let mut guard = random.lock().unwrap_or_else(|e| e.into_inner());
        let (rng, rate) = &mut *guard;
        let draw = rng.below(1_000_000) as f64 / 1_000_000.0;
        if draw >= *rate {
            return None;
        }
        let choices = [
            "status=503; retry_after=1",
            "status=429; retry_after=1",
            "status=500",
            "status=502",
            "status=504",
            "html=502",
            "close=before",
            "close=after",
            "truncate",
            "delay_ms=300",
        ];
        let spec = choices[rng.below(choices.len() as u64) as usize];
        spec.parse().ok()
    }
}

/// The middleware that applies faults; see the module docs.
pub(crate) async fn inject(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    if request.uri().path().starts_with("/_mock/") {
        return next.run(request).await;
    }
    let Some(fault) = state.faults.pick(request.headers()) else {
        return next.run(request).await;
    };
    tracing::debug!(?fault, path = request.uri().path(), "injecting a fault");
    if let Some(delay) = fault.delay {
        tokio::time::sleep(delay).await;
    }
    let connection = request
        .extensions()
        .get::<ConnectInfo<Connection>>()
        .map(|info| info.0.clone());
    match fault.action.clone() {
        FaultAction::Status(status) => error_status(status, &fault),
        FaultAction::Html(status) => html_error(status),
        FaultAction::CloseBefore => close(connection, &fault),
        FaultAction::CloseAfter => {
            let response = next.run(request).await;
            drop(response);
            close(connection, &fault)
        }
        FaultAction::Truncate => truncate(next.run(request).await).await,
        FaultAction::Slow => next.run(request).await,
        FaultAction::SseCut(_) | FaultAction::RpcError(_) => {
            request.extensions_mut().insert(fault);
            next.run(request).await
        }
    }
}

fn error_status(status: u16, fault: &Fault) -> Response {
    let code = if status == 429 { 1009 } else { 9999 };
    let message = format!("injected fault: HTTP {status}");
    let mut response = Fail::new(status, code, message).into_response();
    let retry_after = fault.retry_after.clone().or(match status {
        429 | 503 => Some(RetryAfter::Seconds(1)),
        _ => None,
    });
    if let Some(value) = retry_after.and_then(|r| HeaderValue::from_str(&r.header_value()).ok()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

fn html_error(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    let page = format!(
        "<html><head><title>{status}</title></head><body><center><h1>{status}</h1></center>\
         <hr><center>nginx</center></body></html>"
    );
    (status, Html(page)).into_response()
}

/// Closes the request's connection without a response. Without a connection (the
/// router called in-process), returns 502 instead, the nearest thing a caller can see.
fn close(connection: Option<Connection>, fault: &Fault) -> Response {
    match connection {
        Some(connection) => {
            connection.kill();
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        None => error_status(502, fault),
    }
}

/// Sends the head and half the body of `response`, then fails the body, so the client
/// reads fewer bytes than `Content-Length` promised.
async fn truncate(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let half = bytes.slice(..bytes.len() / 2);
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    // The pause lets the server flush the head and the first half before the error
    // aborts the connection; without it both would be dropped unsent.
    let cut = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        Err(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "injected truncation",
        ))
    };
    let chunks = futures::stream::once(async { Ok::<Bytes, io::Error>(half) })
        .chain(futures::stream::once(cut));
    let body = Body::from_stream(chunks);
    Response::from_parts(parts, body)
}

/// A connection as handlers see it: the peer, and a switch that makes every later write
/// fail so the server drops the connection without a response.
#[derive(Clone, Debug)]
pub(crate) struct Connection {
    /// The client's address.
    #[allow(
        dead_code,
        reason = "kept for logs and for handlers that want the peer"
    )]
    pub(crate) peer: SocketAddr,
    killed: Arc<AtomicBool>,
}

impl Connection {
    fn kill(&self) {
        self.killed.store(true, Ordering::SeqCst);
    }
}

/// A TCP listener whose connections can be closed from a handler.
pub(crate) struct FaultListener(pub(crate) TcpListener);

impl axum::serve::Listener for FaultListener {
    type Io = FaultIo;
    type Addr = Connection;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.0.accept().await {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    let killed = Arc::new(AtomicBool::new(false));
                    let io = FaultIo {
                        stream,
                        killed: killed.clone(),
                    };
                    return (io, Connection { peer, killed });
                }
                Err(error) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(%error, "accept failed; retrying in 50 ms");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(Connection {
            peer: self.0.local_addr()?,
            killed: Arc::new(AtomicBool::new(false)),
        })
    }
}

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, FaultListener>>
    for Connection
{
    fn connect_info(stream: axum::serve::IncomingStream<'_, FaultListener>) -> Self {
        stream.remote_addr().clone()
    }
}

/// A TCP stream that fails every write once its connection was killed.
pub(crate) struct FaultIo {
    stream: TcpStream,
    killed: Arc<AtomicBool>,
}

impl FaultIo {
    fn killed_error(&self) -> Option<io::Error> {
        self.killed
            .load(Ordering::SeqCst)
            .then(|| io::Error::new(io::ErrorKind::ConnectionAborted, "injected close"))
    }
}

impl AsyncRead for FaultIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for FaultIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if let Some(error) = self.killed_error() {
            return Poll::Ready(Err(error));
        }
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if let Some(error) = self.killed_error() {
            return Poll::Ready(Err(error));
        }
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
