//! Throughput of `uumit::sse::Decoder` against the crates `eventsource-stream` and
//! `sse-stream` on one 100 MB event stream fed in 8 KiB chunks.
//!
//! The stream is generated deterministically: LF, CRLF and CR line ends, comments,
//! `id`, `event` and `retry` fields, multi-line data and multi-byte UTF-8. The three
//! decoders take turns in rounds on the same chunks; the report is the median
//! throughput of each and the median of the per-round ratios to the faster peer.
//!
//! `cargo bench -p uumit --bench sse_decode` (see bench/README.md); `BENCH_ONLY=uumit`
//! runs only this SDK's decoder, for a profiler.

mod support;

use std::convert::Infallible;
use std::time::Instant;

use bytes::Bytes;
use eventsource_stream::Eventsource;
use futures::StreamExt;

use support::{pin_to_cpu, summary};

const STREAM_BYTES: usize = 100_000_000;
const CHUNK_BYTES: usize = 8 * 1024;
const ROUNDS: usize = 7;

/// Events and data bytes a decoder produced, to check that all three agree.
#[derive(Debug, Default, PartialEq, Eq, Clone, Copy)]
struct Tally {
    events: usize,
    data_bytes: usize,
}

fn main() {
    if !support::under_cargo_bench("sse_decode") {
        return;
    }
    pin_to_cpu(std::process::id(), 0);
    let rounds = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(ROUNDS);
    let size = std::env::var("BENCH_STREAM_BYTES")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(STREAM_BYTES);
    let stream = Bytes::from(generate(size));
    let chunks: Vec<Bytes> = (0..stream.len())
        .step_by(CHUNK_BYTES)
        .map(|start| stream.slice(start..(start + CHUNK_BYTES).min(stream.len())))
        .collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let megabytes = stream.len() as f64 / 1e6;
    if std::env::var("BENCH_ONLY").is_ok_and(|only| only == "uumit") {
        for _ in 0..rounds {
            let (_, own) = timed(|| decode_uumit(&chunks));
            println!("uumit::sse::Decoder: {:.0} MB/s", megabytes / own);
        }
        return;
    }
    let (mut ours, mut es, mut ss, mut ratios) = (vec![], vec![], vec![], vec![]);
    for round in 0..rounds {
        let (own_tally, own) = timed(|| decode_uumit(&chunks));
        let (es_tally, es_secs) = timed(|| runtime.block_on(decode_eventsource(&chunks)));
        let (ss_tally, ss_secs) = timed(|| runtime.block_on(decode_sse_stream(&chunks)));
        if round == 0 {
            println!(
                "events: uumit {own_tally:?}, eventsource-stream {es_tally:?}, sse-stream {ss_tally:?}"
            );
        }
        ours.push(megabytes / own);
        es.push(megabytes / es_secs);
        ss.push(megabytes / ss_secs);
        ratios.push((megabytes / own) / (megabytes / es_secs).max(megabytes / ss_secs));
    }
    let line = |name: &str, values: &mut Vec<f64>| {
        let (mid, low, high) = summary(values);
        println!("{name}: median {mid:.0} MB/s (min {low:.0}, max {high:.0})");
    };
    println!("{megabytes:.0} MB stream in {CHUNK_BYTES}-byte chunks, {rounds} rounds");
    line("uumit::sse::Decoder", &mut ours);
    line("eventsource-stream", &mut es);
    line("sse-stream", &mut ss);
    let (ratio, low, high) = summary(&mut ratios);
    println!("ratio to the faster peer: median {ratio:.2} (min {low:.2}, max {high:.2})");
}

fn timed<T>(run: impl FnOnce() -> T) -> (T, f64) {
    let started = Instant::now();
    let value = run();
    (value, started.elapsed().as_secs_f64())
}

fn decode_uumit(chunks: &[Bytes]) -> Tally {
    let mut decoder = uumit::sse::Decoder::new();
    let mut events = Vec::new();
    let mut tally = Tally::default();
    for chunk in chunks {
        decoder.push_into(chunk, &mut events).expect("decode");
        for event in events.drain(..) {
            tally.events += 1;
            tally.data_bytes += event.data.len();
        }
    }
    tally
}

async fn decode_eventsource(chunks: &[Bytes]) -> Tally {
    let input = futures::stream::iter(chunks.iter().cloned().map(Ok::<_, Infallible>));
    let mut events = input.eventsource();
    let mut tally = Tally::default();
    while let Some(event) = events.next().await {
        let event = event.expect("decode");
        tally.events += 1;
        tally.data_bytes += event.data.len();
    }
    tally
}

async fn decode_sse_stream(chunks: &[Bytes]) -> Tally {
    let input = futures::stream::iter(chunks.iter().cloned().map(Ok::<_, std::io::Error>));
    let mut events = std::pin::pin!(sse_stream::SseStream::from_bytes_stream(input));
    let mut tally = Tally::default();
    while let Some(event) = events.next().await {
        let event = event.expect("decode");
        if let Some(data) = event.data {
            tally.events += 1;
            tally.data_bytes += data.len();
        }
    }
    tally
}

/// A deterministic event stream of about `size` bytes.
fn generate(size: usize) -> Vec<u8> {
    const TEXTS: [&str; 5] = [
        r#"{"content":"hello, world"}"#,
        r#"{"content":"héllo wörld — naïve café ✓"}"#,
        r#"{"content":"日本語のテキスト、中文文本"}"#,
        r#"{"content":"emoji 🚀🎉 and ascii"}"#,
        r#"{"type":"status","state":"working","progress":0.5}"#,
    ];
    let mut out = Vec::with_capacity(size + 512);
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    let mut id = 0u64;
    while out.len() < size {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let end: &[u8] = match seed % 3 {
            0 => b"\n",
            1 => b"\r\n",
            _ => b"\r",
        };
        id += 1;
        if seed.is_multiple_of(7) {
            out.extend_from_slice(b": keep-alive");
            out.extend_from_slice(end);
        }
        if seed.is_multiple_of(2) {
            out.extend_from_slice(b"event: delta");
            out.extend_from_slice(end);
        }
        if seed.is_multiple_of(101) {
            out.extend_from_slice(b"retry: 3000");
            out.extend_from_slice(end);
        }
        out.extend_from_slice(format!("id: {id}").as_bytes());
        out.extend_from_slice(end);
        for line in 0..=(seed >> 8) % 3 {
            let text = TEXTS[((seed >> 16) as usize + line as usize) % TEXTS.len()];
            out.extend_from_slice(b"data: ");
            out.extend_from_slice(text.as_bytes());
            out.extend_from_slice(end);
        }
        out.extend_from_slice(end);
    }
    out
}
