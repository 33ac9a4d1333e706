//! Writing `text/event-stream` responses.

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use futures::Stream;
use serde_json::Value;

/// One event, with CRLF line ends as the platform's streams use.
pub(crate) fn frame(event: &str, id: Option<u64>, data: &Value) -> Bytes {
    let mut text = String::new();
    if let Some(id) = id {
        text.push_str(&format!("id: {id}\r\n"));
    }
    text.push_str(&format!("event: {event}\r\ndata: {data}\r\n\r\n"));
    Bytes::from(text)
}

/// The first half of an event: its fields without the blank line that dispatches it,
/// and the data cut in the middle.
pub(crate) fn cut_frame(event: &str, id: u64, data: &Value) -> Bytes {
    let data = data.to_string();
    let half = data.len() / 2;
    let cut = (0..=half)
        .rev()
        .find(|i| data.is_char_boundary(*i))
        .unwrap_or(0);
    Bytes::from(format!(
        "id: {id}\r\nevent: {event}\r\ndata: {}",
        &data[..cut]
    ))
}

/// An HTTP 200 event-stream response whose body is `frames`.
pub(crate) fn response(frames: impl Stream<Item = Bytes> + Send + 'static) -> Response {
    use futures::StreamExt;
    let body = Body::from_stream(frames.map(Ok::<_, std::convert::Infallible>));
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}
