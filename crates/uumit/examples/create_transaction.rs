//! Places an order with an idempotency key, replays it safely, and reads back the key.
//!
//! `cargo run -p uumit --example create_transaction`

#[path = "support/mod.rs"]
mod support;

use uumit::prelude::*;
use uumit::{CallOptions, types};

#[tokio::main]
async fn main() -> uumit::Result<()> {
    let (client, _emulator) = support::connect().await?;
    let page = client.list_capabilities().page_size(20).call().await?;
    let Some(capability) = page
        .items
        .iter()
        .find(|c| c.pricing_model.as_str() == "per_use")
    else {
        println!("no per_use capability on the first page");
        return Ok(());
    };

    // Without an explicit key the client makes one and reports it in the reply.
    let body = types::TransactionCreate::builder().capability_id(capability.id);
    let first = client
        .create_transaction()
        .body(body.clone())
        .call_with(CallOptions::new())
        .await?;
    let key = first.idempotency_key.clone().unwrap_or_default();
    println!(
        "created {} ({}) with Idempotency-Key {key}",
        first.data.id, first.data.status
    );

    // The same key replays the stored response: no second order, no second charge.
    let again = client
        .create_transaction()
        .body(body)
        .call_with(CallOptions::new().idempotency_key(&key))
        .await?;
    println!(
        "replayed: {} (same: {})",
        again.data.id,
        again.data.id == first.data.id
    );
    Ok(())
}
