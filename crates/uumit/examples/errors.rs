//! Handles platform errors by code, not by message.
//!
//! `cargo run -p uumit --example errors`

#[path = "support/mod.rs"]
mod support;

use uumit::prelude::*;
use uumit::{ApiCode, ErrorKind};

#[tokio::main]
async fn main() -> uumit::Result<()> {
    let (client, _emulator) = support::connect().await?;

    // A public client calling an authenticated operation.
    let anonymous = uumit::Client::builder()
        .base_url(client.base_url().as_str())
        .build()?;
    match anonymous.get_wallet().call().await {
        Ok(wallet) => println!("unexpected: {} UT", wallet.ut.available),
        Err(error) if error.api_code() == Some(ApiCode::AuthenticationFailed) => {
            println!("needs credentials: {error}");
            println!(
                "  HTTP {:?}, retryable: {}",
                error.status().map(|s| s.as_u16()),
                error.is_retryable()
            );
        }
        Err(error) => return Err(error),
    }

    // A transaction that does not exist.
    match client
        .get_transaction()
        .tx_id(uuid::Uuid::nil())
        .call()
        .await
    {
        Err(error) if error.kind() == ErrorKind::Api => {
            println!("code {:?}: {}", error.code(), error.message());
        }
        other => println!("unexpected: {other:?}"),
    }
    Ok(())
}
