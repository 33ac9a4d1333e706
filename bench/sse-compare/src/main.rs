//! Runs the decoder rule table through the SDK's decoder, eventsource-stream and
//! sse-stream, whole and one byte per chunk, then times each on 100 MB of
//! agent-runtime-like events in 8 KiB chunks (the minimum of 7 runs).

// The SDK's decoder, compiled from its source so this crate needs no HTTP stack.
#[allow(dead_code, reason = "only the decoding entry points are measured")]
#[path = "../../../crates/uumit/src/sse/decoder.rs"]
mod decoder;

use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt;
use futures::executor::block_on;

/// (event type, data, id) of a dispatched event.
type Decoded = (String, String, Option<String>);

const CASES: &[(&str, &[u8])] = &[
    ("cr line ends", b"data: a\r\rdata: b\r\r"),
    ("crlf line ends", b"data: a\r\n\r\n"),
    ("mixed line ends", b"data: a\rdata: b\r\ndata: c\n\r\ndata: d\n\r"),
    ("leading bom", b"\xEF\xBB\xBFdata: a\n\n"),
    ("comment", b": ping\ndata: a\n\n"),
    ("multi-line data", b"data: one\ndata: two\n\n"),
    ("one space removed", b"data:  x\n\n"),
    ("field without colon", b"data\n\n"),
    ("id persists", b"id: 1\ndata: a\n\ndata: b\n\n"),
    ("id with nul ignored", b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n"),
    ("empty data not dispatched", b"event: x\n\ndata: y\n\n"),
    ("unterminated event", b"data: a\n\ndata: b\n"),
    ("unterminated line", b"data: a\n\ndata: b"),
    ("multi-byte utf-8", "data: 数据\n\n".as_bytes()),
    ("invalid utf-8 replaced", b"data: a\xFFb\n\n"),
];

fn chunks_of(input: &[u8], size: usize) -> Vec<Bytes> {
    input.chunks(size.max(1)).map(Bytes::copy_from_slice).collect()
}

fn sdk(chunks: &[Bytes]) -> Result<Vec<Decoded>, String> {
    let mut decoder = decoder::Decoder::new();
    let mut out = Vec::new();
    for chunk in chunks {
        for e in decoder.push(chunk).map_err(|e| e.to_string())? {
            out.push((e.event, e.data, e.id));
        }
    }
    Ok(out)
}

async fn eventsource(chunks: &[Bytes]) -> Result<Vec<Decoded>, String> {
    use eventsource_stream::Eventsource;
    let body = futures::stream::iter(chunks.iter().cloned().map(Ok::<_, std::convert::Infallible>));
    let mut events = body.eventsource();
    let mut out = Vec::new();
    while let Some(e) = events.next().await {
        let e = e.map_err(|e| e.to_string())?;
        let id = (!e.id.is_empty()).then_some(e.id);
        out.push((e.event, e.data, id));
    }
    Ok(out)
}

async fn sse_stream(chunks: &[Bytes]) -> Result<Vec<Decoded>, String> {
    let frames = chunks.iter().cloned().map(|b| Ok::<_, std::convert::Infallible>(http_body::Frame::data(b)));
    let body = http_body_util::StreamBody::new(futures::stream::iter(frames));
    let mut events = sse_stream::SseStream::new(body);
    let mut out = Vec::new();
    while let Some(e) = events.next().await {
        let e = e.map_err(|e| format!("{e:?}"))?;
        // sse-stream also yields items for comments and retry-only blocks.
        if let Some(data) = e.data {
            out.push((e.event.unwrap_or_else(|| "message".into()), data, e.id));
        }
    }
    Ok(out)
}

/// Runs `decode`, turning a panic into an error.
fn guarded(decode: impl FnOnce() -> Result<Vec<Decoded>, String>) -> Result<Vec<Decoded>, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(decode)).unwrap_or_else(|_| Err("panicked".into()))
}

fn verdict(expected: &[Decoded], got: &Result<Vec<Decoded>, String>) -> String {
    match got {
        Ok(events) if events == expected => "same".into(),
        Ok(events) => format!("differs: {events:?}"),
        Err(error) => format!("error: {error}"),
    }
}

fn compare_rules() {
    for (name, input) in CASES {
        for size in [input.len(), 1] {
            let chunks = chunks_of(input, size);
            let expected = sdk(&chunks).unwrap_or_default();
            let a = guarded(|| block_on(eventsource(&chunks)));
            let b = guarded(|| block_on(sse_stream(&chunks)));
            println!("{name:26} chunk {size:3}  eventsource-stream: {:34}  sse-stream: {}", verdict(&expected, &a), verdict(&expected, &b));
        }
    }
}

fn time_min(mut run: impl FnMut() -> usize) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut bytes = 0;
    for _ in 0..7 {
        let started = Instant::now();
        bytes = run();
        best = best.min(started.elapsed());
    }
    (best, bytes)
}

/// Bytes of event data each decoder yields, consuming events as they come.
fn sdk_bytes(chunks: &[Bytes]) -> usize {
    let mut decoder = decoder::Decoder::new();
    let mut total = 0;
    for chunk in chunks {
        total += decoder.push(chunk).unwrap().iter().map(|e| e.data.len()).sum::<usize>();
    }
    total
}

async fn eventsource_bytes(chunks: &[Bytes]) -> usize {
    use eventsource_stream::Eventsource;
    let body = futures::stream::iter(chunks.iter().cloned().map(Ok::<_, std::convert::Infallible>));
    let mut events = body.eventsource();
    let mut total = 0;
    while let Some(e) = events.next().await {
        total += e.unwrap().data.len();
    }
    total
}

async fn sse_stream_bytes(chunks: &[Bytes]) -> usize {
    let frames = chunks.iter().cloned().map(|b| Ok::<_, std::convert::Infallible>(http_body::Frame::data(b)));
    let body = http_body_util::StreamBody::new(futures::stream::iter(frames));
    let mut events = sse_stream::SseStream::new(body);
    let mut total = 0;
    while let Some(e) = events.next().await {
        total += e.unwrap().data.map_or(0, |d| d.len());
    }
    total
}

fn compare_speed() {
    let event = b"id: 123456\nevent: job_dispatch\ndata: {\"job_id\":\"0b7d2c1e-4f3a-4e6b-9c8d-1a2b3c4d5e6f\",\"price_ut\":\"100.00\",\"input_payload\":{\"text\":\"hello world\"}}\n\n";
    let mut stream = Vec::with_capacity(100 << 20);
    while stream.len() < 100 << 20 {
        stream.extend_from_slice(event);
    }
    let chunks = chunks_of(&stream, 8 << 10);
    let (ours, a) = time_min(|| sdk_bytes(&chunks));
    let (es, b) = time_min(|| block_on(eventsource_bytes(&chunks)));
    let (ss, c) = time_min(|| block_on(sse_stream_bytes(&chunks)));
    assert!(a == b && b == c, "the decoders disagree on the data: {a}, {b}, {c}");
    println!("100 MB in 8 KiB chunks, minimum of 7 runs:");
    println!("  uumit::sse::Decoder  {ours:?}");
    println!("  eventsource-stream   {es:?} ({:.2}x the SDK's time)", es.as_secs_f64() / ours.as_secs_f64());
    println!("  sse-stream           {ss:?} ({:.2}x the SDK's time)", ss.as_secs_f64() / ours.as_secs_f64());
}

fn main() {
    std::panic::set_hook(Box::new(|_| {}));
    compare_rules();
    compare_speed();
}
