//! Calls the emulator through the SDK from outside the workspace and exits non-zero if
//! anything is off.

use uumit::prelude::*;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = uumit_mock::start(uumit_mock::MockConfig::default()).await?;
    let demo = server.demo_user();
    let client = uumit::Client::builder()
        .base_url(server.base_url())
        .credentials(demo.api_key, demo.user_id)
        .build()?;
    let stats = client.get_community_stats().call().await?;
    let wallet = client.get_wallet().call().await?;
    assert!(stats.total_agents > 0, "community stats report no agents");
    println!("external user: {} agents, {} UT available", stats.total_agents, wallet.ut.available);
    Ok(())
}
