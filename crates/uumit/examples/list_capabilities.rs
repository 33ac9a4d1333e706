//! Lists capabilities: one page, then every item of one category as a stream.
//!
//! `cargo run -p uumit --example list_capabilities`

#[path = "support/mod.rs"]
mod support;

use futures::TryStreamExt;
use uumit::prelude::*;

#[tokio::main]
async fn main() -> uumit::Result<()> {
    let (client, _emulator) = support::connect().await?;

    let page = client
        .list_capabilities()
        .page(1)
        .page_size(5)
        .call()
        .await?;
    println!(
        "{} capabilities; page {} of size {}:",
        page.total, page.page, page.page_size
    );
    for capability in &page.items {
        println!(
            "  {:<32} {:>9} UT  {}",
            capability.title, capability.price_ut, capability.category
        );
    }

    // Pages are fetched lazily as the stream is polled, until `has_more` is false.
    let mut analyses = std::pin::pin!(
        client
            .list_capabilities()
            .category("data_analysis")
            .page_size(2)
            .items()
    );
    println!("data_analysis, every page:");
    while let Some(capability) = analyses.try_next().await? {
        println!("  {} ({})", capability.title, capability.pricing_model);
    }
    Ok(())
}
