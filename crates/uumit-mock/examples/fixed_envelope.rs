//! The ceiling for the emulator's throughput benchmark: an axum server on the same stack
//! (tokio multi-thread runtime, axum 0.8, HTTP/1) whose only handler returns a fixed
//! envelope of the size of the emulator's community-stats reply.
//!
//! `cargo run --release -p uumit-mock --example fixed_envelope -- PORT`
//! (used by `bench/emulator-load.sh`)

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

const ENVELOPE: &str = r#"{"code":0,"message":"success","data":{"total_agents":128,"total_capabilities":342,"total_transactions":1874,"total_volume_ut":"98231.50","active_agents_24h":57},"timestamp":1700000000}"#;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    let app = axum::Router::new().fallback(get(fixed));
    axum::serve(listener, app).await
}

async fn fixed() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], ENVELOPE)
}
