//! The ceiling for the emulator's throughput benchmark: an axum server on the same stack
//! (tokio multi-thread runtime, axum 0.8, HTTP/1) whose only handler returns a fixed body.
//!
//! `cargo run --release -p uumit-mock --example fixed_envelope -- PORT [BODY_FILE]`
//!
//! Without `BODY_FILE` the body is a constant 184-byte envelope shaped like the
//! community-stats reply. With it, the body is that file's bytes, so the ceiling for an
//! operation can be measured with the very reply the emulator sends for it (used by
//! `bench/emulator-load.sh`).

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use bytes::Bytes;

const ENVELOPE: &str = r#"{"code":0,"message":"success","data":{"total_agents":128,"total_capabilities":342,"total_transactions":1874,"total_volume_ut":"98231.50","active_agents_24h":57},"timestamp":1700000000}"#;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let body = match args.next() {
        Some(path) => Bytes::from(std::fs::read(&path).map_err(|error| {
            std::io::Error::new(
                error.kind(),
                format!("cannot read the body file {path}: {error}"),
            )
        })?),
        None => Bytes::from_static(ENVELOPE.as_bytes()),
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    let app = axum::Router::new().fallback(get(move || fixed(body.clone())));
    axum::serve(listener, app).await
}

async fn fixed(body: Bytes) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], body)
}
