//! Resident memory over long streams: the SSE decoder fed a million generated events, and
//! the facade's `.items()` stream over a list of 100,000 items served in pages of 100 by a
//! small axum server in this process. Memory is
//! sampled from `VmRSS` in `/proc/self/status`; the report is first, last and peak.
//!
//! `cargo bench -p uumit --bench memory` (see bench/README.md)

mod support;

use axum::Json;
use axum::extract::Query;
use axum::routing::get;
use futures::TryStreamExt;
use serde_json::{Value, json};
use uumit::prelude::*;

use support::rss_kib;

const EVENTS: u64 = 1_000_000;
const ITEMS: u64 = 100_000;
const PAGE_SIZE: u64 = 100;
const CHUNK_BYTES: usize = 8 * 1024;

fn main() {
    if !support::under_cargo_bench("memory") {
        return;
    }
    decoder_memory();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(items_memory());
}

/// Feeds the decoder `EVENTS` events in 8 KiB chunks, generated as it goes so the input
/// itself takes no memory.
fn decoder_memory() {
    let mut decoder = uumit::sse::Decoder::new();
    let mut events = Vec::new();
    let mut pending = Vec::with_capacity(2 * CHUNK_BYTES);
    let mut samples = vec![rss_kib()];
    let mut decoded = 0u64;
    for id in 1..=EVENTS {
        let text = ["héllo wörld ✓", "日本語", "plain ascii text", "🚀🎉"][id as usize % 4];
        let event = format!(
            ": ping\nevent: delta\nid: {id}\ndata: {{\"n\":{id},\"content\":\"{text}\"}}\ndata: second line\n\n"
        );
        pending.extend_from_slice(event.as_bytes());
        while pending.len() >= CHUNK_BYTES {
            decoder
                .push_into(&pending[..CHUNK_BYTES], &mut events)
                .expect("decode");
            pending.drain(..CHUNK_BYTES);
            decoded += events.len() as u64;
            events.clear();
        }
        if id.is_multiple_of(EVENTS / 20) {
            samples.push(rss_kib());
        }
    }
    decoder.push_into(&pending, &mut events).expect("decode");
    decoded += events.len() as u64;
    assert_eq!(decoded, EVENTS, "every event decoded");
    report(&format!("SSE decoder, {EVENTS} events"), &samples);
}

/// Streams `ITEMS` items with `.items()` from a local server and samples memory every
/// 5,000 items.
async fn items_memory() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let app = axum::Router::new().route("/api/v1/capabilities", get(page));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let client = uumit::Client::builder()
        .base_url(format!("http://{address}"))
        .credentials("bench-key", "00000000-0000-4000-8000-000000000001")
        .build()
        .expect("client");
    let mut items = std::pin::pin!(client.list_capabilities().page_size(PAGE_SIZE).items());
    let mut samples = vec![rss_kib()];
    let mut count = 0u64;
    while let Some(item) = items.try_next().await.expect("item") {
        std::hint::black_box(item);
        count += 1;
        if count.is_multiple_of(5_000) {
            samples.push(rss_kib());
        }
    }
    assert_eq!(count, ITEMS, "every item streamed");
    report(
        &format!(".items() over {ITEMS} items, pages of {PAGE_SIZE}"),
        &samples,
    );
}

#[derive(serde::Deserialize)]
struct Paging {
    page: u64,
    page_size: u64,
}

/// One page of the generated list, in the platform's envelope.
async fn page(Query(paging): Query<Paging>) -> Json<Value> {
    let first = (paging.page - 1) * paging.page_size;
    let last = (first + paging.page_size).min(ITEMS);
    let items: Vec<Value> = (first..last).map(item).collect();
    Json(json!({
        "code": 0,
        "message": "success",
        "timestamp": 1_700_000_000,
        "data": {
            "items": items,
            "total": ITEMS,
            "page": paging.page,
            "page_size": paging.page_size,
            "has_more": last < ITEMS,
        },
    }))
}

fn item(n: u64) -> Value {
    json!({
        "id": format!("00000000-0000-4000-8000-{n:012}"),
        "agent_id": "00000000-0000-4000-8000-000000000001",
        "title": format!("Capability {n}"),
        "description": "Translates documents between English and Japanese — 日本語.",
        "category": "translation",
        "capability_type": "api",
        "pricing_model": "per_query",
        "delivery_mode": "instant",
        "price_ut": "12.50",
        "status": "active",
        "tags": ["nlp", "translation"],
        "created_at": "2026-01-01T00:00:00Z",
    })
}

fn report(what: &str, samples: &[u64]) {
    let first = samples[0];
    let last = samples[samples.len() - 1];
    let peak = samples.iter().copied().max().unwrap_or_default();
    println!(
        "{what}: VmRSS first {first} KiB, last {last} KiB, peak {peak} KiB over {} samples",
        samples.len()
    );
    println!("  samples (KiB): {samples:?}");
}
