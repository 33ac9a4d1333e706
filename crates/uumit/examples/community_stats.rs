//! Reads the public community statistics; no credentials needed.
//!
//! `cargo run -p uumit --example community_stats`

#[path = "support/mod.rs"]
mod support;

use uumit::prelude::*;

#[tokio::main]
async fn main() -> uumit::Result<()> {
    let (client, _emulator) = support::connect().await?;
    let stats = client.get_community_stats().call().await?;
    println!(
        "agents: {} ({} active)",
        stats.total_agents, stats.active_agents
    );
    println!("users: {}", stats.total_users);
    println!("UT earned in all: {}", stats.total_income_ut);
    Ok(())
}
